"""Schemathesis against `/api/v1/openapi.json`: generated calls never get a server error.

Runs through the WSGI app (no server, no network) as an admin with an API token, in
both modes: *positive* (valid by the schema: exercises the real work) and *negative*
(invalid bodies, parameters and types: exercises the 4xx answers). Bounded by
`MAX_EXAMPLES` per mode so it stays well under a minute per database.
"""

from __future__ import annotations

import pytest
import schemathesis
from flask.globals import _cv_app
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode

from tests.factories import make_api_token, make_user

MAX_EXAMPLES = 150
KEY = "fuzz.review"


def seed_definitions() -> None:
    """A published flow (version 1) and a newer draft, so generated calls can find rows."""
    from app.extensions import db
    from app.services import definitions
    from builder.definitions import starter_body

    body = starter_body("flow")
    definitions.save_draft("flow", KEY, "Fuzzed review", body)
    definitions.publish("flow", KEY)
    definitions.save_draft("flow", KEY, "Fuzzed review v2", body)
    db.session.commit()


def isolated(app):
    """Each call in a fresh app context, as in production (see tests.conftest)."""

    def wsgi(environ, start_response):
        token = _cv_app.set(None)
        try:
            return list(app(environ, start_response))
        finally:
            _cv_app.reset(token)

    return wsgi


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_fuzzed_api_calls_never_get_a_server_error(app, mode):
    from app.extensions import db

    token = make_api_token(make_user("admin"))
    seed_definitions()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", isolated(app))
    headers = {"Authorization": f"Bearer {token}"}
    seen: dict[str, int] = {}

    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(case=st.one_of(
        schema.as_strategy(generation_mode=mode),
        schema.as_strategy(generation_mode=mode, path_parameters={"key": KEY, "kind": "flow"}),
    ))
    def call(case):
        response = case.call_and_validate(headers=headers, checks=[not_a_server_error])
        key = f"{case.method} {case.path} {response.status_code}"
        seen[key] = seen.get(key, 0) + 1

    call()
    db.session.rollback()
    operations = {key.rsplit(" ", 1)[0] for key in seen}
    assert len(operations) >= 5, seen  # the run reached many operations, not one
