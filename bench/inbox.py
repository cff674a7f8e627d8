"""The inbox's first page with counts, and the overdue tab, at a million tasks.

Fills a fresh PostgreSQL database (server-side `generate_series`, seconds not minutes)
with `--tasks` tasks (default 1,000,000) across 50 teams and 2,000 users — a third in
team pools, two thirds assigned; 90 % open or claimed; deadlines spread from two days
ago to a week ahead — then times, for a typical staff member in two teams:

* "to do": my tasks + my teams' pool, first page (26 rows), with the capped counts of
  every tab — what `/inbox/` reads (`app.inbox.queries.list_tasks` + `count_tabs`);
* "overdue": the overdue tab's first page (with the same counts).

The baseline is hand-written SQL returning the same rows and counts through the same
connection, in the same shape (per-branch ordered index scans merged by UNION ALL,
capped counts) but without the ORM and Python-side query building; a plain
`WHERE assignee = me OR team IN (…) ORDER BY due LIMIT 26` took ~250 ms at p95 here,
because the database must collect and sort every pool task of the user's teams.
Target: p95 < 50 ms and within 2x.

Run: `.venv/bin/python bench/inbox.py [--tasks 1000000] [--runs 60]`
(`FORMLOOM_BENCH_POSTGRES_URL` as for engine.py). Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TEAMS, USERS = 50, 2000


def fill(conn, tasks: int) -> None:
    """Teams, users, memberships, one instance per four tasks, then the tasks."""
    instances = max(tasks // 4, 1)
    statements = [
        """INSERT INTO teams (key, name, created_at)
            SELECT 'team_' || g, 'Team ' || g, now() FROM generate_series(0, :last_team) g""",
        """INSERT INTO users (email, name, locale, active, session_epoch, created_at)
            SELECT 'user' || g || '@bench.test', 'User ' || g, 'en', true, 0, now()
            FROM generate_series(1, :users) g""",
        """INSERT INTO user_roles (user_id, role) SELECT id, 'staff' FROM users""",
        """INSERT INTO memberships (user_id, team_id, is_lead)
            SELECT u.id, t.id, false FROM users u JOIN teams t
              ON t.key = 'team_' || (u.id % :teams)
              OR t.key = 'team_' || ((u.id * 7 + 3) % :teams)""",
        """INSERT INTO flow_instances (public_id, case_number, flow_key, flow_version,
                                       status, state, variables, event_seq, created_at,
                                       updated_at, version)
            SELECT md5(g::text), 'RMA-' || lpad(g::text, 7, '0'), 'returns.review', 1, 'waiting',
                   '{}'::jsonb,
                   jsonb_build_object('country', (ARRAY['DE','FR','NL','GB','US'])[1 + g % 5],
                                      'customer', jsonb_build_object('name', 'Customer ' || g)),
                   0, now(), now(), 1
            FROM generate_series(1, :instances) g""",
        """INSERT INTO tasks (key, instance_id, node_id, activation, title, assignment, status,
                               assignee_id, team_key, data, due_at, created_at, completed_at,
                               completed_by_id, outcome, version)
            SELECT 'k' || g, 1 + g % :instances, 'review', 1, 'Review the return',
                   '{}'::jsonb,
                   CASE WHEN g % 10 = 0 THEN 'completed' WHEN g % 3 = 0 THEN 'open'
                        ELSE 'claimed' END,
                   CASE WHEN g % 3 = 0 AND g % 10 <> 0 THEN NULL
                        ELSE 1 + (g * 7919) % :users END,
                   'team_' || (g % :teams),
                   CAST(:task_data AS jsonb),
                   now() + ((g % 216) - 48) * interval '1 hour',
                   now() - interval '3 days',
                   CASE WHEN g % 10 = 0 THEN now() - (g % 100) * interval '1 minute' END,
                   CASE WHEN g % 10 = 0 THEN 1 + ((g / 10) * 7919) % :users END,
                   CASE WHEN g % 10 = 0 THEN 'approve' END, 1
            FROM generate_series(1, CAST(:tasks AS bigint)) g""",
    ]
    params = {"last_team": TEAMS - 1, "teams": TEAMS, "users": USERS, "instances": instances,
              "tasks": tasks, "task_data": json.dumps({"kind": "task",
                                                       "outcomes": ["approve", "reject"]})}
    for sql in statements:
        conn.execute(sa.text(sql), {k: v for k, v in params.items() if f":{k}" in sql})


def bare_queries(conn, user_id: int, teams: list[str]) -> Callable[[str], list[int]]:
    """The same rows and counts in the best hand-written SQL we know: per-branch ordered
    index scans merged by UNION ALL, capped counts per branch, then the page's rows."""
    mine = ["t.assignee_id = :u AND t.status = 'open'",
            "t.assignee_id = :u AND t.status = 'claimed'"]
    pools = [f"t.team_key = :team{n} AND t.status = 'open' AND t.assignee_id IS NULL"
             for n in range(len(teams))]
    overdue = [f"{branch} AND t.due_at < now()" for branch in mine + pools]
    tabs = {"todo": mine + pools, "mine": ["t.assignee_id = :u AND t.status IN "
                                           "('open', 'claimed')"],
            "pool": pools, "overdue": overdue,
            "completed": ["t.completed_by_id = :u AND t.status = 'completed'"]}
    params: dict[str, object] = {"u": user_id, **{f"team{n}": t for n, t in enumerate(teams)}}
    count_sql = "SELECT count(*) FROM (SELECT 1 FROM tasks t WHERE {} LIMIT 1000) c"
    counts = {tab: [sa.text(count_sql.format(w)) for w in where] for tab, where in tabs.items()}
    branch_sql = "(SELECT t.id, t.due_at FROM tasks t WHERE {} " \
                 "ORDER BY t.due_at NULLS LAST, t.id LIMIT 26)"
    page_sql = "SELECT m.id FROM ({}) m ORDER BY m.due_at NULLS LAST, m.id LIMIT 26"
    pages = {tab: sa.text(page_sql.format(" UNION ALL ".join(branch_sql.format(w)
                                                             for w in where)))
             for tab, where in tabs.items()}
    rows_sql = sa.text("SELECT t.*, i.case_number, i.public_id, i.flow_key, i.variables "
                       "FROM tasks t JOIN flow_instances i ON i.id = t.instance_id "
                       "WHERE t.id = ANY(:ids)")

    def explain() -> None:
        for tab, stmt in pages.items():
            plan = conn.execute(sa.text("EXPLAIN (ANALYZE, BUFFERS) " + stmt.text), params)
            print(f"--- {tab}\n" + "\n".join(row[0] for row in plan))

    def run(tab: str) -> list[int]:
        ids = list(conn.execute(pages[tab], params).scalars())
        rows = {row.id: row for row in conn.execute(rows_sql, {"ids": ids[:25]})}
        for stmts in counts.values():
            total = 0
            for stmt in stmts:
                total += conn.execute(stmt, params).scalar()
                if total >= 1000:
                    break
        return [i for i in ids[:25] if i in rows]

    run.explain = explain  # type: ignore[attr-defined]
    return run


