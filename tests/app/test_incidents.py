"""Failed work becomes a visible incident with a retry button (CHECKLIST 8, 10)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.extensions import db
from app.jobs import enqueue, get_dispatcher
from app.jobs.dispatcher import JobFailure
from app.models import AuditEntry, Incident
from app.services import incidents
from runtime.exceptions import Conflict
from tests.app.jobs import sample_jobs
from tests.factories import csrf_token, login, make_user


@pytest.fixture
def app_overrides():
    return {"JOBS_IMPORTS": [sample_jobs.MODULE]}


def _fail_once(marker: str) -> Incident:
    enqueue("test.fail", marker)
    db.session.commit()
    assert get_dispatcher().wait_idle(10)
    db.session.expire_all()
    return db.session.scalar(db.select(Incident))


def test_a_failing_job_opens_one_incident_and_counts_attempts(app):
    first = _fail_once("m1")
    assert (first.kind, first.status, first.attempts) == ("job_failed", "open", 1)
    assert "RuntimeError: test.fail m1" in first.message
    assert first.details == {"job": "test.fail", "args": ["m1"]}
    _fail_once("m1")
    rows = db.session.scalars(db.select(Incident)).all()
    assert len(rows) == 1
    assert rows[0].attempts == 2


def test_retry_re_issues_the_job_and_resolves_the_incident(app):
    incident = _fail_once("m2")
    incidents.retry(incident.id)
    db.session.commit()
    assert get_dispatcher().wait_idle(10)
    db.session.expire_all()
    rows = db.session.scalars(db.select(Incident).order_by(Incident.id)).all()
    assert rows[0].status == "resolved"
    # The job failed again, so a fresh incident is open: nothing is silently lost.
    assert [r.status for r in rows] == ["resolved", "open"]
    with pytest.raises(Conflict):
        incidents.retry(incident.id)


def test_queue_failures_never_reported_by_the_job_become_incidents(app):
    abandoned = JobFailure("test.record", ("parcel-9",), "job abandoned: worker died",
                           datetime.now(UTC), None)
    assert incidents.record_queue_failures([abandoned]) == 1
    assert incidents.record_queue_failures([abandoned]) == 0
    row = db.session.scalar(db.select(Incident))
    assert "worker died" in row.message
    incidents.retry(row.id)
    db.session.commit()
    assert get_dispatcher().wait_idle(10)
    marker = db.session.scalar(db.select(AuditEntry.target_id).where(
        AuditEntry.action == "test.record"))
    assert marker == "parcel-9"


def test_admin_sees_incidents_and_retries_with_csrf(client):
    incident = _fail_once("m3")
    login(client, make_user("admin"))
    page = client.get("/admin/incidents")
    assert page.status_code == 200
    assert b"test.fail m3" in page.data
    url = f"/admin/incidents/{incident.id}/retry"
    assert client.post(url).status_code == 400  # no CSRF token
    response = client.post(url, data={"csrf_token": csrf_token(client, "/admin/incidents")})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Incident, incident.id).status == "resolved"
    again = client.post(url, data={"csrf_token": csrf_token(client, "/admin/incidents")})
    assert again.status_code == 409


def test_staff_cannot_see_or_retry_incidents(client):
    incident = _fail_once("m4")
    login(client, make_user("staff"))
    assert client.get("/admin/incidents").status_code == 403
    token = csrf_token(client, "/inbox/")
    assert client.post(f"/admin/incidents/{incident.id}/retry",
                       data={"csrf_token": token}).status_code == 403
