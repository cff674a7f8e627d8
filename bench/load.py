"""Load run (issue 10): the returns template under a mixed workload, then a reconciliation.

The cross-border returns bundle (seed_templates/cross_border_returns) runs on the app
under gunicorn, on a private PostgreSQL database, with its Redis queue and 2 `formloom
worker` processes; the flow's service calls (ERP order, customs, carrier label PDF,
label document, WMS notice) go over HTTP to the sandbox simulators. The simulators are
served by a second gunicorn on the same database, standing in for the outside systems:
served by the app's own workers, a portal lookup (which calls the ERP while the
customer waits) could hold every thread while its ERP call queues behind it.

Clients (`load_clients.py`), all at once for `--seconds`: customers (~3/4: open the
return page, look the order up, send the request, read the status page), agents (~1/5:
team pool, task, claim, complete) and managers (the rest, at least one: the returns
boards over `--history` demo cases, the whole team's inbox). Rate limits are off: every
client comes from 127.0.0.1, and the portal's per-address lookup limit (20 per 10
minutes) exists precisely to refuse that.

After the clients stop, the queue drains (`--drain` seconds at most) and `load_audit.py`
reconciles what the clients were told with the database: `lost`, `stuck`, `incidents`.
The exit status is 1 on any error, loss, stuck case or incident.

Run: `.venv/bin/python bench/load.py [--clients 64] [--seconds 60]` (~3.5 min in all on
two busy cores: setup, the run, the drain). Last line: `{"bench": "load", "clients",
"seconds", "requests", "rps", "errors", "reconnects", "lost", "stuck", "incidents",
"routes": {route: {"requests", "p50_ms", "p99_ms", "errors"[, "conflicts"]}}, ...,
"load_average": [1-min before, 1/5/15-min after]}`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import secrets
import signal
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # run as a script or loaded by path
from harness import (
    POSTGRES_ADMIN_URL,
    ROOT,
    BenchAborted,
    PrivateDatabase,
    Processes,
    app_config,
    environment,
    free_port,
    wait_for_port,
)
from http_session import Session
from load_audit import audit
from load_clients import FLOW, SCENARIOS, Stop, Tally, one_return, run_process

BUNDLE = ROOT / "seed_templates" / "cross_border_returns"
REDIS_URL = os.environ.get("FORMLOOM_LOAD_REDIS_URL", "redis://127.0.0.1:6379/12")
KEEP_ALIVE = 10  # seconds, as a proxy in front would keep them (gunicorn's own default: 2)


@dataclass
class Settings:
    clients: int = 64
    seconds: float = 60.0
    workers: int = 2  # RQ workers
    gunicorn_workers: int = 3
    threads: int = 4
    processes: int = 4  # client processes
    history: int = 20_000  # demo cases behind the boards
    drain: float = 120.0
    timeout: float = 600.0  # the whole run
    postgres_admin_url: str = POSTGRES_ADMIN_URL
    redis_url: str = REDIS_URL
    seed: int = 10
    log: bool = True
    keep_logs: str | None = None  # a folder to copy the process logs to at the end


def mix(clients: int) -> dict[str, int]:
    """How many customers, agents and managers: at least one of each from 3 clients."""
    managers = max(1, round(clients / 16)) if clients >= 3 else 0
    agents = max(1, round(clients / 5)) if clients >= 2 else 0
    return {"customer": clients - agents - managers, "agent": agents, "manager": managers}


def run(settings: Settings) -> dict:
    deadline = time.monotonic() + settings.timeout
    with tempfile.TemporaryDirectory(prefix="formloom-load-") as tmp, \
            PrivateDatabase(settings.postgres_admin_url, "formloom_load") as url:
        workdir = Path(tmp)
        port, sandbox_port = free_port(), free_port()
        queue = f"load-{uuid.uuid4().hex[:8]}"
        env = environment(url, settings.redis_url, workdir, port, queue,
                          RATELIMIT_ENABLED="false")
        processes = Processes(env, workdir, settings.log)
        try:
            processes.start_gunicorn(port, settings.gunicorn_workers, threads=settings.threads,
                                     keep_alive=KEEP_ALIVE)
            processes.start_gunicorn(sandbox_port, 1, threads=8, keep_alive=KEEP_ALIVE,
                                     name="sandbox")
            wait_for_port(port, deadline)
            wait_for_port(sandbox_port, deadline, "the sandbox's gunicorn")
            return _run(settings, env, processes, port, sandbox_port, queue, deadline)
        except BaseException:
            _show_logs(workdir, settings)
            raise
        finally:
            processes.stop_all()
            if settings.keep_logs:
                target = Path(settings.keep_logs)
                target.mkdir(parents=True, exist_ok=True)
                for log in workdir.glob("*.log"):
                    (target / log.name).write_bytes(log.read_bytes())


def _run(settings: Settings, env: dict, processes: Processes, port: int, sandbox_port: int,
         queue: str, deadline: float) -> dict:
    from app import create_app

    app = create_app(app_config(env, PUBLIC_BASE_URL=f"http://127.0.0.1:{sandbox_port}"))
    with app.app_context():
        password = secrets.token_urlsafe(18)
        people = _set_up(settings, password)
        for _ in range(settings.workers):
            processes.start_worker(queue)
        _wait_for_workers(processes, deadline)
        tokens, began = _smoke(port), time.monotonic()
        _log(settings, f"set up; {settings.clients} clients for {settings.seconds:.0f} s")
        load_before = os.getloadavg()
        results = _drive(settings, port, people, password)
        load_after = os.getloadavg()
        accepted = tokens + [token for r in results for token, _ in r["accepted"]]
        completed = [tuple(c) for r in results for c in r["completed"]]
        _drain(settings, deadline)
        drained = round(time.monotonic() - began - settings.seconds, 1)
        if processes.died():
            raise BenchAborted(f"processes died during the run: {processes.died()}")
        verdict = audit(accepted, completed, FLOW)
    report = _report(settings, results)
    report.update(verdict)
    report.update(drain_seconds=drained, mix=mix(settings.clients),
                  load_average=[round(v, 1) for v in (*load_before[:1], *load_after)])
    return report


def _set_up(settings: Settings, password: str) -> list[tuple[str, str | None]]:
    """The bundle, connectors aimed at the sandbox server, boards, history, staff."""
    from app.cli.reports import install_boards
    from app.extensions import db
    from app.reports import demo
    from app.sandbox.install import install_connectors
    from app.services import users
    from app.services.bundles import import_bundle

    install_connectors()
    import_bundle(BUNDLE)
    install_boards()
    if settings.history:
        demo.generate(settings.history, seed=settings.seed)
    counts = mix(settings.clients)
    for team in ("cs_agent", "cs_lead"):
        users.ensure_team(team)
    people: list[tuple[str, str | None]] = [("customer", None)] * counts["customer"]
    for n in range(counts["agent"]):
        email = f"agent{n}@load.test"
        users.create_user(email, f"Agent {n}", password, roles=("staff",), teams=("cs_agent",))
        people.append(("agent", email))
    for n in range(counts["manager"]):
        email = f"manager{n}@load.test"
        users.create_user(email, f"Manager {n}", password, roles=("manager",),
                          teams=("cs_lead", "cs_agent"))
        people.append(("manager", email))
    db.session.commit()
    return people


def _wait_for_workers(processes: Processes, deadline: float) -> None:
    """Measure the system, not the workers' boot: start when both listen."""
    give_up = min(deadline, time.monotonic() + 90)
    while not all(processes.working(i) for i in range(len(processes.workers))):
        if time.monotonic() > give_up:
            raise BenchAborted("the RQ workers did not start")
        time.sleep(0.3)


