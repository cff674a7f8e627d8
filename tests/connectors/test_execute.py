"""call_action end to end against a local server: mapping, auth, errors, secrets."""

from __future__ import annotations

import base64
import json
import logging
import urllib.parse

import pytest

from connectors.exceptions import (
    BadResponse,
    ClientRejected,
    ConnectorError,
    ConnectorMisconfigured,
    InputInvalid,
    ServerFailed,
    TargetRefused,
)
from connectors.execute import call_action
from connectors.ssrf import NOTHING_ALLOWED
from connectors.tokens import MemoryTokenCache
from tests.connectors.conftest import LOCAL, connector

ORDER_INPUT = {
    "type": "object",
    "required": ["number"],
    "properties": {
        "number": {"type": "string", "minLength": 1},
        "email": {"type": "string", "format": "email"},
        "lines": {"type": "array"},
    },
}


def order_connector(server, auth=None, **action):
    get_order = {
        "method": "GET",
        "path": "/orders/{number}",
        "input": ORDER_INPUT,
        "request": {"query": {"email": "email"}},
        "response": {
            "map": {
                "order_id": "body.id",
                "first_sku": "body.lines[0].sku",
                "currency": "/currency",
                "note": {"var": "body.note", "default": ""},
                "request_id": {"var": "headers.x_request_id", "default": None},
                "status": "status",
            },
            "errors": {"404": "order_not_found"},
        },
        "expected_status": [200],
        **action,
    }
    return connector(
        server.url + "/api",
        {"get_order": get_order},
        auth=auth
        or {"type": "api_key", "in": "header", "name": "X-Api-Key", "credential": "api_key"},
        retry={"max_attempts": 3, "initial_seconds": 1},
        timeouts={"connect_seconds": 1, "read_seconds": 0.5},
    )


def run(spec, transport, inputs, action="get_order", secrets=None, **kwargs):
    return call_action(
        spec,
        action,
        inputs,
        idempotency_key="case-1:lookup:1",
        secrets={"api_key": "sk_live_S3CRET"} if secrets is None else secrets,
        transport=transport,
        allowlist=kwargs.pop("allowlist", LOCAL),
        **kwargs,
    )


ORDER = {"id": "SO42", "lines": [{"sku": "A-1", "qty": 2}], "currency": "EUR"}


def test_success_maps_outputs_and_sends_query_path_auth_and_key(server, transport):
    server.script.reply(200, ORDER, headers={"X-Request-Id": "req-9"})
    result = run(order_connector(server), transport, {"number": "R/1 ?", "email": "a@b.example"})
    assert result.status == 200
    assert result.attempts == 1
    assert result.outputs == {
        "order_id": "SO42",
        "first_sku": "A-1",
        "currency": "EUR",
        "note": "",
        "request_id": "req-9",
        "status": 200,
    }
    sent = server.requests[0]
    assert sent.path == "/api/orders/R%2F1%20%3F?email=a%40b.example"
    assert sent.headers["x-api-key"] == "sk_live_S3CRET"
    assert sent.headers["idempotency-key"] == "case-1:lookup:1"


def test_retries_keep_the_idempotency_key_then_succeed(server, transport, fake_time):
    server.script.reply(503, times=2)
    server.script.reply(200, ORDER)
    result = run(order_connector(server), transport, {"number": "1"})
    assert result.attempts == 3
    assert {r.headers["idempotency-key"] for r in server.requests} == {"case-1:lookup:1"}
    assert len(fake_time.waits) == 2


def test_a_modelled_4xx_is_a_client_rejection_with_its_outcome_and_no_retry(server, transport):
    server.script.reply(404, {"error": {"message": "no such order", "code": "missing"}})
    with pytest.raises(ClientRejected) as info:
        run(order_connector(server), transport, {"number": "404"})
    error = info.value
    assert (error.status, error.outcome, error.attempts) == (404, "order_not_found", 1)
    assert "no such order" in str(error)
    assert error.details == {"error": {"message": "no such order", "code": "missing"}}
    assert len(server.requests) == 1


def test_exhausted_retries_are_a_server_failure(server, transport):
    server.script.reply(500, times=3)
    with pytest.raises(ServerFailed) as info:
        run(order_connector(server), transport, {"number": "1"})
    assert (info.value.status, info.value.attempts) == (500, 3)


def test_inputs_are_validated_before_anything_is_sent(server, transport):
    with pytest.raises(InputInvalid) as info:
        run(order_connector(server), transport, {"number": "", "email": 5})
    assert [e.pointer for e in info.value.errors] == ["/email", "/number"]
    assert isinstance(info.value, ClientRejected)
    assert server.requests == []


