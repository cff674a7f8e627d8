"""Boards in the app: who sees them, filters, drill-down to rows and a case, exports, XSS."""

from __future__ import annotations

import csv
import io
import re
from html import unescape

import pytest
from openpyxl import load_workbook
from werkzeug.datastructures import MultiDict

from app.cli.reports import install_boards
from app.extensions import db
from app.reports import boards, demo
from app.reports.tables import TABLES
from app.services import definitions
from tests.factories import login, make_user

FORMULA = '=HYPERLINK("x")'
XSS = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'


@pytest.fixture
def seeded(app):
    install_boards()
    demo.generate(400, seed=7)
    return app


@pytest.fixture
def manager(client):
    user = make_user("manager")
    login(client, user)
    return user


def _count(**where) -> int:
    table = TABLES["returns"]
    query = db.select(db.func.count()).select_from(table)
    for name, value in where.items():
        query = query.where(table.c[name] == value)
    return db.session.execute(query).scalar_one()


def test_staff_and_anonymous_cannot_see_boards(client, seeded):
    assert client.get("/dashboards/returns.operations").status_code in (302, 401)
    login(client, make_user("staff"))
    assert client.get("/dashboards/returns.operations").status_code == 403


#: Per board: a widget drilled through every level to the rows and one case.
DRILLED = {"returns.operations": "backlog", "returns.quality": "supplier_defects",
           "returns.finance": "by_currency", "returns.sustainability": "dispositions_monthly"}


@pytest.mark.parametrize("key", list(DRILLED))
def test_each_returns_board_renders_every_widget_and_drills_to_a_case(client, seeded, key):
    login(client, make_user("staff"))
    assert client.get(f"/dashboards/{key}").status_code == 403
    login(client, make_user("manager"))
    base = f"/dashboards/{key}"
    page = client.get(base + "?period_from=2000-01-01")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    _, spec = boards.get_board(key, make_user("admin"))
    for w in spec.widgets:
        assert unescape(w.title) in unescape(html), w.id
    assert "This widget cannot be drawn" not in html
    widget = spec.widget(DRILLED[key])
    filters = boards.read_filters(spec, MultiDict({"period_from": "2000-01-01"}))
    path: list[str] = []
    while widget.level_dimensions(len(path)) is not None:
        frame = boards.run_widget(widget, filters, tuple(path)).frame
        assert not frame.empty, (key, path)
        path.append(str(frame.sort_values(widget.measures[0].id).iloc[-1]["_d0"]))
        level = client.get(f"{base}/widgets/{widget.id}",
                           query_string={"period_from": "2000-01-01", "path": path})
        assert level.status_code == 200, (key, path)
    text = level.get_data(as_text=True)
    total = boards.run_rows(widget, filters, tuple(path)).total
    assert total > 0 and f"{total:,} case" in text
    [case, *_] = re.findall(r'href="(/dashboards/cases/[0-9a-f]{32})"', text)
    assert "DEMO-" in client.get(case).get_data(as_text=True)


def test_shipped_boards_pass_the_designer_check_and_install_never_overwrites(app):
    from app.reports.designer import check_board

    assert sorted(install_boards()) == sorted(DRILLED)
    for key in DRILLED:
        row = definitions.get_newest_version("dashboard", key)
        assert check_board(row.body) == [], key
    mine = {**row.body, "description": "Changed by our operations manager"}
    definitions.save_draft("dashboard", row.key, row.title, mine)
    definitions.publish("dashboard", row.key)
    db.session.commit()
    assert install_boards() == []
    assert definitions.get_newest_version("dashboard", row.key).body == mine


def test_drill_country_reason_sku_rows_case(client, seeded, manager):
    base = "/dashboards/returns.operations/widgets/by_country?period_from=2000-01-01"
    level1 = client.get(base + "&path=DE").get_data(as_text=True)
    assert "Country: DE" in level1 and "by reason" in level1
    reason = db.session.execute(
        db.select(TABLES["returns"].c.reason).where(TABLES["returns"].c.country == "DE").limit(1)
    ).scalar_one()
    level2 = client.get(base + f"&path=DE&path={reason}").get_data(as_text=True)
    assert "by sku" in level2
    sku = db.session.execute(
        db.select(TABLES["returns"].c.sku).where(TABLES["returns"].c.country == "DE",
                                                  TABLES["returns"].c.reason == reason).limit(1)
    ).scalar_one()
    rows = client.get(base + f"&path=DE&path={reason}&path={sku}").get_data(as_text=True)
    expected = _count(country="DE", reason=reason, sku=sku)
    assert f"{expected:,} cases" in rows
    links = re.findall(r'href="(/dashboards/cases/[0-9a-f]{32})"', rows)
    assert len(links) == min(expected, 50)
    case = client.get(links[0])
    assert case.status_code == 200
    assert "DEMO-" in case.get_data(as_text=True)


def test_filters_apply_at_every_level_and_bad_values_are_422(client, seeded, manager):
    base = "/dashboards/returns.operations/widgets/by_country"
    rows = client.get(f"{base}?period_from=2000-01-01&country=FR&path=FR&path=size&path=x")
    assert rows.status_code == 200
    assert "0 cases" in rows.get_data(as_text=True)
    assert client.get(f"{base}?period_from=not-a-date").status_code == 422
    too_deep = "&".join(["path=a"] * 5)
    assert client.get(f"{base}?{too_deep}").status_code == 422
    assert client.get("/dashboards/returns.operations/widgets/nope").status_code == 404
    assert client.get("/dashboards/no.such.board").status_code == 404


