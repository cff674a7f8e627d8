"""CHECKLIST 9: a hanging connector hits its connect/read timeouts before the job's own
timeout, so the failure is ours to handle (retry, error edge, incident), not RQ killing
the job mid-call and leaving nothing but its failed registry.

The live behaviour (a hanging server hits the read timeout, a hang on every attempt is a
`ConnectorTimeout`) is proven in tests/connectors/test_transport.py and
tests/connectors/presets/test_payment.py; here the bounds themselves are checked, since
they are what keeps that true for every connector a builder can define.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from app.config import DefaultConfig
from connectors.exceptions import ConnectorTimeout
from connectors.spec import DEFAULT_CONNECT_SECONDS, DEFAULT_READ_SECONDS
from connectors.transport import DEFAULT_BUDGET_SECONDS
from tests.connectors.conftest import LocalServer
from tests.connectors.test_transport import call, get

SCHEMA = json.loads((Path(__file__).parents[2] / "builder/schemas/connector.json").read_text())


def _max_timeouts() -> float:
    found = {}

    def walk(node):
        if isinstance(node, dict):
            if "connect_seconds" in node and "read_seconds" in node:
                found["connect"] = node["connect_seconds"]["maximum"]
                found["read"] = node["read_seconds"]["maximum"]
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(SCHEMA)
    return found["connect"] + found["read"]


def test_c09_the_slowest_allowed_call_ends_before_the_job_timeout_and_redelivery():
    # The transport starts no retry that could not finish inside its budget, so one call,
    # retries included, takes at most max(budget, the first attempt's timeouts).
    worst = max(DEFAULT_BUDGET_SECONDS, _max_timeouts(),
                DEFAULT_CONNECT_SECONDS + DEFAULT_READ_SECONDS)
    assert worst < DefaultConfig.RQ_JOB_TIMEOUT
    assert worst < DefaultConfig.OUTBOX_REDELIVER_SECONDS  # no second send while one runs


@pytest.fixture
def hanging():
    server = LocalServer()
    server.script.hang(times=10)
    yield server
    server.close()


def test_c09_a_hanging_server_is_a_timeout_well_inside_the_budget(hanging):
    from connectors.spec import RetryPolicy, Timeouts
    from connectors.transport import Transport

    transport = Transport(budget_seconds=2.0)
    started = time.monotonic()
    with pytest.raises(ConnectorTimeout):
        transport.send(get(hanging), call(retry=RetryPolicy(max_attempts=10),
                                          timeouts=Timeouts(connect=0.2, read=0.3)))
    assert time.monotonic() - started < 2.5  # stopped by the budget, not by attempts
