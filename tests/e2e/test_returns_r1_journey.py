"""R1 in Chromium from the portal to the refund, every screen a person sees on the way.

Max Müller's browser prefers Chinese: he finds order SO-DE-10630, returns the T-shirt
for size and follows his case on the status page. The sandbox carrier posts its signed
tracking webhooks (through the sandbox's own control, as it would in a demo); the EU
warehouse scans the parcel's RMA barcode into the inbox, lands on the inspection task
and grades it A; the flow pays the refund through the payment sandbox, which must hold
exactly one refund of EUR 44.95 for the case; Max sees it; a manager finds the case on
the operations board and drills to it. One browser, one app, the bundle imported over
the sandbox connectors. Screenshots: tests/e2e/artifacts/r1-*.png.
"""

# ruff: noqa: RUF001  (full-width punctuation is correct in Chinese text)

from __future__ import annotations

import re
from pathlib import Path

from app.extensions import db
from app.models import FlowInstance
from app.sandbox.store import DatabaseStore
from tests.e2e.test_dashboards_drilldown import click_tallest_bar
from tests.factories import DEFAULT_PASSWORD, make_api_token, make_user

ARTIFACTS = Path(__file__).parent / "artifacts"
BUNDLE = Path(__file__).resolve().parents[2] / "seed_templates" / "cross_border_returns"


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"r1-{name}.png"), full_page=True)


def settle(app) -> None:
    """Let the flow's jobs (service calls through the outbox, projections) finish."""
    with app.app_context():
        assert app.extensions["formloom.jobs"].wait_idle(30)


