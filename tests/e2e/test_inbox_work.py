"""A day in the inbox: claim from the pool by keyboard, answer, bulk-approve with one
task taken meanwhile, and a warehouse scan that lands on the parcel's task.

Screenshots go to tests/e2e/artifacts/ for people to look at.
"""

from __future__ import annotations

from pathlib import Path

from app.extensions import db
from app.flows import service
from app.models import FlowInstance, Task, User
from app.services import definitions
from app.services.users import ensure_team
from tests.app.inbox.conftest import INSPECT, REVIEW
from tests.factories import DEFAULT_PASSWORD, make_user

ARTIFACTS = Path(__file__).parent / "artifacts"


def snap(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def sign_in(page, base: str, email: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/inbox/")


def test_staff_work_the_inbox(live_app, page):
    base, app = live_app
    with app.app_context():
        ensure_team("cs_lead")
        ensure_team("cs_agent", manager="cs_lead")
        ensure_team("warehouse_eu", manager="cs_lead")
        for key, body in (("returns.review", REVIEW), ("warehouse.inspect", INSPECT)):
            definitions.save_draft("flow", key, key, body)
            definitions.publish("flow", key)
        agent = make_user("staff", teams=("cs_agent",), email="chen@example.test",
                          name="Chen Agent")
        colleague = make_user("staff", teams=("cs_agent",), email="cora@example.test",
                              name="Cora Colleague")
        keeper = make_user("staff", teams=("warehouse_eu",), email="wes@example.test",
                           name="Wes Warehouse")
        customers = [("Ana Lima", "PT", 89), ("Ben Okafor", "DE", 129), ("Chloé Martin", "FR", 45)]
        for n, (name, country, amount) in enumerate(customers):
            service.start("returns.review", {
                "rma": f"RMA-{n}", "country": country, "refund_amount": amount,
                "currency": "EUR", "customer": {"name": name, "email": f"c{n}@example.com"},
                "items": [{"sku": f"SKU-{n}", "name": "Linen shirt", "qty": 1}]})
        service.start("warehouse.inspect", {"rma": "RMA-4242", "country": "NL",
                                            "customer": {"name": "Dirk de Vries"}})
        db.session.commit()
        colleague_id = colleague.id
        assert keeper.id and agent.id

    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, base, "chen@example.test")
    snap(page, "inbox-01-todo")
    page.get_by_role("link", name="Team pool").click()
    rows = page.locator("[data-inbox-list] tbody tr")
    assert rows.count() == 3

    # keyboard: j highlights the first row, Enter opens it, c claims, 1 approves
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    page.wait_for_url("**/inbox/tasks/*")
    first_url = page.url
    assert page.get_by_text("Ana Lima").first.is_visible()
    snap(page, "inbox-02-task")
    with page.expect_navigation():
        page.keyboard.press("c")
    assert page.get_by_text("You claimed this task").is_visible()
    assert page.get_by_text("With you").is_visible()
    snap(page, "inbox-03-claimed")
    page.keyboard.press("1")
    page.wait_for_url("**/inbox/")
    assert page.get_by_text("Done: Review the return — approve.").is_visible()

    page.get_by_role("link", name="Team pool").click()
    assert page.locator("[data-inbox-list] tbody tr").count() == 2
    page.get_by_role("link", name="Completed by me").click()
    assert page.locator(f'[data-inbox-list] a[href="{first_url.removeprefix(base)}"]').count() == 1
    snap(page, "inbox-04-completed")

    # bulk: select both pool tasks; a colleague claims one before we confirm
    page.get_by_role("link", name="Team pool").click()
    page.get_by_label("Select all").check()
    assert page.get_by_text("2 selected").is_visible()
    page.get_by_role("button", name="Approve selected…").click()
    assert page.get_by_role("heading", name="Approve 2 tasks?").is_visible()
    snap(page, "inbox-05-bulk-confirm")
    with app.app_context():
        from app.services import tasks

        taken = db.session.scalars(db.select(Task).where(Task.status == "open",
                                                         Task.team_key == "cs_agent")
                                   .order_by(Task.id)).first()
        tasks.claim(taken.id, db.session.get(User, colleague_id))
        db.session.commit()
    page.get_by_role("button", name="Yes, approve 2 tasks").click()
    assert page.get_by_role("heading", name="1 done, 1 not done").is_visible()
    assert page.get_by_text("Cora Colleague claimed this task first.").is_visible()
    snap(page, "inbox-06-bulk-result")

    # the warehouse scans a parcel label: the scanner types the RMA and presses Enter
    page.context.clear_cookies()
    sign_in(page, base, "wes@example.test")
    page.keyboard.press("s")
    page.keyboard.type("RMA-4242")
    page.keyboard.press("Enter")
    page.wait_for_url("**/inbox/tasks/*")
    assert page.get_by_role("heading", name="Inspect the parcel").is_visible()
    snap(page, "inbox-07-scanned")
    page.goto(base + "/inbox/")
    page.get_by_label("Scan or type a case / RMA number").fill("RMA-9999")
    page.get_by_label("Scan or type a case / RMA number").press("Enter")
    assert page.get_by_text("No task waits for you on “RMA-9999”").is_visible()
    snap(page, "inbox-08-scan-miss")
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(FlowInstance)
                                 .where(FlowInstance.status == "completed")) == 2
