"""Every chart type renders a figure; exports neutralise formulas; specs refuse bad boards."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from openpyxl import load_workbook

from runtime.exceptions import DefinitionError
from runtime.reports import figures
from runtime.reports.export import DANGEROUS_PREFIXES, neutralise, to_csv, to_xlsx
from runtime.reports.projection import CaseFacts, EventFacts, load_projection, project_case
from runtime.reports.shape import Kpi
from runtime.reports.spec import CHARTS, parse_dashboard


def make_widget(chart: str):
    dims = [{"field": "country"}, {"field": "reason"}] if chart in ("stacked_bar", "heatmap") \
        else ([] if chart == "kpi" else [{"field": "country"}])
    body = {"widgets": [{"id": "w", "title": "W", "dataset": "returns", "chart": chart,
                         "measures": [{"id": "n", "agg": "count"}], "dimensions": dims}]}
    return parse_dashboard("B", body).widgets[0]


FRAME_2D = pd.DataFrame({"_d0": ["DE", "DE", "FR"], "_d1": ["size", "late", "size"],
                         "n": [5, 2, 3]})
FRAME_1D = pd.DataFrame({"_d0": ["DE", "FR", "GB"], "n": [5, 3, 1]})


@pytest.mark.parametrize("chart", CHARTS)
def test_every_chart_type_renders(chart):
    w = make_widget(chart)
    frame = FRAME_2D if len(w.dimensions) == 2 else FRAME_1D
    figure = figures.build_figure(frame, w, w.dimensions)
    assert figure["data"], chart
    trace = figure["data"][0]
    expected = {"kpi": "indicator", "bar": "bar", "stacked_bar": "bar", "line": "scatter",
                "area": "scatter", "pie": "pie", "table": "table", "funnel": "funnel",
                "heatmap": "heatmap"}[chart]
    assert trace["type"] == expected
    if chart not in ("kpi", "table"):
        assert "customdata" in trace  # what a click sends back for drill-down
    if chart == "stacked_bar":
        assert figure["layout"]["barmode"] == "stack" and len(figure["data"]) == 2
    if chart == "area":
        assert trace["fill"] == "tozeroy"


def test_a_rate_axis_reads_in_percent():
    kept = {"var": "returnless", "op": "==", "value": True}
    body = {"widgets": [{"id": "w", "title": "W", "dataset": "returns", "chart": "bar",
                         "dimensions": [{"field": "country"}],
                         "measures": [{"id": "n", "agg": "rate", "format": "percent",
                                       "where": kept}]}]}
    w = parse_dashboard("B", body).widgets[0]
    figure = figures.build_figure(FRAME_1D, w, w.dimensions)
    assert figure["layout"]["yaxis"]["tickformat"] == ".0%"
    plain = make_widget("bar")
    assert "tickformat" not in figures.build_figure(FRAME_1D, plain, plain.dimensions)[
        "layout"]["yaxis"]


def test_kpi_trend():
    assert Kpi(120, 100).change == pytest.approx(0.2)
    assert Kpi(80, 100).change == pytest.approx(-0.2)
    assert Kpi(5, None).change is None and Kpi(5, 0).change is None
    figure = figures.kpi_figure(Kpi(120, 100), make_widget("kpi"))
    assert figure["data"][0]["delta"]["reference"] == 100


@pytest.mark.parametrize("prefix", DANGEROUS_PREFIXES)
def test_neutralise_each_dangerous_prefix(prefix):
    assert neutralise(prefix + "cmd|' /C calc'!A0") == "'" + prefix + "cmd|' /C calc'!A0"


def test_exports_keep_numbers_and_neutralise_text():
    frame = pd.DataFrame({"=Header": ["=1+2", "+SUM(A1)", "-3", "@x", "\tx", "\rx", "ok", "中文"],
                          "n": [-1, 2, 3, 4, 5, 6, 7, 8]})
    rows = list(csv.reader(io.StringIO(to_csv(frame).decode("utf-8-sig"))))
    assert rows[0] == ["'=Header", "n"]
    assert [r[0] for r in rows[1:]] == ["'=1+2", "'+SUM(A1)", "'-3", "'@x", "'\tx", "'\rx",
                                        "ok", "中文"]
    assert rows[1][1] == "-1"  # a negative number is a number, not a formula
    book = load_workbook(io.BytesIO(to_xlsx({"=evil/sheet": frame, "Second": frame})))
    assert book.sheetnames == ["=evil_sheet", "Second"]
    cells = [c.value for c in book.worksheets[0]["A"]]
    assert cells[1:4] == ["'=1+2", "'+SUM(A1)", "'-3"]
    assert [c.value for c in book.worksheets[0]["B"]][1] == -1


def test_spec_refuses_duplicate_ids_and_bad_sort():
    w = {"id": "a", "title": "A", "dataset": "returns", "chart": "bar",
         "measures": [{"id": "n", "agg": "count"}], "dimensions": [{"field": "country"}]}
    with pytest.raises(DefinitionError) as err:
        parse_dashboard("B", {"widgets": [w, w]})
    assert err.value.pointer == "/widgets/1/id"
    with pytest.raises(DefinitionError):
        parse_dashboard("B", {"widgets": [{**w, "sort": {"by": "nope"}}]})
    with pytest.raises(DefinitionError):
        parse_dashboard("B", {"widgets": [{**w, "chart": "heatmap"}]})


def test_project_case_is_a_pure_fold():
    spec = load_projection("returns")
    t0 = datetime(2026, 3, 1, tzinfo=UTC)
    lines = [{"sku": "HP-ANC-200", "unit_price": "180.00", "hs_code": "8518.30"},
             {"sku": "CB-USB-C2", "unit_price": "12.50", "hs_code": "8544.42",
              "supplier": "Dongguan Circuit Ltd"}]
    variables = {"order": {"customer": {"country": "GB"}, "currency": "GBP", "lines": lines},
                 "items": [{"sku": "CB-USB-C2", "quantity": 3},
                           {"sku": "HP-ANC-200", "quantity": 1}], "reason": "defective",
                 "refund": {"amount": "37.50", "currency": "GBP", "method": "store_credit"},
                 "inspection": {"grade": "C", "disposition": "refurbish"},
                 "transit": {"first_scan_at": "2026-03-02T08:00:00Z",
                             "delivered_at": "2026-03-06T00:00:00+00:00"}}
    facts = CaseFacts("p" * 32, "RMA-1", 7, 1, "completed", t0, t0 + timedelta(hours=300),
                      variables)
    events = [
        EventFacts(3, "node_entered", "routing", {"data": {}}, t0 + timedelta(hours=4)),
        EventFacts(1, "event", None, {"data": {"type": "started"}}, t0),
        EventFacts(2, "task_decided", "review", {"data": {"outcome": "approve"}},
                   t0 + timedelta(hours=3)),
        EventFacts(4, "service_succeeded", "refund", {"data": {}}, t0 + timedelta(hours=300)),
    ]
    row = project_case(spec, facts, events)
    assert row["approved_at"] == t0 + timedelta(hours=3)  # the first of either record
    assert row["received_at"] == t0 + timedelta(days=5)
    assert row["first_scan_at"] == datetime(2026, 3, 2, 8, tzinfo=UTC)
    assert (row["country"], row["sku"], row["category"]) == ("GB", "CB-USB-C2", "electronics")
    assert row["supplier"] == "Dongguan Circuit Ltd" and row["units"] == 4
    assert row["value"] == 217.5 and row["value_eur"] == 254.48  # x 1.17, half up
    assert row["refund_eur"] == 43.88 and row["refund_method"] == "store_credit"
    assert row["recovery_eur"] == 89.07 and row["cost"] is None  # no costs recorded
    assert row["cycle_hours"] == 300 and row["sla_breached"] is True
    assert row["stage"] == "refunded" and row["last_event_id"] == 4
    assert project_case(spec, facts, list(reversed(events))) == row  # order-independent
    unknown = project_case(spec, CaseFacts("q" * 32, None, 8, 1, "waiting", t0, None,
                                           {"items": [{"sku": "X", "quantity": 1}]}), [])
    assert (unknown["sku"], unknown["category"], unknown["value"]) == ("X", None, None)
    assert unknown["stage"] == "requested" and unknown["sla_breached"] is False


def test_funnel_of_measures_shows_stages_in_order():
    body = {"widgets": [{"id": "f", "title": "F", "dataset": "returns", "chart": "funnel",
                         "measures": [{"id": "a", "agg": "count", "label": "Requested"},
                                      {"id": "b", "agg": "count", "label": "Refunded",
                                       "where": {"var": "refunded_at", "op": "is_not_null"}}]}]}
    w = parse_dashboard("B", body).widgets[0]
    figure = figures.build_figure(pd.DataFrame({"a": [10], "b": [7]}), w, ())
    assert figure["data"][0]["y"] == ["Requested", "Refunded"]
    assert figure["data"][0]["x"] == [10, 7]
    with pytest.raises(DefinitionError):  # one measure and no dimension: nothing to stage
        parse_dashboard("B", {"widgets": [{**body["widgets"][0],
                                           "measures": body["widgets"][0]["measures"][:1]}]})