def sign_in(page, base: str, email: str, home: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**{home}")


def carrier_posts(app, admin_token: str, tracking: str, status: str) -> None:
    """The sandbox carrier emits its signed tracking webhook to the app's hook URL."""
    sent = app.test_client().post(
        "/sandbox/_control/carrier/tracking", headers={"Authorization": f"Bearer {admin_token}"},
        json={"tracking_number": tracking, "status": status})
    assert sent.status_code == 200, sent.get_data(as_text=True)[:500]
    assert 200 <= sent.json["webhook"]["status"] < 300, sent.json
    settle(app)


def the_case(app) -> FlowInstance:
    with app.app_context():
        [case] = db.session.scalars(db.select(FlowInstance)).all()
        db.session.expunge(case)
        return case


def test_r1_from_the_portal_in_chinese_to_the_refund_and_the_board(live_app, chromium):
    from playwright.sync_api import sync_playwright

    from app.sandbox.install import install_connectors
    from app.services.bundles import import_bundle
    from tests.e2e.conftest import CHROMIUM_ARGS

    base, app = live_app
    app.config.update(PUBLIC_BASE_URL=base, CONNECTOR_ALLOWLIST=["127.0.0.1"])
    with app.app_context():
        install_connectors()
        import_bundle(BUNDLE)
        make_user("staff", teams=("warehouse_eu",), email="wes@example.test",
                  name="Wes Warehouse")
        make_user("manager", email="mia@example.test", name="Mia Manager")
        admin_token = make_api_token(make_user("admin"))
        db.session.commit()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        customer = browser.new_context(locale="zh-CN", viewport={"width": 1100, "height": 900})
        staff = browser.new_context(locale="en", viewport={"width": 1280, "height": 900})
        try:
            portal, inbox = customer.new_page(), staff.new_page()
            for page in (portal, inbox):
                page.set_default_timeout(15_000)

            # 1. Max asks for the return in Chinese and follows the case.
            portal.goto(base + "/portal/")
            shot(portal, "01-portal-zh")
            portal.get_by_role("link", name="开始").click()
            portal.get_by_label("订单号").fill("SO-DE-10630")
            portal.get_by_label("电子邮箱").fill("max.mueller@example.de")
            portal.get_by_role("button", name="查找订单").click()
            portal.get_by_text("已找到订单 SO-DE-10630。").wait_for()
            assert portal.locator('input[name="items/0/sku"]').input_value() == "TS-BAS-M"
            portal.locator('select[name="reason"]').select_option("size")
            portal.get_by_label("我的商品没有卫生封条").check()
            portal.get_by_label("退款到原支付方式").check()
            portal.get_by_label("预付退货标签（在家打印）").check()
            portal.get_by_label("我确认商品完整，并同意退货政策。").check()
            shot(portal, "02-request-zh")
            portal.get_by_role("button", name="提交申请").click()
            portal.wait_for_url(re.compile(r".*/portal/case/[^/]+/thanks$"))
            assert portal.get_by_role("heading", name="谢谢，我们已收到您的申请").is_visible()
            case_number = portal.locator(".portal-case-number").inner_text().strip()
            shot(portal, "03-thanks-zh")
            settle(app)  # policy, routing, label: the case now waits for the carrier
            portal.get_by_role("link", name="查看案件进度").click()
            assert portal.get_by_role("heading", name=f"案件 {case_number}").is_visible()
            assert portal.get_by_text("您的退货申请已批准：请寄出包裹").is_visible()
            assert portal.get_by_role("link", name="退货标签和报关单 (PDF)").is_visible()
            shot(portal, "04-status-label-zh")
            case = the_case(app)
            assert (case.case_number, case.status) == (case_number, "waiting")
            assert case.variables["policy"]["decision"] == "auto_approve"

            # 2. The parcel travels: the sandbox carrier posts signed tracking webhooks.
            tracking = case.variables["label"]["tracking_number"]
            carrier_posts(app, admin_token, tracking, "in_transit")
            portal.reload()
            assert portal.get_by_text("您的包裹正在寄往我们的退货中心").is_visible()
            shot(portal, "05-status-in-transit-zh")
            carrier_posts(app, admin_token, tracking, "delivered")

            # 3. The EU warehouse scans the RMA barcode (a keyboard wedge: keys + Enter).
            sign_in(inbox, base, "wes@example.test", "/inbox/")
            inbox.keyboard.press("s")
            inbox.keyboard.type(case_number)
            shot(inbox, "06-inbox-scan")
            inbox.keyboard.press("Enter")
            inbox.wait_for_url("**/inbox/tasks/*")
            assert inbox.get_by_role("heading", name="Inspect return").is_visible()
            assert inbox.get_by_text("1 x Basic T-shirt, M (TS-BAS-M)").is_visible()
            assert "Schönhauser Allee 36" in inbox.content()  # case data as text, not JSON
            inbox.get_by_label("The items match the request (SKU and quantity)").check()
            inbox.get_by_label("Serial number matches the one sold (or the item has none)").check()
            inbox.get_by_label("A - like new, restock").check()
            shot(inbox, "07-inspection-task")
            inbox.get_by_role("button", name=re.compile("^Inspected")).click()
            inbox.wait_for_url("**/inbox/")
            shot(inbox, "08-inbox-after-inspection")
            settle(app)

            # 4. The refund is paid once, EUR 44.95, and Max sees it.
            case = the_case(app)
            assert case.status == "completed", case.variables.get("refund_error")
            with app.app_context():
                paid = DatabaseStore().list("payment.refund")
            assert [(r["amount"], r["currency"].upper()) for r in paid] == [(4495, "EUR")]
            assert paid[0]["id"] == case.variables["refund"]["id"]
            assert paid[0]["payment_intent"] == case.variables["order"]["payment_reference"]
            portal.reload()
            assert portal.get_by_text("退货已完成，退款已发放").is_visible()
            shot(portal, "09-status-refunded-zh")

            # 5. A manager finds the case on the operations board and drills to it.
            inbox.context.clear_cookies()
            sign_in(inbox, base, "mia@example.test", "/dashboards/")
            inbox.get_by_role("link", name="Returns operations").click()
            inbox.wait_for_url("**/dashboards/returns.operations")
            settle(app)  # the board asked for a projection catch-up; let it finish
            inbox.reload()
            inbox.locator("[data-widget=by_country] .figure .bars .point").first.wait_for()
            assert inbox.locator("[data-widget=returns] .kpi-value").inner_text() == "1"
            shot(inbox, "10-operations-board")
            for level in ("DE", "size", "TS-BAS-M"):  # country -> reason -> SKU -> rows
                assert click_tallest_bar(inbox, "[data-widget=by_country]") == level
                inbox.wait_for_url(f"**path={level}**")
            assert re.fullmatch(r"1 cases?", inbox.locator("h1").inner_text())  # reads "1 cases"
            inbox.get_by_role("link", name="Open case").click()
            inbox.wait_for_url("**/dashboards/cases/*")
            assert inbox.locator("h1").inner_text().startswith(f"Case {case_number}")
            shot(inbox, "11-board-case")
        finally:
            customer.close()
            staff.close()
            browser.close()