def timings(fn: Callable[[], object], runs: int) -> list[float]:
    for _ in range(5):
        fn()
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--profile", action="store_true",
                        help="print where the time of our side goes (cProfile)")
    parser.add_argument("--explain", action="store_true",
                        help="print PostgreSQL's plan of each hand-written statement")
    args = parser.parse_args()

    import engine_db

    database = engine_db.postgres_database()
    if isinstance(database, str):
        print(f"skipped: {database}")
        print(json.dumps({"bench": "inbox", "tasks": args.tasks, "p95_ms": None,
                          "bare_p95_ms": None, "ratio": None, "skipped": database}))
        return
    try:
        with tempfile.TemporaryDirectory() as workdir:
            app = engine_db.make_app(database.url, Path(workdir))
            with app.app_context():
                result = measure(app, args)
    finally:
        database.drop()
    print(json.dumps(result))


def measure(app, args) -> dict:
    from app.extensions import db
    from app.inbox import queries
    from app.models import User, utcnow

    start = time.perf_counter()
    with db.engine.begin() as conn:
        fill(conn, args.tasks)
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE"))  # what autovacuum does on a live system
    print(f"filled {args.tasks:,} tasks in {time.perf_counter() - start:.1f}s")
    user = db.session.get(User, 17)
    teams = sorted(user.team_keys)
    conn = db.session.connection()
    bare = bare_queries(conn, user.id, teams)
    if args.explain:
        bare.explain()

    def ours(tab: str) -> list[int]:
        now = utcnow()
        page = queries.list_tasks(queries.ListQuery(tab=tab), user, now)
        queries.count_tabs(user, now)
        return [task.id for task, _ in page.rows]

    for tab in ("todo", "overdue"):
        assert ours(tab) == bare(tab), f"{tab}: the two queries disagree"
    print(f"user {user.email} in {', '.join(teams)}; counts "
          f"{queries.count_tabs(user, utcnow())}")
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(lambda: [ours("todo") for _ in range(30)])
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    figures = {}
    for tab in ("todo", "overdue"):
        o = timings(lambda tab=tab: ours(tab), args.runs)
        b = timings(lambda tab=tab: bare(tab), args.runs)
        figures[tab] = (o, b)
        print(f"{tab:8s} formloom median {statistics.median(o):6.1f} ms  p95 {p95(o):6.1f} ms | "
              f"bare SQL median {statistics.median(b):6.1f} ms  p95 {p95(b):6.1f} ms | "
              f"ratio {p95(o) / p95(b):.2f}x")
    worst = max(figures, key=lambda tab: p95(figures[tab][0]))
    ours_p95, bare_p95 = p95(figures[worst][0]), p95(figures[worst][1])
    return {"bench": "inbox", "tasks": args.tasks, "p95_ms": round(ours_p95, 1),
            "bare_p95_ms": round(bare_p95, 1), "ratio": round(ours_p95 / bare_p95, 2)}


if __name__ == "__main__":
    main()
