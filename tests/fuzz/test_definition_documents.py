"""Hypothesis on definition documents: the checker, the linter and publishing never crash,
and every invalid document is refused with JSON pointers that name a place in it."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings

from builder.definitions import check_document
from builder.lint import LintIssue, lint_flow_body
from tests.factories import make_api_token, make_user
from tests.fuzz.documents import documents, resolves

BOUNDED = settings(max_examples=200, deadline=None, database=None, derandomize=True,
                   suppress_health_check=list(HealthCheck))


@BOUNDED
@given(documents())
def test_the_checker_never_crashes_and_points_into_the_document(document):
    kind, body = document
    errors = check_document(kind, "fuzz.doc", "Fuzzed", body)
    envelope = {"kind": kind, "key": "fuzz.doc", "title": "Fuzzed", "schema_version": 1,
                "body": body}
    for error in errors:
        assert isinstance(error.reason, str) and error.reason
        assert resolves(envelope, error.pointer), (error.pointer, error.reason)
    if kind == "flow" and not errors:
        issues = lint_flow_body(body)
        assert all(isinstance(i, LintIssue) for i in issues)


def test_saving_and_publishing_fuzzed_documents_answers_2xx_or_4xx(client):
    """Through the API on both databases: never a 500; a refusal lists pointers."""
    auth = {"Authorization": f"Bearer {make_api_token(make_user('builder'))}"}
    outcomes: dict[int, int] = {}

    @settings(max_examples=60, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(documents())
    def save_and_publish(document):
        kind, body = document
        url = f"/api/v1/definitions/{kind}/fuzz.doc"
        saved = client.put(f"{url}/draft", json={"title": "Fuzzed", "body": body}, headers=auth)
        outcomes[saved.status_code] = outcomes.get(saved.status_code, 0) + 1
        if "\\u0000" in json.dumps(body):  # no database text holds NUL: refused up front
            assert saved.status_code == 400 and "NUL" in saved.get_json()["error"]["message"]
            return
        assert saved.status_code in (200, 422), saved.get_data(as_text=True)[:500]
        if saved.status_code == 422:
            details = saved.get_json()["error"]["details"]
            assert details and all(d["pointer"].startswith("/") or d["pointer"] == ""
                                   for d in details)
            return
        published = client.post(f"{url}/publish", headers=auth)
        assert published.status_code in (200, 409, 422), published.get_data(as_text=True)[:500]

    save_and_publish()
    assert outcomes.get(200) and outcomes.get(422), outcomes  # both paths were exercised
