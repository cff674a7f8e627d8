"""The flow engine on the reference return approval, against SpiffWorkflow 3, in one run.

The flow (data/returns_approval.flow.json; as BPMN + DMN in data/ for Spiff): start ->
compute the refund (decision table) -> route -> approval (user task) -> parallel split
-> CRM and ERP service calls -> join -> end. Printed side by side:

* in memory: complete instances per second of our `advance` and of SpiffWorkflow 3 on
  the equivalent BPMN (engine_memory.py), their ratio, memory per waiting instance;
* persisted through `app.flows.service` on SQLite and PostgreSQL: complete instances per
  second (4 events, one transaction each), milliseconds, SQL statements by kind and
  database round trips per event (engine_db.py);
* effect dispatch through real Redis + RQ: outbox deliveries per second drained by a
  real `formloom worker --burst`, next to bare RQ no-op jobs with the same worker class,
  then both with the other class (engine_rq.py);
* peak RSS of this process.

Absolute times on a shared machine mean little: compare the figures of one run. The
service results are delivered directly as events (no connector is called), and a stub
stands in for connectors in the RQ drains. PostgreSQL and Redis figures are null, with
the reason printed, when the server is not reachable (`FORMLOOM_BENCH_POSTGRES_URL`,
default postgres@127.0.0.1:5432/test; `FORMLOOM_BENCH_REDIS_URL`, default db 14); the
in-memory figures are null when SpiffWorkflow (the `bench` extra) is not installed.

Run: `.venv/bin/pip install -e '.[dev,bench]'`, then
`.venv/bin/python bench/engine.py [--instances 200] [--effects 120] [--seconds 3]
[--profile]`. About 1.5 minutes with the defaults on 2 cores. Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import shutil
import tempfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import engine_memory

TARGET_RATIO, TARGET_PG_PER_S, TARGET_ROUNDTRIPS = 10, 300, 4
EVENTS = {"start": 1, "complete_task": 1, "service_succeeded": 2}  # per complete instance


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=200,
                        help="persisted complete instances per database (default 200)")
    parser.add_argument("--effects", type=int, default=120,
                        help="outbox deliveries per RQ drain (default 120)")
    parser.add_argument("--seconds", type=float, default=3.0,
                        help="seconds per in-memory measurement (default 3)")
    parser.add_argument("--profile", action="store_true",
                        help="also profile persisted events and show CPU time per layer")
    args = parser.parse_args()
    print(__doc__.splitlines()[0])
    try:
        spiff = f"SpiffWorkflow {version('SpiffWorkflow')}"
    except PackageNotFoundError:
        spiff = None
    print(f"Python {platform.python_version()}, {spiff or 'no SpiffWorkflow'}, "
          f"SQLAlchemy {version('SQLAlchemy')}, RQ {version('rq')}\n")
    result: dict[str, object] = {"bench": "engine"}
    if spiff:
        result |= in_memory(args.seconds, args.profile)
    else:
        print("In memory: skipped - SpiffWorkflow is not installed (the `bench` extra); the "
              "in-memory figures are null\n")
    workdir = Path(tempfile.mkdtemp(prefix="formloom-bench-"))
    try:
        result |= persisted(workdir, args.instances, args.effects, args.profile)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS of this process: {peak:.0f} MB (both engines, the app, SQLAlchemy)")
    result["peak_rss_mb"] = round(peak, 1)
    keys = ("bench", "ours_mem_per_s", "spiff_mem_per_s", "ratio_vs_spiff", "sqlite_per_s",
            "postgres_per_s", "db_roundtrips_per_event", "peak_rss_mb", "rq_effects_per_s",
            "rq_bare_per_s")
    print(json.dumps({key: result.get(key) for key in keys}))


def in_memory(seconds: float, profile: bool) -> dict[str, object]:
    ours, spiff = engine_memory.Ours(), engine_memory.Spiff()
    ours.run(0), spiff.run(0)  # warm up
    rates = engine_memory.interleaved_rates({"ours": ours.run, "spiff": spiff.run}, 2 * seconds)
    (ours_rate, ours_wall, ours_n), (spiff_rate, spiff_wall, spiff_n) = (
        rates["ours"], rates["spiff"])
    ratio = ours_rate / spiff_rate
    io_ours, _ = engine_memory.rate(lambda i: ours.run(i, with_state_io=True), seconds / 2, 10**6)
    io_spiff, _ = engine_memory.rate(lambda i: spiff.run(i, with_state_io=True), seconds / 2,
                                     10**6)
    held_ours = engine_memory.bytes_per_waiting_instance(ours, 1000)
    held_spiff = engine_memory.bytes_per_waiting_instance(spiff, 1000)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("In memory: complete instances per second of CPU time (start, approve, CRM ok, ERP ok;"
          " the engines take turns, wall-clock figures in brackets)")
    print(f"  {ours.name:<24}{ours_rate:9.0f} /s   ({ours_n} instances, {ours_wall:.0f} /s wall)")
    print(f"  {spiff.name:<24}{spiff_rate:9.0f} /s   ({spiff_n} instances, {spiff_wall:.0f} /s "
          "wall)")
    verdict = "meets" if ratio >= TARGET_RATIO else "misses"
    print(f"  {'ratio ours / Spiff':<24}{ratio:9.1f} x    ({verdict} the {TARGET_RATIO}x target; "
          f"wall clock {ours_wall / spiff_wall:.1f}x)")
    print(f"  state stored as JSON and read back between events: ours {io_ours:.0f} /s, "
          f"Spiff {io_spiff:.0f} /s ({io_ours / io_spiff:.1f}x; Spiff's document carries "
          "its spec)")
    print(f"  held while waiting at the approval: ours {held_ours / 1024:.1f} KiB, Spiff "
          f"{held_spiff / 1024:.1f} KiB per instance; state JSON {ours.state_bytes(1)} B vs "
          f"{spiff.state_bytes(1)} B (Spiff without its spec)")
    if profile:
        print("  our hot spots (cProfile, cumulative share of the run, nested calls overlap): "
              + ", ".join(f"{name} {share:.0%}"
                          for name, share in engine_memory.profile_hot_spots(ours)))
    print(f"  peak RSS so far: {peak:.0f} MB (both engines loaded)\n")
    return {"ours_mem_per_s": round(ours_rate, 1), "spiff_mem_per_s": round(spiff_rate, 1),
            "ratio_vs_spiff": round(ratio, 2)}


def persisted(workdir: Path, instances: int, effects: int, profile: bool) -> dict[str, object]:
    import engine_db
    import engine_probe
    import engine_rq

    print(f"Persisted through app.flows.service: {instances} complete instances per database,"
          " 4 events each (start, complete_task, 2x deliver ServiceSucceeded), one transaction"
          " per event.\n  Service results are delivered directly as events: connectors are not"
          " called. Enqueued jobs go to a counting stub (the queue is measured below).")
    results, figures = [], {}
    sqlite = engine_db.sqlite_database(workdir)
    results.append(engine_db.measure(sqlite, workdir, instances))
    postgres = engine_db.postgres_database()
    if isinstance(postgres, str):
        print(f"  postgresql: skipped - {postgres}")
        database = sqlite
    else:
        results.append(engine_db.measure(postgres, workdir, instances))
        database = postgres
    try:
        _print_persisted(results)
        if profile:
            for db in (sqlite, database):
                shares = engine_probe.profile_layers(db, workdir)
                print(f"  time by layer ({db.label}, cProfile tottime): " + ", ".join(
                    f"{layer} {share:.0%}" for layer, share in shares.items()))
        by_label = {r.label: r for r in results}
        pg = by_label.get("postgresql")
        figures["sqlite_per_s"] = round(by_label["sqlite"].per_s, 1)
        figures["postgres_per_s"] = round(pg.per_s, 1) if pg else None
        figures["db_roundtrips_per_event"] = round(
            pg.traced_roundtrips_per_event if pg else by_label["sqlite"].roundtrips_per_event, 2)
        if pg is None:
            print("  db_roundtrips_per_event below is SQLite's, counted at the SQLAlchemy level")
        figures |= dispatch(engine_rq, database, workdir, effects)
    finally:
        database.drop()
    return figures


def _print_persisted(results: list) -> None:
    print(f"  {'database':<12}{'instances/s':>12}{'ms/event':>10}{'statements/event':>18}"
          f"{'round trips/event':>19}")
    for r in results:
        events = EVENTS
        ms = sum(r.ms_per_event[k] * n for k, n in events.items()) / sum(events.values())
        traced = (f" ({r.traced_roundtrips_per_event:.1f} libpq trace)"
                  if r.traced_roundtrips_per_event is not None else "")
        statements = sum(sum(c[k] for k in c if not _control(k)) * events[kind]
                         for kind, c in r.per_event.items()) / sum(events.values())
        print(f"  {r.label:<12}{r.per_s:>12.1f}{ms:>10.1f}{statements:>18.1f}"
              f"{r.roundtrips_per_event:>19.1f}{traced}")
    pg = next((r for r in results if r.label == "postgresql"), None)
    if pg is not None:
        roundtrips = pg.traced_roundtrips_per_event
        print(f"  targets on PostgreSQL: >= {TARGET_PG_PER_S} instances/s "
              f"({'met' if pg.per_s >= TARGET_PG_PER_S else 'missed'}), <= {TARGET_ROUNDTRIPS}"
              f" round trips/event ({'met' if roundtrips <= TARGET_ROUNDTRIPS else 'missed'})")
    for r in results:
        print(f"  per event on {r.label}, by kind (BEGIN and COMMIT are round trips too on a "
              "server; BEGIN doubles as the pool's liveness check):")
        for kind, counts in r.per_event.items():
            listed = ", ".join(f"{name} {n:g}" for name, n in counts.items())
            print(f"    {kind:<18}{r.ms_per_event[kind]:5.1f} ms, "
                  f"{r.flushes_per_event.get(kind, 0):.0f} ORM flushes: {listed}")


def _control(kind: str) -> bool:
    return kind in ("BEGIN", "COMMIT", "ROLLBACK") or kind.startswith("ping")


def dispatch(engine_rq, database, workdir: Path, effects: int) -> dict[str, object]:
    print(f"\nEffect dispatch through Redis + RQ on {database.label}: {effects} call_connector "
          "outbox rows per drain (a stub connector calls nobody), and as many bare no-op jobs")
    problem = engine_rq.redis_problem()
    if problem:
        print(f"  skipped - {problem}")
        return {"rq_effects_per_s": None, "rq_bare_per_s": None}
    drains = engine_rq.measure(database, workdir, max(1, effects // 2))
    for d in drains:
        rate = f"{d.per_s:8.1f} /s" if d.per_s is not None else "    null  "
        print(f"  {d.worker_class:<24}{d.what:<52}{rate}  {d.note}")
    shipped, bare, other, other_bare = drains
    if None not in (shipped.per_s, other.per_s):
        fast, slow = (other, shipped) if other.per_s > shipped.per_s else (shipped, other)
        print(f"  {fast.worker_class} delivers {fast.per_s / slow.per_s:.1f}x as many effects "
              f"per second as {slow.worker_class}; deliveries run at "
              f"{shipped.per_s / bare.per_s:.0%} ({shipped.worker_class.rsplit('.', 1)[-1]}) and "
              f"{other.per_s / other_bare.per_s:.0%} ({other.worker_class.rsplit('.', 1)[-1]}) "
              "of bare RQ with the same class")
    return {"rq_effects_per_s": _round(shipped.per_s), "rq_bare_per_s": _round(bare.per_s)}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


if __name__ == "__main__":
    main()
