"""Every preset against every generic error mode of its simulator, through call_action."""

from __future__ import annotations

import pytest

from connectors import Transport
from connectors.exceptions import ClientRejected, ConnectorTimeout, ServerFailed
from connectors.sandbox import seed

CALLS = {
    "payment": ("create_refund", {"payment_intent": seed.payment_intent_id("SO-CN-50233"),
                                  "amount": 1000, "currency": "cny"}),
    "crm": ("find_contact", {"email": "li.wei@example.cn"}),
    "erp": ("lookup_order", {"order_number": "SO-CN-50233", "email": "li.wei@example.cn"}),
    "wms": ("create_asn", {"rma_number": "RMA-1", "warehouse": "CN-SHA",
                           "items": [{"sku": "TS-ORG-L", "quantity": 1}]}),
    "carrier": ("create_return_label", {
        "rma_number": "RMA-1", "warehouse": "CN-SHA", "weight_kg": "0.6",
        "shipper": {"name": "Li Wei", "line1": "88 Century Avenue", "city": "Shanghai",
                    "postal_code": "200120", "country": "CN"}}),
    "fx": ("get_rate", {"base": "CNY", "quote": "EUR"}),
}
FAST = {"timeouts": {"connect_seconds": 2, "read_seconds": 0.3}}


@pytest.mark.parametrize("preset", list(CALLS))
def test_success(sandbox, preset):
    action, inputs = CALLS[preset]
    assert 200 <= sandbox.call(preset, action, inputs).status < 300


@pytest.mark.parametrize("preset", list(CALLS))
def test_500_is_retried_then_fails(sandbox, preset):
    action, inputs = CALLS[preset]
    sandbox.mode(preset, "error_500")
    with pytest.raises(ServerFailed) as caught:
        sandbox.call(preset, action, inputs, transport=Transport(sleep=lambda s: None))
    assert caught.value.attempts == 3


@pytest.mark.parametrize("preset", list(CALLS))
def test_429_honours_retry_after_then_succeeds(sandbox, preset):
    action, inputs = CALLS[preset]
    sandbox.mode(preset, "rate_limited", retry_after=3, remaining=1)
    sleeps = []
    result = sandbox.call(preset, action, inputs, transport=Transport(sleep=sleeps.append))
    assert result.attempts == 2 and sleeps == [3.0]


@pytest.mark.parametrize("preset", list(CALLS))
def test_hang_hits_the_read_timeout(sandbox, preset):
    action, inputs = CALLS[preset]
    sandbox.mode(preset, "hang", seconds=0.8)
    with pytest.raises(ConnectorTimeout):
        sandbox.call(preset, action, inputs, transport=Transport(sleep=lambda s: None),
                     retry={"max_attempts": 1}, **FAST)


@pytest.mark.parametrize("preset", list(CALLS))
def test_not_found_is_a_client_error_without_retry(sandbox, preset):
    action, inputs = CALLS[preset]
    sandbox.mode(preset, "not_found", remaining=1)
    with pytest.raises(ClientRejected) as caught:
        sandbox.call(preset, action, inputs)
    assert caught.value.status == 404 and caught.value.attempts == 1