@pytest.mark.parametrize("number", [".", ".."])
def test_dot_segments_cannot_walk_the_path(server, transport, number):
    with pytest.raises(InputInvalid):
        run(order_connector(server), transport, {"number": number})
    assert server.requests == []


def test_unexpected_status_or_unmappable_body_is_a_bad_response(server, transport):
    spec = order_connector(server)
    server.script.reply(204)
    with pytest.raises(BadResponse):
        run(spec, transport, {"number": "1"})
    server.script.reply(200, {"id": "SO1"})  # no lines, no currency
    with pytest.raises(BadResponse) as info:
        run(spec, transport, {"number": "1"})
    assert "body.lines[0].sku" in str(info.value)
    server.script.reply(200, b"{not json", headers={"Content-Type": "application/json"})
    with pytest.raises(BadResponse, match="not valid JSON"):
        run(spec, transport, {"number": "1"})


def test_json_body_template_with_literals_templates_and_optional_inputs(server, transport):
    spec = connector(
        server.url,
        {
            "create": {
                "method": "POST",
                "path": "/tickets",
                "input": {
                    "type": "object",
                    "properties": {
                        "rma": {"type": "string"},
                        "lines": {"type": "array"},
                        "note": {"type": "string"},
                    },
                },
                "request": {
                    "body": {
                        "subject": {"template": "Return {rma} ({lines[0].sku})"},
                        "source": {"value": "formloom"},
                        "priority": 2,
                        "note": "note",
                        "items": [{"sku": "lines[0].sku"}, {"value": {"var": "literal"}}],
                        "all": "$",
                    },
                    "headers": {"X-Rma": "rma"},
                },
            }
        },
    )
    server.script.reply(201, {"id": 1})
    inputs = {"rma": "R-7", "lines": [{"sku": "A"}]}
    result = run(spec, transport, inputs, action="create")
    assert result.outputs == {"body": {"id": 1}}
    sent = server.requests[0]
    assert sent.headers["content-type"] == "application/json"
    assert sent.headers["x-rma"] == "R-7"
    assert sent.json() == {
        "subject": "Return R-7 (A)",
        "source": "formloom",
        "priority": 2,
        "items": [{"sku": "A"}, {"var": "literal"}],
        "all": inputs,
    }  # "note" was not given: left out


def test_form_encoding_nests_stripe_style(server, transport):
    spec = connector(
        server.url,
        {
            "refund": {
                "method": "POST",
                "path": "/v1/refunds",
                "request": {
                    "encoding": "form",
                    "body": {
                        "payment_intent": "pi",
                        "amount": "amount",
                        "metadata": {"rma": "rma"},
                    },
                },
            }
        },
    )
    server.script.reply(200, {"id": "re_1"})
    run(spec, transport, {"pi": "pi_1", "amount": 1250, "rma": "R 1"}, action="refund")
    sent = server.requests[0]
    assert sent.headers["content-type"] == "application/x-www-form-urlencoded"
    assert urllib.parse.parse_qsl(sent.body.decode()) == [
        ("payment_intent", "pi_1"),
        ("amount", "1250"),
        ("metadata[rma]", "R 1"),
    ]


def test_header_injection_through_inputs_is_refused(server, transport):
    spec = connector(
        server.url,
        {"a": {"method": "GET", "path": "/", "request": {"headers": {"X-Note": "note"}}}},
    )
    with pytest.raises(InputInvalid):
        run(spec, transport, {"note": "x\r\nX-Admin: 1"}, action="a")
    assert server.requests == []


@pytest.mark.parametrize(
    ("auth", "secrets", "header", "expected"),
    [
        (
            {"type": "bearer", "credential": "token"},
            {"token": "tok_123456"},
            "authorization",
            "Bearer tok_123456",
        ),
        (
            {"type": "basic", "username": "shop", "credential": "pw"},
            {"pw": "pa55word"},
            "authorization",
            "Basic " + base64.b64encode(b"shop:pa55word").decode(),
        ),
        (
            {
                "type": "api_key",
                "in": "header",
                "name": "Authorization",
                "prefix": "Token ",
                "credential": "k",
            },
            {"k": "key_123456"},
            "authorization",
            "Token key_123456",
        ),
    ],
)
def test_auth_kinds(server, transport, auth, secrets, header, expected):
    server.script.reply(200, ORDER)
    run(order_connector(server, auth=auth), transport, {"number": "1"}, secrets=secrets)
    assert server.requests[0].headers[header] == expected