def _smoke(port: int) -> list[str]:
    """One return, end to end, before the clock starts: a broken setup fails here, clearly
    (and every server process has rendered its pages once)."""
    import random

    tally, session = Tally(), Session(port)
    for n in range(len(SCENARIOS)):
        with contextlib.suppress(Stop):  # recorded in the tally: reported below
            one_return(session, tally, random.Random(n))
    session.close()
    if tally.samples or not tally.accepted:
        raise BenchAborted(f"the first returns failed: {tally.samples}")
    return [token for token, _ in tally.accepted]


def _drive(settings: Settings, port: int, people: list, password: str) -> list[dict]:
    shares = [people[i::settings.processes] for i in range(settings.processes)]
    start_at = time.time() + 3.0 + 0.5 * len(people) / settings.processes  # sign-ins first
    jobs = [(port, share, password, start_at, settings.seconds, settings.seed)
            for share in shares if share]
    with multiprocessing.get_context("spawn").Pool(len(jobs)) as pool:
        return pool.map(run_process, jobs)


def _drain(settings: Settings, deadline: float) -> None:
    """Until no work is pending and every unfinished case waits for a person or for an
    outside event (a message or a timer; or `drain` seconds pass)."""
    from app.extensions import db
    from app.models import FlowInstance, MessageWait, OutboxEntry, Task, Timer

    open_task = db.select(Task.id).where(Task.instance_id == FlowInstance.id,
                                         Task.status.in_(("open", "claimed"))).exists()
    timer_set = db.select(Timer.id).where(Timer.instance_id == FlowInstance.id,
                                          Timer.fired_at.is_(None),
                                          Timer.cancelled_at.is_(None)).exists()
    message = db.select(MessageWait.id).where(MessageWait.instance_id == FlowInstance.id).exists()
    pending = db.select(OutboxEntry.id).where(OutboxEntry.instance_id == FlowInstance.id,
                                              OutboxEntry.status == "pending").exists()
    busy_cases = (db.select(db.func.count()).select_from(FlowInstance).where(
        FlowInstance.status.in_(("running", "waiting")),
        pending | ~(open_task | timer_set | message)))
    give_up = min(deadline, time.monotonic() + settings.drain)
    while time.monotonic() < give_up:
        busy = db.session.scalar(busy_cases)
        db.session.rollback()  # a fresh snapshot on the next poll
        if not busy:
            return
        time.sleep(1)


