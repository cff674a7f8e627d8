"""Issue 10, fault injection at CI size: bench/chaos.py with 100 cases and 2 workers.

Real `formloom worker` processes on PostgreSQL, the sandbox connectors over HTTP on the
app under gunicorn; a worker is SIGKILLed every few seconds and Redis (the bench's own
database, db 13) is emptied once mid-run. No case may be lost or left stuck, no payment
intent refunded twice, and every completed case's timer fired exactly once.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests import services
from tests.conftest import _skip_or_fail

BENCH = Path(__file__).resolve().parents[2] / "bench" / "chaos.py"


def _chaos_module():
    spec = importlib.util.spec_from_file_location("formloom_bench_chaos", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def _chaos_redis_url(test_redis_url: str) -> str:
    """The test Redis's server, database 13: the run flushes it, never the suite's db 15."""
    configured = os.environ.get("FORMLOOM_CHAOS_REDIS_URL")
    if configured:
        return configured
    return urlunsplit(urlsplit(test_redis_url)._replace(path="/13"))


@pytest.mark.chaos
@pytest.mark.timeout(240)
def test_chaos_run_loses_nothing_refunds_once_and_fires_every_timer_once():
    admin_url, reason = services.postgres_admin_url()
    if admin_url is None:
        _skip_or_fail(reason)
    redis_url, reason = services.redis_url()
    if redis_url is None:
        _skip_or_fail(reason)
    chaos = _chaos_module()
    settings = chaos.Settings(
        cases=100, workers=2, kill_every=2.5, timeout=160.0, redeliver_seconds=5.0,
        gunicorn_workers=2, postgres_admin_url=admin_url,
        redis_url=_chaos_redis_url(redis_url), seed=10, log=False,
    )

    report = chaos.run(settings)

    summary = {k: v for k, v in report.items() if k != "unfinished_sample"}
    assert report["kills"] >= 3 and report["flushes"] == 1, summary
    assert report["lost"] == 0, report
    assert report["duplicate_refunds"] == 0, report
    assert report["stuck"] == 0, report
    assert report["completed"] == report["cases"] == 100, report
    assert report["refunds"] == 100 and report["refund_mismatches"] == 0, summary
    assert report["timers_not_once"] == 0, summary
