"""`call_action`: run one connector action - inputs in, mapped outputs (or an error) out.

    validate inputs (action input schema)    -> InputInvalid
    build the request from the mapping       path {placeholders} URL-encoded, query,
                                             headers, JSON or form body from templates
    apply auth                               OAuth2: cached token, refreshed once on 401
    send through the transport               guard, retries, breaker, idempotency key
    map the response                         expected status -> outputs; 4xx -> ClientRejected;
                                             anything else -> BadResponse / ServerFailed

The app calls it from the outbox job of a `call_connector` effect (the job takes the
effect's id, reloads it, STYLE 10):

    spec = compile_connector(definition.body, definition.key, definition.version)  # cached
    try:
        result = call_action(spec, effect.action, effect.inputs,
                             idempotency_key=effect.idempotency_key,
                             secrets=decrypt_credentials(connector_key),  # this call only
                             transport=TRANSPORT,                          # one per process
                             allowlist=admin_allowlist(), retry=effect.retry)
        event = ServiceSucceeded(node, activation, output=result.outputs)
    except ClientRejected as e:         # incl. InputInvalid: the modelled error edge
        event = ServiceFailed(node, activation, kind="client", status=e.status,
                              message=str(e))
    except ServerFailed as e:           # incl. ConnectorTimeout: retries already spent
        event = RetriesExhausted(node, activation, message=str(e))       # -> incident
    except CircuitOpen as e:            # nothing was sent: run the job again later
        requeue(after=e.retry_after)    # (or RetriesExhausted, if it stays open)
    except ConnectorError as e:         # TargetRefused, BadResponse, misconfigured
        event = RetriesExhausted(node, activation, message=str(e))       # admin must act

Retrying an incident re-issues the effect with the same key, so the provider deduplicates
(CHECKLIST 1, 13). Messages are safe to store: no secrets, no request bodies.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from connectors import auth as a
from connectors import spec as s
from connectors.exceptions import (
    BadResponse,
    ClientRejected,
    ConnectorMisconfigured,
    InputInvalid,
    ServerFailed,
)
from connectors.policies import compile_retry
from connectors.redact import Redactor
from connectors.ssrf import Allowlist
from connectors.templates import MISSING, Path, to_text
from connectors.tokens import TokenCache
from connectors.transport import Call, Transport
from connectors.wire import Request, Response
from runtime.exceptions import DefinitionInvalid, ErrorDetail

USER_AGENT = "Formloom-Connector/1"
_LATIN1_LINE = re.compile(r"^[\x20-\x7e\x80-\xff\t]*$")
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"
MAX_MESSAGE = 200


@dataclass(frozen=True)
class ActionResult:
    """A successful call. `outputs` are the action's mapped outputs (secrets redacted)."""

    status: int
    outputs: dict[str, Any] = field(default_factory=dict)
    attempts: int = 1
    duration_ms: int = 0


