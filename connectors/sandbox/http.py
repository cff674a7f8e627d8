"""Plain request and response values the simulators speak (no Flask, DESIGN §3).

The app's adapter (`app/sandbox`) turns a Flask request into a `SimRequest` and a
`SimResponse` back into a Flask response; tests can call the simulators directly.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

MAX_DELAY_SECONDS = 60.0
"""A simulated hang never holds a server thread longer than this."""


@dataclass(frozen=True)
class SimRequest:
    method: str
    path: str  # below /sandbox/<system>, e.g. /v1/refunds
    query: tuple[tuple[str, str], ...] = ()
    headers: Mapping[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def arg(self, name: str) -> str | None:
        return next((v for k, v in self.query if k == name), None)

    def json(self) -> Any:
        """The JSON body, or `BadRequest` - a simulator answers 400, never 500."""
        try:
            return json.loads(self.body.decode("utf-8") or "null")
        except (UnicodeDecodeError, ValueError):
            raise BadRequest("the body is not valid JSON") from None

    def form(self) -> dict[str, Any]:
        """A Stripe-style form body: `metadata[rma]=R1` nests into {"metadata": {"rma": "R1"}}."""
        try:
            pairs = parse_qsl(self.body.decode("utf-8"), keep_blank_values=True)
        except UnicodeDecodeError:
            raise BadRequest("the body is not UTF-8") from None
        out: dict[str, Any] = {}
        for key, value in pairs:
            parts = re.findall(r"[^\[\]]+", key) or [key]
            node = out
            for part in parts[:-1]:
                child = node.setdefault(part, {})
                if not isinstance(child, dict):
                    raise BadRequest(f"{key} mixes a value and nested values")
                node = child
            node[parts[-1]] = value
        return out


@dataclass(frozen=True)
class SimResponse:
    status: int
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    delay_seconds: float = 0.0  # the adapter waits this long before answering (hang mode)

    def json(self) -> Any:
        return json.loads(self.body)


class BadRequest(Exception):
    """The request cannot be read; the simulator answers 400 with this message."""


def json_response(status: int, data: Any, headers: tuple[tuple[str, str], ...] = ()) -> SimResponse:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    return SimResponse(status, body, (("Content-Type", "application/json"), *headers))


def error_response(
    status: int, message: str, code: str, headers: tuple[tuple[str, str], ...] = (), **extra: Any
) -> SimResponse:
    """Errors in Stripe's envelope (`{"error": {"type", "code", "message"}}`), which the
    connector framework's summary reader understands for every preset."""
    kind = "invalid_request_error" if status < 500 else "api_error"
    error = {"type": kind, "code": code, "message": message, **extra}
    return json_response(status, {"error": error}, headers)
