"""compile_connector: errors with pointers, and agreement with builder/schemas/connector.json."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from builder.definitions import check_document
from connectors.compile import compile_connector
from connectors.spec import ApiKeyAuth, OAuth2ClientCredentials, RetryPolicy, Timeouts
from runtime.exceptions import DefinitionInvalid

SAMPLE = Path(__file__).parents[1] / "data" / "bundles" / "sample" / "connectors"


def pointers(body) -> list[str]:
    with pytest.raises(DefinitionInvalid) as info:
        compile_connector(body, "x.y")
    return [e.pointer for e in info.value.errors]


def base(**actions):
    return {
        "type": "http",
        "base_url": "https://api.example.com/v1",
        "auth": {"type": "none"},
        "actions": actions or {"ping": {"method": "GET", "path": "/ping"}},
    }


def test_the_sample_bundle_connector_compiles():
    for path in SAMPLE.glob("*.json"):
        doc = json.loads(path.read_text())
        spec = compile_connector(doc["body"], doc["key"])
        assert spec.key == doc["key"]
    spec = compile_connector(json.loads((SAMPLE / "erp.orders.json").read_text())["body"])
    assert isinstance(spec.auth, ApiKeyAuth)
    assert spec.timeouts == Timeouts(5, 10)
    action = spec.action("get_order")
    assert action.retry.retry_on == frozenset({429, 502, 503, 504})
    assert action.error_outcome(404) == "order_not_found"


def test_defaults():
    spec = compile_connector(base())
    action = spec.action("ping")
    assert action.timeouts == Timeouts(5.0, 20.0)
    assert action.retry == RetryPolicy()
    assert 500 in action.retry.retry_on and 429 in action.retry.retry_on
    assert 404 not in action.retry.retry_on
    assert action.idempotency_header == "Idempotency-Key"
    assert spec.breaker.failure_threshold == 5


def test_spec_is_frozen():
    spec = compile_connector(base())
    with pytest.raises(AttributeError):
        spec.base_url = "http://evil"  # type: ignore[misc]


def test_every_error_is_reported_with_its_pointer():
    body = {
        "type": "soap",
        "base_url": "ftp://x",
        "auth": {"type": "bearer", "token": "sk_live"},
        "timeouts": {"read_seconds": 500},
        "retry": {"retry_on": [404], "max_attempts": 0},
        "surprise": 1,
        "actions": {
            "bad name": {"method": "GET", "path": "/"},
            "a": {
                "method": "FETCH",
                "path": "/orders/{__class__}/{missing}",
                "input": {"type": "object", "properties": {"n": {"type": "nope"}}},
            },
            "b": {
                "method": "POST",
                "path": "/x",
                "input": {"type": "object", "properties": {"n": {"type": "string"}}},
                "request": {
                    "query": {"q": "other"},
                    "headers": {"Host": "n", "Authorization": "n"},
                    "body": {"x": {"var": "n", "extra": 1}, "y": {"template": "a {b"}},
                    "encoding": "xml",
                },
                "response": {
                    "map": {"id": "data.id", "bad-name": "body"},
                    "errors": {"429": "slow", "500": "boom"},
                },
                "expected_status": [302],
            },
            "c": {
                "method": "GET",
                "path": "/",
                "input": {"type": "object", "$ref": "http://169.254.169.254/schema"},
            },
        },
    }
    assert pointers(body) == [
        "/actions/a/input/properties/n/type",
        "/actions/a/method",
        "/actions/a/path",
        "/actions/b/expected_status",
        "/actions/b/request/body/x/extra",
        "/actions/b/request/body/y/template",
        "/actions/b/request/encoding",
        "/actions/b/request/headers/Authorization",
        "/actions/b/request/headers/Host",
        "/actions/b/request/query/q",
        "/actions/b/response/errors/429",
        "/actions/b/response/errors/500",
        "/actions/b/response/map/bad-name",
        "/actions/b/response/map/id",
        "/actions/bad name",
        "/actions/c/input/$ref",
        "/auth/credential",
        "/auth/token",
        "/base_url",
        "/retry/max_attempts",
        "/retry/retry_on",
        "/surprise",
        "/timeouts/read_seconds",
        "/type",
    ]


def test_oauth2_auth_compiles_with_scopes_and_client_auth():
    body = base()
    body["auth"] = {
        "type": "oauth2_client_credentials",
        "token_url": "https://id.example/t",
        "client_id": "app",
        "credential": "secret",
        "scopes": ["a", "b"],
        "client_auth": "body",
    }
    auth = compile_connector(body).auth
    assert auth == OAuth2ClientCredentials(
        "https://id.example/t", "app", "secret", ("a", "b"), "body"
    )


def test_request_templates_must_read_declared_inputs():
    body = base(
        a={
            "method": "GET",
            "path": "/{n}",
            "input": {"type": "object", "properties": {"m": {"type": "string"}}},
        }
    )
    assert pointers(body) == ["/actions/a/path"]


def test_not_a_dict():
    with pytest.raises(DefinitionInvalid):
        compile_connector([], "x")


# --- the meta-schema and the compiler accept the same documents ------------------------


def _schema_ok(body) -> bool:
    return check_document("connector", "x.y", "X", body) == []


def _compiles(body) -> bool:
    try:
        compile_connector(body, "x.y")
        return True
    except DefinitionInvalid:
        return False


def _variant(path, value):
    body = base(
        a={
            "method": "POST",
            "path": "/orders/{number}",
            "request": {"body": {"n": "number"}, "query": {"q": "number"}},
            "response": {"map": {"id": "body.id"}},
        }
    )
    target = body
    for key in path[:-1]:
        target = target.setdefault(key, {})
    if value is _DELETE:
        target.pop(path[-1], None)
    else:
        target[path[-1]] = copy.deepcopy(value)
    return body


_DELETE = object()
A = ("actions", "a")
VARIANTS = [
    (("type",), "erp"),
    (("type",), "soap"),
    (("base_url",), "https://erp.example.com"),
    (("base_url",), "https://x.example/a?b=1"),
    (("base_url",), "http://u@x.example"),
    (("base_url",), "https://x.example/a#f"),
    (("base_url",), "https://x.example\\@y"),
    (("description",), "d"),
    (("description",), 5),
    (("auth",), {"type": "basic", "username": "u", "credential": "c"}),
    (("auth",), {"type": "basic", "username": "u:x", "credential": "c"}),
    (("auth",), {"type": "api_key", "in": "query", "name": "key", "credential": "c"}),
    (("auth",), {"type": "api_key", "in": "header", "name": "Host", "credential": "c"}),
    (
        ("auth",),
        {
            "type": "api_key",
            "in": "header",
            "name": "Authorization",
            "prefix": "Token ",
            "credential": "c",
        },
    ),
    (("auth",), {"type": "api_key", "in": "cookie", "name": "k", "credential": "c"}),
    (("auth",), {"type": "bearer"}),
    (("auth",), {"type": "none", "x": 1}),
    (
        ("auth",),
        {
            "type": "oauth2_client_credentials",
            "token_url": "https://t.example/t",
            "client_id": "a",
            "credential": "c",
            "scopes": ["a b"],
        },
    ),
    (
        ("auth",),
        {
            "type": "oauth2_client_credentials",
            "token_url": "https://t.example/t",
            "client_id": "a",
            "credential": "c",
            "client_auth": "jwt",
        },
    ),
    (("auth",), _DELETE),
    (("headers",), {"Accept-Language": "en"}),
    (("headers",), {"Cookie": "a=b"}),
    (("headers",), {"cOnTeNt-TyPe": "text/plain"}),
    (("headers",), {"X-A": "a\nb"}),
    (("timeouts",), {"connect_seconds": 2, "read_seconds": 10}),
    (("timeouts",), {"connect_seconds": 0}),
    (("timeouts",), {"read_seconds": 121}),
    (("timeouts",), {"total": 1}),
    (
        ("retry",),
        {
            "max_attempts": 5,
            "backoff": "fixed",
            "initial_seconds": 0.1,
            "max_seconds": 10,
            "retry_on": [408, 425, 429, 503],
        },
    ),
    (("retry",), {"retry_on": [409]}),
    (("retry",), {"max_attempts": 11}),
    (("retry",), {"retry_on": [500, 500]}),
    (("retry",), {"max_attempts": True}),
    (("circuit_breaker",), {"failure_threshold": 3, "reset_seconds": 60}),
    (("circuit_breaker",), {"failure_threshold": 0}),
    (("circuit_breaker",), {"open": True}),
    (("actions",), {}),
    ((*A, "method"), "PATCH"),
    ((*A, "method"), "get"),
    ((*A, "path"), "/a/{number}/b"),
    ((*A, "path"), "/a/{order.lines[0].sku}"),
    ((*A, "path"), "/a?x=1"),
    ((*A, "path"), "/a/{a b}"),
    ((*A, "path"), "/a/{__x}"),
    ((*A, "path"), "/a/{"),
    ((*A, "path"), "a"),
    ((*A, "path"), "/a b"),
    ((*A, "title"), ""),
    ((*A, "title"), "Look up"),
    ((*A, "request", "body"), {"a": [1, "x", {"value": {"var": 1}}], "b": None}),
    ((*A, "request", "body"), {"a": {"var": "x", "default": [1]}}),
    ((*A, "request", "body"), {"a": {"var": "x", "value": 1}}),
    ((*A, "request", "body"), {"a": {"template": "x {y} {{z}}"}}),
    ((*A, "request", "body"), {"a": {"template": "x {y"}}),
    ((*A, "request", "body"), {"a": {"template": "x {__y}"}}),
    ((*A, "request", "body"), {"a": {"template": "{{__y}}"}}),
    ((*A, "request", "body"), {"a": {"template": "{/a/b} {$}"}}),
    ((*A, "request", "body"), {"a": "/lines/0/sku"}),
    ((*A, "request", "body"), {"a": "a b"}),
    ((*A, "request", "body"), {"a": "x.__class__"}),
    ((*A, "request", "body"), "$"),
    ((*A, "request", "body"), [1, 2]),
    ((*A, "request", "query"), {"a": {"value": [1, 2]}}),
    ((*A, "request", "query"), {"a": [1, 2]}),
    ((*A, "request", "query"), {"a": {"b": 1}}),
    ((*A, "request", "headers"), {"X-Trace": {"template": "t-{x}"}}),
    ((*A, "request", "headers"), {"Idempotency-Key": "x"}),
    ((*A, "request", "headers"), {"X Bad": "x"}),
    ((*A, "request", "encoding"), "form"),
    ((*A, "request", "idempotency_header"), "X-Key"),
    ((*A, "request", "idempotency_header"), "X Key"),
    ((*A, "request", "path_params"), {}),
    (
        (*A, "response", "map"),
        {
            "a": "status",
            "b": "headers.x_id",
            "c": "/d/0",
            "d": {"var": "body.x", "default": 0},
            "e": {"value": 1},
            "f": 3,
        },
    ),
    ((*A, "response", "map"), {"a": "$"}),
    ((*A, "response", "map"), {"a": "data.x"}),
    ((*A, "response", "map"), {"a": {"template": "x"}}),
    ((*A, "response", "map"), {"a": {"var": "x"}}),
    ((*A, "response", "map"), {"a-b": "body"}),
    ((*A, "response", "map"), {"a": "body.__x"}),
    ((*A, "response", "errors"), {"404": "not_found", "409": "conflict"}),
    ((*A, "response", "errors"), {"429": "slow"}),
    ((*A, "response", "errors"), {"404": "x y"}),
    ((*A, "response", "errors"), {"abc": "x"}),
    ((*A, "expected_status"), [200, 201]),
    ((*A, "expected_status"), [404]),
    ((*A, "expected_status"), []),
    ((*A, "expected_status"), [200, 200]),
    ((*A, "retry"), {"max_attempts": 1}),
    ((*A, "timeouts"), {"read_seconds": 1}),
    ((*A, "input"), {"type": "object", "properties": {"number": {"type": "string"}}}),
    ((*A, "input"), {"type": "array"}),
    ((*A, "input"), {"type": "object", "minProperties": -1}),
    ((*A, "input"), {"type": "object", "properties": {"bad-name": {}}}),
    ((*A, "unknown"), 1),
]


@pytest.mark.parametrize(("path", "value"), VARIANTS, ids=[str(i) for i in range(len(VARIANTS))])
def test_schema_and_compiler_agree(path, value):
    body = _variant(path, value)
    assert _schema_ok(body) == _compiles(body), (
        check_document("connector", "x.y", "X", body),
        path,
        value,
    )
