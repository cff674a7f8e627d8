"""Where the persisted path spends its round trips and its time (used by engine_db/engine).

`traced_roundtrips_per_event` counts what PostgreSQL really receives: libpq's protocol
trace of fresh connections, one round trip per simple `Query` and per extended-protocol
`Sync`. `profile_layers` charges cProfile's own time of each function to a layer
(SQLAlchemy, the driver, the engine, the app, json).
"""

from __future__ import annotations

import contextlib
from collections import Counter
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from engine_db import (
    EVENTS_PER_INSTANCE,
    CountingBackend,
    Database,
    NewTasks,
    StatementCounter,
    load_actor,
    make_app,
    run_instance,
    seed,
)
from sqlalchemy import event


def traced_roundtrips_per_event(engine: sa.Engine, workdir: Path, actor: Any,
                                new_tasks: NewTasks, instances: int = 20) -> float:
    """Protocol round trips per event, from libpq's trace of fresh connections."""
    trace_path = workdir / "libpq.trace"
    traced: list[Any] = []
    trace_file = trace_path.open("w")

    def trace(dbapi_connection, _record) -> None:
        dbapi_connection.pgconn.trace(trace_file.fileno())
        dbapi_connection.pgconn.set_trace_flags(1)  # PQTRACE_SUPPRESS_TIMESTAMPS
        traced.append(dbapi_connection)

    engine.dispose()
    event.listen(engine, "connect", trace)
    try:
        for i in range(instances):
            run_instance(2 * 10**6 + i, actor, StatementCounter(), new_tasks)
    finally:
        event.remove(engine, "connect", trace)
        for connection in traced:
            with contextlib.suppress(Exception):
                connection.pgconn.untrace()
        engine.dispose()
        trace_file.close()
    sent = [line.split("\t") for line in trace_path.read_text().splitlines()
            if line.startswith("F\t")]
    roundtrips = sum(1 for parts in sent if len(parts) > 2 and parts[2].split()[0] in
                     ("Query", "Sync"))
    return roundtrips / (instances * EVENTS_PER_INSTANCE)


#: Where profiled time is charged, first match wins (see `profile_layers`).
LAYERS = (("sqlalchemy", "/sqlalchemy/"), ("database driver", "psycopg"),
          ("database driver", "sqlite3"), ("flow engine (runtime/)", "/runtime/"),
          ("app/", "/app/"), ("json", "/json/"), ("json", "json"))


def profile_layers(database: Database, workdir: Path, instances: int = 30) -> dict[str, float]:
    """Share of profiled time per layer over `instances` persisted instances.

    cProfile's clock is the wall clock: time spent waiting for the database server is
    charged to the driver.
    """
    import cProfile
    import pstats

    from app.extensions import db
    from app.jobs import EXTENSION_KEY, Dispatcher

    app = make_app(database.url, workdir)
    app.extensions[EXTENSION_KEY] = Dispatcher(CountingBackend())
    seed(app)
    with app.app_context():
        actor, new_tasks, counter = load_actor(db.engine), NewTasks(), StatementCounter()
        run_instance(4 * 10**6, actor, counter, new_tasks)
        profiler = cProfile.Profile()
        profiler.enable()
        for i in range(instances):
            run_instance(4 * 10**6 + 1 + i, actor, counter, new_tasks)
        profiler.disable()
        new_tasks.close()
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()
    shares: Counter = Counter()
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    for (filename, _line, name), (_cc, _nc, tottime, _ct, _callers) in stats.items():
        where = f"{filename}:{name}"
        layer = next((label for label, part in LAYERS if part in where), "other")
        shares[layer] += tottime
    total = sum(shares.values()) or 1.0
    return {layer: share / total for layer, share in shares.most_common()}
