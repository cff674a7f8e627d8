"""The one function every RQ job calls: `run(name, *args)` runs a registered job by name.

An RQ worker process needs a Flask app for the database and settings. It is built once
per process from the environment (or handed over by `formloom worker`, which already has
one) and kept. RQ's default worker forks a "work horse" per job; a forked child must not
share the parent's pooled database connections, so on the first job in a new process the
engines' pools are replaced (SQLAlchemy's recipe: `engine.dispose(close=False)`).
"""

from __future__ import annotations

import os
import threading
from typing import Any

from flask import Flask

from app.extensions import db
from app.jobs.registry import execute

_lock = threading.Lock()
_app: Flask | None = None
_app_pid: int | None = None


def run(name: str, *args: Any) -> None:
    """RQ's job function: run job `name` in an app context, committing when it returns."""
    with get_app().app_context():
        execute(name, args)


def use_app(app: Flask) -> None:
    """Run jobs in this process (and the processes it forks) with `app`."""
    global _app, _app_pid
    with _lock:
        _app, _app_pid = app, os.getpid()


def get_app() -> Flask:
    global _app, _app_pid
    with _lock:
        if _app is None:
            from app import create_app

            _app, _app_pid = create_app(), os.getpid()
        elif _app_pid != os.getpid():
            forget_inherited_connections(_app)
            _app_pid = os.getpid()
        return _app


def forget_inherited_connections(app: Flask) -> None:
    """In a forked child: open new database connections rather than share the parent's."""
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)
