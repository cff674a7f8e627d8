"""The transport against a real server on 127.0.0.1: retries, timeouts, breaker, redirects."""

from __future__ import annotations

import contextlib
import email.utils
import logging
import ssl
import time

import pytest

from connectors.breaker import CircuitStatus
from connectors.exceptions import (
    BadResponse,
    CircuitOpen,
    ConnectorTimeout,
    ServerFailed,
    TargetRefused,
)
from connectors.redact import Redactor
from connectors.spec import BreakerSettings, RetryPolicy, Timeouts
from connectors.ssrf import Allowlist
from connectors.transport import Call, Transport
from connectors.wire import PinnedWire, Request, Response
from tests.connectors.conftest import LOCAL, LocalServer, make_transport

FAST = Timeouts(connect=1.0, read=0.3)


def call(**kwargs) -> Call:
    kwargs.setdefault("allowlist", LOCAL)
    kwargs.setdefault("retry", RetryPolicy(max_attempts=3, initial_seconds=1, max_seconds=8))
    kwargs.setdefault("timeouts", FAST)
    return Call("erp", "get_order", idempotency_key="inst:svc:1", **kwargs)


def get(server, path="/orders/1") -> Request:
    return Request("GET", server.url + path, (("Accept", "application/json"),))


def test_success_sends_the_idempotency_key_and_reports_one_attempt(server, transport):
    server.script.reply(200, {"ok": True})
    exchange = transport.send(get(server), call())
    assert exchange.response.status == 200
    assert exchange.attempts == 1
    assert server.requests[0].headers["idempotency-key"] == "inst:svc:1"
    assert server.requests[0].headers["host"] == f"127.0.0.1:{server.port}"


def test_5xx_is_retried_with_the_same_idempotency_key_then_succeeds(server, transport, fake_time):
    server.script.reply(500, times=2)
    server.script.reply(200, {"id": 7})
    exchange = transport.send(get(server), call())
    assert exchange.attempts == 3
    assert [r.headers["idempotency-key"] for r in server.requests] == ["inst:svc:1"] * 3
    # full jitter: rand() * min(max, initial * 2**(n-1)) with rand() = 0.5
    assert fake_time.waits == [0.5, 1.0]


def test_backoff_is_capped_and_jittered():
    policy = RetryPolicy(max_attempts=10, initial_seconds=1, max_seconds=5)
    assert [policy.delay(n, rand=lambda: 1.0) for n in range(1, 6)] == [1, 2, 4, 5, 5]
    assert policy.delay(3, rand=lambda: 0.0) == 0
    assert RetryPolicy(backoff="fixed", initial_seconds=2).delay(5) == 2


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422])
def test_other_4xx_are_not_retried(server, transport, fake_time, status):
    server.script.reply(status, {"error": "nope"})
    exchange = transport.send(get(server), call())
    assert exchange.response.status == status
    assert len(server.requests) == 1
    assert fake_time.waits == []


def test_429_honours_retry_after_seconds(server, transport, fake_time):
    server.script.reply(429, headers={"Retry-After": "7"})
    server.script.reply(200)
    assert transport.send(get(server), call()).attempts == 2
    assert fake_time.waits == [7.0]


def test_retry_after_as_http_date_and_capped(server, transport, fake_time):
    when = email.utils.formatdate(fake_time.now + 3, usegmt=True)
    server.script.reply(503, headers={"Retry-After": when})
    server.script.reply(429, headers={"Retry-After": "3600"})
    server.script.reply(200)
    transport.send(get(server), call())
    assert fake_time.waits[0] == pytest.approx(3, abs=1)
    assert fake_time.waits[1] == 8.0  # capped at max_seconds


def test_exhausted_retries_raise_server_failed_with_the_last_status(server, transport):
    server.script.reply(502, times=3)
    with pytest.raises(ServerFailed) as info:
        transport.send(get(server), call())
    assert info.value.status == 502
    assert info.value.attempts == 3
    assert "502" in str(info.value) and "3 of 3" in str(info.value)
    assert len(server.requests) == 3


def test_the_time_budget_stops_retrying_early(server, fake_time):
    transport = make_transport(fake_time, budget_seconds=5)
    server.script.reply(503, headers={"Retry-After": "8"}, times=3)
    with pytest.raises(ServerFailed) as info:
        transport.send(get(server), call())
    assert len(server.requests) == 1
    assert "budget" in str(info.value)


