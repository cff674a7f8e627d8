"""The payment preset against the Stripe-style simulator, over real HTTP, through call_action."""

from __future__ import annotations

import pytest

from connectors import Transport
from connectors.exceptions import CircuitOpen, ClientRejected, ConnectorTimeout, ServerFailed
from connectors.sandbox import seed

PI = seed.payment_intent_id("SO-DE-10421")  # 2 x 49.90 + 189.00 = 288.80 EUR
REFUND = {"payment_intent": PI, "amount": 5000, "currency": "eur", "rma_number": "RMA-1"}


def intent(sandbox):
    return sandbox.raw("payment", "GET", f"/v1/payment_intents/{PI}")[1]


def test_refund_and_status(sandbox):
    result = sandbox.call("payment", "create_refund", {**REFUND, "reason": "requested_by_customer"})
    out = result.outputs
    assert result.status == 200
    assert out["refund_id"].startswith("re_3") and len(out["refund_id"]) > 20
    assert (out["status"], out["amount"], out["currency"]) == ("succeeded", 5000, "eur")
    assert out["replayed"] == "false"
    sent = sandbox.requests[-1]
    assert sent.header("content-type") == "application/x-www-form-urlencoded"
    assert sent.form()["metadata"] == {"rma_number": "RMA-1"}
    assert sent.header("idempotency-key") == "idem-1"
    status = sandbox.call("payment", "get_refund", {"refund_id": out["refund_id"]}, key="k2")
    assert status.outputs["status"] == "succeeded"
    assert intent(sandbox)["amount_refunded"] == 5000


def test_the_same_idempotency_key_replays_the_stored_refund(sandbox):
    first = sandbox.call("payment", "create_refund", REFUND, key="effect-7")
    again = sandbox.call("payment", "create_refund", REFUND, key="effect-7")
    assert again.outputs["refund_id"] == first.outputs["refund_id"]
    assert again.outputs["replayed"] == "true"
    assert intent(sandbox)["amount_refunded"] == 5000


def test_a_reused_key_with_another_amount_is_refused_and_refunds_nothing(sandbox):
    sandbox.call("payment", "create_refund", REFUND, key="effect-8")
    with pytest.raises(ClientRejected) as caught:
        sandbox.call("payment", "create_refund", {**REFUND, "amount": 9000}, key="effect-8")
    assert caught.value.status == 400 and caught.value.outcome == "invalid"
    assert caught.value.details["error"]["type"] == "idempotency_error"
    assert intent(sandbox)["amount_refunded"] == 5000


def test_refunds_never_exceed_the_charge(sandbox):
    sandbox.call("payment", "create_refund", {**REFUND, "amount": 20000}, key="a")
    with pytest.raises(ClientRejected) as caught:
        sandbox.call("payment", "create_refund", {**REFUND, "amount": 9000}, key="b")
    assert caught.value.details["error"]["code"] == "amount_too_large"
    sandbox.call("payment", "create_refund", {**REFUND, "amount": 8880}, key="c")
    with pytest.raises(ClientRejected) as caught:
        sandbox.call("payment", "create_refund", {**REFUND, "amount": 1}, key="d")
    assert caught.value.details["error"]["code"] == "charge_already_refunded"
    assert intent(sandbox)["amount_refunded"] == intent(sandbox)["amount"] == 28880


def test_currency_must_match_and_unknown_intents_are_refused(sandbox):
    with pytest.raises(ClientRejected) as caught:
        sandbox.call("payment", "create_refund", {**REFUND, "currency": "usd"})
    assert caught.value.details["error"]["code"] == "currency_mismatch"
    with pytest.raises(ClientRejected) as caught:
        sandbox.call("payment", "create_refund", {**REFUND, "payment_intent": "pi_3nothere"},
                     key="x")
    assert caught.value.details["error"]["code"] == "resource_missing"


def test_declined_refund_follows_the_declined_outcome(sandbox):
    sandbox.mode("payment", "decline", remaining=1)
    with pytest.raises(ClientRejected) as caught:
        sandbox.call("payment", "create_refund", REFUND, key="d1")
    assert (caught.value.status, caught.value.outcome) == (402, "declined")
    assert caught.value.attempts == 1  # a 4xx is never retried
    assert intent(sandbox)["amount_refunded"] == 0
    assert sandbox.call("payment", "create_refund", REFUND, key="d2").outputs["amount"] == 5000


