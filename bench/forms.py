"""Form runtime throughput: our form layer vs. the bare compiled validator, then HTTP submit.

1. **Validation, in process.** The same every-field form (tests/data/forms/every_field.json:
   text, money, line items with a computed total, rules, address, consent…) and the same
   payloads: our layer takes the multipart text fields, parses them into typed values,
   applies the rules (computed total, hidden fields), validates with the cached compiled
   validator and maps errors to messages; the baseline hands the already-typed payloads
   straight to the same compiled `Draft202012Validator` (`iter_errors`). Target: our
   overhead <= 25 % (CPU time of the fastest of alternating batches; wall clock printed
   too as `overhead_wall`).
2. **End-to-end submit under gunicorn on PostgreSQL.** 32 concurrent keep-alive clients
   post the form (multipart) to `/bench/submit` on the real app: CSRF check, parse,
   validate, start a flow instance, store the Submission, commit. Next to it, with the
   same gunicorn settings, a bare Flask endpoint inserting one row. Targets: >= 40 % of
   the bare throughput, p99 < 150 ms. Also printed: the gunicorn processes' CPU time
   per request for both (`cpu_ms_per_submit`, `bare_cpu_ms`, `cpu_ratio`), which moves
   far less with the neighbours' load than requests/s do.

Absolute figures on a shared 2-core machine mean little; compare within one run. The
database is created and dropped by the script (`FORMLOOM_BENCH_POSTGRES_URL`, default
postgresql://postgres@127.0.0.1:5432/postgres). Only 127.0.0.1 is contacted.

Run: `.venv/bin/python bench/forms.py [--seconds 10] [--clients 32] [--workers 2]`.
Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from forms_load import run_load  # noqa: E402
from werkzeug.datastructures import MultiDict  # noqa: E402

from runtime.forms import (  # noqa: E402
    check_input,
    compile_form,
    compiled_validator,
    messages_for,
)

FORM = json.loads((ROOT / "tests" / "data" / "forms" / "every_field.json").read_text())
TARGET_OVERHEAD, TARGET_RATIO, TARGET_P99_MS = 0.25, 0.40, 150.0


def payload(seed: int) -> dict[str, str]:
    rng = random.Random(seed)
    values = {
        "name": f"Customer {seed}",
        "email": f"c{seed}@example.com",
        "reason": rng.choice(["size", "changed_mind"]),
        "country": rng.choice(["DE", "FR", "CN", "US"]),
        "agree": "true",
        "address/street": f"Street {seed}",
        "address/city": "Berlin",
        "phone": "+49 30 1234567",
        "notes": "Please pick up after 5pm." * rng.randint(0, 3),
        "refund/amount": f"{rng.randint(1, 400)}.{rng.randint(0, 99):02d}",
        "extras": "gift",
        "contact_by": "email",
        "delivered_on": "2026-11-01",
    }
    for row in range(rng.randint(1, 3)):
        values[f"items/{row}/sku"] = f"SKU-{seed}-{row}"
        values[f"items/{row}/qty"] = str(rng.randint(1, 4))
        values[f"items/{row}/unit_price"] = f"{rng.randint(1, 99)}.{rng.randint(0, 99):02d}"
    return values


def _batch_seconds(fn, items) -> tuple[float, float]:
    """(CPU seconds, wall seconds) for one batch."""
    cpu, wall = time.process_time(), time.perf_counter()
    for item in items:
        fn(item)
    return time.process_time() - cpu, time.perf_counter() - wall


def validation(seconds: float) -> dict[str, float]:
    spec = compile_form(FORM, "bench.every", 1, "bench-every-v1")
    raws = [MultiDict(payload(i)) for i in range(200)]  # what request.form is
    typed = []
    for raw in raws:
        checked = check_input(spec, raw)
        assert checked.ok, checked.problems
        typed.append(checked.data)
    validator = compiled_validator(spec)

    def ours(raw):
        checked = check_input(spec, raw)
        return messages_for(spec, checked.problems, "en")

    def bare(data):
        return list(validator.iter_errors(data))

    # Alternate small batches (20 payloads, a few ms) and keep each side's fastest per
    # batch: on a shared machine the neighbours' load only ever slows a batch down, so
    # the minimum is the fair figure, and short batches give it many chances. The
    # figures are CPU time (as engine.py's): at a load of 5-10 on 2 cores most batches
    # are preempted, so the wall-clock minimum measures the neighbours; it is printed
    # too (`overhead_wall`).
    size = 20
    batches = [(raws[i : i + size], typed[i : i + size]) for i in range(0, len(raws), size)]
    fastest = [[float("inf")] * 4 for _ in batches]  # cpu ours, cpu bare, wall ours, bare
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        for best, (raw_batch, typed_batch) in zip(fastest, batches, strict=True):
            cpu, wall = _batch_seconds(bare, typed_batch)
            best[1], best[3] = min(best[1], cpu), min(best[3], wall)
            cpu, wall = _batch_seconds(ours, raw_batch)
            best[0], best[2] = min(best[0], cpu), min(best[2], wall)
    cpu_ours, cpu_bare, wall_ours, wall_bare = (sum(b[i] for b in fastest) for i in range(4))
    return {
        "ours_per_s": round(len(raws) / cpu_ours),
        "bare_per_s": round(len(typed) / cpu_bare),
        "overhead": round(cpu_ours / cpu_bare - 1, 3),
        "overhead_wall": round(wall_ours / wall_bare - 1, 3),
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _gunicorn(target: str, port: int, workers: int, env: dict[str, str]) -> subprocess.Popen:
    command = [
        sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers",
        str(workers), "--worker-class", "gthread", "--threads", "8", "--keep-alive", "10",
        "--pythonpath", f"{ROOT},{ROOT / 'bench'}", "--log-level", "warning", target,
    ]
    return subprocess.Popen(command, env=env, cwd=ROOT)  # noqa: S603


def _prepare_database(admin_url: str) -> tuple[str, str]:
    import sqlalchemy as sa

    name = f"formloom_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = sa.engine.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    return name, url


def _seed(url: str, env: dict[str, str]) -> None:
    from app import create_app
    from app.cli.db import upgrade_database
    from app.extensions import db
    from app.services import definitions
    from builder.definitions import starter_body

    upgrade_database(url)
    app = create_app({
        "DATABASE_URL": url, "SECRET_KEY": env["FORMLOOM_BENCH_SECRET"],
        "ENCRYPTION_KEYS": env["FORMLOOM_BENCH_FERNET"], "ENV_MODE": "testing",
        "JOBS_BACKEND": "inprocess", "JOBS_INPROCESS_TIMER_THREAD": False, "REDIS_URL": None,
    })
    with app.app_context():
        definitions.save_draft("form", "bench.every", "Bench form", FORM)
        definitions.publish("form", "bench.every")
        definitions.save_draft("flow", "bench.flow", "Bench flow", starter_body("flow"))
        definitions.publish("flow", "bench.flow")
        db.session.commit()
        with db.engine.begin() as conn:
            conn.exec_driver_sql(
                "CREATE TABLE bench_bare_rows (id BIGSERIAL PRIMARY KEY, payload TEXT NOT NULL)"
            )
        db.engine.dispose()


def submit(seconds: float, clients: int, workers: int) -> dict[str, object]:
    import sqlalchemy as sa
    from cryptography.fernet import Fernet

    admin_url = os.environ.get(
        "FORMLOOM_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    try:
        name, url = _prepare_database(admin_url)
    except Exception as exc:
        print(f"PostgreSQL not reachable ({exc.__class__.__name__}); submit figures are null")
        return {"submit_rps": None, "bare_rps": None, "submit_ratio": None, "p99_ms": None}
    uploads = tempfile.mkdtemp(prefix="formloom-bench-")
    env = dict(
        os.environ,
        FORMLOOM_BENCH_DB=url,
        FORMLOOM_BENCH_SECRET=os.urandom(32).hex(),
        FORMLOOM_BENCH_FERNET=Fernet.generate_key().decode(),
        FORMLOOM_BENCH_UPLOADS=uploads,
    )
    results: dict[str, dict] = {}
    try:
        _seed(url, env)
        for label, target, path, token in (
            ("bare", "forms_server:bare()", "/bare", None),
            ("ours", "forms_server:formloom()", "/bench/submit", "/bench/token"),
        ):
            port = _free_port()
            server = _gunicorn(target, port, workers, env)
            try:
                _wait_any(port)
                run_load(port, path, payload(1), token_path=token, clients=clients,
                         seconds=min(2.0, seconds))  # warm-up: caches, pools, compiled specs
                cpu_before = _server_cpu_seconds(server.pid)
                results[label] = run_load(port, path, payload(1), token_path=token,
                                          clients=clients, seconds=seconds)
                cpu_after = _server_cpu_seconds(server.pid)
                requests = results[label]["requests"] + results[label]["errors"]
                results[label]["cpu_ms"] = (
                    round((cpu_after - cpu_before) * 1000 / requests, 2)
                    if cpu_before is not None and cpu_after is not None and requests else None
                )
            finally:
                server.terminate()
                server.wait(30)
            print(f"{label:>5}: {results[label]}")
    finally:
        admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    ours, bare = results["ours"], results["bare"]
    return {
        "submit_rps": ours["rps"],
        "bare_rps": bare["rps"],
        "submit_ratio": round(ours["rps"] / bare["rps"], 3) if bare["rps"] else None,
        "p99_ms": ours["p99_ms"],
        "p50_ms": ours["p50_ms"],
        "bare_p99_ms": bare["p99_ms"],
        "cpu_ms_per_submit": ours["cpu_ms"],
        "bare_cpu_ms": bare["cpu_ms"],
        "cpu_ratio": (round(bare["cpu_ms"] / ours["cpu_ms"], 3)
                      if ours["cpu_ms"] and bare["cpu_ms"] else None),
        "errors": ours["errors"] + bare["errors"],
    }


def _server_cpu_seconds(master: int) -> float | None:
    """CPU seconds (user + system) used so far by gunicorn's master and its workers.

    The load-independent part of the HTTP figures: on a shared machine requests/s move
    with the neighbours, CPU time per request much less. Linux only (/proc); None elsewhere.
    """
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        total = 0
        for pid in [str(master), *children]:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    except (OSError, ValueError, IndexError):
        return None
    return total / ticks


def _wait_any(port: int, timeout: float = 60.0) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"port {port} did not open")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="per load run (default 10)")
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients (32)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument("--validation-seconds", type=float, default=6.0)
    parser.add_argument("--skip-http", action="store_true", help="only the in-process part")
    args = parser.parse_args()

    figures = validation(args.validation_seconds)
    print(
        f"validation: ours {figures['ours_per_s']}/s, bare validator {figures['bare_per_s']}/s,"
        f" overhead {figures['overhead']:.1%} of CPU time (target <= {TARGET_OVERHEAD:.0%});"
        f" wall clock {figures['overhead_wall']:.1%}"
    )
    if args.skip_http:
        http = {"submit_rps": None, "bare_rps": None, "submit_ratio": None, "p99_ms": None}
    else:
        http = submit(args.seconds, args.clients, args.workers)
        if http["submit_ratio"] is not None:
            print(
                f"submit: {http['submit_rps']} req/s vs bare {http['bare_rps']} req/s "
                f"= {http['submit_ratio']:.0%} (target >= {TARGET_RATIO:.0%}); "
                f"p50 {http['p50_ms']} ms, p99 {http['p99_ms']} ms (target < {TARGET_P99_MS:.0f})"
            )
    print(json.dumps({"bench": "forms", **figures, **http}))


if __name__ == "__main__":
    main()
