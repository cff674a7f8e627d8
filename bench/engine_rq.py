"""Effect dispatch through real Redis and RQ: outbox deliveries vs. bare no-op jobs.

Instances of the reference flow are started and approved with the app's RQ backend,
so every CRM/ERP call becomes an outbox row plus an `outbox.deliver` job in Redis
(handed over after the commit, as in production). Then, each on its own queue:

1. a real `formloom worker --burst` subprocess drains those jobs (its worker class,
   whichever the app ships, is read from the process ids the stub connector records);
2. `rq worker --burst` with the same class drains as many bare no-op jobs;
3. and 4. the same pair with the other class (`rq worker -w ...`, running the same
   `app.jobs.worker_entry.run` jobs, so the app is built from the environment).

Rates come from timestamps written as the work ends, between the first and the last, so
process start-up (imports, app creation, the first connection) is not counted: RQ's own
job end times for bare jobs, each outbox row's `processed_at` for deliveries (the app
enqueues one job per step, carrying every row that step wrote: two calls here).
Loopback only; Redis db 14 by default (`FORMLOOM_BENCH_REDIS_URL`); every key the run
made is deleted afterwards.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

from engine_db import (
    Database,
    NewTasks,
    StatementCounter,
    app_settings,
    load_actor,
    make_app,
    seed,
    start_and_approve,
)

REDIS_URL = os.environ.get("FORMLOOM_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
BENCH_DIR = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
FORK, SIMPLE = "rq.worker.Worker", "rq.worker.SimpleWorker"
JSON_SERIALIZER = "rq.serializers.JSONSerializer"


@dataclass
class Drain:
    what: str
    worker_class: str
    jobs: int
    per_s: float | None
    note: str = ""


def redis_problem() -> str | None:
    """None when Redis answers at REDIS_URL, else why not."""
    from redis import Redis

    try:
        Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as err:  # any failure means "not usable here"
        return f"Redis not reachable at {REDIS_URL}: {type(err).__name__}"
    return None


def measure(database: Database, workdir: Path, instances: int) -> list[Drain]:
    """The four drains; `instances` approvals give 2 x instances effects per drain."""
    run = uuid.uuid4().hex[:8]
    queues = {n: f"formloom-bench-{run}-{n}" for n in ("app", "bare", "app-other", "bare-other")}
    try:
        return _measure(database, workdir, instances, queues)
    finally:
        _delete_queues(queues.values())


def _measure(database: Database, workdir: Path, instances: int,
             queues: dict[str, str]) -> list[Drain]:
    from app.extensions import db
    from app.jobs.dispatcher import JobRequest
    from app.jobs.rq_backend import RQBackend
    from app.models import OutboxEntry

    app = make_app(database.url, workdir, JOBS_BACKEND="rq", REDIS_URL=REDIS_URL,
                   RQ_QUEUE=queues["app"])
    seed(app)
    with app.app_context():
        actor, new_tasks = load_actor(db.engine), NewTasks()
        ids = [start_and_approve(3 * 10**6 + i, actor, StatementCounter(), new_tasks)
               for i in range(instances)]
        new_tasks.close()
        rows = OutboxEntry.instance_id.in_(ids)
        steps: dict[int, list[int]] = {}  # the rows each approval wrote: one job each
        for entry_id, instance_id in db.session.execute(
                db.select(OutboxEntry.id, OutboxEntry.instance_id).where(rows)
                .order_by(OutboxEntry.id)):
            steps.setdefault(instance_id, []).append(entry_id)
        entry_ids = [entry_id for group in steps.values() for entry_id in group]
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()  # a SQLite file must not stay locked for the workers
    effects = len(entry_ids)
    env, pid_log = _worker_env(database, workdir), workdir / "stub-connector.pids"

    shipped = _drain(["formloom", "worker", "--burst", "--queue", queues["app"]], queues["app"],
                     env | {"FORMLOOM_BENCH_PID_LOG": str(pid_log)}, workdir, len(steps),
                     rate=lambda: _delivery_rate(app, entry_ids))
    pids = set(pid_log.read_text().split()) if pid_log.exists() else set()
    shipped_class = SIMPLE if len(pids) == 1 else FORK
    other_class = FORK if shipped_class == SIMPLE else SIMPLE
    done = _count_done(app, entry_ids)
    results = [Drain("outbox deliveries, `formloom worker --burst`", shipped_class, effects,
                     shipped, f"{done}/{effects} rows done, {len(pids)} process id(s)")]
    results.append(_bare(queues["bare"], shipped_class, effects, env, workdir))

    with app.app_context():  # the same rows again, for the other worker class
        db.session.execute(db.update(OutboxEntry).where(OutboxEntry.id.in_(entry_ids))
                           .values(status="pending", processed_at=None))
        db.session.commit()
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()
    backend = RQBackend(REDIS_URL, queues["app-other"])
    for group in steps.values():  # as the app enqueues them: one job per step
        backend.submit(JobRequest("outbox.deliver", tuple(group)))
    backend.shutdown()
    other = _drain(_rq_worker(other_class, queues["app-other"]), queues["app-other"], env,
                   workdir, len(steps), rate=lambda: _delivery_rate(app, entry_ids))
    done = _count_done(app, entry_ids)
    results.append(Drain("outbox deliveries, same jobs under `rq worker -w`", other_class,
                         effects, other, f"{done}/{effects} rows done"))
    results.append(_bare(queues["bare-other"], other_class, effects, env, workdir))
    return results


def _bare(queue_name: str, worker_class: str, jobs: int, env: dict[str, str],
          workdir: Path) -> Drain:
    from redis import Redis
    from rq import Queue
    from rq.serializers import JSONSerializer

    with Redis.from_url(REDIS_URL) as connection:
        queue = Queue(queue_name, connection=connection, serializer=JSONSerializer)
        queue.enqueue_many([Queue.prepare_data("engine_noop.noop") for _ in range(jobs)])
    per_s = _drain(_rq_worker(worker_class, queue_name), queue_name, env, workdir, jobs)
    return Drain("bare RQ no-op jobs, `rq worker`", worker_class, jobs, per_s)


def _rq_worker(worker_class: str, queue_name: str) -> list[str]:
    return ["rq", "worker", "--burst", "--url", REDIS_URL, "--serializer", JSON_SERIALIZER,
            "--worker-class", worker_class, queue_name]


def _drain(command: list[str], queue_name: str, env: dict[str, str], workdir: Path,
           jobs: int, rate=None) -> float | None:
    """Run a burst worker to the end; per second from RQ's job timestamps, or `rate()`."""
    log_path = workdir / f"{queue_name}.log"
    with log_path.open("w") as log:
        try:
            subprocess.run([str(BIN / command[0]), *command[1:]], env=env, cwd=workdir,  # noqa: S603
                           stdout=log, stderr=subprocess.STDOUT, timeout=120 + jobs,
                           check=True)
        except (subprocess.TimeoutExpired, subprocess.CalledProcessError) as err:
            print(f"  {command[0]} worker failed ({type(err).__name__}); see {log_path}")
            return None
    counted = _rate(queue_name, jobs)
    return counted if rate is None or counted is None else rate()


