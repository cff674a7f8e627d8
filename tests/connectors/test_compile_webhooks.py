"""The `webhooks` part of a connector: compiled specs, pointer errors, schema agreement."""

from __future__ import annotations

import copy

import pytest

from builder.definitions import check_document
from connectors.compile import compile_connector
from connectors.spec import SignatureSpec
from runtime.exceptions import DefinitionInvalid

TRACKING = {
    "signature": {"header": "X-Signature", "timestamp_header": "X-Timestamp"},
    "event_id": "/id",
    "message": "carrier_tracking",
    "correlation": "/data/rma_number",
    "data": {"status": "/data/status", "tracking_number": "/data/tracking_number"},
}


def body(**webhooks):
    return {
        "type": "carrier",
        "base_url": "https://carrier.example.com",
        "auth": {"type": "none"},
        "actions": {"ping": {"method": "GET", "path": "/ping"}},
        "webhooks": webhooks,
    }


def errors_of(doc) -> dict[str, str]:
    with pytest.raises(DefinitionInvalid) as info:
        compile_connector(doc, "carrier.demo")
    return {e.pointer: e.reason for e in info.value.errors}


def test_a_webhook_compiles_with_defaults():
    spec = compile_connector(body(tracking=TRACKING), "carrier.demo", 3)
    hook = spec.webhook("tracking")
    assert hook.message == "carrier_tracking"
    assert hook.signature == SignatureSpec("X-Signature", "X-Timestamp", 300, "webhook_secret")
    assert hook.event_id.segments == ("id",)
    assert hook.correlation.segments == ("data", "rma_number")
    assert dict(hook.data)["status"].segments == ("data", "status")
    assert spec.webhook("nope") is None


def test_a_connector_without_webhooks_has_none():
    doc = body()
    del doc["webhooks"]
    assert compile_connector(doc).webhooks == ()


def test_signature_settings_are_read():
    hook = dict(TRACKING)
    hook["signature"] = {
        "header": "Stripe-Signature",
        "timestamp_header": "Stripe-Timestamp",
        "tolerance_seconds": 60,
        "credential": "signing_secret",
    }
    spec = compile_connector(body(receipt=hook)).webhook("receipt")
    assert spec.signature.tolerance_seconds == 60
    assert spec.signature.credential == "signing_secret"


def test_every_problem_has_its_pointer():
    bad = {
        "signature": {"header": "X Sig", "timestamp_header": "x-sig", "tolerance_seconds": 0},
        "event_id": "id",
        "message": "carrier.tracking",
        "correlation": "/data/__class__",
        "data": {"bad-name": "/a", "ok": "a.b"},
        "extra": 1,
    }
    problems = errors_of(body(tracking=bad, unsigned={k: v for k, v in TRACKING.items()
                                                     if k != "signature"}))
    assert set(problems) == {
        "/webhooks/tracking/signature/header",
        "/webhooks/tracking/signature/tolerance_seconds",
        "/webhooks/tracking/event_id",
        "/webhooks/tracking/message",
        "/webhooks/tracking/correlation",
        "/webhooks/tracking/data/bad-name",
        "/webhooks/tracking/data/ok",
        "/webhooks/tracking/extra",
        "/webhooks/unsigned/signature",
    }
    assert "wait node" in problems["/webhooks/tracking/message"]


def test_signature_and_timestamp_headers_must_differ():
    hook = copy.deepcopy(TRACKING)
    hook["signature"]["timestamp_header"] = "x-signature"
    assert "/webhooks/t/signature/timestamp_header" in errors_of(body(t=hook))


# --- the meta-schema and the compiler accept the same documents -------------------------

_DELETE = object()


def _variant(path, value):
    doc = body(tracking=copy.deepcopy(TRACKING))
    target = doc
    for key in path[:-1]:
        target = target.setdefault(key, {})
    if value is _DELETE:
        target.pop(path[-1], None)
    else:
        target[path[-1]] = copy.deepcopy(value)
    return doc


W = ("webhooks", "tracking")
VARIANTS = [
    ((*W, "title"), "Tracking events"),
    ((*W, "title"), ""),
    ((*W, "message"), "carrier.tracking"),
    ((*W, "message"), "9x"),
    ((*W, "message"), _DELETE),
    ((*W, "event_id"), "/id"),
    ((*W, "event_id"), "id"),
    ((*W, "event_id"), "/a/__x"),
    ((*W, "event_id"), _DELETE),
    ((*W, "correlation"), "/data/0/rma~1no"),
    ((*W, "correlation"), "$"),
    ((*W, "correlation"), 5),
    ((*W, "data"), {}),
    ((*W, "data"), {"a": "/x"}),
    ((*W, "data"), {"a": "x"}),
    ((*W, "data"), {"a-b": "/x"}),
    ((*W, "data"), {"a": {"var": "/x"}}),
    ((*W, "data"), []),
    ((*W, "signature"), _DELETE),
    ((*W, "signature"), {"header": "X-Sig"}),
    ((*W, "signature", "tolerance_seconds"), 300),
    ((*W, "signature", "tolerance_seconds"), 0),
    ((*W, "signature", "tolerance_seconds"), 86401),
    ((*W, "signature", "tolerance_seconds"), 1.5),
    ((*W, "signature", "tolerance_seconds"), True),
    ((*W, "signature", "credential"), "signing_secret"),
    ((*W, "signature", "credential"), "a b"),
    ((*W, "signature", "header"), "X Sig"),
    ((*W, "signature", "algorithm"), "sha1"),
    ((*W, "unknown"), 1),
    (("webhooks",), {}),
    (("webhooks",), []),
    (("webhooks", "bad-name"), TRACKING),
    (("webhooks", "receipt"), "x"),
]


@pytest.mark.parametrize(("path", "value"), VARIANTS, ids=[str(i) for i in range(len(VARIANTS))])
def test_schema_and_compiler_agree(path, value):
    doc = _variant(path, value)
    schema_ok = check_document("connector", "x.y", "X", doc) == []
    try:
        compile_connector(doc, "x.y")
        compiles = True
    except DefinitionInvalid:
        compiles = False
    assert schema_ok == compiles, (check_document("connector", "x.y", "X", doc), path, value)
