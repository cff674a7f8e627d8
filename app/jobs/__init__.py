"""Background jobs: one dispatcher, two backends (DESIGN §4 and §9).

    from app.jobs import enqueue, job

    @job("outbox.relay")
    def relay(entry_id: int) -> None: ...

    enqueue("outbox.relay", entry.id)   # runs after the current transaction commits

`JOBS_BACKEND` ("inprocess" or "rq", resolved in app/config.py) picks the backend;
nothing above it knows which one runs. Settings read here:

* `JOBS_BACKEND`, `REDIS_URL`, `RQ_QUEUE`, `TIMER_SWEEP_SECONDS` (app/config.py);
* `JOBS_INPROCESS_TIMER_THREAD` (default True): embedded mode sweeps timers in a thread;
* `JOBS_IMPORTS` (default empty): extra modules that register jobs or timer handlers,
  imported by every process (web and worker) — a list or a comma-separated string;
* `RQ_JOB_TIMEOUT` (default 300 seconds): RQ kills a job running longer.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from app.jobs.dispatcher import (
    EXTENSION_KEY,
    Dispatcher,
    JobFailure,
    get_dispatcher,
    install_session_hooks,
)
from app.jobs.registry import UnknownJob, import_job_modules, job

#: Modules that register the built-in jobs and timer handlers.
BUILTIN_JOB_MODULES = ("app.jobs.timers",)

__all__ = ["Dispatcher", "JobFailure", "UnknownJob", "enqueue", "get_dispatcher", "init_app", "job"]


def init_app(app: Flask) -> None:
    """Create the dispatcher for `app`; no thread is started and no connection made here."""
    import_job_modules(BUILTIN_JOB_MODULES)
    import_job_modules(configured_imports(app.config.get("JOBS_IMPORTS")))
    install_session_hooks()
    app.extensions[EXTENSION_KEY] = create_dispatcher(app)
    app.before_request(_start_backend)


def create_dispatcher(app: Flask) -> Dispatcher:
    """A dispatcher for the backend `app.config` names (the worker command rebuilds one)."""
    config = app.config
    if config["JOBS_BACKEND"] == "rq":
        from app.jobs.rq_backend import DEFAULT_JOB_TIMEOUT, RQBackend

        return Dispatcher(
            RQBackend(
                config["REDIS_URL"],
                config["RQ_QUEUE"],
                int(config.get("RQ_JOB_TIMEOUT") or DEFAULT_JOB_TIMEOUT),
            )
        )
    if config["JOBS_BACKEND"] == "inprocess":
        from app.jobs.inprocess import InProcessBackend

        return Dispatcher(
            InProcessBackend(
                app,
                timer_thread=bool(config.get("JOBS_INPROCESS_TIMER_THREAD", True)),
                sweep_seconds=float(config["TIMER_SWEEP_SECONDS"]),
            )
        )
    raise ValueError(f"JOBS_BACKEND must be 'inprocess' or 'rq', not {config['JOBS_BACKEND']!r}")


def configured_imports(value: Any) -> list[str]:
    if not value:
        return []
    if isinstance(value, str):
        return [name.strip() for name in value.split(",") if name.strip()]
    return [str(name) for name in value]


def enqueue(name: str, *args: Any, **options: Any) -> None:
    """Shorthand for `get_dispatcher().enqueue(...)`."""
    get_dispatcher().enqueue(name, *args, **options)


def _start_backend() -> None:
    get_dispatcher().start()
