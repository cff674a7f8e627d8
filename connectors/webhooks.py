"""Inbound webhooks, framework-free: check a signed delivery and read what it says.

The contract every sender (the sandbox simulators, a real provider set up to match)
follows:

    X-Timestamp: 1763780000                      Unix seconds, in timestamp_header
    X-Signature: hex(HMAC-SHA256(secret, b"1763780000." + raw_body))   in header

`verify` checks the signature in constant time over the *raw* bytes (re-serialising
the JSON would change them) and refuses a timestamp outside ±tolerance (a captured
delivery replayed later). `read_delivery` then takes the event id, the correlation
value and the data out of the JSON body by the webhook's pointers.

    WebhookRefused(reason, message)      the delivery is not accepted; `reason` is one of
        missing_signature, bad_signature, missing_timestamp, stale_timestamp,
        bad_body, missing_event_id

Messages never quote the body or the secret: they are logged and stored.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from connectors.spec import SignatureSpec, WebhookSpec
from connectors.templates import MISSING, to_text
from runtime.exceptions import FormloomError

MAX_SIGNATURE_LENGTH = 512
MAX_EVENT_ID_LENGTH = 200
MAX_CORRELATION_LENGTH = 255


class WebhookRefused(FormloomError):
    """A delivery that is not accepted; `reason` is a short stable code for logs and rows."""

    code = "webhook_refused"

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class Delivery:
    """What a verified webhook says: its event id, whom it is for, and the data."""

    event_id: str
    correlation: str | None
    data: dict[str, Any] = field(default_factory=dict)


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    """The signature a sender puts in the signature header."""
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signed_headers(spec: SignatureSpec, secret: str, body: bytes, now: float | None = None):
    """Headers for a signed delivery of `body` (for senders: simulators and tests)."""
    stamp = int(time.time() if now is None else now)
    return {spec.timestamp_header: str(stamp), spec.header: sign(secret, stamp, body)}


def verify(
    spec: SignatureSpec,
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    now: float | None = None,
) -> int:
    """Check signature and timestamp; the timestamp on success, `WebhookRefused` otherwise.

    The signature is compared before the timestamp is judged, so an unsigned caller
    learns nothing about the window. `headers` may be any case-insensitive mapping
    (werkzeug's, httpx's) or a plain dict.
    """
    given = _header(headers, spec.header)
    if not given:
        raise WebhookRefused("missing_signature", f"the {spec.header} header is missing")
    stamp_text = _header(headers, spec.timestamp_header)
    if not stamp_text:
        raise WebhookRefused(
            "missing_timestamp", f"the {spec.timestamp_header} header is missing"
        )
    given = given.strip()
    if len(given) > MAX_SIGNATURE_LENGTH:
        raise WebhookRefused("bad_signature", "the signature does not match")
    expected = sign(secret, stamp_text.strip(), body)
    if not hmac.compare_digest(expected.encode(), given.lower().encode("ascii", "replace")):
        raise WebhookRefused("bad_signature", "the signature does not match")
    try:
        stamp = int(stamp_text.strip())
    except ValueError:
        raise WebhookRefused(
            "stale_timestamp", f"the {spec.timestamp_header} header is not Unix seconds"
        ) from None
    current = time.time() if now is None else now
    if abs(current - stamp) > spec.tolerance_seconds:
        raise WebhookRefused(
            "stale_timestamp",
            f"the timestamp is more than {spec.tolerance_seconds} seconds away from now "
            "(a replayed or delayed delivery)",
        )
    return stamp


def parse_body(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise WebhookRefused("bad_body", "the body is not JSON") from None


def read_delivery(hook: WebhookSpec, document: Any) -> Delivery:
    """The event id, correlation and data of a parsed body, by the webhook's pointers.

    A missing event id refuses the delivery (it could not be deduplicated); a missing
    correlation is allowed: the delivery is kept and shown as matching no case.
    """
    event_id = hook.event_id.render(document)
    if event_id is MISSING or event_id is None or isinstance(event_id, dict | list):
        raise WebhookRefused(
            "missing_event_id", f"the body has no event id at {hook.event_id.text}"
        )
    event_text = to_text(event_id)
    if not event_text or len(event_text) > MAX_EVENT_ID_LENGTH:
        raise WebhookRefused(
            "missing_event_id",
            f"the event id at {hook.event_id.text} must be 1-{MAX_EVENT_ID_LENGTH} characters",
        )
    correlation = hook.correlation.render(document)
    if correlation is MISSING or correlation is None or isinstance(correlation, dict | list):
        correlation_text = None
    else:
        correlation_text = to_text(correlation)[:MAX_CORRELATION_LENGTH] or None
    data = {}
    for name, path in hook.data:
        value = path.render(document)
        if value is not MISSING:
            data[name] = value
    return Delivery(event_text, correlation_text, data)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        lowered = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == lowered), None)
    return value