def call_action(
    spec: s.ConnectorSpec,
    action_name: str,
    inputs: Mapping[str, Any],
    *,
    idempotency_key: str,
    secrets: Mapping[str, str],
    transport: Transport,
    allowlist: Allowlist,
    retry: Mapping[str, Any] | None = None,
    token_cache: TokenCache | None = None,
) -> ActionResult:
    """Call `action_name` of `spec` with `inputs`; `ActionResult` or a `ConnectorError`.

    Args:
        idempotency_key: the `call_connector` effect's key; sent on every attempt.
        secrets: credential name -> value, decrypted for this call only.
        transport: the process's `Transport` (breaker states, token cache).
        allowlist: what the admin allowed beyond public addresses.
        retry: an override of the action's retry policy (the flow node's `retry`).
        token_cache: defaults to `transport.token_cache`.
    """
    action = spec.action(action_name)
    if action is None:
        raise ConnectorMisconfigured(f"{spec.key} has no action {action_name!r}")
    _validate(action, inputs)
    policy = action.retry
    if retry:
        try:
            policy = compile_retry(dict(retry), action.retry)
        except DefinitionInvalid as exc:
            raise ConnectorMisconfigured(
                f"{spec.key}.{action.name}: bad retry override "
                f"({exc.errors[0].pointer}: {exc.errors[0].reason})"
            ) from None
    redactor = Redactor(header_names=spec.auth.header_names)
    a.register_secrets(spec.auth, secrets, redactor)
    cache = token_cache or transport.token_cache
    call = Call(
        spec.key,
        action.name,
        allowlist,
        policy,
        action.timeouts,
        spec.breaker,
        redactor,
        idempotency_key,
        action.idempotency_header,
    )
    oauth = isinstance(spec.auth, s.OAuth2ClientCredentials)
    token, spent = (None, 0)
    if oauth:
        token, spent = a.oauth_token(
            spec, secrets, transport=transport, allowlist=allowlist, cache=cache, redactor=redactor
        )
    exchange = transport.send(_build_request(spec, action, inputs, secrets, token), call)
    attempts, duration = exchange.attempts + spent, exchange.duration_ms
    if oauth and exchange.response.status == 401:  # the token was revoked or expired early
        token, more = a.oauth_token(
            spec,
            secrets,
            transport=transport,
            allowlist=allowlist,
            cache=cache,
            redactor=redactor,
            refresh=True,
        )
        exchange = transport.send(_build_request(spec, action, inputs, secrets, token), call)
        attempts += more + exchange.attempts
        duration += exchange.duration_ms
    return _result(spec, action, exchange.response, attempts, duration, redactor)


# --- request --------------------------------------------------------------------------


def _validate(action: s.ActionSpec, inputs: Any) -> None:
    if not isinstance(inputs, Mapping):
        raise InputInvalid([ErrorDetail("", "inputs must be an object")])
    if action.validator is None:
        return
    errors = [
        ErrorDetail("".join(f"/{_esc(p)}" for p in e.absolute_path), _reason(e))
        for e in action.validator.iter_errors(dict(inputs))
    ]
    if errors:
        raise InputInvalid(sorted(errors, key=lambda e: e.pointer))


def _reason(error: Any) -> str:
    """Why an input fails, without quoting the value (it may be a card number or PII)."""
    if error.validator in ("required", "additionalProperties", "dependentRequired"):
        return error.message[:MAX_MESSAGE]
    expected = json.dumps(error.validator_value, default=str)[:80]
    return f"does not satisfy {error.validator}: {expected}"


def _build_request(spec, action: s.ActionSpec, inputs, secrets, token) -> Request:
    url = spec.base_url + _render_path(action, inputs)
    headers = [("User-Agent", USER_AGENT), ("Accept", "application/json"), *spec.headers]
    query: list[tuple[str, str]] = []
    for name, source in action.query:
        value = source.render(inputs)
        if value is MISSING or value is None:
            continue
        values = value if isinstance(value, list) else [value]
        query += [(name, to_text(v)) for v in values]
    for name, source in action.headers:
        value = source.render(inputs)
        if value is MISSING or value is None:
            continue
        text = to_text(value)
        if not _LATIN1_LINE.match(text):
            raise InputInvalid(
                [
                    ErrorDetail(
                        "",
                        f"the {name} header would hold line breaks, "
                        "control or non-Latin-1 characters",
                    )
                ]
            )
        headers.append((name, text))
    auth_headers, auth_query = a.auth_parts(spec, secrets, token)
    headers += auth_headers
    query += auth_query
    if query:
        url += "?" + urlencode(query)
    body = None
    if action.body is not None:
        value = action.body.render(inputs)
        if value is not MISSING:
            body = _encode_body(spec, action, value)
            kind = "json" if action.encoding == "json" else "x-www-form-urlencoded"
            headers.append(("Content-Type", f"application/{kind}"))
    return Request(action.method, url, tuple(headers), body)


