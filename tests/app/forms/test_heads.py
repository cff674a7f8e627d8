"""Which form version is newest is kept a moment, and a publish is seen when it must be.

Not about database differences: SQLite only.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event, update

from app.extensions import db
from app.forms import heads, load_form
from app.models import Definition
from runtime.exceptions import NotFound
from tests.app.forms.kit import publish_form

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def statements_during(action):
    seen = []

    def count(*_args):
        seen.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        result = action()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return result, len(seen)


def test_a_kept_head_costs_no_query_and_a_publish_here_is_seen_at_once(app):
    publish_form()
    assert load_form("test.every").version == 1
    form, queries = statements_during(lambda: load_form("test.every"))
    assert (form.version, queries) == (1, 0)
    load_form("test.every", 1)  # an exact frozen version: asked once, then kept for good
    exact, queries = statements_during(lambda: load_form("test.every", 1))
    assert (exact is form, queries) == (True, 0)
    publish_form(title="Every field, v2")  # committed here: every kept head is forgotten
    assert load_form("test.every").version == 2


def test_another_process_publish_is_seen_within_the_window(app, monkeypatch):
    publish_form()
    assert load_form("test.every").version == 1
    with db.engine.begin() as conn:  # what another worker's commit looks like from here
        conn.execute(update(Definition).where(Definition.key == "test.every")
                     .values(status="archived"))
    assert load_form("test.every").version == 1  # still inside the window
    later = heads.time.monotonic() + heads.DEFAULT_SECONDS + 0.1
    monkeypatch.setattr(heads.time, "monotonic", lambda: later)
    with pytest.raises(NotFound):
        load_form("test.every")


def test_a_zero_window_asks_every_time(app):
    app.config["DEFINITION_HEAD_SECONDS"] = 0
    publish_form()
    load_form("test.every")
    _, queries = statements_during(lambda: load_form("test.every"))
    assert queries == 1
