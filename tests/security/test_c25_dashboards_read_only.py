"""CHECKLIST 25: dashboard filters are bound parameters, and no widget can change data.

Every statement a manager's dashboard requests send to the database is recorded (the
request runs in the test's thread; background jobs such as the projector are left out)
while boards, every widget, drill levels, rows and exports are opened with hostile
filter values: all of them must be reads, the hostile text must reach the database only
as a bound parameter, and every table keeps its rows. A widget definition that names
SQL instead of a field is refused when it is saved.
"""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from app.cli.reports import install_boards
from app.extensions import db
from app.jobs import get_dispatcher
from app.reports import boards, demo
from app.services import definitions
from runtime.exceptions import DefinitionInvalid
from tests.factories import login, make_user

EVIL = "DE' OR '1'='1'; DELETE FROM users; --"
#: Written by the projector job a board opening enqueues (it runs apart from the request).
PROJECTOR_BOOKKEEPING = {"report_cursors"}
READS = ("SELECT", "WITH", "PRAGMA", "SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT")


@pytest.fixture
def statements(app):
    seen: list[tuple[str, object]] = []
    me = threading.get_ident()

    def record(conn, cursor, statement, parameters, context, executemany):
        if threading.get_ident() == me:
            seen.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", record)
    yield seen
    sa.event.remove(db.engine, "before_cursor_execute", record)


def row_counts() -> dict[str, int]:
    counts = {}
    for table in db.metadata.sorted_tables:
        if table.name in PROJECTOR_BOOKKEEPING:
            continue
        counts[table.name] = db.session.execute(
            sa.select(sa.func.count()).select_from(table)).scalar_one()
    return counts


def test_c25_opening_every_widget_with_hostile_filters_only_reads(client, app, statements):
    install_boards()
    demo.generate(120, seed=3)
    login(client, make_user("manager"))
    _row, spec = boards.get_board("returns.operations", make_user("admin"))
    widget_ids = [w.id for w in spec.widgets]
    db.session.commit()
    before = row_counts()
    statements.clear()
    hostile = {"period_from": "2000-01-01", "country": EVIL, "category": EVIL, "status": EVIL}
    board = "/dashboards/returns.operations"
    urls = [board, f"{board}/export.xlsx"]
    for widget in widget_ids:
        base = f"{board}/widgets/{widget}"
        urls += [base, f"{base}/export.csv"]
    for url in urls:
        response = client.get(url, query_string=hostile)
        assert response.status_code == 200, url
    drill = client.get(f"{board}/widgets/by_country",
                       query_string={"period_from": "2000-01-01", "path": [EVIL, EVIL]})
    assert drill.status_code in (200, 422)

    assert statements, "no statement was recorded"
    writes = [s for s, _ in statements if not s.lstrip().upper().startswith(READS)]
    assert writes == []
    assert not any(EVIL in s for s, _ in statements)  # only ever a bound parameter
    assert any(EVIL in str(p) for _, p in statements)
    assert get_dispatcher().wait_idle(20)
    db.session.expire_all()
    assert row_counts() == before


def widget_body(field: str) -> dict:
    return {"roles": ["manager"], "widgets": [{
        "id": "w", "title": "W", "dataset": "returns", "chart": "bar",
        "measures": [{"id": "m", "agg": "sum", "field": field}], "dimensions": [{"field": field}]}]}


@pytest.mark.parametrize("field", ["country; DROP TABLE users", "id) OR (1=1"])
def test_c25_widgets_naming_sql_instead_of_a_field_are_refused_on_save(app, field):
    with pytest.raises(DefinitionInvalid) as caught:
        definitions.save_draft("dashboard", "evil.board", "Evil", widget_body(field))
    assert {e.pointer for e in caught.value.errors} == {
        "/body/widgets/0/dimensions/0/field", "/body/widgets/0/measures/0/field"}


def test_c25_a_widget_naming_another_tables_column_reads_nothing_from_it(client, app):
    install_boards()
    demo.generate(20, seed=5)
    definitions.save_draft("dashboard", "evil.board", "Evil", widget_body("users.password_hash"))
    definitions.publish("dashboard", "evil.board")
    db.session.commit()
    login(client, make_user("manager"))
    page = client.get("/dashboards/evil.board", query_string={"period_from": "2000-01-01"})
    assert page.status_code < 500
    html = page.get_data(as_text=True)
    assert "scrypt:" not in html and "pbkdf2:" not in html  # no password hash leaked
