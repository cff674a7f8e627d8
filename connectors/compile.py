"""`compile_connector`: a connector body (builder/schemas/connector.json) into a `ConnectorSpec`.

Every problem is collected and raised at once as `DefinitionInvalid`, each at its JSON
pointer into the body (`/actions/refund/request/body/amount`), like `compile_flow`.
The meta-schema and this compiler accept the same documents (a test feeds both the
same variants); on top of the schema the compiler checks what a schema cannot say:
that request templates read only inputs the input schema declares, that header names
do not collide with the auth or idempotency header, and that an input schema's `$ref`s
stay inside it (a remote `$ref` would make the validator fetch a URL: SSRF).

An example body:

    {"type": "payment", "base_url": "https://pay.example.com/v1",
     "auth": {"type": "bearer", "credential": "secret_key"},
     "actions": {"refund": {
        "method": "POST", "path": "/refunds",
        "input": {"type": "object", "required": ["payment", "amount"],
                  "properties": {"payment": {"type": "string"},
                                 "amount": {"type": "integer", "minimum": 1}}},
        "request": {"body": {"payment_intent": "payment", "amount": "amount",
                             "metadata": {"source": {"value": "formloom"}}},
                    "encoding": "form"},
        "response": {"map": {"refund_id": "body.id", "state": "/status"},
                     "errors": {"402": "declined"}},
        "expected_status": [200]}}}
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import SchemaError
from referencing import Registry

from connectors import spec as s
from connectors.templates import (
    POINTER,
    VAR_PATH,
    Path,
    Template,
    compile_path,
    compile_source,
    paths_in,
)
from runtime.exceptions import DefinitionInvalid, ErrorDetail

TOP_KEYS = frozenset(
    {
        "type",
        "description",
        "base_url",
        "auth",
        "headers",
        "timeouts",
        "retry",
        "circuit_breaker",
        "actions",
    }
)
ACTION_KEYS = frozenset(
    {
        "title",
        "description",
        "method",
        "path",
        "input",
        "request",
        "response",
        "expected_status",
        "retry",
        "timeouts",
    }
)
TYPES = ("http", "payment", "crm", "erp", "wms", "carrier", "fx")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
HEADER_NAME = re.compile(r"^[A-Za-z0-9-]{1,64}$")
URL = re.compile(r"^https?://[^\s/?#@\\]+(/[^\s?#]*)?$")
RESERVED_HEADERS = frozenset(
    {
        "host",
        "content-length",
        "content-type",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "upgrade",
        "te",
        "trailer",
        "proxy-authorization",
        "proxy-connection",
        "authorization",
        "cookie",
        "idempotency-key",
    }
)
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_RESPONSE_PATH = re.compile(r"^(body|status|headers)(\.[A-Za-z0-9_]+|\[[0-9]+\])*$")
_NO_REGISTRY = Registry()  # input schemas resolve no remote $ref, ever


def compile_connector(doc: Any, key: str = "", version: int = 0) -> s.ConnectorSpec:
    """Compile and check a connector body; `DefinitionInvalid` lists every problem."""
    if not isinstance(doc, dict):
        raise DefinitionInvalid([ErrorDetail("", "a connector is a JSON object")])
    errors: list[ErrorDetail] = []
    c = _Fields(doc, "", errors, TOP_KEYS)
    kind = c.choice("type", TYPES, required=True) or "http"
    base_url = c.url("base_url", required=True) or ""
    description = c.text("description", 5000) or ""
    auth = _auth(doc.get("auth"), "/auth", errors)
    headers = _static_headers(doc.get("headers"), "/headers", errors, auth)
    timeouts = _timeouts(doc.get("timeouts"), "/timeouts", errors, s.Timeouts())
    retry = _retry(doc.get("retry"), "/retry", errors, s.RetryPolicy())
    breaker = _breaker(doc.get("circuit_breaker"), "/circuit_breaker", errors)
    actions = []
    raw_actions = doc.get("actions")
    if not isinstance(raw_actions, dict) or not raw_actions:
        errors.append(ErrorDetail("/actions", "needs at least one action"))
    elif len(raw_actions) > 200:
        errors.append(ErrorDetail("/actions", "a connector has at most 200 actions"))
    else:
        for name, raw in raw_actions.items():
            action = _action(name, raw, f"/actions/{_esc(name)}", errors, auth, timeouts, retry)
            if action is not None:
                actions.append(action)
    if errors:
        raise DefinitionInvalid(_sorted(errors))
    return s.ConnectorSpec(
        key,
        version,
        kind,
        base_url.rstrip("/"),
        auth,
        tuple(actions),
        headers,
        timeouts,
        retry,
        breaker,
        description,
    )


def compile_retry(raw: Any, base: s.RetryPolicy) -> s.RetryPolicy:
    """A retry override (a flow node's `retry`, common.json) over `base`.

    The flow schema allows more than one call may do in-process, so values are clamped
    to this schema's limits (10 attempts, 60 s initial, 300 s cap) and statuses other
    than 408, 425, 429 and 5xx are dropped from `retry_on`: those are never retried.
    """
    if not isinstance(raw, dict):
        raise DefinitionInvalid([ErrorDetail("", "a retry policy is an object")])
    raw = dict(raw)
    if isinstance(raw.get("retry_on"), list):
        raw["retry_on"] = [x for x in raw["retry_on"] if x in s.RETRYABLE_STATUSES]
    for name, limit in (("max_attempts", 10), ("initial_seconds", 60), ("max_seconds", 300)):
        value = raw.get(name)
        if isinstance(value, int | float) and not isinstance(value, bool) and value > limit:
            raw[name] = limit
    errors: list[ErrorDetail] = []
    policy = _retry(raw, "", errors, base)
    if errors:
        raise DefinitionInvalid(errors)
    return policy


# --- parts ----------------------------------------------------------------------------


class _Fields:
    """Reads one JSON object's fields, recording each problem at its pointer."""

    def __init__(self, value: Any, pointer: str, errors: list[ErrorDetail], allowed) -> None:
        self.errors = errors
        self.pointer = pointer
        self.ok = isinstance(value, dict)
        self.value = value if self.ok else {}
        if not self.ok:
            errors.append(ErrorDetail(pointer, "must be an object"))
        for name in self.value:
            if name not in allowed:
                errors.append(ErrorDetail(f"{pointer}/{_esc(name)}", "unknown field"))

    def at(self, name: str) -> str:
        return f"{self.pointer}/{_esc(name)}"

    def _get(self, name: str, required: bool) -> Any:
        if name not in self.value:
            if required and self.ok:
                self.errors.append(ErrorDetail(self.at(name), "is required"))
            return None
        return self.value[name]

    def check(self, name: str, ok: Callable[[Any], bool], reason: str, required=False) -> Any:
        value = self._get(name, required)
        if value is None and name not in self.value:
            return None
        if not ok(value):
            self.errors.append(ErrorDetail(self.at(name), reason))
            return None
        return value

    def choice(self, name: str, options, required=False) -> Any:
        return self.check(
            name,
            lambda v: isinstance(v, str) and v in options,
            "must be one of: " + ", ".join(options),
            required,
        )

    def text(
        self,
        name: str,
        max_length: int,
        pattern: re.Pattern | None = None,
        required=False,
        min_length: int = 0,
        reason: str = "",
    ) -> str | None:
        return self.check(
            name,
            lambda v: (
                isinstance(v, str)
                and min_length <= len(v) <= max_length
                and (pattern is None or bool(pattern.match(v)))
            ),
            reason or f"must be text of {min_length}-{max_length} characters",
            required,
        )

    def url(self, name: str, required=False) -> str | None:
        return self.text(
            name,
            2048,
            URL,
            required,
            reason="must be an http:// or https:// URL without credentials, query or fragment",
        )

    def number(self, name: str, maximum: float, integer=False, minimum: float = 0) -> Any:
        def ok(v: Any) -> bool:
            if isinstance(v, bool) or not isinstance(v, int | float):
                return False
            if integer and not isinstance(v, int):
                return False
            return (v >= minimum if integer else v > minimum) and v <= maximum

        kind = "a whole number" if integer else "a number"
        low = f"from {minimum}" if integer else f"above {minimum}"
        return self.check(name, ok, f"must be {kind} {low} up to {maximum}")


def _auth(raw: Any, pointer: str, errors: list[ErrorDetail]) -> s.AuthSpec:
    kinds = ("api_key", "bearer", "basic", "oauth2_client_credentials", "none")
    kind = raw.get("type") if isinstance(raw, dict) else None
    allowed = {
        "api_key": {"type", "in", "name", "prefix", "credential"},
        "bearer": {"type", "credential"},
        "basic": {"type", "username", "credential"},
        "oauth2_client_credentials": {
            "type",
            "token_url",
            "client_id",
            "scopes",
            "client_auth",
            "credential",
        },
    }.get(kind, {"type"})
    if raw is None:
        errors.append(ErrorDetail(pointer, "is required"))
        return s.NoAuth()
    c = _Fields(raw, pointer, errors, allowed if kind in kinds else {"type"} | set(raw or {}))
    c.choice("type", kinds, required=True)
    if kind not in kinds or kind == "none":
        return s.NoAuth()
    credential = (
        c.text(
            "credential",
            64,
            IDENTIFIER,
            required=True,
            reason="must name a stored credential (letters, digits, _)",
        )
        or ""
    )
    if kind == "api_key":
        location = c.choice("in", ("header", "query"), required=True) or "header"
        name = (
            c.check(
                "name",
                lambda v: (
                    isinstance(v, str)
                    and bool(re.match(r"^[A-Za-z0-9_-]{1,64}$", v))
                    and v.lower() not in RESERVED_HEADERS - {"authorization"}
                ),
                "must be a header or parameter name (letters, digits, _ and -) the transport "
                "does not set itself",
                required=True,
            )
            or "X-Api-Key"
        )
        prefix = c.text("prefix", 32, re.compile(r"^[\x20-\x7e]*$")) or ""
        return s.ApiKeyAuth(credential, name, location, prefix)
    if kind == "bearer":
        return s.BearerAuth(credential)
    if kind == "basic":
        username = (
            c.text(
                "username",
                200,
                re.compile(r"^[^:\x00-\x1f\x7f]+$"),
                required=True,
                min_length=1,
                reason="must be 1-200 characters without ':'",
            )
            or ""
        )
        return s.BasicAuth(username, credential)
    token_url = c.url("token_url", required=True) or ""
    client_id = (
        c.text(
            "client_id",
            300,
            re.compile(r"^[\x20-\x7e]+$"),
            required=True,
            min_length=1,
            reason="must be 1-300 printable ASCII characters",
        )
        or ""
    )
    scope = re.compile(r"^[\x21\x23-\x5b\x5d-\x7e]{1,200}$")
    scopes = (
        c.check(
            "scopes",
            lambda v: (
                isinstance(v, list)
                and len(set(map(str, v))) == len(v)
                and all(isinstance(x, str) and scope.match(x) for x in v)
            ),
            "must be a list of distinct scope names (no spaces, quotes or backslashes)",
        )
        or []
    )
    client_auth = c.choice("client_auth", ("basic", "body")) or "basic"
    return s.OAuth2ClientCredentials(token_url, client_id, credential, tuple(scopes), client_auth)


def _static_headers(raw, pointer, errors, auth) -> tuple[tuple[str, str], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, dict) or len(raw) > 50:
        errors.append(ErrorDetail(pointer, "must be an object of at most 50 headers"))
        return ()
    out = []
    for name, value in raw.items():
        at = f"{pointer}/{_esc(name)}"
        if _header_name_problem(name, auth, errors, at):
            continue
        if not isinstance(value, str) or len(value) > 1000 or re.search(r"[\r\n\x00]", value):
            errors.append(ErrorDetail(at, "must be one line of text, at most 1000 characters"))
            continue
        out.append((name, value))
    return tuple(out)


def _header_name_problem(name: str, auth: s.AuthSpec, errors, at: str, also=()) -> bool:
    if not HEADER_NAME.match(name) or name.lower() in RESERVED_HEADERS:
        errors.append(
            ErrorDetail(
                at,
                "must be a header name (letters, digits, -) and not one "
                "the transport sets itself (Host, Content-Type, "
                "Authorization, Cookie, Idempotency-Key, ...)",
            )
        )
        return True
    taken = {h.lower() for h in (*auth.header_names, *also)}
    if name.lower() in taken:
        errors.append(ErrorDetail(at, "is already set by the auth or idempotency settings"))
        return True
    return False


def _timeouts(raw, pointer, errors, base: s.Timeouts) -> s.Timeouts:
    if raw is None:
        return base
    c = _Fields(raw, pointer, errors, {"connect_seconds", "read_seconds"})
    connect = c.number("connect_seconds", 30)
    read = c.number("read_seconds", 120)
    return s.Timeouts(
        float(connect) if connect else base.connect, float(read) if read else base.read
    )


def _retry(raw, pointer, errors, base: s.RetryPolicy) -> s.RetryPolicy:
    if raw is None:
        return base
    c = _Fields(
        raw,
        pointer,
        errors,
        {"max_attempts", "backoff", "initial_seconds", "max_seconds", "retry_on"},
    )
    attempts = c.number("max_attempts", 10, integer=True, minimum=1)
    backoff = c.choice("backoff", ("fixed", "exponential"))
    initial = c.number("initial_seconds", 60)
    cap = c.number("max_seconds", 300)
    retry_on = c.check(
        "retry_on",
        lambda v: (
            isinstance(v, list)
            and len(set(map(repr, v))) == len(v)
            and all(type(x) is int and x in s.RETRYABLE_STATUSES for x in v)
        ),
        "must list distinct statuses from 408, 425, 429 and 5xx: other 4xx are never retried",
    )
    return s.RetryPolicy(
        attempts if attempts is not None else base.max_attempts,
        backoff or base.backoff,
        float(initial) if initial is not None else base.initial_seconds,
        float(cap) if cap is not None else base.max_seconds,
        frozenset(retry_on) if retry_on is not None else base.retry_on,
    )


def _breaker(raw, pointer, errors) -> s.BreakerSettings:
    if raw is None:
        return s.BreakerSettings()
    c = _Fields(raw, pointer, errors, {"failure_threshold", "reset_seconds"})
    threshold = c.number("failure_threshold", 100, integer=True, minimum=1)
    reset = c.number("reset_seconds", 3600)
    return s.BreakerSettings(
        threshold or s.DEFAULT_FAILURE_THRESHOLD,
        float(reset) if reset else s.DEFAULT_RESET_SECONDS,
    )


def _action(name, raw, pointer, errors, auth, timeouts, retry) -> s.ActionSpec | None:
    before = len(errors)
    if not isinstance(name, str) or not IDENTIFIER.match(name):
        errors.append(ErrorDetail(pointer, "an action name is letters, digits and _"))
    c = _Fields(raw, pointer, errors, ACTION_KEYS)
    title = c.text("title", 300, min_length=1) or ""
    c.text("description", 5000)
    method = c.choice("method", METHODS, required=True) or "GET"
    schema, validator = _input_schema(
        raw.get("input") if c.ok else None, f"{pointer}/input", errors
    )
    declared = _declared_inputs(schema)
    path = _path_template(c, declared, errors)
    request = _Fields(
        c.value.get("request", {}),
        f"{pointer}/request",
        errors,
        {"query", "headers", "body", "encoding", "idempotency_header"},
    )
    idem = (
        request.text(
            "idempotency_header",
            64,
            HEADER_NAME,
            reason="must be a header name (letters, digits, -)",
        )
        or s.DEFAULT_IDEMPOTENCY_HEADER
    )
    query = _source_map(request, "query", declared, errors, auth)
    headers = _source_map(request, "headers", declared, errors, auth, idem)
    body = None
    if "body" in request.value:
        body = compile_source(request.value["body"], request.at("body"), errors, structured=True)
        _check_inputs(body, declared, request.at("body"), errors)
    encoding = request.choice("encoding", ("json", "form")) or "json"
    outputs, outcomes = _response(c, errors)
    expected = c.check(
        "expected_status",
        lambda v: (
            isinstance(v, list)
            and v
            and len(set(map(repr, v))) == len(v)
            and all(type(x) is int and 200 <= x <= 299 for x in v)
        ),
        "must list distinct success statuses from 200 to 299",
    )
    action_retry = _retry(c.value.get("retry"), c.at("retry"), errors, retry)
    action_timeouts = _timeouts(c.value.get("timeouts"), c.at("timeouts"), errors, timeouts)
    if len(errors) > before:
        return None
    return s.ActionSpec(
        name,
        method,
        path,
        pointer,
        title,
        query,
        headers,
        body,
        encoding,
        idem,
        outputs,
        outcomes,
        frozenset(expected) if expected else None,
        action_retry,
        action_timeouts,
        schema,
        validator,
    )


def _input_schema(raw, pointer, errors) -> tuple[Any, Any]:
    if raw is None:
        return None, None
    if not isinstance(raw, dict) or raw.get("type") != "object":
        errors.append(ErrorDetail(pointer, 'must be a JSON Schema with "type": "object"'))
        return None, None
    try:
        Draft202012Validator.check_schema(raw)
    except SchemaError as exc:
        where = "".join(f"/{_esc(str(p))}" for p in exc.path)
        errors.append(ErrorDetail(pointer + where, f"is not valid JSON Schema: {exc.message}"))
        return None, None
    properties = raw.get("properties", {})
    for prop in properties if isinstance(properties, dict) else ():
        if not IDENTIFIER.match(prop):
            errors.append(
                ErrorDetail(
                    f"{pointer}/properties/{_esc(prop)}", "an input name is letters, digits and _"
                )
            )
    for where, ref in _refs(raw, pointer):
        if not ref.startswith("#"):
            errors.append(ErrorDetail(where, "only local references (#/...) are allowed"))
    validator = Draft202012Validator(raw, registry=_NO_REGISTRY, format_checker=FormatChecker())
    return raw, validator


def _refs(value, pointer):
    if isinstance(value, dict):
        for k, v in value.items():
            if k in ("$ref", "$dynamicRef") and isinstance(v, str):
                yield f"{pointer}/{_esc(k)}", v
            else:
                yield from _refs(v, f"{pointer}/{_esc(k)}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _refs(v, f"{pointer}/{i}")


def _declared_inputs(schema) -> frozenset[str] | None:
    """The input names a template may read; None when the schema does not list them."""
    if not isinstance(schema, dict) or not isinstance(schema.get("properties"), dict):
        return None
    return frozenset(schema["properties"])


def _check_inputs(template: Template | None, declared, pointer, errors) -> None:
    if declared is None:
        return
    for path in paths_in(template):
        head = path.head
        if head is not None and head not in declared:
            errors.append(
                ErrorDetail(
                    pointer, f"reads input {head!r}, which the input schema does not declare"
                )
            )


def _path_template(c: _Fields, declared, errors) -> s.PathTemplate:
    text = c.check(
        "path",
        lambda v: (
            isinstance(v, str)
            and len(v) <= 1000
            and v.startswith("/")
            and not re.search(r"[\s?#\\]", v)
        ),
        "must be a path below the base URL starting with /, with {input} placeholders and "
        "no query, e.g. /v1/refunds/{refund_id}",
        required=True,
    )
    if text is None:
        return s.PathTemplate("/", ("/",))
    parts: list[Any] = []
    position = 0
    for match in _PLACEHOLDER.finditer(text):
        parts.append(text[position : match.start()])
        position = match.end()
        inner = match.group(1)
        if not VAR_PATH.match(inner) or "__" in inner:
            c.errors.append(
                ErrorDetail(
                    c.at("path"),
                    f"{{{inner}}} must name an input, e.g. {{order_number}} or {{order.number}}",
                )
            )
            continue
        path = compile_path(inner, c.at("path"), errors, max_length=None)
        if path is not None:
            _check_inputs(path, declared, c.at("path"), errors)
            parts.append(path)
    parts.append(text[position:])
    if any(isinstance(p, str) and ("{" in p or "}" in p) for p in parts):
        c.errors.append(ErrorDetail(c.at("path"), "has a { or } that is not a placeholder"))
    return s.PathTemplate(text, tuple(p for p in parts if p != ""))


def _source_map(request: _Fields, name, declared, errors, auth, idem=None):
    raw = request.value.get(name)
    if raw is None:
        return ()
    at = request.at(name)
    if not isinstance(raw, dict) or len(raw) > (50 if name == "headers" else 200):
        errors.append(ErrorDetail(at, "must be an object of name -> source"))
        return ()
    out = []
    for key, value in raw.items():
        where = f"{at}/{_esc(key)}"
        if name == "headers" and _header_name_problem(key, auth, errors, where, (idem,)):
            continue
        source = compile_source(value, where, errors)
        if source is not None:
            _check_inputs(source, declared, where, errors)
            out.append((key, source))
    return tuple(out)


def _response(c: _Fields, errors):
    raw = c.value.get("response")
    if raw is None:
        return None, ()
    r = _Fields(raw, c.at("response"), errors, {"map", "errors"})
    outputs = None
    if "map" in r.value:
        outputs = []
        mapping = r.value["map"]
        if not isinstance(mapping, dict) or len(mapping) > 200:
            errors.append(ErrorDetail(r.at("map"), "must be an object of output name -> source"))
            mapping = {}
        for name, value in mapping.items():
            where = f"{r.at('map')}/{_esc(name)}"
            if not IDENTIFIER.match(name):
                errors.append(ErrorDetail(where, "an output name is letters, digits and _"))
                continue
            source = _output_source(value, where, errors)
            if source is not None:
                outputs.append((name, source))
        outputs = tuple(outputs)
    outcomes = []
    codes = r.value.get("errors", {})
    if not isinstance(codes, dict):
        errors.append(ErrorDetail(r.at("errors"), "must be an object of status -> outcome"))
        codes = {}
    for status, outcome in codes.items():
        where = f"{r.at('errors')}/{_esc(status)}"
        if not re.match(r"^4[0-9]{2}$", status) or status == "429":
            errors.append(ErrorDetail(where, "must be a 4xx status other than 429 (retried)"))
        elif not isinstance(outcome, str) or not IDENTIFIER.match(outcome):
            errors.append(ErrorDetail(where, "must be an outcome name (letters, digits, _)"))
        else:
            outcomes.append((int(status), outcome))
    return outputs, tuple(outcomes)


def _output_source(value, where, errors) -> Template | None:
    if isinstance(value, dict) and "template" in value:
        errors.append(
            ErrorDetail(where, 'an output is a path, {"var": …}, {"value": …} or a literal')
        )
        return None
    text, at = value, where
    if isinstance(value, dict) and set(value) in ({"var"}, {"var", "default"}):
        text, at = value["var"], f"{where}/var"
    if isinstance(text, str) and not _is_response_path(text):
        errors.append(
            ErrorDetail(
                at,
                "must be body, body.<path>, status, headers.<name>, or "
                "a JSON pointer into the body such as /data/id",
            )
        )
        return None
    source = compile_source(value, where, errors)
    if isinstance(source, Path) and source.text.startswith("/"):
        return Path(source.text, ("body", *source.segments), source.default)
    return source


def _is_response_path(text: str) -> bool:
    if "__" in text or len(text) > 256:
        return False
    return bool(_RESPONSE_PATH.match(text) or POINTER.match(text))


def _sorted(errors: list[ErrorDetail]) -> list[ErrorDetail]:
    def key(e: ErrorDetail):
        return tuple((0, int(t), "") if t.isdigit() else (1, 0, t) for t in e.pointer.split("/"))

    return sorted(set(errors), key=lambda e: (key(e), e.reason))


def _esc(token: Any) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")
