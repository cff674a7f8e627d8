"""The two WSGI apps `bench/forms.py` puts under gunicorn with the same settings.

* `formloom()`: the real Formloom app plus one bench route, `POST /bench/submit`, that
  does what a customer's submit does: parse the multipart body, validate the form
  (rules, computed total), start the flow and store the Submission, in one transaction.
  `GET /bench/token` hands a client its session cookie and CSRF token, because the
  submit goes through the app's normal CSRF check.
* `bare()`: a plain Flask app whose `POST /bare` inserts one row with SQLAlchemy Core.

Both read the database URL from `FORMLOOM_BENCH_DB`.
"""

from __future__ import annotations

import os
from typing import Any

FORM_KEY = "bench.every"
FLOW_KEY = "bench.flow"


def formloom() -> Any:
    from flask import Blueprint, jsonify, request
    from flask_wtf.csrf import generate_csrf

    from app import create_app
    from app.extensions import db
    from app.flows import service
    from app.forms import accept_submission, load_form, save_submission
    from app.models import FlowInstance
    from app.security import public

    bp = Blueprint("bench_forms", __name__)

    @bp.get("/bench/token")
    @public
    def token() -> Any:
        return jsonify(csrf=generate_csrf())

    @bp.post("/bench/submit")
    @public
    def submit() -> Any:
        form = load_form(FORM_KEY)
        result = accept_submission(form, request.form, request.files, locale="en")
        if not result.ok:
            return jsonify(errors=result.errors), 422
        instance = service.start(FLOW_KEY, {"request": result.data})
        submission = save_submission(
            form, result, locale="en", client_token=request.form.get("client_token"),
            instance=instance,
        )
        if submission.instance_id != instance.id:  # a replayed token: the first case wins
            db.session.rollback()
            return jsonify(case=db.session.get(FlowInstance, submission.instance_id).public_id)
        case = instance.public_id
        db.session.commit()
        return jsonify(case=case), 201

    app = create_app(
        {
            "DATABASE_URL": os.environ["FORMLOOM_BENCH_DB"],
            "SECRET_KEY": os.environ["FORMLOOM_BENCH_SECRET"],
            "ENCRYPTION_KEYS": os.environ["FORMLOOM_BENCH_FERNET"],
            "ENV_MODE": "testing",
            "JOBS_BACKEND": "inprocess",
            "JOBS_INPROCESS_TIMER_THREAD": False,
            "REDIS_URL": None,
            "UPLOAD_FOLDER": os.environ["FORMLOOM_BENCH_UPLOADS"],
            "RATELIMIT_ENABLED": False,
        }
    )
    # Registered after the factory's start-up check; the routes still declare @public,
    # and the app's access gate and CSRF check run for them like for any other route.
    app.register_blueprint(bp)
    return app


def bare() -> Any:
    import sqlalchemy as sa
    from flask import Flask, jsonify, request

    engine = sa.create_engine(os.environ["FORMLOOM_BENCH_DB"], pool_pre_ping=True)
    table = sa.Table(
        "bench_bare_rows", sa.MetaData(),
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("payload", sa.Text, nullable=False),
    )
    app = Flask("bare")

    @app.post("/bare")
    def insert() -> Any:
        with engine.begin() as conn:
            conn.execute(table.insert().values(payload=request.form.get("name", "")))
        return jsonify(ok=True), 201

    return app