def _render_path(action: s.ActionSpec, inputs) -> str:
    out = []
    for part in action.path.parts:
        if isinstance(part, str):
            out.append(quote(part, safe=_PATH_SAFE))
            continue
        value = part.render(inputs)
        text = part.text if isinstance(part, Path) else "?"
        if value is MISSING or value is None or isinstance(value, dict | list):
            raise InputInvalid(
                [ErrorDetail(f"/{text}", "is needed in the URL path as a string or number")]
            )
        value = to_text(value)
        if value in ("", ".", ".."):
            raise InputInvalid(
                [ErrorDetail(f"/{text}", "cannot be empty, '.' or '..' in a URL path")]
            )
        out.append(quote(value, safe=""))
    return "".join(out)


def _encode_body(spec, action: s.ActionSpec, value: Any) -> bytes:
    if action.encoding == "json":
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
    if not isinstance(value, dict):
        raise ConnectorMisconfigured(f"{spec.key}.{action.name}: a form body must be an object")
    return urlencode(list(_form_pairs(value, ""))).encode()


def _form_pairs(value: Any, prefix: str):
    """Stripe-style nesting: `metadata[rma]=R1`, `items[0][sku]=A`."""
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _form_pairs(child, f"{prefix}[{key}]" if prefix else str(key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _form_pairs(child, f"{prefix}[{index}]")
    else:
        yield prefix, to_text(value)


# --- response -------------------------------------------------------------------------


def _result(spec, action: s.ActionSpec, response: Response, attempts, duration, redactor):
    status = response.status
    where = f"{spec.key}.{action.name}"
    if action.is_expected(status):
        body = _parse_body(response)
        outputs = _map_outputs(action, response, body, where, attempts)
        return ActionResult(status, redactor.data(outputs), attempts, duration)
    if 400 <= status < 500 and status not in (408, 425, 429):
        body = redactor.data(_parse_body(response))
        summary = redactor.text(_summary(body))
        outcome = action.error_outcome(status)
        label = f" ({outcome})" if outcome else ""
        raise ClientRejected(
            status,
            f"{where}: rejected with {status}{label}{summary}",
            outcome=outcome,
            details=body,
            attempts=attempts,
        )
    if status >= 500 or status in (408, 425, 429):
        raise ServerFailed(
            status, f"{where}: {status} (not retried by this action's policy)", attempts=attempts
        )
    raise BadResponse(status, f"{where}: unexpected status {status}", attempts=attempts)


def _parse_body(response: Response) -> Any:
    if not response.body:
        return None
    kind = (response.header("content-type") or "").lower()
    text = response.body.decode("utf-8", errors="replace")
    if "json" in kind or text.lstrip()[:1] in ("{", "["):
        try:
            return json.loads(text)
        except ValueError:
            return _NotJson(text)
    return text


class _NotJson(str):
    """A body that claimed to be JSON and is not: outputs cannot read into it."""


def _map_outputs(action: s.ActionSpec, response, body, where, attempts) -> dict[str, Any]:
    if isinstance(body, _NotJson) and action.outputs:
        raise BadResponse(
            response.status, f"{where}: the response body is not valid JSON", attempts=attempts
        )
    body = str(body) if isinstance(body, _NotJson) else body
    if action.outputs is None:
        return {"body": body}
    context = {
        "status": response.status,
        "headers": {k.lower().replace("-", "_"): v for k, v in response.headers},
        "body": body,
    }
    outputs = {}
    for name, source in action.outputs:
        value = source.render(context)
        if value is MISSING:
            path = source.text if isinstance(source, Path) else name
            raise BadResponse(
                response.status,
                f"{where}: the response has no {path} (output {name})",
                attempts=attempts,
            )
        outputs[name] = value
    return outputs


def _summary(body: Any) -> str:
    """A short reason from an error body: error.message, message, error, detail…"""
    candidates = []
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            candidates += [error.get("message"), error.get("code")]
        candidates += [
            body.get(k) for k in ("message", "error_description", "error", "detail", "title")
        ]
    elif isinstance(body, str):
        candidates.append(body)
    text = next((c for c in candidates if isinstance(c, str) and c.strip()), "")
    text = " ".join(text.split())[:MAX_MESSAGE]
    return f": {text}" if text else ""


def _esc(token: Any) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")
