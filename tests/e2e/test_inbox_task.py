"""A case waits in the inbox; an agent opens it, reads the case and approves it."""

from __future__ import annotations

from app.extensions import db
from app.flows import service
from app.services import definitions
from app.services.users import ensure_team
from tests.app.flows.test_flow_api import APPROVAL
from tests.e2e.conftest import shot
from tests.factories import DEFAULT_PASSWORD, make_user


def test_agent_approves_a_case_from_the_inbox(live_app, page):
    base, app = live_app
    with app.app_context():
        ensure_team("cs_lead")
        ensure_team("cs_agent", manager="cs_lead")
        definitions.save_draft("flow", "returns.approval", "Return approval", APPROVAL)
        definitions.publish("flow", "returns.approval")
        agent = make_user("staff", teams=("cs_agent",), email="chen@example.test",
                          name="Chen Agent")
        service.start("returns.approval", {"rma": "RMA-31", "reason": "size",
                                           "note": '<img src=x onerror="alert(1)">'})
        db.session.commit()
        email = agent.email

    page.goto(base + "/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/inbox/")
    shot(page, "inbox-list")
    page.get_by_role("link", name="Review the return").click()
    assert page.get_by_role("heading", name="Review the return").is_visible()
    assert page.get_by_text('<img src=x onerror="alert(1)">').is_visible()
    assert page.locator("img").count() == 0
    shot(page, "inbox-task")
    page.get_by_role("button", name="Approve").click()
    page.wait_for_url("**/inbox/")
    assert page.get_by_text("Done: Review the return — approve.").is_visible()
    assert page.get_by_text("No open tasks for you or your teams.").is_visible()
