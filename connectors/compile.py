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
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import SchemaError
from referencing import Registry

from connectors import spec as s
from connectors.compile_webhooks import compile_webhooks
from connectors.policies import (
    HEADER_NAME,
    IDENTIFIER,
    Fields,
    compile_auth,
    compile_breaker,
    compile_headers,
    compile_retry_part,
    compile_timeouts,
    esc,
    header_name_problem,
    sort_errors,
)
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
        "webhooks",
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
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_RESPONSE_PATH = re.compile(r"^(body|status|headers)(\.[A-Za-z0-9_]+|\[[0-9]+\])*$")
_NO_REGISTRY = Registry()  # input schemas resolve no remote $ref, ever


def compile_connector(doc: Any, key: str = "", version: int = 0) -> s.ConnectorSpec:
    """Compile and check a connector body; `DefinitionInvalid` lists every problem."""
    if not isinstance(doc, dict):
        raise DefinitionInvalid([ErrorDetail("", "a connector is a JSON object")])
    errors: list[ErrorDetail] = []
    c = Fields(doc, "", errors, TOP_KEYS)
    kind = c.choice("type", TYPES, required=True) or "http"
    base_url = c.url("base_url", required=True) or ""
    description = c.text("description", 5000) or ""
    auth = compile_auth(doc.get("auth"), "/auth", errors)
    headers = compile_headers(doc.get("headers"), "/headers", errors, auth)
    timeouts = compile_timeouts(doc.get("timeouts"), "/timeouts", errors, s.Timeouts())
    retry = compile_retry_part(doc.get("retry"), "/retry", errors, s.RetryPolicy())
    breaker = compile_breaker(doc.get("circuit_breaker"), "/circuit_breaker", errors)
    actions = []
    raw_actions = doc.get("actions")
    if not isinstance(raw_actions, dict) or not raw_actions:
        errors.append(ErrorDetail("/actions", "needs at least one action"))
    elif len(raw_actions) > 200:
        errors.append(ErrorDetail("/actions", "a connector has at most 200 actions"))
    else:
        for name, raw in raw_actions.items():
            action = _action(name, raw, f"/actions/{esc(name)}", errors, auth, timeouts, retry)
            if action is not None:
                actions.append(action)
    webhooks = compile_webhooks(doc.get("webhooks"), "/webhooks", errors)
    if errors:
        raise DefinitionInvalid(sort_errors(errors))
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
        webhooks,
    )


# --- parts ----------------------------------------------------------------------------


def _action(name, raw, pointer, errors, auth, timeouts, retry) -> s.ActionSpec | None:
    before = len(errors)
    if not isinstance(name, str) or not IDENTIFIER.match(name):
        errors.append(ErrorDetail(pointer, "an action name is letters, digits and _"))
    c = Fields(raw, pointer, errors, ACTION_KEYS)
    title = c.text("title", 300, min_length=1) or ""
    c.text("description", 5000)
    method = c.choice("method", METHODS, required=True) or "GET"
    schema, validator = _input_schema(
        raw.get("input") if c.ok else None, f"{pointer}/input", errors
    )
    declared = _declared_inputs(schema)
    path = _path_template(c, declared, errors)
    request = Fields(
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
    action_retry = compile_retry_part(c.value.get("retry"), c.at("retry"), errors, retry)
    action_timeouts = compile_timeouts(c.value.get("timeouts"), c.at("timeouts"), errors, timeouts)
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
        where = "".join(f"/{esc(str(p))}" for p in exc.path)
        errors.append(ErrorDetail(pointer + where, f"is not valid JSON Schema: {exc.message}"))
        return None, None
    properties = raw.get("properties", {})
    for prop in properties if isinstance(properties, dict) else ():
        if not IDENTIFIER.match(prop):
            errors.append(
                ErrorDetail(
                    f"{pointer}/properties/{esc(prop)}", "an input name is letters, digits and _"
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
                yield f"{pointer}/{esc(k)}", v
            else:
                yield from _refs(v, f"{pointer}/{esc(k)}")
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


def _path_template(c: Fields, declared, errors) -> s.PathTemplate:
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


def _source_map(request: Fields, name, declared, errors, auth, idem=None):
    raw = request.value.get(name)
    if raw is None:
        return ()
    at = request.at(name)
    if not isinstance(raw, dict) or len(raw) > (50 if name == "headers" else 200):
        errors.append(ErrorDetail(at, "must be an object of name -> source"))
        return ()
    out = []
    for key, value in raw.items():
        where = f"{at}/{esc(key)}"
        if name == "headers" and header_name_problem(key, auth, errors, where, (idem,)):
            continue
        source = compile_source(value, where, errors)
        if source is not None:
            _check_inputs(source, declared, where, errors)
            out.append((key, source))
    return tuple(out)


def _response(c: Fields, errors):
    raw = c.value.get("response")
    if raw is None:
        return None, ()
    r = Fields(raw, c.at("response"), errors, {"map", "errors"})
    outputs = None
    if "map" in r.value:
        outputs = []
        mapping = r.value["map"]
        if not isinstance(mapping, dict) or len(mapping) > 200:
            errors.append(ErrorDetail(r.at("map"), "must be an object of output name -> source"))
            mapping = {}
        for name, value in mapping.items():
            where = f"{r.at('map')}/{esc(name)}"
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
        where = f"{r.at('errors')}/{esc(status)}"
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