def test_api_key_in_the_query(server, transport):
    auth = {"type": "api_key", "in": "query", "name": "key", "credential": "k"}
    server.script.reply(200, ORDER)
    run(order_connector(server, auth=auth), transport, {"number": "1"}, secrets={"k": "q_123456"})
    assert server.requests[0].path == "/api/orders/1?key=q_123456"


def test_a_missing_credential_is_named_not_shown(server, transport):
    with pytest.raises(ConnectorMisconfigured, match="'api_key' is not set"):
        run(order_connector(server), transport, {"number": "1"}, secrets={})
    assert server.requests == []


def test_unknown_action_and_not_allowlisted_target(server, transport):
    with pytest.raises(ConnectorMisconfigured):
        run(order_connector(server), transport, {}, action="nope")
    with pytest.raises(TargetRefused):
        run(order_connector(server), transport, {"number": "1"}, allowlist=NOTHING_ALLOWED)
    assert server.requests == []


def test_a_flow_retry_override_replaces_the_action_policy(server, transport):
    server.script.reply(500, times=5)
    with pytest.raises(ServerFailed) as info:
        run(
            order_connector(server),
            transport,
            {"number": "1"},
            retry={"max_attempts": 5, "retry_on": [409, 500]},
        )
    assert info.value.attempts == 5


# --- OAuth2 ---------------------------------------------------------------------------


def oauth_connector(server, **auth):
    return connector(
        server.url,
        {"me": {"method": "GET", "path": "/me", "response": {"map": {"name": "body.name"}}}},
        auth={
            "type": "oauth2_client_credentials",
            "token_url": server.url + "/oauth/token",
            "client_id": "formloom",
            "credential": "client_secret",
            "scopes": ["orders.read", "orders.write"],
            **auth,
        },
    )


def token_reply(server, token, expires_in=3600):
    server.script.reply(
        200, {"access_token": token, "token_type": "Bearer", "expires_in": expires_in}
    )


SECRETS = {"client_secret": "cs_TOPSECRET"}


def test_oauth_token_is_fetched_once_and_cached(server, transport, fake_time):
    token_reply(server, "at_first_123")
    server.script.reply(200, {"name": "A"}, times=2)
    spec = oauth_connector(server)
    assert run(spec, transport, {}, action="me", secrets=SECRETS).outputs == {"name": "A"}
    fake_time.now += 600
    run(spec, transport, {}, action="me", secrets=SECRETS)
    paths = [r.path for r in server.requests]
    assert paths == ["/oauth/token", "/me", "/me"]
    token_request = server.requests[0]
    assert token_request.method == "POST"
    form = dict(urllib.parse.parse_qsl(token_request.body.decode()))
    assert form == {"grant_type": "client_credentials", "scope": "orders.read orders.write"}
    basic = base64.b64decode(token_request.headers["authorization"].split()[1]).decode()
    assert basic == "formloom:cs_TOPSECRET"
    assert "idempotency-key" not in token_request.headers
    assert server.requests[1].headers["authorization"] == "Bearer at_first_123"


def test_oauth_token_is_refreshed_shortly_before_expiry(server, transport, fake_time):
    token_reply(server, "at_short_123", expires_in=120)
    server.script.reply(200, {"name": "A"})
    token_reply(server, "at_next_4567")
    server.script.reply(200, {"name": "B"})
    spec = oauth_connector(server)
    run(spec, transport, {}, action="me", secrets=SECRETS)
    fake_time.now += 70  # 50 s left: inside the refresh margin
    run(spec, transport, {}, action="me", secrets=SECRETS)
    assert [r.path for r in server.requests] == ["/oauth/token", "/me", "/oauth/token", "/me"]
    assert server.requests[3].headers["authorization"] == "Bearer at_next_4567"


def test_oauth_401_fetches_a_new_token_once_and_repeats_with_the_same_key(server, transport):
    cache = MemoryTokenCache()
    token_reply(server, "at_revoked_1")
    server.script.reply(401, {"error": "invalid_token"})
    token_reply(server, "at_fresh_234")
    server.script.reply(200, {"name": "C"})
    result = run(
        oauth_connector(server), transport, {}, action="me", secrets=SECRETS, token_cache=cache
    )
    assert result.outputs == {"name": "C"}
    assert result.attempts == 4
    calls = [r for r in server.requests if r.path == "/me"]
    assert [r.headers["authorization"] for r in calls] == [
        "Bearer at_revoked_1",
        "Bearer at_fresh_234",
    ]
    assert {r.headers["idempotency-key"] for r in calls} == {"case-1:lookup:1"}


