"""connectors.webhooks: HMAC signature, replay window, reading a delivery by pointers."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from connectors.compile import compile_connector
from connectors.webhooks import (
    WebhookRefused,
    parse_body,
    read_delivery,
    sign,
    signed_headers,
    verify,
)

SECRET = "whsec-test-0123456789"
NOW = 1_763_780_000
BODY = json.dumps(
    {
        "id": "evt_1",
        "type": "tracking.updated",
        "data": {"rma_number": "RMA-000123", "status": "delivered", "n": 3},
    }
).encode()

HOOK = compile_connector(
    {
        "type": "carrier",
        "base_url": "https://carrier.example.com",
        "auth": {"type": "none"},
        "actions": {"ping": {"method": "GET", "path": "/ping"}},
        "webhooks": {
            "tracking": {
                "signature": {"header": "X-Signature", "timestamp_header": "X-Timestamp"},
                "event_id": "/id",
                "message": "carrier_tracking",
                "correlation": "/data/rma_number",
                "data": {"status": "/data/status", "count": "/data/n", "gone": "/data/x"},
            }
        },
    }
).webhook("tracking")


def headers(body=BODY, secret=SECRET, stamp=NOW):
    return {"X-Timestamp": str(stamp), "X-Signature": sign(secret, stamp, body)}


def refused(reason, **kwargs) -> WebhookRefused:
    args = {"headers": headers(), "body": BODY, "now": NOW, "secret": SECRET} | kwargs
    with pytest.raises(WebhookRefused) as info:
        verify(HOOK.signature, args["secret"], args["headers"], args["body"], args["now"])
    assert info.value.reason == reason
    return info.value


def test_the_signature_is_hmac_sha256_over_timestamp_dot_body():
    expected = hmac.new(SECRET.encode(), f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert sign(SECRET, NOW, BODY) == expected


def test_a_good_signature_verifies():
    assert verify(HOOK.signature, SECRET, headers(), BODY, NOW) == NOW


def test_header_names_are_case_insensitive_and_hex_case_is_ignored():
    h = {"x-timestamp": str(NOW), "x-signature": sign(SECRET, NOW, BODY).upper()}
    assert verify(HOOK.signature, SECRET, h, BODY, NOW) == NOW


def test_signed_headers_make_what_verify_accepts():
    h = signed_headers(HOOK.signature, SECRET, BODY, now=NOW)
    assert verify(HOOK.signature, SECRET, h, BODY, NOW + 10) == NOW


def test_a_bad_signature_is_refused():
    h = headers()
    h["X-Signature"] = "0" * 64
    refused("bad_signature", headers=h)


def test_a_tampered_body_is_refused():
    refused("bad_signature", body=BODY.replace(b"delivered", b"lost"))


def test_a_signature_made_with_another_secret_is_refused():
    refused("bad_signature", headers=headers(secret="another-secret"))


def test_a_missing_signature_is_refused():
    refused("missing_signature", headers={"X-Timestamp": str(NOW)})
    refused("missing_signature", headers={"X-Timestamp": str(NOW), "X-Signature": ""})


def test_a_missing_timestamp_is_refused():
    refused("missing_timestamp", headers={"X-Signature": sign(SECRET, NOW, BODY)})


def test_a_changed_timestamp_breaks_the_signature():
    h = headers()
    h["X-Timestamp"] = str(NOW + 1)
    refused("bad_signature", headers=h)


def test_non_ascii_or_oversized_signatures_are_refused_cleanly():
    refused("bad_signature", headers={"X-Timestamp": str(NOW), "X-Signature": "é" * 64})
    refused("bad_signature", headers={"X-Timestamp": str(NOW), "X-Signature": "a" * 5000})


def test_a_stale_or_future_timestamp_is_refused_as_a_replay():
    err = refused("stale_timestamp", headers=headers(stamp=NOW - 301))
    assert "300 seconds" in err.message
    refused("stale_timestamp", headers=headers(stamp=NOW + 301))
    assert verify(HOOK.signature, SECRET, headers(stamp=NOW - 300), BODY, NOW) == NOW - 300


def test_a_signed_but_non_numeric_timestamp_is_refused():
    h = {"X-Timestamp": "yesterday", "X-Signature": sign(SECRET, "yesterday", BODY)}
    refused("stale_timestamp", headers=h)


def test_messages_never_quote_the_secret_or_the_body():
    for err in (
        refused("bad_signature", headers=headers(secret="x")),
        refused("stale_timestamp", headers=headers(stamp=0)),
    ):
        assert SECRET not in err.message and "RMA-000123" not in err.message


def test_a_delivery_is_read_by_its_pointers():
    delivery = read_delivery(HOOK, parse_body(BODY))
    assert delivery.event_id == "evt_1"
    assert delivery.correlation == "RMA-000123"
    assert delivery.data == {"status": "delivered", "count": 3}  # missing values left out


def test_a_number_event_id_and_correlation_read_as_text():
    delivery = read_delivery(HOOK, {"id": 42, "data": {"rma_number": 7}})
    assert (delivery.event_id, delivery.correlation) == ("42", "7")


def test_no_correlation_is_allowed_and_kept_as_none():
    assert read_delivery(HOOK, {"id": "e", "data": {}}).correlation is None
    assert read_delivery(HOOK, {"id": "e", "data": {"rma_number": {"a": 1}}}).correlation is None


@pytest.mark.parametrize("document", [{}, {"id": None}, {"id": ""}, {"id": [1]}, [], "x",
                                      {"id": "e" * 201}])
def test_a_delivery_without_a_usable_event_id_is_refused(document):
    with pytest.raises(WebhookRefused) as info:
        read_delivery(HOOK, document)
    assert info.value.reason == "missing_event_id"


@pytest.mark.parametrize("raw", [b"", b"not json", b"\xff\xfe", b"{"])
def test_a_body_that_is_not_json_is_refused(raw):
    with pytest.raises(WebhookRefused) as info:
        parse_body(raw)
    assert info.value.reason == "bad_body"
