"""Compiling a connector body's `webhooks` part into `WebhookSpec`s.

Kept apart from compile.py (outbound actions) because an inbound webhook shares
nothing with an action but the connector's credentials. An example:

    "webhooks": {"tracking": {
        "signature": {"header": "X-Signature", "timestamp_header": "X-Timestamp",
                      "tolerance_seconds": 300},
        "event_id": "/id",
        "message": "carrier_tracking",
        "correlation": "/data/rma_number",
        "data": {"status": "/data/status", "at": "/data/occurred_at"}}}

`message` is a flow message name, the very name a `wait` node waits for, so it follows
the flow's rule for names (letters, digits and _): a name no flow could wait for would
turn every delivery into an unmatched one, and that is better caught at save time.
"""

from __future__ import annotations

from typing import Any

from connectors import spec as s
from connectors.policies import HEADER_NAME, IDENTIFIER, Fields, esc
from connectors.templates import POINTER, Path, parse_path
from runtime.exceptions import ErrorDetail

WEBHOOK_KEYS = frozenset({"title", "signature", "event_id", "message", "correlation", "data"})
SIGNATURE_KEYS = frozenset({"header", "timestamp_header", "tolerance_seconds", "credential"})
MAX_WEBHOOKS = 50
MAX_DATA_FIELDS = 100
MAX_TOLERANCE_SECONDS = 86400
POINTER_REASON = "must be a JSON pointer into the body such as /data/rma_number"


def compile_webhooks(raw: Any, pointer: str, errors: list[ErrorDetail]) -> tuple:
    """The `webhooks` object (name -> webhook); problems go to `errors` at their pointer."""
    if raw is None:
        return ()
    if not isinstance(raw, dict) or len(raw) > MAX_WEBHOOKS:
        errors.append(
            ErrorDetail(pointer, f"must be an object of at most {MAX_WEBHOOKS} name -> webhook")
        )
        return ()
    out = []
    for name, body in raw.items():
        hook = _webhook(name, body, f"{pointer}/{esc(name)}", errors)
        if hook is not None:
            out.append(hook)
    return tuple(out)


def _webhook(name: str, raw: Any, pointer: str, errors: list[ErrorDetail]):
    before = len(errors)
    if not IDENTIFIER.match(name):
        errors.append(ErrorDetail(pointer, "a webhook name is letters, digits and _"))
    c = Fields(raw, pointer, errors, WEBHOOK_KEYS)
    title = c.text("title", 300, min_length=1) or ""
    message = c.text(
        "message",
        64,
        IDENTIFIER,
        required=True,
        reason="must be a flow message name (letters, digits and _, e.g. carrier_tracking): "
        "the name a wait node waits for",
    )
    signature = _signature(c.value.get("signature"), c.at("signature"), errors, c.ok)
    event_id = _pointer(c, "event_id")
    correlation = _pointer(c, "correlation")
    data = _data(c.value.get("data"), c.at("data"), errors)
    if len(errors) > before:
        return None
    return s.WebhookSpec(name, message, signature, event_id, correlation, data, title)


def _signature(raw: Any, pointer: str, errors: list[ErrorDetail], present: bool) -> s.SignatureSpec:
    if raw is None:
        if present:
            errors.append(ErrorDetail(pointer, "is required: every webhook is signed"))
        return s.SignatureSpec("X-Signature", "X-Timestamp")
    c = Fields(raw, pointer, errors, SIGNATURE_KEYS)
    header_reason = "must be a header name (letters, digits, -)"
    header = c.text("header", 64, HEADER_NAME, required=True, reason=header_reason)
    stamp = c.text("timestamp_header", 64, HEADER_NAME, required=True, reason=header_reason)
    if header and stamp and header.lower() == stamp.lower():
        errors.append(ErrorDetail(c.at("timestamp_header"), "must differ from the header"))
    tolerance = c.number("tolerance_seconds", MAX_TOLERANCE_SECONDS, integer=True, minimum=1)
    credential = c.text(
        "credential",
        64,
        IDENTIFIER,
        reason="must name a stored credential (letters, digits, _)",
    )
    return s.SignatureSpec(
        header or "X-Signature",
        stamp or "X-Timestamp",
        tolerance if tolerance is not None else s.DEFAULT_WEBHOOK_TOLERANCE_SECONDS,
        credential or s.DEFAULT_WEBHOOK_CREDENTIAL,
    )


def _is_pointer(value: Any) -> bool:
    return (
        isinstance(value, str)
        and len(value) <= 256
        and "__" not in value
        and bool(POINTER.match(value))
    )


def _pointer(c: Fields, name: str) -> Path:
    text = c.check(name, _is_pointer, POINTER_REASON, required=True)
    return Path(text, parse_path(text)) if text else Path("/", ("",))


def _data(raw: Any, pointer: str, errors: list[ErrorDetail]) -> tuple:
    if raw is None:
        return ()
    if not isinstance(raw, dict) or len(raw) > MAX_DATA_FIELDS:
        errors.append(
            ErrorDetail(pointer, f"must be an object of at most {MAX_DATA_FIELDS} name -> pointer")
        )
        return ()
    out = []
    for name, value in raw.items():
        at = f"{pointer}/{esc(name)}"
        if not IDENTIFIER.match(name):
            errors.append(ErrorDetail(at, "a data name is letters, digits and _"))
        elif not _is_pointer(value):
            errors.append(ErrorDetail(at, POINTER_REASON))
        else:
            out.append((name, Path(value, parse_path(value))))
    return tuple(out)
