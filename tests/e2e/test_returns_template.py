"""The returns template in Chromium: a frequent returner's request (R9), made in Chinese
with store credit and a drop-off QR, waits in the agent's inbox with the policy's reason.
The bundle is imported over the sandbox connectors, so the order lookup and the flow's
ERP check are real HTTP calls. R1 from portal to refund is test_returns_r1_journey.py.
Screenshots: tests/e2e/artifacts/returns-*.png.
"""

# ruff: noqa: RUF001  (full-width punctuation is correct in Chinese text)

from __future__ import annotations

import re
from pathlib import Path

from app.extensions import db
from app.models import FlowInstance
from tests.factories import DEFAULT_PASSWORD, make_user

ARTIFACTS = Path(__file__).parent / "artifacts"
BUNDLE = Path(__file__).resolve().parents[2] / "seed_templates" / "cross_border_returns"


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _request(page, base: str, number: str, email: str) -> None:
    page.goto(base + "/portal/")
    page.get_by_role("link", name="开始").click()
    page.get_by_label("订单号").fill(number)
    page.get_by_label("电子邮箱").fill(email)
    page.get_by_role("button", name="查找订单").click()
    page.get_by_text(f"已找到订单 {number}。").wait_for()


def test_r9_request_in_chinese_waits_for_review_in_the_inbox(live_app, chromium):
    from playwright.sync_api import sync_playwright

    from app.sandbox.install import install_connectors
    from app.services.bundles import import_bundle
    from tests.e2e.conftest import CHROMIUM_ARGS

    base, app = live_app
    app.config.update(PUBLIC_BASE_URL=base, CONNECTOR_ALLOWLIST=["127.0.0.1"])
    with app.app_context():
        install_connectors()
        import_bundle(BUNDLE)
        db.session.commit()
        make_user("staff", teams=("cs_agent",), email="agent@example.test")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="zh-CN", viewport={"width": 1100, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            _request(page, base, "SO-DE-10711", "sven.koch@example.de")
            page.locator('select[name="reason"]').select_option("changed_mind")
            page.get_by_label("我的商品没有卫生封条").check()
            page.get_by_label("店铺积分（额外赠送 10%）").check()
            page.get_by_label("凭二维码到网点寄件（无需打印）").check()
            page.get_by_label("我确认商品完整，并同意退货政策。").check()
            page.get_by_role("button", name="提交申请").click()
            page.wait_for_url(re.compile(r".*/portal/case/[^/]+/thanks$"))
            with app.app_context():
                assert app.extensions["formloom.jobs"].wait_idle(30)
            page.goto(page.url.removesuffix("/thanks"))
            assert page.get_by_text("客服正在审核您的申请").is_visible()
            _shot(page, "returns-4-status-review-zh")

            staff = browser.new_context(locale="en", viewport={"width": 1280, "height": 900})
            inbox = staff.new_page()
            inbox.goto(base + "/login")
            inbox.get_by_label("E-mail").fill("agent@example.test")
            inbox.get_by_label("Password").fill(DEFAULT_PASSWORD)
            inbox.get_by_role("button", name="Sign in").click()
            inbox.goto(base + "/inbox/?tab=pool")
            inbox.get_by_role("link", name="Review return request").first.click()
            inbox.get_by_text("When rejecting: the reason the customer sees").wait_for()
            assert inbox.get_by_text("5 or more returns in the last 90 days").is_visible()
            assert inbox.get_by_text("Sven Koch").first.is_visible()
            _shot(inbox, "returns-5-inbox-review-task")
            with app.app_context():
                cases = db.session.scalars(db.select(FlowInstance)).all()
                assert [c.status for c in cases] == ["waiting"]
        finally:
            context.close()
            browser.close()