def test_oauth_second_401_is_a_client_rejection(server, transport):
    token_reply(server, "at_one_12345")
    server.script.reply(401)
    token_reply(server, "at_two_12345")
    server.script.reply(401, {"error": "still no"})
    with pytest.raises(ClientRejected) as info:
        run(oauth_connector(server), transport, {}, action="me", secrets=SECRETS)
    assert info.value.status == 401


def test_oauth_client_secret_in_body_and_refused_credentials(server, transport):
    server.script.reply(401, {"error": "invalid_client"})
    with pytest.raises(ConnectorMisconfigured, match="refused the client credentials"):
        run(
            oauth_connector(server, client_auth="body"), transport, {}, action="me", secrets=SECRETS
        )
    form = dict(urllib.parse.parse_qsl(server.requests[0].body.decode()))
    assert form["client_id"] == "formloom" and form["client_secret"] == "cs_TOPSECRET"
    assert "authorization" not in server.requests[0].headers


def test_the_token_url_goes_through_the_guard(server, transport):
    spec = connector(
        server.url,
        {"me": {"method": "GET", "path": "/me"}},
        auth={
            "type": "oauth2_client_credentials",
            "token_url": "http://169.254.169.254/token",
            "client_id": "x",
            "credential": "client_secret",
        },
    )
    with pytest.raises(TargetRefused):
        run(spec, transport, {}, action="me", secrets=SECRETS)


# --- secrets stay secret (CHECKLIST 29) ---------------------------------------------


def test_secrets_never_reach_logs_messages_or_results(server, transport, caplog):
    spec = oauth_connector(server)
    token_reply(server, "at_LEAKY_TOKEN")
    server.script.reply(200, {"name": "echo cs_TOPSECRET and at_LEAKY_TOKEN"})
    server.script.reply(400, {"message": "bad key cs_TOPSECRET / at_LEAKY_TOKEN"})
    server.script.reply(500, {"message": "cs_TOPSECRET"}, times=3)
    secrets = {**SECRETS, "unrelated": "other_SECRET_9"}
    texts = []
    with caplog.at_level(logging.DEBUG):
        result = run(spec, transport, {}, action="me", secrets=secrets)
        texts += [repr(result), str(result.outputs)]
        for _ in range(2):
            with pytest.raises(ConnectorError) as info:
                run(spec, transport, {}, action="me", secrets=secrets)
            texts += [
                str(info.value),
                repr(info.value),
                json.dumps(getattr(info.value, "details", None)),
            ]
    texts += [r.getMessage() + repr(r.__dict__) for r in caplog.records]
    assert result.outputs == {"name": "echo [redacted] and [redacted]"}
    for text in texts:
        for secret in (
            "cs_TOPSECRET",
            "at_LEAKY_TOKEN",
            base64.b64encode(b"formloom:cs_TOPSECRET").decode(),
        ):
            assert secret not in text, text


def test_error_messages_carry_no_request_body(server, transport):
    spec = connector(
        server.url,
        {"post": {"method": "POST", "path": "/x", "request": {"body": {"card": "card"}}}},
    )
    server.script.reply(422, b"", headers={"Content-Type": "text/plain"})
    with pytest.raises(ClientRejected) as info:
        run(spec, transport, {"card": "4242424242424242"}, action="post")
    assert "4242" not in str(info.value)


def test_input_errors_do_not_quote_the_value(server, transport):
    spec = connector(
        server.url,
        {
            "pay": {
                "method": "POST",
                "path": "/p",
                "input": {
                    "type": "object",
                    "properties": {"card": {"type": "string", "maxLength": 4}},
                },
            }
        },
    )
    with pytest.raises(InputInvalid) as info:
        run(spec, transport, {"card": "4242424242424242"}, action="pay")
    assert "4242" not in str(info.value) + repr(info.value.errors)
    assert info.value.errors[0].pointer == "/card"


def test_a_flow_retry_override_is_clamped_and_the_call_stays_in_its_budget(
    server, transport, fake_time
):
    server.script.reply(503, times=12)
    with pytest.raises(ServerFailed) as info:
        run(
            order_connector(server),
            transport,
            {"number": "1"},
            retry={"max_attempts": 20, "initial_seconds": 3600, "backoff": "fixed"},
        )
    # 20 -> 10 attempts, 3600 s -> min(60, max_seconds 30); the 120 s budget ends it
    assert fake_time.waits == [30, 30, 30]
    assert info.value.attempts == 4
    assert "budget" in str(info.value)
