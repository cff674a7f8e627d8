"""R18: the payment provider declines the refund. Finance gets a "Refund failed" task
offering a retry or store credit; retries go through the payment connector again and
the customer is refunded exactly once, however often finance presses retry."""

from __future__ import annotations

from app.extensions import db
from app.models import Task
from tests.factories import csrf_token, login, make_api_token, make_user
from tests.templates.returns.conftest import (
    SQLITE_ONLY,
    answer_task,
    carrier_scan,
    open_task,
    refunds,
    request_return,
    settle,
    status_page,
    the_case,
    warehouse_grades,
)

pytestmark = SQLITE_ONLY


def _payment_mode(client, mode):
    admin = {"Authorization": f"Bearer {make_api_token(make_user('admin'))}"}
    switched = client.post("/sandbox/_control/payment/mode", headers=admin, json={"mode": mode})
    assert switched.status_code == 200, switched.get_data(as_text=True)[:300]


def test_r18_declined_refund_goes_to_finance_and_a_retry_refunds_once(returns_app, client):
    _app, staff = returns_app
    response = request_return(client, "SO-DE-10630", "max.mueller@example.de", reason="size")
    settle()
    carrier_scan(client)
    _payment_mode(client, "decline")
    warehouse_grades(client, staff["warehouse_eu"], "A")
    case = the_case()
    assert case.status == "waiting" and refunds() == []
    assert case.variables["refund_error"]["status"] == 402  # the issuer declined
    task = open_task("refund_failed")
    assert (task.title, task.team_key, task.data["outcomes"]) == (
        "Refund failed", "finance", ["retry", "store_credit"])
    assert "Your refund is delayed" in status_page(client, response)

    answer_task(client, staff["finance"], task, "retry")  # still declined: back to finance
    assert refunds() == []
    _payment_mode(client, None)
    again = open_task("refund_failed")
    assert again.id != task.id
    answer_task(client, staff["finance"], again, "retry", note="card replaced")
    assert refunds() == [(4495, "EUR")]
    case = the_case()
    assert case.status == "completed"
    assert (case.variables["refund"]["status"], case.variables["refund"]["method"]) == (
        "succeeded", "original_payment")

    finance = client.application.test_client()  # the same answer sent again changes nothing
    login(finance, staff["finance"])
    page = f"/inbox/tasks/{again.id}"
    repeat = finance.post(f"{page}/complete", data={
        "csrf_token": csrf_token(finance, page), "outcome": "retry"})
    assert repeat.status_code in (302, 409), repeat.status_code
    settle()
    assert refunds() == [(4495, "EUR")]
    assert db.session.scalar(db.select(db.func.count()).select_from(Task).where(
        Task.node_id == "refund_failed")) == 2


def test_r18_finance_settles_a_declined_refund_as_store_credit(returns_app, client):
    _app, staff = returns_app
    request_return(client, "SO-DE-10630", "max.mueller@example.de", reason="size")
    settle()
    carrier_scan(client)
    _payment_mode(client, "decline")
    warehouse_grades(client, staff["warehouse_eu"], "A")
    answer_task(client, staff["finance"], open_task("refund_failed"), "store_credit")
    case = the_case()
    assert case.status == "completed" and refunds() == []
    refund = case.variables["refund"]
    assert (refund["amount"], refund["currency"], refund["method"], refund["status"]) == \
        ("49.45", "EUR", "store_credit", "issued")  # 44.95 + 10% store-credit bonus
