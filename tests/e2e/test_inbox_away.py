"""Away with a stand-in, as both people see it, and the notices a task brings.

Screenshots go to tests/e2e/artifacts/.
"""

from __future__ import annotations

from datetime import timedelta

from app.extensions import db
from app.flows import service
from app.models import utcnow
from app.services import definitions
from tests.app.inbox.conftest import PERSONAL
from tests.e2e.test_inbox_work import sign_in, snap
from tests.factories import make_user


def test_away_period_routes_new_work_to_the_stand_in(live_app, page):
    base, app = live_app
    with app.app_context():
        definitions.save_draft("flow", "refund.signoff", "Refund sign-off", PERSONAL)
        definitions.publish("flow", "refund.signoff")
        make_user("staff", teams=("finance",), email="fiona@example.test", name="Fiona Finance")
        make_user("staff", teams=("finance",), email="stan@example.test", name="Stan Standin")
        db.session.commit()

    sign_in(page, base, "fiona@example.test")
    page.get_by_role("link", name="Away & stand-in").click()
    now = utcnow()
    page.get_by_label("Away from (UTC)").fill((now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Back on (UTC, optional)").fill(
        (now + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Stand-in").select_option(label="Stan Standin (stan@example.test)")
    page.get_by_role("button", name="Save away period").click()
    assert page.get_by_text("new tasks for you go to Stan Standin").first.is_visible()
    snap(page, "inbox-09-away-set")
    page.get_by_role("link", name="Tasks").click()
    assert page.get_by_text("You are away until").is_visible()

    with app.app_context():
        service.start("refund.signoff", {"customer": {"name": "Ana Lima"}, "refund_amount": 40,
                                         "currency": "EUR"})
        db.session.commit()

    page.context.clear_cookies()
    sign_in(page, base, "stan@example.test")
    assert page.get_by_text("You are standing in for Fiona Finance").is_visible()
    assert page.get_by_text("for Fiona Finance").last.is_visible()
    snap(page, "inbox-10-stand-in")
    page.get_by_role("link", name="Notices").click()
    assert page.get_by_text("New task for you: Sign off the refund").is_visible()
    standing_in = "You are standing in for Fiona Finance while they are away."
    assert page.get_by_text(standing_in).is_visible()
    snap(page, "inbox-11-notices")
    page.get_by_label("Also send me each notice by e-mail").uncheck()
    page.get_by_role("button", name="Save").click()
    assert page.get_by_text("E-mails are off").is_visible()
