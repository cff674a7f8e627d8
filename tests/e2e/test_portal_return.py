"""A Chinese-speaking customer returns a damaged item through the portal in Chromium.

The browser says it prefers zh-CN, so the portal answers in Chinese without being
asked. The customer finds the order (a real HTTP lookup against a fake ERP), picks
"arrived damaged" — which shows the damage fields through the form's rules in the
browser — describes the damage, attaches a photo, sends the request, sees the case
number and opens the status page. Screenshots go to tests/e2e/artifacts/.
"""

# ruff: noqa: RUF001  (full-width punctuation is correct in Chinese text)

from __future__ import annotations

import re
from pathlib import Path

from app.extensions import db
from app.models import FlowInstance, StoredFile
from tests.app.forms.kit import jpeg_bytes
from tests.app.portal.conftest import (
    MORE_INFO_FORM,
    RETURN_FORM,
    publish,
    publish_erp_connector,
    returns_flow,
    running_erp,
)

ARTIFACTS = Path(__file__).parent / "artifacts"


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_customer_returns_a_damaged_item_in_chinese(live_app, chromium, tmp_path):
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import CHROMIUM_ARGS

    base, app = live_app
    photo = tmp_path / "破损.jpg"
    photo.write_bytes(jpeg_bytes(size=(640, 480)))
    with running_erp() as erp, sync_playwright() as playwright:
        with app.app_context():
            publish_erp_connector(app, erp.url)
            publish("form", "portal.return_request", "Return request", RETURN_FORM)
            publish("form", "portal.more_info", "More information", MORE_INFO_FORM)
            publish("flow", "portal.returns", "Returns", returns_flow(lookup=True))
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="zh-CN", viewport={"width": 1100, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            page.goto(base + "/portal/")
            assert page.get_by_role("heading", name="我们能为您做些什么？").is_visible()
            _shot(page, "portal-1-index-zh")
            page.get_by_role("link", name="开始").click()

            page.get_by_label("订单号").fill("SO-2002")
            page.get_by_label("电子邮箱").fill("bo@example.cn")
            _shot(page, "portal-2-lookup-zh")
            page.get_by_role("button", name="查找订单").click()
            assert page.get_by_text("已找到订单 SO-2002。").is_visible()
            assert page.locator('input[name="items/0/sku"]').input_value() == "SHOE-42"

            damage = page.get_by_label("哪里损坏了")
            assert not damage.is_visible(), "the damage field waits for its condition"
            page.get_by_label("收到时已损坏").check()
            damage.wait_for(state="visible")
            damage.fill("鞋底开胶 <script>alert(1)</script>")
            page.get_by_label("损坏照片").set_input_files(str(photo))
            _shot(page, "portal-3-form-zh")
            page.get_by_role("button", name="提交申请").click()

            page.wait_for_url(re.compile(r".*/portal/case/[^/]+/thanks$"))
            assert page.get_by_role("heading", name="谢谢，我们已收到您的申请").is_visible()
            case_number = page.locator(".portal-case-number").inner_text().strip()
            assert re.fullmatch(r"RMA-\d{6}", case_number)
            _shot(page, "portal-4-confirmation-zh")

            page.get_by_role("link", name="查看案件进度").click()
            assert page.get_by_role("heading", name=f"案件 {case_number}").is_visible()
            assert page.get_by_text("已收到申请").is_visible()
            assert page.get_by_role("link", name="破损.jpg").is_visible()
            _shot(page, "portal-5-status-zh")

            # Customer service asks for more details; the status page asks the customer.
            with app.app_context():
                _staff_asks_for_details(case_number)
            page.reload()
            assert page.get_by_role("heading", name="我们需要您提供更多信息").is_visible()
            page.get_by_label("请详细描述损坏情况").fill("左脚鞋底前端开胶约 3 厘米")
            _shot(page, "portal-6-more-info-zh")
            page.get_by_role("button", name="提交回复").click()
            assert page.get_by_text("谢谢，我们已收到您的回复。").is_visible()
            assert page.get_by_text("已收到您的回复", exact=True).is_visible()
            _shot(page, "portal-7-answered-zh")

            page.get_by_role("link", name="English").click()
            assert page.get_by_role("heading", name=f"Case {case_number}").is_visible()
            assert page.get_by_text("Your answer arrived").is_visible()
            _shot(page, "portal-8-status-en")
        finally:
            context.close()
            browser.close()

    with app.app_context():
        instance = db.session.scalar(db.select(FlowInstance))
        assert instance.case_number == case_number
        assert instance.variables["reason"] == "damaged"
        assert instance.variables["damage"] == "鞋底开胶 <script>alert(1)</script>"
        assert db.session.scalar(
            db.select(StoredFile).where(StoredFile.instance_id == instance.id)) is not None
        assert instance.variables["more_info"] == {"details": "左脚鞋底前端开胶约 3 厘米"}


def _staff_asks_for_details(case_number: str) -> None:
    from app.flows import service
    from app.models import Task
    from tests.factories import make_user

    instance = db.session.scalar(
        db.select(FlowInstance).where(FlowInstance.case_number == case_number))
    task = db.session.scalar(db.select(Task).where(
        Task.instance_id == instance.id, Task.node_id == "fraud_check", Task.status == "open"))
    agent = make_user("staff", teams=("cs_agent",))
    service.complete_task(task.id, "need_info", {}, agent)
    db.session.commit()
