"""The cross-border returns bundle, imported into a live app whose connectors reach the sandbox.

The app is served on a loopback port (`served`) and `install_connectors` aims the preset
connectors at its own `/sandbox/...` simulators, so the portal's order lookup and the
flow's service nodes make real HTTP calls to the seeded ERP. Customers are driven with
the test client through `/portal`, staff through `/inbox`, exactly as people use them.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from app.extensions import db
from app.jobs import get_dispatcher
from app.jobs.timers import sweep_due_timers
from app.models import FlowInstance, Task, Timer, User, utcnow
from app.sandbox.store import DatabaseStore
from tests.app.portal.conftest import hidden_fields
from tests.app.sandbox.conftest import served  # noqa: F401 - fixture
from tests.factories import csrf_token, login, make_api_token, make_user

BUNDLE = Path(__file__).resolve().parents[3] / "seed_templates" / "cross_border_returns"
FLOW = "returns.rma"
#: The long scenario tests (a real server, webhooks, inbox) are not about the database:
#: `pytestmark = SQLITE_ONLY` runs a module on SQLite alone to keep CI short.
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def returns_app(served):  # noqa: F811 - the imported fixture
    """(app, staff): the bundle imported over the installed sandbox connectors."""
    from app.sandbox.install import install_connectors
    from app.services.bundles import import_bundle

    _base, app = served
    install_connectors()
    import_bundle(BUNDLE)
    db.session.commit()
    staff = {
        "agent": make_user("staff", teams=("cs_agent",), email="agent@example.test"),
        "lead": make_user("staff", teams=("cs_lead", "cs_agent"), email="lead@example.test"),
        "finance": make_user("staff", teams=("finance",), email="finance@example.test"),
        **{team: make_user("staff", teams=(team,), email=f"{team}@example.test")
           for team in ("warehouse_eu", "warehouse_uk", "warehouse_us")},
    }
    return app, staff


def look_up(client, number: str, email: str, locale: str = "en"):
    """The portal's order lookup; the answer is the prefilled request form (or a refusal)."""
    headers = {"Accept-Language": locale}
    page = client.get(f"/portal/r/{FLOW}", headers=headers)
    assert page.status_code == 200, page.get_data(as_text=True)[:500]
    csrf = hidden_fields(page.get_data(as_text=True))["csrf_token"]
    return client.post(f"/portal/r/{FLOW}/lookup", headers=headers,
                       data={"csrf_token": csrf, "order_number": number, "email": email})


def prefilled(html: str) -> dict[str, str]:
    """The values the lookup put into the form's visible fields (order, e-mail, items)."""
    values = dict(re.findall(r'name="([a-z_]+(?:/\d+/[a-z_]+)?)"[^>]*? value="([^"]*)"', html))
    return {k: v for k, v in values.items()
            if k in ("order_number", "email") or k.startswith("items/")}


def request_return(client, number: str, email: str, locale: str = "en",
                   keep: tuple[int, ...] = (), **answers: Any):
    """Look the order up and submit a return for its lines (but the `keep` line indexes)."""
    found = look_up(client, number, email, locale)
    html = found.get_data(as_text=True)
    assert found.status_code == 200, html[:1500]
    lines = {k: v for k, v in prefilled(html).items()
             if not any(k.startswith(f"items/{i}/") for i in keep)}
    data = {**hidden_fields(html), **lines}
    data.update({"hygiene_seal": "not_applicable", "resolution": "refund",
                 "return_method": "label", "consent": "true"})
    data.update(answers)
    return client.post(f"/portal/r/{FLOW}", data=data, content_type="multipart/form-data",
                       headers={"Accept-Language": locale})


def settle() -> None:
    """Let the jobs run (service calls through the outbox) and read fresh rows."""
    assert get_dispatcher().wait_idle(30)
    db.session.expire_all()


def the_case() -> FlowInstance:
    [instance] = db.session.scalars(  # not the quality check a defect return starts
        db.select(FlowInstance).where(FlowInstance.flow_key == FLOW)).all()
    return instance


def status_page(client, response, locale: str = "en") -> str:
    location = response.headers["Location"]
    match = re.search(r"/portal/case/([^/]+)/thanks$", location)
    assert match, location
    page = client.get(f"/portal/case/{match.group(1)}", headers={"Accept-Language": locale})
    assert page.status_code == 200
    return page.get_data(as_text=True)


def fire_timers(key_like: str) -> None:
    """The test clock: make the case's matching timers due now and let the sweeper fire them."""
    db.session.execute(db.update(Timer).where(Timer.fired_at.is_(None), Timer.key.like(key_like))
                       .values(due_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    sweep_due_timers()
    settle()


def answer_task(client, user: User, task: Task, outcome: str, **fields: Any):
    """A colleague opens the task in the inbox and answers it (form fields + outcome)."""
    staff = client.application.test_client()
    login(staff, user)
    page = f"/inbox/tasks/{task.id}"
    done = staff.post(f"{page}/complete", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(staff, page), "outcome": outcome, **fields})
    assert done.status_code == 302, done.get_data(as_text=True)[:1500]
    settle()
    return done


def open_task(node_id: str) -> Task:
    [task] = db.session.scalars(db.select(Task).where(
        Task.node_id == node_id, Task.status.in_(("open", "claimed")))).all()
    return task


def carrier_scan(client, status: str = "in_transit") -> dict:
    """The sandbox carrier posts its signed tracking webhook for the case's parcel."""
    admin = {"Authorization": f"Bearer {make_api_token(make_user('admin'))}"}
    tracking = the_case().variables["label"]["tracking_number"]
    sent = client.post("/sandbox/_control/carrier/tracking", headers=admin,
                       json={"tracking_number": tracking, "status": status})
    assert sent.status_code == 200, sent.get_data(as_text=True)[:500]
    assert 200 <= sent.json["webhook"]["status"] < 300, sent.json
    settle()
    return sent.json


def warehouse_grades(client, user: User, grade: str, **fields: Any):
    """The parcel arrives: the warehouse scans the RMA barcode in the inbox and grades it."""
    carrier_scan(client, "delivered")
    staff = client.application.test_client()
    login(staff, user)
    scanned = staff.get(f"/inbox/scan?code={the_case().case_number}")
    assert scanned.status_code == 302, scanned.get_data(as_text=True)[:500]
    page = scanned.headers["Location"]
    assert "Inspect return" in staff.get(page).get_data(as_text=True)
    answers = {"items_match": "true", "serial_ok": "true", "grade": grade, **fields}
    done = staff.post(f"{page}/complete", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(staff, page), "outcome": "inspected", **answers})
    assert done.status_code == 302, done.get_data(as_text=True)[:1500]
    settle()


def refunds() -> list[tuple[int, str]]:
    """What the payment sandbox refunded: (amount in minor units, currency) per refund."""
    return sorted((r["amount"], r["currency"].upper())
                  for r in DatabaseStore().list("payment.refund"))
