"""Dashboards at scale: the returns operations board and one drill-down step, server-side,
next to the same aggregations written by hand in SQL, on PostgreSQL with N demo cases.

    .venv/bin/python bench/reports.py --cases 1000000

What is timed, in one process, warm, median of `--repeat` runs:

* board: every widget of `returns.operations` through `app.reports.boards.run_widget`
  (compile the widget to SQLAlchemy Core, execute, shape with pandas, build the Plotly
  figure; KPIs also query the previous period), with the board's default filter
  (the last 90 days);
* board_sql: the same queries hand-written as SQL text. The board page runs its widgets
  on `BOARD_WORKERS` threads, so the hand-written side runs its queries on as many
  threads and connections; both are also timed on one thread;
* drill: the country bar clicked (Germany) → reasons, the same way; drill_sql by hand.

Ours and the hand-written side run in alternation, so both see the same machine load.

Demo cases are written with `formloom demo-data`'s generator (COPY). The database
(`--database`, default `formloom_bench_reports`) is kept between runs and refilled only
when it does not hold exactly N cases; `--drop` removes it at the end. The last line is
one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ADMIN_URL = os.environ.get("FORMLOOM_BENCH_POSTGRES_URL",
                           "postgresql://postgres@127.0.0.1:5432/test")
BOARD = (Path(__file__).resolve().parents[1]
         / "seed_templates/cross_border_returns/dashboards/returns.operations.json")

HAND_SQL = {
    "returns": "SELECT count(*) FROM report_returns "
               "WHERE created_at >= :a AND created_at < :b",
    "open": "SELECT count(*) FILTER (WHERE status IN ('running', 'waiting', 'incident')) "
            "FROM report_returns WHERE created_at >= :a AND created_at < :b",
    "cycle": "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY cycle_hours) "
             "FROM report_returns WHERE created_at >= :a AND created_at < :b",
    "sla": "SELECT avg(CASE WHEN sla_breached THEN 1.0 ELSE 0.0 END) FROM report_returns "
           "WHERE created_at >= :a AND created_at < :b AND refunded_at IS NOT NULL",
    "by_stage": "SELECT stage, count(*) AS n FROM report_returns "
                "WHERE created_at >= :a AND created_at < :b "
                "AND status IN ('running', 'waiting', 'incident') "
                "GROUP BY stage ORDER BY n DESC, stage",
    "backlog": "SELECT warehouse, stage, count(*) AS n FROM report_returns "
               "WHERE created_at >= :a AND created_at < :b "
               "AND status IN ('running', 'waiting', 'incident') "
               "GROUP BY warehouse, stage ORDER BY n DESC, warehouse, stage",
    "cycle_trend": "SELECT date_trunc('week', refunded_at AT TIME ZONE 'UTC') AS w, "
                   "percentile_cont(0.5) WITHIN GROUP (ORDER BY cycle_hours), "
                   "percentile_cont(0.9) WITHIN GROUP (ORDER BY cycle_hours) "
                   "FROM report_returns WHERE created_at >= :a AND created_at < :b "
                   "AND refunded_at IS NOT NULL GROUP BY w ORDER BY w",
    "sla_breaches": "SELECT warehouse, count(*) FILTER (WHERE sla_breached) AS n "
                    "FROM report_returns WHERE created_at >= :a AND created_at < :b "
                    "AND refunded_at IS NOT NULL GROUP BY warehouse ORDER BY n DESC, warehouse",
    "per_day": "SELECT date_trunc('day', created_at AT TIME ZONE 'UTC') AS d, count(*) "
               "FROM report_returns WHERE created_at >= :a AND created_at < :b "
               "GROUP BY d ORDER BY d",
    "by_country": "SELECT country, count(*) AS n FROM report_returns "
                  "WHERE created_at >= :a AND created_at < :b "
                  "GROUP BY country ORDER BY n DESC, country",
    "stages": "SELECT count(*), count(*) FILTER (WHERE approved_at IS NOT NULL), "
              "count(*) FILTER (WHERE label_at IS NOT NULL), "
              "count(*) FILTER (WHERE received_at IS NOT NULL OR returnless), "
              "count(*) FILTER (WHERE refunded_at IS NOT NULL) "
              "FROM report_returns WHERE created_at >= :a AND created_at < :b",
}
KPIS = ("returns", "open", "cycle", "sla")
DRILL_SQL = ("SELECT reason, count(*) AS n FROM report_returns "
             "WHERE created_at >= :a AND created_at < :b AND country = :c "
             "GROUP BY reason ORDER BY n DESC, reason")


def database_url(name: str) -> str:
    from app.cli.db import upgrade_database

    admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"),
                              {"n": name}).first()
        if not exists:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = sa.engine.make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    upgrade_database(url)
    return url


def drop_database(name: str) -> None:
    admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def make_app(url: str, workdir: Path):
    import logging

    from cryptography.fernet import Fernet

    from app import create_app

    app = create_app({
        "ENV_MODE": "testing", "SECRET_KEY": "bench-" + "x" * 40,
        "ENCRYPTION_KEYS": Fernet.generate_key().decode(), "DATABASE_URL": url,
        "JOBS_BACKEND": "inprocess", "JOBS_INPROCESS_TIMER_THREAD": False, "REDIS_URL": None,
        "INSTANCE_PATH": str(workdir / "instance"),
    })
    logging.getLogger().setLevel(logging.WARNING)
    return app


def fill(cases: int) -> float | None:
    """Make the projection hold exactly `cases` demo cases; returns seconds spent writing."""
    from app.extensions import db
    from app.reports import demo
    from app.reports.tables import TABLES

    table = TABLES["returns"]
    have = db.session.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
    if have == cases:
        return None
    db.session.execute(sa.delete(table))
    db.session.commit()
    started = time.perf_counter()
    done = 0

    def progress(n: int) -> None:
        nonlocal done
        done += n
        print(f"\r  demo cases {done:,}/{cases:,}", end="", file=sys.stderr, flush=True)

    demo.generate(cases, seed=2026, progress=progress, batch=50_000)
    seconds = time.perf_counter() - started
    print(file=sys.stderr)
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE report_returns"))
    return seconds


def paired_ms(ours, by_hand, repeat: int) -> tuple[float, float]:
    """Medians of both, run in alternation: on a shared machine the load changes from
    second to second, and alternating exposes both sides to the same load."""
    ours()
    by_hand()
    a, b = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        ours()
        a.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        by_hand()
        b.append((time.perf_counter() - started) * 1000)
    return statistics.median(a), statistics.median(b)


def median_ms(fn, repeat: int) -> float:
    fn()  # warm: plans, caches, pages
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database", default="formloom_bench_reports")
    parser.add_argument("--drop", action="store_true", help="drop the database afterwards")
    args = parser.parse_args()

    from werkzeug.datastructures import MultiDict

    from app.extensions import db
    from app.reports import boards
    from runtime.reports.compiler import shift_back
    from runtime.reports.spec import parse_dashboard

    url = database_url(args.database)
    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(url, Path(tmp))
        with app.app_context():
            fill_seconds = fill(args.cases)
            doc = json.loads(BOARD.read_text())
            spec = parse_dashboard(doc["title"], doc["body"])
            filters = boards.read_filters(spec, MultiDict())
            period = {"a": filters.constraints[0].value, "b": filters.constraints[1].value}
            before = shift_back(list(filters.constraints), "created_at")
            previous = {"a": before[0].value, "b": before[1].value}
            conn = db.session.connection()

            def board_sequential() -> None:
                boards.run_board(spec, filters, workers=1)

            def board() -> None:  # as the board page runs it
                boards.run_board(spec, filters, workers=boards.BOARD_WORKERS)

            engine = db.engine

            def hand_widget(key: str) -> None:
                with engine.connect() as own:
                    own.execute(sa.text(HAND_SQL[key]), period).all()
                    if key in KPIS:
                        own.execute(sa.text(HAND_SQL[key]), previous).all()

            def board_sql() -> None:  # the same queries on as many threads
                with ThreadPoolExecutor(max_workers=boards.BOARD_WORKERS) as pool:
                    list(pool.map(hand_widget, HAND_SQL))

            def board_sql_sequential() -> None:
                for key, sql in HAND_SQL.items():
                    conn.execute(sa.text(sql), period).all()
                    if key in KPIS:
                        conn.execute(sa.text(sql), previous).all()

            by_country = spec.widget("by_country")

            def drill() -> None:
                boards.run_widget(by_country, filters, ("DE",))

            def drill_sql() -> None:
                conn.execute(sa.text(DRILL_SQL), {**period, "c": "DE"}).all()

            per_widget = {w.id: round(median_ms(lambda w=w: boards.run_widget(w, filters),
                                                args.repeat), 1) for w in spec.widgets}
            board_ms, board_sql_ms = paired_ms(board, board_sql, args.repeat)
            seq_ms, seq_sql_ms = paired_ms(board_sequential, board_sql_sequential, args.repeat)
            drill_ms, drill_sql_ms = paired_ms(drill, drill_sql, args.repeat)
            in_period = db.session.execute(sa.text(HAND_SQL["returns"]), period).scalar_one()
            db.session.remove()
            db.engine.dispose()
    if args.drop:
        drop_database(args.database)

    print(f"cases {args.cases:,} ({in_period:,} in the default 90-day filter); "
          f"{len(spec.widgets)} widgets, {len(HAND_SQL) + len(KPIS)} queries per board")
    if fill_seconds is not None:
        rate = args.cases / fill_seconds
        print(f"demo data written in {fill_seconds:.1f} s ({rate:,.0f} cases/s)")
    widgets = ", ".join(f"{k} {v}" for k, v in per_widget.items())
    print(f"per widget (ms, incl. figure): {widgets}")
    print(f"board ({boards.BOARD_WORKERS} threads) {board_ms:8.1f} ms   hand-written SQL "
          f"{board_sql_ms:8.1f} ms   "
          f"ratio {board_ms / board_sql_ms:.2f}")
    print(f"board, one thread  {seq_ms:8.1f} ms   hand-written SQL {seq_sql_ms:8.1f} ms   "
          f"ratio {seq_ms / seq_sql_ms:.2f}")
    print(f"drill  {drill_ms:8.1f} ms   hand-written SQL {drill_sql_ms:8.1f} ms   "
          f"ratio {drill_ms / drill_sql_ms:.2f}")
    return {"bench": "reports", "cases": args.cases, "board_ms": round(board_ms, 1),
            "board_sql_ms": round(board_sql_ms, 1),
            "board_ratio": round(board_ms / board_sql_ms, 2),
            "drill_ms": round(drill_ms, 1), "drill_sql_ms": round(drill_sql_ms, 1),
            "drill_ratio": round(drill_ms / drill_sql_ms, 2)}


if __name__ == "__main__":
    print(json.dumps(main()))