def test_a_hanging_server_hits_the_read_timeout(server, transport):
    server.script.hang(times=2)
    started = time.monotonic()
    with pytest.raises(ConnectorTimeout) as info:
        transport.send(get(server), call(retry=RetryPolicy(max_attempts=2)))
    assert time.monotonic() - started < 2.0  # two 0.3 s read timeouts, nothing more
    assert info.value.attempts == 2
    assert isinstance(info.value, ServerFailed)  # an incident, like other exhausted retries
    assert "read timeout" in str(info.value)


def test_a_closed_port_is_a_retried_connection_error(transport, fake_time):
    closed = LocalServer()
    url = closed.url
    closed.close()
    with pytest.raises(ServerFailed) as info:
        transport.send(Request("GET", url + "/x"), call())
    assert info.value.attempts == 3
    assert info.value.status is None
    assert len(fake_time.waits) == 2


def test_circuit_opens_after_consecutive_failures_then_half_opens(server, transport, fake_time):
    settings = BreakerSettings(failure_threshold=3, reset_seconds=30)
    one_shot = RetryPolicy(max_attempts=1)
    server.script.reply(500, times=3)
    for _ in range(3):
        with pytest.raises(ServerFailed):
            transport.send(get(server), call(retry=one_shot, breaker=settings))
    assert transport.breaker.status("erp") is CircuitStatus.OPEN
    with pytest.raises(CircuitOpen) as info:
        transport.send(get(server), call(retry=one_shot, breaker=settings))
    assert info.value.retry_after == pytest.approx(30)
    assert len(server.requests) == 3  # nothing sent while open

    fake_time.now += 31  # cool-down over: one trial goes through
    server.script.reply(500)
    with pytest.raises(ServerFailed):
        transport.send(get(server), call(retry=one_shot, breaker=settings))
    assert transport.breaker.status("erp") is CircuitStatus.OPEN  # the trial failed

    fake_time.now += 31
    server.script.reply(200)
    assert transport.send(get(server), call(retry=one_shot, breaker=settings)).attempts == 1
    assert transport.breaker.status("erp") is CircuitStatus.CLOSED
    assert len(server.requests) == 5


def test_only_one_trial_while_half_open(fake_time):
    seen = []

    def handler(request, target):
        seen.append(request)
        # a second call arriving while the trial is still running is refused
        with pytest.raises(CircuitOpen):
            transport.send(Request("GET", "http://127.0.0.1/x"), call(retry=RetryPolicy(1)))
        return Response(200)

    transport = Transport.from_handler(handler, clock=fake_time.clock, sleep=fake_time.sleep)
    settings = BreakerSettings(failure_threshold=1, reset_seconds=10)
    transport.breaker.failed("erp", settings)
    fake_time.now += 11
    transport.send(Request("GET", "http://127.0.0.1/x"), call(breaker=settings))
    assert len(seen) == 1
    assert transport.breaker.status("erp") is CircuitStatus.CLOSED


def test_a_4xx_answer_counts_as_the_system_being_up(server, transport):
    settings = BreakerSettings(failure_threshold=2, reset_seconds=30)
    server.script.reply(500)
    server.script.reply(404)
    server.script.reply(500)
    for _ in range(3):
        with contextlib.suppress(ServerFailed):
            transport.send(get(server), call(retry=RetryPolicy(1), breaker=settings))
    assert transport.breaker.status("erp") is CircuitStatus.CLOSED


# --- redirects ------------------------------------------------------------------------


def test_a_redirect_to_the_metadata_address_is_refused(server, transport):
    server.script.reply(302, headers={"Location": "http://169.254.169.254/latest/meta-data/"})
    with pytest.raises(TargetRefused) as info:
        transport.send(get(server), call())
    assert "cloud metadata" in str(info.value)
    assert len(server.requests) == 1


def test_a_redirect_to_a_name_resolving_inside_is_refused(server, fake_time):
    transport = make_transport(fake_time, resolver=lambda host, port: ["192.168.0.10"])
    server.script.reply(307, headers={"Location": "http://intranet.example/"})
    with pytest.raises(TargetRefused):
        transport.send(get(server), call())


def test_allowed_redirects_are_followed_at_most_three_times(server, transport):
    server.script.reply(302, headers={"Location": "/step2"})
    server.script.reply(301, headers={"Location": f"{server.url}/step3"})
    server.script.reply(200, {"done": True})
    assert transport.send(get(server), call()).response.status == 200
    assert [r.path for r in server.requests] == ["/orders/1", "/step2", "/step3"]

    server.requests.clear()
    server.script.reply(302, headers={"Location": "/loop"}, times=4)
    with pytest.raises(BadResponse):
        transport.send(get(server), call())
    assert len(server.requests) == 4