def _rate(queue_name: str, expected: int) -> float | None:
    from redis import Redis
    from rq import Queue
    from rq.job import Job
    from rq.serializers import JSONSerializer

    with Redis.from_url(REDIS_URL) as connection:
        queue = Queue(queue_name, connection=connection, serializer=JSONSerializer)
        ids = queue.finished_job_registry.get_job_ids()
        failed = queue.failed_job_registry.count
        jobs = [j for j in Job.fetch_many(ids, connection=connection, serializer=JSONSerializer)
                if j is not None and j.ended_at is not None]
    if failed or len(jobs) != expected:
        print(f"  {queue_name}: {len(jobs)} of {expected} jobs finished, {failed} failed")
    if len(jobs) < 2:
        return None
    ends = sorted(j.ended_at.timestamp() for j in jobs)
    return (len(ends) - 1) / (ends[-1] - ends[0])


def _delivery_rate(app, entry_ids: list[int]) -> float | None:
    """Deliveries per second from the rows' own `processed_at` (a job may carry several)."""
    from app.extensions import db
    from app.models import OutboxEntry

    with app.app_context():
        try:
            ends = sorted(t.timestamp() for t in db.session.scalars(
                db.select(OutboxEntry.processed_at).where(
                    OutboxEntry.id.in_(entry_ids), OutboxEntry.processed_at.is_not(None))))
        finally:
            db.session.remove()
            for engine in db.engines.values():
                engine.dispose()
    if len(ends) < 2 or ends[-1] == ends[0]:
        return None
    return (len(ends) - 1) / (ends[-1] - ends[0])


def _count_done(app, entry_ids: list[int]) -> int:
    from app.extensions import db
    from app.models import OutboxEntry

    with app.app_context():
        try:
            return db.session.scalar(db.select(db.func.count()).where(
                OutboxEntry.id.in_(entry_ids), OutboxEntry.status == "done"))
        finally:
            db.session.remove()
            for engine in db.engines.values():
                engine.dispose()


def _worker_env(database: Database, workdir: Path) -> dict[str, str]:
    """The environment a deployed worker has, pointing at this run's database and Redis."""
    settings = app_settings(database.url, workdir)
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("FORMLOOM_") and key not in {"DATABASE_URL", "REDIS_URL",
                                                             "SECRET_KEY"}}
    env.update(
        DATABASE_URL=database.url, REDIS_URL=REDIS_URL,
        FORMLOOM_SECRET_KEY=settings["SECRET_KEY"],
        FORMLOOM_ENCRYPTION_KEYS=settings["ENCRYPTION_KEYS"],
        FORMLOOM_INSTANCE_PATH=str(workdir / "worker-instance"),
        FORMLOOM_JOBS_IMPORTS=json.dumps(["engine_jobs"]),
        FORMLOOM_TIMER_SWEEP_SECONDS="60",
        PYTHONPATH=os.pathsep.join(filter(None, [str(BENCH_DIR), os.environ.get("PYTHONPATH")])),
    )
    return env


def _delete_queues(names) -> None:
    """Every job of these queues, their registries and the queues themselves."""
    from redis import Redis
    from rq import Queue
    from rq.job import Job
    from rq.serializers import JSONSerializer

    try:
        with Redis.from_url(REDIS_URL, socket_connect_timeout=2) as connection:
            queues = [Queue(n, connection=connection, serializer=JSONSerializer) for n in names]
            ids = set()  # all of them first: one queue's name may begin another's
            for queue in queues:
                ids.update(queue.get_job_ids())
                for registry in (queue.failed_job_registry, queue.finished_job_registry,
                                 queue.scheduled_job_registry, queue.started_job_registry):
                    ids.update(registry.get_job_ids())
            for job in Job.fetch_many(sorted(ids), connection=connection,
                                      serializer=JSONSerializer):
                if job is not None:
                    job.delete()
            for queue in queues:
                for key in connection.scan_iter(match=f"*{queue.name}*"):
                    connection.delete(key)
                connection.srem("rq:queues", queue.key)
    except Exception as err:  # cleanup must not hide the figures
        print(f"  could not delete the benchmark's Redis keys: {type(err).__name__}")