def test_server_errors_are_retried_with_the_same_key(sandbox):
    sleeps = []
    sandbox.mode("payment", "error_500", remaining=2)
    result = sandbox.call("payment", "create_refund", REFUND, key="retry-me",
                          transport=Transport(sleep=sleeps.append))
    assert result.attempts == 3 and len(sleeps) == 2
    assert {r.header("idempotency-key") for r in sandbox.requests} == {"retry-me"}
    assert intent(sandbox)["amount_refunded"] == 5000


def test_server_errors_that_persist_exhaust_the_retries(sandbox):
    sandbox.mode("payment", "error_500")
    with pytest.raises(ServerFailed) as caught:
        sandbox.call("payment", "create_refund", REFUND, transport=Transport(sleep=lambda s: None))
    assert caught.value.attempts == 3
    sandbox.mode("payment", None)
    assert intent(sandbox)["amount_refunded"] == 0


def test_429_waits_for_retry_after(sandbox):
    sleeps = []
    sandbox.mode("payment", "rate_limited", retry_after=2, remaining=1)
    result = sandbox.call("payment", "create_refund", REFUND,
                          transport=Transport(sleep=sleeps.append))
    assert result.attempts == 2 and sleeps == [2.0]


def test_a_hang_times_out_and_the_retry_gets_the_one_refund_already_made(sandbox):
    """The provider made the refund, the answer never came in time (CHECKLIST 1, 9)."""
    sandbox.mode("payment", "hang", seconds=1.5, remaining=1)
    result = sandbox.call("payment", "create_refund", REFUND, key="slow",
                          transport=Transport(sleep=lambda s: None),
                          timeouts={"connect_seconds": 2, "read_seconds": 0.5})
    assert result.attempts == 2 and result.outputs["replayed"] == "true"
    assert intent(sandbox)["amount_refunded"] == 5000
    assert len(sandbox.store.list("payment.refund")) == 1


def test_a_hang_on_every_attempt_is_a_timeout(sandbox):
    sandbox.mode("payment", "hang", seconds=1)
    with pytest.raises(ConnectorTimeout):
        sandbox.call("payment", "get_refund", {"refund_id": "re_3abcdefgh"},
                     transport=Transport(sleep=lambda s: None),
                     timeouts={"connect_seconds": 2, "read_seconds": 0.3},
                     retry={"max_attempts": 2})


def test_not_found_mode_and_unknown_refunds(sandbox):
    with pytest.raises(ClientRejected) as caught:
        sandbox.call("payment", "get_refund", {"refund_id": "re_3doesnotexist"})
    assert (caught.value.status, caught.value.outcome) == (404, "not_found")
    made = sandbox.call("payment", "create_refund", REFUND).outputs["refund_id"]
    sandbox.mode("payment", "not_found", remaining=1)
    with pytest.raises(ClientRejected):
        sandbox.call("payment", "get_refund", {"refund_id": made}, key="n1")
    assert sandbox.call("payment", "get_refund", {"refund_id": made}, key="n2").status == 200


def test_the_breaker_opens_and_stops_calling(sandbox):
    transport = Transport(sleep=lambda s: None)
    sandbox.mode("payment", "error_500")
    breaker = {"failure_threshold": 2, "reset_seconds": 60}
    with pytest.raises(ServerFailed):
        sandbox.call("payment", "create_refund", REFUND, transport=transport,
                     circuit_breaker=breaker)
    calls = len(sandbox.requests)
    assert calls == 2
    with pytest.raises(CircuitOpen):
        sandbox.call("payment", "create_refund", REFUND, transport=transport,
                     circuit_breaker=breaker)
    assert len(sandbox.requests) == calls


def test_a_wrong_key_is_refused(sandbox):
    with pytest.raises(ClientRejected) as caught:
        sandbox.call("payment", "create_refund", REFUND, secrets={"api_key": "sk_test_wrong"})
    assert caught.value.status == 401
    assert "sk_test_wrong" not in str(caught.value)
