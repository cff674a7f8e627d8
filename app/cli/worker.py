"""`formloom worker`: an RQ worker with the scheduler on, plus a timer sweeper.

Production mode (DESIGN §9): run one or more on any machine that reaches PostgreSQL and
Redis. Each worker also sweeps the `timers` table every `TIMER_SWEEP_SECONDS`, so a
deadline whose wake-up the queue lost (Redis restarted empty, every worker down when it
fell due) still fires, once. Several sweepers are fine: wake-ups are de-duplicated.

The sweeper is a child process, not a thread: RQ forks a work horse for every job, and
a fork taken while another thread holds a lock (libpq connecting, a DNS lookup) leaves
the horse stuck for good. The child is forked before the worker starts, from a process
with no other threads, and exits when told to or when its parent is gone.

SIGTERM or Ctrl-C stops it warmly: the running job finishes, then the worker exits.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
from urllib.parse import urlsplit, urlunsplit

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from redis import Redis
from rq import Queue, SimpleWorker, Worker

from app import sweeps
from app.jobs import EXTENSION_KEY, create_dispatcher, worker_entry
from app.jobs.dispatcher import get_dispatcher
from app.jobs.rq_backend import SERIALIZER
from app.services import incidents

log = logging.getLogger("formloom.worker")


#: `simple` is the default: a forked work horse per job throws away the compiled specs,
#: the connector transport (circuit breakers, OAuth tokens) and the database connections
#: that the next job needs again, and drains several times slower. Isolation by fork buys
#: little here: jobs are idempotent, and a worker that dies mid-job loses nothing (the
#: sweepers re-send timers and outbox rows; failures become incidents).
WORKER_CLASSES = {"simple": SimpleWorker, "fork": Worker}


class TimerSweeper:
    """Sweeps due timers every `interval` seconds, in a forked child process."""

    def __init__(self, app: Flask, interval: float) -> None:
        self.app = app
        self.interval = interval
        context = multiprocessing.get_context("fork")
        self._stop = context.Event()
        self._process = context.Process(
            target=self._run, args=(os.getpid(),), name="formloom-timer-sweeper", daemon=True
        )

    def start(self) -> None:
        self._process.start()
        log.info("timer sweeper started with PID %s", self._process.pid)

    def stop(self) -> None:
        self._stop.set()
        if self._process.pid is not None:
            self._process.join(self.interval + 5)
            if self._process.is_alive():
                self._process.terminate()
                self._process.join()

    def sweep_once(self) -> None:
        """Hand lost work to the queue again, and turn jobs it gave up on into incidents."""
        try:
            with self.app.app_context():
                sweeps.sweep_once()
                incidents.record_queue_failures(get_dispatcher().failures(100))
        except Exception:
            log.exception("timer sweep failed; trying again in %ss", self.interval)

    def _run(self, parent_pid: int) -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the parent, which stops us
        worker_entry.forget_inherited_connections(self.app)
        self.app.extensions[EXTENSION_KEY] = create_dispatcher(self.app)  # own Redis client
        while not self._stop.is_set() and os.getppid() == parent_pid:
            self.sweep_once()
            self._stop.wait(self.interval)


@click.command("worker")
@click.option("--burst", is_flag=True, help="Run the jobs that are due now, then exit.")
@click.option("--queue", "queue_name", metavar="NAME",
              help="Queue to work on and to send follow-up jobs to (default: RQ_QUEUE).")
@click.option("--worker-class", "worker_class", type=click.Choice(["simple", "fork"]),
              default="simple", show_default=True,
              help="simple: run jobs in this process (warm caches and connections); "
                   "fork: RQ's default, a forked work horse per job.")
@with_appcontext
def worker(burst: bool, queue_name: str | None, worker_class: str = "simple") -> None:
    """Run background jobs from Redis (production mode)."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    redis_url = app.config.get("REDIS_URL")
    if not redis_url:
        raise click.ClickException(
            "REDIS_URL is not set. `formloom worker` runs jobs from Redis (production mode); "
            "without Redis, jobs run inside the web process and no worker is needed."
        )
    if app.config["JOBS_BACKEND"] != "rq":
        raise click.ClickException(
            f"JOBS_BACKEND is {app.config['JOBS_BACKEND']!r}; the web process would not send "
            "jobs to Redis. Unset it or set it to 'rq'."
        )
    if queue_name and queue_name != app.config["RQ_QUEUE"]:
        app.config["RQ_QUEUE"] = queue_name
        app.extensions[EXTENSION_KEY].shutdown()
        app.extensions[EXTENSION_KEY] = create_dispatcher(app)
    queue_name = app.config["RQ_QUEUE"]
    interval = float(app.config["TIMER_SWEEP_SECONDS"])

    worker_entry.use_app(app)
    connection = Redis.from_url(redis_url)
    rq_worker = WORKER_CLASSES[worker_class](
        [Queue(queue_name, connection=connection, serializer=SERIALIZER)],
        connection=connection,
        serializer=SERIALIZER,
    )
    log.info(
        "formloom worker %s starting: queue %r on %s, scheduler on, timer sweep every %ss%s",
        rq_worker.name, queue_name, redact_url(redis_url), interval, ", burst" if burst else "",
    )
    sweeper = TimerSweeper(app, interval)
    if burst:
        sweeper.sweep_once()
    else:
        sweeper.start()  # before the RQ worker starts any thread of its own
    try:
        rq_worker.work(burst=burst, with_scheduler=True)
    finally:
        sweeper.stop()
        app.extensions[EXTENSION_KEY].shutdown()
    log.info("formloom worker %s stopped", rq_worker.name)


def redact_url(url: str) -> str:
    """The URL without its password, for logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    user = f"{parts.username}:***@" if parts.username else ":***@"
    return urlunsplit(parts._replace(netloc=user + host))


commands = [worker]