def _report(settings: Settings, results: list[dict]) -> dict:
    by_route: dict[str, list[tuple[float, str]]] = {}
    for result in results:
        for route, seconds, kind in result["requests"]:
            by_route.setdefault(route, []).append((seconds, kind))
    routes = {}
    for route, rows in sorted(by_route.items()):
        times = sorted(s for s, kind in rows if kind != "error")
        routes[route] = {
            "requests": len(rows), "errors": sum(1 for _, k in rows if k == "error"),
            "p50_ms": _ms(times, 0.50), "p99_ms": _ms(times, 0.99)}
        conflicts = sum(1 for _, k in rows if k == "conflict")
        if conflicts:
            routes[route]["conflicts"] = conflicts
    requests = sum(r["requests"] for r in routes.values())
    return {"bench": "load", "clients": settings.clients, "seconds": settings.seconds,
            "requests": requests, "rps": round(requests / settings.seconds, 1),
            "errors": sum(r["errors"] for r in routes.values()),
            "reconnects": sum(r["reconnects"] for r in results), "routes": routes,
            "error_samples": [s for r in results for s in r["samples"]][:8]}


def _ms(times: list[float], share: float) -> float | None:
    if not times:
        return None
    return round(times[min(len(times) - 1, int(len(times) * share))] * 1000, 1)


def _show_logs(workdir: Path, settings: Settings) -> None:
    if not settings.log:
        return
    for log in sorted(workdir.glob("*.log")):
        tail = log.read_text(errors="replace").strip().splitlines()[-15:]
        if tail:
            _log(settings, f"--- {log.name}\n" + "\n".join(tail))


def _log(settings: Settings, message: str) -> None:
    if settings.log:
        print(f"[load] {message}", file=sys.stderr, flush=True)


def failed(report: dict) -> bool:
    return bool(report["errors"] or report["lost"] or report["stuck"] or report["incidents"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2, help="RQ workers")
    parser.add_argument("--gunicorn-workers", type=int, default=3)
    parser.add_argument("--processes", type=int, default=4, help="client processes")
    parser.add_argument("--history", type=int, default=20_000, help="demo cases on the boards")
    parser.add_argument("--drain", type=float, default=120.0)
    parser.add_argument("--redis-url", default=REDIS_URL)
    parser.add_argument("--keep-logs", metavar="DIR", help="copy the process logs here")
    args = parser.parse_args()
    if not 1 <= args.clients <= 256 or not 1 <= args.seconds <= 600:
        parser.error("--clients 1..256 and --seconds 1..600 (the run is bounded)")
    settings = Settings(clients=args.clients, seconds=args.seconds, workers=args.workers,
                        gunicorn_workers=args.gunicorn_workers, processes=args.processes,
                        history=args.history, drain=args.drain, redis_url=args.redis_url,
                        keep_logs=args.keep_logs)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    report = run(settings)
    print(json.dumps(report))
    sys.exit(1 if failed(report) else 0)


if __name__ == "__main__":
    main()
