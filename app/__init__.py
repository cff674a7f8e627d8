"""Formloom's Flask application: `create_app(test_config=None)` builds one."""

from __future__ import annotations

import logging
import os
from typing import Any

from flask import Flask


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app; each module registers itself with `init_app` (STYLE §1).

    Args:
        test_config: settings applied last, used by tests instead of the environment.
    """
    instance_path = (test_config or {}).get("INSTANCE_PATH") or os.environ.get(
        "FORMLOOM_INSTANCE_PATH"
    )
    app = Flask(__name__, instance_relative_config=True, instance_path=instance_path)
    from app.config import load_config

    load_config(app, test_config)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)

    from app import errors, security
    from app.extensions import db

    db.init_app(app)
    from app import models  # noqa: F401  (registers tables)

    security.init_app(app)
    errors.init_app(app)

    from app import cli, flows, headers, jobs, mail, ratelimit
    from app.web import register_blueprints

    jobs.init_app(app)
    mail.init_app(app)
    ratelimit.init_app(app)
    flows.init_app(app)
    from app import notifications

    notifications.init_app(app)
    headers.init_app(app)
    register_blueprints(app)
    from app import sandbox

    sandbox.init_app(app)
    cli.init_app(app)

    security.check_every_route_declares_access(app)
    return app
