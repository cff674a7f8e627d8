"""Reliability tests drive real RQ workers (subprocesses) against the test database."""

from __future__ import annotations

import pytest

from tests.app.jobs.conftest import (  # noqa: F401  (fixtures shared with the jobs tests)
    rq_queue,
    run_worker,
    start_worker,
    worker_env,
)


@pytest.fixture
def app_overrides(request):
    return {
        "JOBS_BACKEND": "rq",
        "REDIS_URL": request.getfixturevalue("redis_url"),
        "RQ_QUEUE": request.getfixturevalue("rq_queue"),
    }
