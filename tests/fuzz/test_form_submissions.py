"""Hypothesis on form submissions (the every-field form): never a 500, never stored invalid.

Inputs start from a valid submission and have fields dropped, replaced by hostile or
random text, repeated, or joined by fields the form does not have (`role=admin`, deep
line-item indexes). Whatever the form runtime accepts must satisfy the form's own JSON
Schema, before and after the database round trip; whatever it refuses gets field errors.
"""

from __future__ import annotations

import jsonschema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.forms import accept_submission, load_form, save_submission
from app.models import Submission
from tests.app.forms.kit import publish_form, valid_fields
from tests.factories import login, make_user

NASTY = st.sampled_from([
    "", " ", "0", "-1", "1e309", "NaN", "Infinity", "12.345", "99999999999999999999999",
    "true", "false", "null", "[]", "{}", "<script>alert(1)</script>", "=cmd|' /C calc'!A0",
    "\u202egnp.exe", "🙂" * 50, "a" * 5000, "2026-02-30", "DE\x01", "../../etc/passwd",
    "size", "damaged", "EUR", "XXX", "ann@example.com", "@", "SKU-1",
])
VALUES = st.one_of(NASTY, st.text(max_size=40).filter(lambda s: "\x00" not in s))
EXTRA_KEYS = st.sampled_from([
    "role", "is_admin", "total", "refund/amount", "refund/currency", "items/1/qty",
    "items/9999/sku", "items/-1/sku", "address/zip", "photos", "__proto__", "items", "a/b/c",
])


@st.composite
def submissions(draw) -> MultiDict:
    base = list(valid_fields().items(multi=True))
    fields: list[tuple[str, str]] = []
    for key, value in base:
        action = draw(st.sampled_from(["keep", "keep", "drop", "replace", "repeat"]))
        if action == "keep":
            fields.append((key, value))
        elif action == "replace":
            fields.append((key, draw(VALUES)))
        elif action == "repeat":
            fields += [(key, value), (key, draw(VALUES))]
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        fields.append((draw(EXTRA_KEYS), draw(VALUES)))
    return MultiDict(fields)


def fuzz(examples: int) -> settings:
    return settings(max_examples=examples, deadline=None, database=None, derandomize=True,
                    suppress_health_check=list(HealthCheck))


def test_accepted_submissions_satisfy_the_schema_and_are_stored_as_accepted(app):
    publish_form()
    form = load_form("test.every")
    validator = jsonschema.Draft202012Validator(dict(form.schema))
    seen = {"ok": 0, "refused": 0}

    @fuzz(150)
    @given(submissions())
    def submit(fields):
        with app.test_request_context():
            result = accept_submission(form, fields, MultiDict(), locale="en")
        if not result.ok:
            assert result.errors and all(isinstance(m, str) and m for m in result.errors.values())
            seen["refused"] += 1
            return
        seen["ok"] += 1
        assert list(validator.iter_errors(result.data)) == []
        assert not {"role", "is_admin", "__proto__"} & set(result.data)
        row = save_submission(form, result, locale="en", client_token=None)
        db.session.commit()
        stored = db.session.get(Submission, row.id)
        db.session.refresh(stored)
        assert stored.data == result.data
        assert list(validator.iter_errors(stored.data)) == []

    submit()
    assert seen["ok"] and seen["refused"], seen  # both outcomes were exercised


def test_posting_fuzzed_submissions_never_gets_a_server_error(client):
    publish_form()
    login(client, make_user("builder"))
    page = client.get("/builder/forms/test.every/preview").get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]

    @fuzz(40)
    @given(submissions())
    def post(fields):
        fields.add("csrf_token", token)
        response = client.post("/builder/forms/test.every/preview", data=fields)
        assert response.status_code in (200, 422), response.get_data(as_text=True)[:300]

    post()