def test_sql_in_a_filter_is_just_a_value(client, seeded, manager):
    before = _count()
    evil = "DE' OR '1'='1'; DROP TABLE report_returns; --"
    page = client.get("/dashboards/returns.operations", query_string={
        "period_from": "2000-01-01", "country": evil, "status": "x' OR 1=1 --"})
    assert page.status_code == 200
    assert ">0<" in page.get_data(as_text=True).replace(" ", "")  # nothing matches
    assert _count() == before


def test_exports_neutralise_formulas(client, seeded, manager):
    table = TABLES["returns"]
    first = db.select(db.func.min(table.c.id)).scalar_subquery()
    db.session.execute(table.update().where(table.c.id == first)
                       .values(country="DE", reason=FORMULA, sku="@SUM(1)"))
    db.session.commit()
    url = "/dashboards/returns.operations/widgets/by_country/export.csv?period_from=2000-01-01"
    got = client.get(url + "&path=DE")
    assert got.status_code == 200
    assert got.headers["Content-Disposition"].startswith("attachment;")
    text = got.get_data().decode("utf-8-sig")
    cells = [c for row in csv.reader(io.StringIO(text)) for c in row]
    assert "'=HYPERLINK(\"x\")" in cells
    assert not any(c.startswith(("=", "+", "@")) for c in cells)
    rows = client.get(url.split("?")[0], query_string={
        "period_from": "2000-01-01", "path": ["DE", FORMULA, "@SUM(1)"]})
    cells = [c for row in csv.reader(io.StringIO(rows.get_data().decode("utf-8-sig"))) for c in row]
    assert "'@SUM(1)" in cells and "'=HYPERLINK(\"x\")" in cells
    xlsx = client.get("/dashboards/returns.operations/export.xlsx?period_from=2000-01-01")
    book = load_workbook(io.BytesIO(xlsx.data))
    assert "Returns by country" in book.sheetnames
    widget = client.get(url.replace("csv", "xlsx") + "&path=DE")
    sheet = load_workbook(io.BytesIO(widget.data)).worksheets[0]
    values = [c.value for row in sheet.iter_rows() for c in row]
    assert "'=HYPERLINK(\"x\")" in values
    assert not any(isinstance(v, str) and v.startswith(("=", "+", "@")) for v in values)


def test_titles_are_escaped_and_roles_restrict(client, app, manager):
    widget = {"id": "n", "title": XSS, "dataset": "returns", "chart": "kpi",
              "measures": [{"id": "c", "agg": "count"}]}
    body = {"roles": ["finance"], "widgets": [widget]}
    definitions.save_draft("dashboard", "xss.board", XSS, body)
    definitions.publish("dashboard", "xss.board")
    db.session.commit()
    assert client.get("/dashboards/xss.board").status_code == 403
    assert "xss.board" not in client.get("/dashboards/").get_data(as_text=True)
    login(client, make_user("admin"))
    html = client.get("/dashboards/xss.board").get_data(as_text=True)
    assert XSS not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "xss.board" in client.get("/dashboards/").get_data(as_text=True)


def test_plotly_is_served_locally(client, manager):
    got = client.get("/dashboards/assets/plotly.min.js")
    assert got.status_code == 200 and b"plotly" in got.data[:2000].lower()


def test_a_broken_widget_does_not_break_the_board(client, seeded, manager):
    body = {"widgets": [
        {"id": "ok", "title": "Fine", "dataset": "returns", "chart": "kpi",
         "measures": [{"id": "c", "agg": "count"}]},
        {"id": "bad", "title": "Broken", "dataset": "returns", "chart": "bar",
         "measures": [{"id": "c", "agg": "count"}], "dimensions": [{"field": "no_such_field"}]},
    ]}
    definitions.save_draft("dashboard", "half.broken", "Half broken", body)
    definitions.publish("dashboard", "half.broken")
    db.session.commit()
    page = client.get("/dashboards/half.broken")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "This widget cannot be drawn" in html and "no_such_field" in html


def test_cli_update_rebuild_and_demo_data(runner, app):
    result = runner.invoke(args=["demo-data", "--cases", "120", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "120 cases in" in result.output
    assert _count() == 120
    assert "published" not in runner.invoke(args=["reports", "install-boards"]).output
    assert runner.invoke(args=["reports", "update"]).exit_code == 0
    rebuilt = runner.invoke(args=["reports", "rebuild"])
    assert rebuilt.exit_code == 0 and "returns: 120 case row(s)" in rebuilt.output
    reset = runner.invoke(args=["demo-data", "--cases", "10", "--reset"])
    assert "deleted 120" in reset.output and _count() == 10


def test_number_range_and_text_filters(client, seeded, manager):
    body = {"filters": [
        {"id": "value", "field": "value", "type": "number_range"},
        {"id": "sku", "field": "sku", "type": "text"},
    ], "widgets": [{"id": "n", "title": "N", "dataset": "returns", "chart": "kpi",
                    "measures": [{"id": "c", "agg": "count"}]}]}
    definitions.save_draft("dashboard", "ranges", "Ranges", body)
    definitions.publish("dashboard", "ranges")
    db.session.commit()
    table = TABLES["returns"]
    low, high = 40, 80.5
    expected = db.session.execute(db.select(db.func.count()).select_from(table).where(
        table.c.value >= low, table.c.value <= high, table.c.sku.like("%TS-10%"))).scalar_one()
    assert expected > 0
    html = client.get(f"/dashboards/ranges?value_min={low}&value_max={high}&sku=TS-10")
    assert f'<p class="kpi-value">{expected:,}</p>' in html.get_data(as_text=True)
    percent = client.get("/dashboards/ranges?sku=%25").get_data(as_text=True)
    assert '<p class="kpi-value">0</p>' in percent  # % is a character, not a wildcard
    assert client.get("/dashboards/ranges?value_min=lots").status_code == 422