def test_303_turns_a_post_into_a_get_without_body(server, transport):
    server.script.reply(303, headers={"Location": "/result"})
    server.script.reply(200)
    request = Request(
        "POST", server.url + "/refunds", (("Content-Type", "application/json"),), b'{"amount": 5}'
    )
    transport.send(request, call())
    assert [(r.method, r.body) for r in server.requests] == [
        ("POST", b'{"amount": 5}'),
        ("GET", b""),
    ]


def test_credentials_are_not_carried_to_another_origin():
    other = LocalServer()
    first = LocalServer()
    try:
        first.script.reply(302, headers={"Location": f"{other.url}/elsewhere"})
        transport = Transport()
        redactor = Redactor(["s3cret-token"], ["X-Api-Key"])
        headers = (("Authorization", "Bearer s3cret-token"), ("X-Api-Key", "k3y-value"))
        transport.send(Request("GET", first.url + "/a", headers), call(redactor=redactor))
        assert first.requests[0].headers["authorization"] == "Bearer s3cret-token"
        moved = other.requests[0].headers
        assert "authorization" not in moved and "x-api-key" not in moved
        assert moved["idempotency-key"] == "inst:svc:1"
    finally:
        first.close()
        other.close()


# --- pinning and TLS ------------------------------------------------------------------


def test_the_connection_goes_to_the_checked_address_not_a_second_lookup(server, fake_time):
    answers = iter([["127.0.0.1"], ["10.0.0.99"]])  # rebinding: second answer is private
    lookups = []

    def resolver(host, port):
        lookups.append(host)
        return next(answers)

    transport = make_transport(fake_time, resolver=resolver)
    allow = Allowlist.parse(["127.0.0.1"])
    server.script.reply(500)
    server.script.reply(200)
    url = f"http://rebind.example:{server.port}/x"
    exchange = transport.send(Request("GET", url), call(allowlist=allow))
    assert exchange.attempts == 2  # the retry also went to the pinned 127.0.0.1
    assert lookups == ["rebind.example"]
    assert server.requests[0].headers["host"] == f"rebind.example:{server.port}"


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory):
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "good.test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("good.test")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return folder / "cert.pem", folder / "key.pem"


def test_tls_checks_the_host_name_while_connecting_to_the_pinned_address(tls_files, fake_time):
    cert, key = tls_files
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert, key)
    tls_server = LocalServer(ssl_context=server_context)
    try:
        client_context = ssl.create_default_context(cafile=str(cert))
        transport = make_transport(
            fake_time, wire=PinnedWire(client_context), resolver=lambda host, port: ["127.0.0.1"]
        )
        tls_server.script.reply(200, {"ok": True})
        url = f"https://good.test:{tls_server.port}/secure"
        assert transport.send(Request("GET", url), call()).response.status == 200
        assert tls_server.requests[0].headers["host"] == f"good.test:{tls_server.port}"

        # same pinned address, but the certificate is not for this name: refused, no retry
        with pytest.raises(ServerFailed) as info:
            transport.send(Request("GET", f"https://evil.test:{tls_server.port}/"), call())
        assert "TLS" in str(info.value)
        assert info.value.attempts == 1
        assert len(tls_server.requests) == 1
    finally:
        tls_server.close()


# --- logs -----------------------------------------------------------------------------


def test_one_structured_log_line_per_attempt_with_secrets_redacted(server, transport, caplog):
    server.script.reply(503)
    server.script.reply(200)
    redactor = Redactor(["tok-123456"], ["X-Api-Key"])
    headers = (
        ("Authorization", "Bearer tok-123456"),
        ("X-Api-Key", "key-abcdef"),
        ("Cookie", "session=zzz"),
        ("X-Custom", "carries tok-123456 inside"),
    )
    with caplog.at_level(logging.INFO, logger="formloom.connectors"):
        transport.send(
            Request("GET", server.url + "/orders/1?api_key=key-abcdef", headers),
            call(redactor=redactor),
        )
    records = [r for r in caplog.records if r.name == "formloom.connectors"]
    assert [(r.attempt, r.status, r.outcome) for r in records] == [
        (1, 503, "retry"),
        (2, 200, "answered"),
    ]
    for record in records:
        assert (record.connector, record.action, record.method, record.host) == (
            "erp",
            "get_order",
            "GET",
            "127.0.0.1",
        )
        assert isinstance(record.duration_ms, int)
        assert record.request_headers["Authorization"] == "[redacted]"
        assert record.request_headers["X-Api-Key"] == "[redacted]"
        assert record.request_headers["Cookie"] == "[redacted]"
        assert record.request_headers["X-Custom"] == "carries [redacted] inside"
        everything = record.getMessage() + repr(record.__dict__)
        assert "tok-123456" not in everything
        assert "key-abcdef" not in everything
        assert "zzz" not in everything
