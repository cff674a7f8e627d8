"""Persisted instances through `app.flows.service`, on SQLite and on PostgreSQL.

One complete instance is four events, each its own transaction and session, as four
web requests or jobs would be: `service.start`, `service.complete_task`, then
`service.deliver(ServiceSucceeded)` for the CRM and the ERP call. The service results
are delivered directly as events: no connector is called. Jobs
that the app enqueues (outbox deliveries) go to a backend that only counts them, so
these figures are the database path alone; `engine_rq` measures the queue.

The acting user is loaded once, up front, as a signed-in user would come from the
web layer's session. Everything the four service calls send is counted
(`StatementCounter`, SQLAlchemy's `before_cursor_execute` plus transaction and
pre-ping events); on PostgreSQL a short traced sample (libpq's protocol trace) counts
the real round trips: every simple `Query` and every extended-protocol `Sync`.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from engine_memory import FLOW_KEY, TABLE_KEY, case, load_json
from sqlalchemy import event

POSTGRES_ADMIN_URL = os.environ.get(
    "FORMLOOM_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
ACTOR_EMAIL = "agent@bench.example"
EVENTS_PER_INSTANCE = 4
_WRITE = re.compile(r"^\s*(INSERT INTO|UPDATE|DELETE FROM)\s+\"?(\w+)", re.I)
_READ = re.compile(r"^\s*(SELECT)\s.*?\sFROM\s+\"?(\w+)", re.I | re.S)
_CTE_WRITES = re.compile(r"(?<!DO )\b(INSERT INTO|UPDATE)\s+\"?(\w+)", re.I)


@dataclass
class Database:
    label: str
    url: str
    drop: Callable[[], None] = lambda: None


def sqlite_database(workdir: Path) -> Database:
    from app.cli.db import upgrade_database

    url = f"sqlite:///{workdir / 'bench.db'}"
    upgrade_database(url)
    return Database("sqlite", url)


def postgres_database() -> Database | str:
    """A new, migrated database on the local PostgreSQL, or why there is none."""
    from app.cli.db import upgrade_database

    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT",
                             connect_args={"connect_timeout": 3})
    name = f"formloom_bench_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except Exception as err:  # any failure means "not usable here"
        admin.dispose()
        host = POSTGRES_ADMIN_URL.rsplit("@", 1)[-1]
        return f"PostgreSQL not reachable at {host}: {type(err).__name__}"

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    url = sa.engine.make_url(POSTGRES_ADMIN_URL).set(database=name)
    url_text = url.render_as_string(hide_password=False)
    try:
        upgrade_database(url_text)
    except Exception:
        drop()
        raise
    return Database("postgresql", url_text, drop)


def app_settings(url: str, workdir: Path, **extra: Any) -> dict[str, Any]:
    from cryptography.fernet import Fernet

    key_file = workdir / "fernet.key"
    if not key_file.exists():
        key_file.write_text(Fernet.generate_key().decode())
    return {
        "ENV_MODE": "testing", "SECRET_KEY": "bench-" + "x" * 40,
        "ENCRYPTION_KEYS": key_file.read_text(), "DATABASE_URL": url,
        "JOBS_BACKEND": "inprocess", "JOBS_INPROCESS_TIMER_THREAD": False, "REDIS_URL": None,
        "INSTANCE_PATH": str(workdir / "instance"), **extra,
    }


def make_app(url: str, workdir: Path, **extra: Any):
    import logging

    from app import create_app

    app = create_app(app_settings(url, workdir, **extra))
    logging.getLogger().setLevel(logging.WARNING)
    return app


def seed(app) -> None:
    """The refund table and the flow, published; a team and an agent who may approve."""
    from app.extensions import db
    from app.models import User
    from app.services import definitions, users

    with app.app_context():
        if db.session.scalar(sa.select(User.id).where(User.email == ACTOR_EMAIL)):
            return  # seeded by an earlier phase on the same database
        users.ensure_team("cs_agent")
        users.create_user(ACTOR_EMAIL, "Bench Agent", None, roles=("staff",), teams=("cs_agent",))
        definitions.save_draft("decision_table", TABLE_KEY, "Refund",
                               load_json("refund.table.json"))
        definitions.publish("decision_table", TABLE_KEY)
        definitions.save_draft("flow", FLOW_KEY, "Return approval",
                               load_json("returns_approval.flow.json"))
        definitions.publish("flow", FLOW_KEY)
        db.session.commit()


class CountingBackend:
    """A jobs backend that runs nothing: persisted figures exclude the queue."""

    name = "counting"

    def __init__(self) -> None:
        self.submitted = 0

    def submit(self, request: Any) -> None:
        self.submitted += 1

    def start(self) -> None: ...
    def wait_idle(self, timeout: float) -> bool: return True
    def failures(self, limit: int) -> list: return []
    def shutdown(self) -> None: ...


@dataclass
class StatementCounter:
    """SQL sent per labelled event, by kind (`SELECT tasks`, `COMMIT`, `ping`, ...)."""

    label: str | None = None
    counts: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    seconds: Counter = field(default_factory=Counter)
    flushes: Counter = field(default_factory=Counter)

    def attach(self, engine: sa.Engine, session: Any = None) -> None:
        if session is not None:
            event.listen(session, "after_flush", self._flushed)
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "begin", lambda conn: self._add("BEGIN"))
        event.listen(engine, "commit", lambda conn: self._add("COMMIT"))
        event.listen(engine, "rollback", lambda conn: self._add("ROLLBACK"))
        if engine.pool._pre_ping:
            event.listen(engine, "checkout", lambda *args: self._add("ping (pool_pre_ping)"))

    @contextlib.contextmanager
    def labelled(self, label: str | None) -> Iterator[None]:
        previous, self.label = self.label, label
        start = time.perf_counter()
        try:
            yield
        finally:
            self.label = previous
            if label is not None:
                self.seconds[label] += time.perf_counter() - start

    def _statement(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.lstrip().upper().startswith("WITH"):  # app/flows/step_sql.py
            writes = sorted({f"{verb.split()[0].upper()} {table}"
                             for verb, table in _CTE_WRITES.findall(statement)})
            self._add(f"one statement ({' + '.join(writes)})")
            return
        match = _WRITE.match(statement) or _READ.match(statement)
        self._add(f"{match[1].split()[0].upper()} {match[2]}" if match else statement[:40])

    def clear(self) -> None:
        self.counts.clear()
        self.seconds.clear()
        self.flushes.clear()

    def _flushed(self, _session, _context) -> None:
        if self.label is not None:
            self.flushes[self.label] += 1

    def _add(self, kind: str) -> None:
        if self.label is not None:
            self.counts[self.label][kind] += 1


def load_actor(engine: sa.Engine) -> Any:
    """The approving agent with roles and teams loaded, detached (a signed-in user)."""
    from sqlalchemy.orm import Session

    from app.models import User

    with Session(engine, expire_on_commit=False) as session:
        actor = session.scalar(sa.select(User).where(User.email == ACTOR_EMAIL))
        actor.has_role("admin"), actor.team_keys  # loads roles and teams
        session.expunge(actor)
    return actor


class NewTasks:
    """Task rows as the session flushes them: their ids without a query of ours."""

    def __init__(self) -> None:
        from app.extensions import db

        self.rows: list[Any] = []
        event.listen(db.session, "before_flush", self._collect)

    def take(self) -> list[Any]:
        rows, self.rows = self.rows, []
        return rows

    def close(self) -> None:
        from app.extensions import db

        event.remove(db.session, "before_flush", self._collect)

    def _collect(self, session, _context, _instances) -> None:
        from app.models import Task

        self.rows += [row for row in session.new if isinstance(row, Task)]


def run_instance(i: int, actor: Any, counter: StatementCounter, new_tasks: NewTasks) -> int:
    """One complete instance, four events, one transaction each; its id."""
    instance_id = start_and_approve(i, actor, counter, new_tasks)
    answer_calls(instance_id, i, counter)
    return instance_id


def start_and_approve(i: int, actor: Any, counter: StatementCounter, new_tasks: NewTasks) -> int:
    """Events 1 and 2: the instance starts and waits at the approval; the agent approves."""
    from app.extensions import db
    from app.flows import service

    with counter.labelled("start"):
        instance = service.start(FLOW_KEY, case(i))
        instance_id = instance.id
        [task_id] = [task.id for task in new_tasks.take()]
        db.session.commit()
    db.session.remove()
    with counter.labelled("complete_task"):
        service.complete_task(task_id, "approve", {"note": "ok"}, actor)
        db.session.commit()
    db.session.remove()
    return instance_id


def answer_calls(instance_id: int, i: int, counter: StatementCounter) -> None:
    """Events 3 and 4: the CRM and the ERP call succeed (delivered as events)."""
    from app.extensions import db
    from app.flows import service
    from app.models import FlowInstance, utcnow
    from runtime.flows import ServiceSucceeded

    for node_id, output in (("crm", {}), ("erp", {"id": i})):
        with counter.labelled("service_succeeded"):
            row = db.session.get(FlowInstance, instance_id)
            service.deliver(row, ServiceSucceeded(node_id=node_id, activation=1, output=output,
                                                  at=utcnow()))
            db.session.commit()
        db.session.remove()


@dataclass
class Persisted:
    label: str
    per_s: float
    instances: int
    per_event: dict[str, Counter]  # event kind -> statements per single event
    ms_per_event: dict[str, float]  # event kind -> wall time of one event
    flushes_per_event: dict[str, float]  # event kind -> ORM flushes in one event
    roundtrips_per_event: float  # counted by SQLAlchemy events
    traced_roundtrips_per_event: float | None = None  # libpq trace (PostgreSQL)


def measure(database: Database, workdir: Path, instances: int) -> Persisted:
    from app.extensions import db
    from app.jobs import EXTENSION_KEY, Dispatcher
    from app.models import FlowInstance

    app = make_app(database.url, workdir)
    app.extensions[EXTENSION_KEY] = Dispatcher(CountingBackend())
    seed(app)
    with app.app_context():
        actor, new_tasks = load_actor(db.engine), NewTasks()
        counter = StatementCounter()
        counter.attach(db.engine, db.session)
        for i in range(5):  # warm the compiled-spec and table caches
            run_instance(10**6 + i, actor, counter, new_tasks)
        counter.clear()
        start = time.perf_counter()
        ids = [run_instance(i, actor, counter, new_tasks) for i in range(instances)]
        elapsed = time.perf_counter() - start
        completed = db.session.scalar(sa.select(sa.func.count()).where(
            FlowInstance.id.in_(ids), FlowInstance.status == "completed"))
        assert completed == instances, f"{completed} of {instances} instances completed"
        occurrences = {"start": instances, "complete_task": instances,
                       "service_succeeded": 2 * instances}
        per_event = {kind: Counter({k: v / occurrences[kind] for k, v in c.items()})
                     for kind, c in counter.counts.items()}
        total = sum(sum(c.values()) for c in counter.counts.values())
        result = Persisted(
            database.label, instances / elapsed, instances, per_event,
            {k: 1000 * s / occurrences[k] for k, s in counter.seconds.items()},
            {k: n / occurrences[k] for k, n in counter.flushes.items()},
            total / (instances * EVENTS_PER_INSTANCE),
        )
        if database.label == "postgresql":
            from engine_probe import traced_roundtrips_per_event

            result.traced_roundtrips_per_event = traced_roundtrips_per_event(
                db.engine, workdir, actor, new_tasks)
        new_tasks.close()
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()
    return result
