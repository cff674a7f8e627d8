"""Fault-injection run (issue 10): cases keep their promises while workers die and Redis empties.

N cases of a returns-like flow (`data/chaos_returns.flow.json`: decide → refund through
the payment sandbox → a two-second cooling-off timer → a CRM ticket through the CRM
sandbox → end) run through real `formloom worker` processes on PostgreSQL, calling the
sandbox connectors over real HTTP on this app served by gunicorn on 127.0.0.1. While
they run, a controller SIGKILLs a random worker (its whole process group: worker and
sweeper) every few seconds and starts a new one, and once empties the bench's own Redis
database (`FLUSHDB` on it: every queued and scheduled job is gone).

At the end it reads the database and the sandbox's state, not the queue:

* `lost`: a started case that is missing, or not finished and with nothing left that
  could move it (no open incident, no pending outbox row, no unfired timer);
* `stuck`: a case still unfinished when the time ran out, although work for it is
  pending, plus any timer that is due and has not fired;
* `duplicate_refunds`: refunds beyond the first on a case's payment intent (each case
  refunds its own intent, created through the sandbox before the run);
* `refund_mismatches`, `timers_not_once`: a completed case whose recorded refund is not
  the sandbox's only refund, or whose cooling-off timer did not fire exactly once.

Only the Redis database given by `--redis-url` (default db 13) is flushed, never db 0
or the test suite's db 15; a lock file keeps two chaos runs off the same database.
Every process started is stopped at the end, on failure, Ctrl-C or the global timeout.

Run: `.venv/bin/python bench/chaos.py [--cases 1000] [--workers 3] [--kill-every 6]`.
Last line: `{"bench": "chaos", "cases", "kills", "lost", "duplicate_refunds", "stuck", ...}`.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import random
import signal
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # run as a script or loaded by path
from chaos_audit import audit
from harness import (
    POSTGRES_ADMIN_URL,
    BenchAborted,
    PrivateDatabase,
    Processes,
    app_config,
    environment,
    free_port,
    wait_for_port,
)

FLOW_FILE = Path(__file__).resolve().parent / "data" / "chaos_returns.flow.json"
FLOW_KEY = "chaos.returns"
REDIS_URL = os.environ.get("FORMLOOM_CHAOS_REDIS_URL", "redis://127.0.0.1:6379/13")
PROTECTED_REDIS_DBS = {0, 15}  # the default database and the test suite's


@dataclass
class Settings:
    cases: int = 1000
    workers: int = 3
    kill_every: float = 6.0
    timer_seconds: int = 2  # documented in the flow file; checked against it below
    timeout: float = 1500.0  # the whole run, setup and drain included
    gunicorn_workers: int = 3
    redeliver_seconds: float = 10.0  # OUTBOX_REDELIVER_SECONDS for the workers
    postgres_admin_url: str = POSTGRES_ADMIN_URL
    redis_url: str = REDIS_URL
    seed: int | None = None
    log: bool = True
    keep_logs: str | None = None  # a folder to copy the process logs to at the end


@dataclass
class Chaos:
    """What the controller did; read by the report."""

    kills: int = 0
    flushes: int = 0
    stop: threading.Event = field(default_factory=threading.Event)
    flush_now: threading.Event = field(default_factory=threading.Event)


class ChaosAborted(BenchAborted):
    """The run could not be set up or ran out of time before the drain."""


def run(settings: Settings) -> dict:
    """The whole run; returns the report (also what the last line prints)."""
    db_number = int(urllib.parse.urlsplit(settings.redis_url).path.strip("/") or 0)
    if db_number in PROTECTED_REDIS_DBS:
        raise ChaosAborted(f"refusing to flush Redis db {db_number}; give the bench its own")
    deadline = time.monotonic() + settings.timeout
    rng = random.Random(settings.seed)
    with tempfile.TemporaryDirectory(prefix="formloom-chaos-") as tmp, \
            _exclusive(db_number), \
            PrivateDatabase(settings.postgres_admin_url, "formloom_chaos") as url:
        workdir = Path(tmp)
        port = free_port()
        queue = f"chaos-{uuid.uuid4().hex[:8]}"
        env = environment(url, settings.redis_url, workdir, port, queue,
                          OUTBOX_REDELIVER_SECONDS=str(settings.redeliver_seconds))
        processes = Processes(env, workdir, settings.log)
        try:
            if settings.keep_logs:
                _log(settings, f"process logs in {workdir}")
            processes.start_gunicorn(port, settings.gunicorn_workers)
            wait_for_port(port, deadline)
            return _run_cases(settings, env, processes, queue, rng, deadline)
        finally:
            processes.stop_all()
            if settings.keep_logs:
                _copy_logs(workdir, Path(settings.keep_logs))


def _copy_logs(workdir: Path, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for log in workdir.glob("*.log"):
        (target / log.name).write_bytes(log.read_bytes())


def _run_cases(settings: Settings, env: dict, processes: Processes, queue: str,
               rng: random.Random, deadline: float) -> dict:
    from app import create_app
    from app.extensions import db
    from app.flows import service
    from app.sandbox import settings as sandbox_settings
    from app.sandbox.install import install_connectors
    from app.services import definitions

    app = create_app(app_config(env))
    with app.app_context():
        install_connectors()
        body = json.loads(FLOW_FILE.read_text())
        assert body["nodes"][3]["config"]["duration"] == f"PT{settings.timer_seconds}S"
        definitions.save_draft("flow", FLOW_KEY, "Chaos returns", body)
        definitions.publish("flow", FLOW_KEY)
        db.session.commit()
        intents = _payment_intents(env["FORMLOOM_PUBLIC_BASE_URL"],
                                   sandbox_settings().key_for("payment"), settings.cases)
        for _ in range(settings.workers):
            processes.start_worker(queue)
        chaos = Chaos()
        controller = threading.Thread(target=_control, daemon=True,
                                      args=(chaos, processes, queue, settings, rng))
        controller.start()
        began = time.monotonic()
        ids: list[int] = []
        try:
            for n, (intent, amount) in enumerate(intents):
                if time.monotonic() > deadline:
                    raise ChaosAborted(f"timed out after starting {n} cases")
                rma = f"CHX-{n:06d}"
                ids.append(service.start(FLOW_KEY, {
                    "rma_number": rma, "payment_intent": intent, "amount": amount,
                    "currency": "eur", "ticket_subject": f"Refund sent for {rma}",
                }).id)
                db.session.commit()
                if n == settings.cases // 2:
                    chaos.flush_now.set()  # mid-run: half the cases queued, half to come
            _log(settings, f"started {len(ids)} cases in {time.monotonic() - began:.1f} s")
            _drain(ids, deadline, settings)
        finally:
            chaos.stop.set()
            controller.join(30)
        elapsed = time.monotonic() - began
        processes.stop_workers()
        report = audit(ids)
    return {"bench": "chaos", "cases": len(ids), "kills": chaos.kills,
            "flushes": chaos.flushes, **report, "seconds": round(elapsed, 1)}


def _control(chaos: Chaos, processes: Processes, queue: str, settings: Settings,
             rng: random.Random) -> None:
    """Kill a random working worker every `kill_every` seconds; empty Redis once when asked.

    Only a worker that has finished booting (RQ logged that it listens) is a victim: on
    two busy cores a worker takes seconds to start, and killing it before it took a job
    would prove nothing and starve the run.
    """
    import redis

    next_kill = time.monotonic() + settings.kill_every
    while not chaos.stop.wait(0.1):
        if chaos.flush_now.is_set() and not chaos.flushes:
            with redis.Redis.from_url(settings.redis_url) as conn:
                conn.flushdb()  # this database only: FLUSHALL would empty every database
            chaos.flushes += 1
            _log(settings, "flushed the bench's Redis database")
        if time.monotonic() >= next_kill:
            ready = [i for i in range(len(processes.workers)) if processes.working(i)]
            if not ready:  # all still booting: killing one now would test nothing
                continue
            victim = rng.choice(ready)
            processes.kill_worker(victim)
            processes.workers[victim] = processes.spawn_worker(queue, victim)
            chaos.kills += 1
            next_kill = time.monotonic() + settings.kill_every


def _drain(ids: list[int], deadline: float, settings: Settings) -> None:
    """Wait until every case has finished or has an open incident, or the time is up."""
    from app.extensions import db
    from app.models import FlowInstance

    last = -1
    while time.monotonic() < deadline:
        open_cases = db.session.scalar(
            db.select(db.func.count()).select_from(FlowInstance)
            .where(FlowInstance.id.in_(ids), FlowInstance.status.in_(("running", "waiting"))))
        db.session.rollback()  # a fresh snapshot on the next poll
        if open_cases == 0:
            return
        if open_cases != last:
            _log(settings, f"{open_cases} cases still open")
            last = open_cases
        time.sleep(1)


# --- setup ------------------------------------------------------------------------------


class _exclusive:
    """One chaos run per Redis database on this machine (a file lock, released on exit)."""

    def __init__(self, db_number: int) -> None:
        self.path = Path(tempfile.gettempdir()) / f"formloom-chaos-redis-{db_number}.lock"

    def __enter__(self) -> None:
        self.file = self.path.open("w")
        fcntl.flock(self.file, fcntl.LOCK_EX)

    def __exit__(self, *exc: object) -> None:
        fcntl.flock(self.file, fcntl.LOCK_UN)
        self.file.close()


def _payment_intents(base: str, key: str, count: int) -> list[tuple[str, int]]:
    """One payment intent per case, made through the sandbox's API: (id, refund amount)."""

    def create(n: int) -> tuple[str, int]:
        amount = 1000 + n % 9000
        body = urllib.parse.urlencode({"amount": amount, "currency": "eur"}).encode()
        request = urllib.request.Request(  # noqa: S310 (loopback, http only)
            f"{base}/sandbox/payment/v1/payment_intents", data=body, method="POST",
            headers={"Authorization": f"Bearer {key}",
                     "Content-Type": "application/x-www-form-urlencoded"})
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback)
            return json.load(response)["id"], amount - n % 7  # a partial refund

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(create, range(count)))


def _log(settings: Settings, message: str) -> None:
    if settings.log:
        print(f"[chaos] {message}", file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--kill-every", type=float, default=6.0)
    parser.add_argument("--timeout", type=float, default=1500.0)
    parser.add_argument("--redis-url", default=REDIS_URL)
    parser.add_argument("--seed", type=int)
    parser.add_argument("--redeliver-seconds", type=float, default=10.0)
    parser.add_argument("--keep-logs", metavar="DIR", help="copy the process logs here")
    args = parser.parse_args()
    settings = Settings(cases=args.cases, workers=args.workers, kill_every=args.kill_every,
                        timeout=args.timeout, redis_url=args.redis_url, seed=args.seed,
                        redeliver_seconds=args.redeliver_seconds, keep_logs=args.keep_logs)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    report = run(settings)
    print(json.dumps(report))
    failed = report["lost"] or report["duplicate_refunds"] or report["stuck"]
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
