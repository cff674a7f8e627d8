"""A stub connector for the benchmark's `formloom` workers (the bare job: engine_noop.py).

Imported by the worker processes (`PYTHONPATH` gets this folder; the app finds it
through `FORMLOOM_JOBS_IMPORTS`). The benchmark has no outside systems to call, so a
stub that calls nobody handles `call_connector` outbox rows in place of the app's own
handler, and an outbox delivery costs what the jobs layer costs (load the row, run the
handler, mark it done, commit). The app registers its handlers after `JOBS_IMPORTS`,
so the stub is installed again whenever an app context is pushed (every job). Each
delivery appends its process id to `FORMLOOM_BENCH_PID_LOG`: one id for all jobs means
a non-forking worker, a new id per job a forking one.
"""

from __future__ import annotations

import os

from flask import appcontext_pushed

from app.flows.outbox import handles

PID_LOG = "FORMLOOM_BENCH_PID_LOG"


def _stub_connector(entry) -> None:
    path = os.environ.get(PID_LOG)
    if path:
        with open(path, "a", encoding="ascii") as log:
            log.write(f"{os.getpid()}\n")


def _install(_app, **_extra) -> None:
    handles("call_connector")(_stub_connector)


appcontext_pushed.connect(_install, weak=False)
