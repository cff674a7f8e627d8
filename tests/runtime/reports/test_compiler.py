"""The widget query compiler against hand-computed pandas results, on SQLite and PostgreSQL.

Random returns-like rows go into a projection table built from the real `returns`
definition; every measure, date bucket, drill step, sort and top-N the compiler emits
is checked against pandas doing the same sums over the same rows in memory.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from runtime.exceptions import DefinitionError, ValidationFailed
from runtime.reports import sqlite_functions
from runtime.reports.compiler import (
    Constraint,
    compile_rows,
    compile_widget,
    drill_constraints,
    shift_back,
)
from runtime.reports.datasets import Dataset, fields_of
from runtime.reports.projection import build_table, load_projection
from runtime.reports.shape import to_frame
from runtime.reports.spec import parse_dashboard
from tests import services

SPEC = load_projection("returns")
N = 1500


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def engine(request, tmp_path_factory):
    if request.param == "sqlite":
        eng = sa.create_engine(f"sqlite:///{tmp_path_factory.mktemp('rep') / 'r.db'}")
        sa.event.listen(eng, "connect", lambda conn, rec: sqlite_functions.register(conn))
        yield eng
        eng.dispose()
        return
    admin_url, reason = services.postgres_admin_url()
    if admin_url is None:
        if services.required():
            pytest.fail(reason)
        pytest.skip(reason)
    name = f"formloom_rep_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    eng = sa.create_engine(sa.engine.make_url(admin_url).set(database=name))
    try:
        yield eng
    finally:
        eng.dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="module")
def data(engine):
    """(dataset, the same rows as a pandas frame) with N generated cases."""
    metadata = sa.MetaData()
    table = build_table(SPEC, metadata, sa.DateTime(timezone=True), sa.Integer)
    metadata.create_all(engine)
    rng = np.random.default_rng(42)
    base = datetime(2026, 1, 1, tzinfo=UTC)
    rows = []
    for i in range(N):
        created = base + timedelta(minutes=int(rng.integers(0, 365 * 24 * 60)))
        cycle = None if rng.random() < 0.1 else float(rng.gamma(2.0, 40.0))
        rows.append({
            "public_id": uuid.uuid4().hex, "case_number": f"C-{i}", "flow_version": 1,
            "status": str(rng.choice(["running", "completed", "rejected"], p=[.2, .7, .1])),
            "created_at": created, "country": str(rng.choice(["DE", "FR", "GB", "US", "CN"])),
            "reason": str(rng.choice(["size", "defective", "changed_mind", "late"])),
            "sku": f"SKU-{int(rng.zipf(1.8)) % 30}", "category": "apparel",
            "value": round(float(rng.lognormal(4, .5)), 2),
            "refund_amount": None if rng.random() < .15 else round(float(rng.uniform(5, 300)), 2),
            "cycle_hours": cycle, "sla_breached": bool(cycle and cycle > 120),
        })
    with engine.begin() as conn:
        conn.execute(sa.insert(table), rows)
    frame = pd.DataFrame(rows)
    dataset = Dataset(name="returns", source=table, fields=fields_of(table, SPEC.kinds()),
                      time_field="created_at", case_field="public_id")
    return dataset, frame


def widget(chart="bar", measures=None, dimensions=None, **extra):
    body = {"widgets": [{"id": "w", "title": "W", "dataset": "returns", "chart": chart,
                         "measures": measures or [{"id": "n", "agg": "count"}],
                         "dimensions": dimensions if dimensions is not None
                         else [{"field": "country"}], **extra}]}
    return parse_dashboard("Board", body).widgets[0]


def run(engine, w, dataset, constraints=(), depth=0):
    query = compile_widget(w, dataset, list(constraints), engine.dialect.name, depth)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return to_frame(rows, w, w.level_dimensions(depth))


MEASURES = [
    {"id": "n", "agg": "count"},
    {"id": "total", "agg": "sum", "field": "refund_amount"},
    {"id": "mean", "agg": "avg", "field": "value"},
    {"id": "med", "agg": "median", "field": "cycle_hours"},
    {"id": "p90", "agg": "p90", "field": "cycle_hours"},
    {"id": "low", "agg": "min", "field": "value"},
    {"id": "breach", "agg": "rate", "where": {"var": "sla_breached", "op": "==", "value": True}},
    {"id": "big", "agg": "count", "where": {"var": "value", "op": ">", "value": 80}},
]


def test_every_measure_by_country_matches_pandas(engine, data):
    dataset, frame = data
    got = run(engine, widget(measures=MEASURES), dataset).set_index("_d0").sort_index()
    g = frame.groupby("country")
    expected = pd.DataFrame({
        "n": g.size(), "total": g["refund_amount"].sum(), "mean": g["value"].mean(),
        "med": g["cycle_hours"].median(), "p90": g["cycle_hours"].quantile(0.9),
        "low": g["value"].min(), "breach": g["sla_breached"].mean(),
        "big": g["value"].apply(lambda s: int((s > 80).sum())),
    }).sort_index()
    for column in expected.columns:
        assert np.allclose(got[column].astype(float), expected[column].astype(float)), column


@pytest.mark.parametrize("bucket,freq", [("day", "D"), ("week", "W-MON"), ("month", "MS")])
def test_date_buckets_match_pandas(engine, data, bucket, freq):
    dataset, frame = data
    w = widget("line", dimensions=[{"field": "created_at", "bucket": bucket}])
    got = run(engine, w, dataset)
    starts = frame["created_at"].dt.tz_convert("UTC").dt.tz_localize(None)
    if bucket == "week":
        key = (starts - pd.to_timedelta(starts.dt.day_of_week, unit="D")).dt.strftime("%Y-%m-%d")
    else:
        key = starts.dt.to_period(freq[0]).dt.start_time.dt.strftime("%Y-%m-%d")
    expected = frame.groupby(key).size().sort_index()
    assert list(got["_d0"]) == list(expected.index)  # date buckets come in time order
    assert list(got["n"]) == list(expected.values)


def test_sort_and_top_n(engine, data):
    dataset, frame = data
    w = widget("bar", dimensions=[{"field": "sku"}], limit=5,
               measures=[{"id": "n", "agg": "count"}])
    got = run(engine, w, dataset)
    expected = frame.groupby("sku").size().sort_values(ascending=False)
    assert list(got["n"]) == list(expected.values[:5])
    w = widget("bar", sort={"by": "country", "desc": False})
    assert list(run(engine, w, dataset)["_d0"]) == sorted(frame["country"].unique())


def test_two_dimensions_with_top_values(engine, data):
    dataset, frame = data
    w = widget("stacked_bar", dimensions=[{"field": "sku", "limit": 3}, {"field": "reason"}])
    got = run(engine, w, dataset)
    top = frame.groupby("sku").size().sort_values(ascending=False).index[:3]
    expected = frame[frame["sku"].isin(top)].groupby(["sku", "reason"]).size()
    assert set(got["_d0"]) == set(top)
    counts = got.set_index(["_d0", "_d1"])["n"].sort_index()
    assert counts.tolist() == expected.sort_index().tolist()


def test_drill_path_filters_each_level_then_rows(engine, data):
    dataset, frame = data
    w = widget("bar", drill={"levels": [{"field": "reason"}, {"field": "sku"}],
                             "rows": {"columns": ["case_number", "country", "reason", "sku"]}})
    level1 = run(engine, w, dataset, drill_constraints(w, ["DE"]), depth=1)
    expected = frame[frame.country == "DE"].groupby("reason").size()
    assert dict(zip(level1["_d0"], level1["n"], strict=True)) == expected.to_dict()
    path = ["DE", "size"]
    level2 = run(engine, w, dataset, drill_constraints(w, path), depth=2)
    subset = frame[(frame.country == "DE") & (frame.reason == "size")]
    assert level2["n"].sum() == len(subset)
    sku = level2["_d0"].iloc[0]
    rows_q, total_q = compile_rows(w, dataset, drill_constraints(w, [*path, sku]), 1, 10)
    with engine.connect() as conn:
        total = conn.execute(total_q).scalar_one()
        rows = conn.execute(rows_q).mappings().all()
    assert total == len(subset[subset.sku == sku])
    assert len(rows) == min(total, 10)
    assert {(r["country"], r["reason"], r["sku"]) for r in rows} == {("DE", "size", sku)}
    assert all(len(r["public_id"]) == 32 for r in rows)  # the case link column is added
    with pytest.raises(ValidationFailed):
        drill_constraints(w, ["DE", "size", sku, "too deep"])


def test_a_click_on_none_filters_on_missing_values(engine, data):
    dataset, frame = data
    w = widget("bar", dimensions=[{"field": "grade"}], drill={"levels": [{"field": "country"}]})
    [label] = list(run(engine, w, dataset)["_d0"])  # no case of these has been graded yet
    assert label == "(none)"
    level = run(engine, w, dataset, drill_constraints(w, [label]), depth=1)
    assert level["n"].sum() == len(frame)


def test_date_bucket_drill_and_previous_period(engine, data):
    dataset, frame = data
    w = widget("line", dimensions=[{"field": "created_at", "bucket": "month"}],
               drill={"levels": [{"field": "country"}]})
    got = run(engine, w, dataset, drill_constraints(w, ["2026-03-01"]), depth=1)
    march = frame[(frame.created_at >= datetime(2026, 3, 1, tzinfo=UTC))
                  & (frame.created_at < datetime(2026, 4, 1, tzinfo=UTC))]
    assert got["n"].sum() == len(march)
    period = [Constraint("created_at", "gte", datetime(2026, 5, 1, tzinfo=UTC)),
              Constraint("created_at", "lt", datetime(2026, 6, 1, tzinfo=UTC))]
    before = shift_back(period, "created_at")
    assert before[0].value == datetime(2026, 3, 31, tzinfo=UTC)
    kpi = widget("kpi", dimensions=[])
    previous = run(engine, kpi, dataset, before)
    mask = (frame.created_at >= before[0].value) & (frame.created_at < before[1].value)
    assert previous["n"].iloc[0] == mask.sum()


def test_a_filter_value_with_sql_in_it_is_just_a_value(engine, data):
    dataset, frame = data
    evil = "DE' OR '1'='1"
    got = run(engine, widget("kpi", dimensions=[]), dataset, [Constraint("country", "eq", evil)])
    assert got["n"].iloc[0] == 0
    got = run(engine, widget("kpi", dimensions=[]), dataset,
              [Constraint("country", "in", ["DE", "x'); DELETE FROM report_returns; --"])])
    assert got["n"].iloc[0] == (frame.country == "DE").sum()
    query = compile_widget(widget(), dataset, [Constraint("country", "eq", evil)],
                           engine.dialect.name)
    assert evil not in str(query.compile(dialect=engine.dialect))  # bound, not inlined
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(dataset.source)).scalar() == N


def test_unknown_fields_and_bad_values_are_refused(engine, data):
    dataset, _ = data
    with pytest.raises(DefinitionError):
        compile_widget(widget(dimensions=[{"field": "password"}]), dataset, [], "sqlite")
    with pytest.raises(DefinitionError):
        compile_widget(widget(dimensions=[{"field": "country", "bucket": "day"}]), dataset, [],
                       "sqlite")
    with pytest.raises(ValidationFailed):
        compile_widget(widget(), dataset, [Constraint("value", "gte", "lots")], "sqlite")
    with pytest.raises(ValidationFailed):
        compile_widget(widget(), dataset, [Constraint("created_at", "gte", "yesterday")],
                       "sqlite")


def test_only_selects_are_built(data):
    dataset, _ = data
    query = compile_widget(widget(measures=MEASURES), dataset, [], "postgresql")
    assert isinstance(query, sa.Select)
    rows, total = compile_rows(widget(drill={"levels": []}), dataset, [])
    assert isinstance(rows, sa.Select) and isinstance(total, sa.Select)
