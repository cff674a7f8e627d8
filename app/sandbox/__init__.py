"""The sandbox simulators served by the app under `/sandbox/<system>/...` (DESIGN §8).

On by default in development and testing, off in production (`SANDBOX_ENABLED`); when
off, no sandbox route exists at all. In development the host of `PUBLIC_BASE_URL`
(127.0.0.1 by default) is added to `CONNECTOR_ALLOWLIST`, so the preset connectors may
call this very app although it is on a loopback address; production never gets that.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlsplit

from flask import Flask, current_app

from connectors.sandbox import SandboxSettings, webhook_secret


def init_app(app: Flask) -> None:
    from app.sandbox.cli import command

    app.cli.add_command(command)
    mode = app.config["ENV_MODE"]
    enabled = app.config.get("SANDBOX_ENABLED")
    app.config["SANDBOX_ENABLED"] = (mode != "production") if enabled is None else bool(enabled)
    if not app.config["SANDBOX_ENABLED"]:
        return
    if mode == "development":
        _allowlist_own_host(app)
    from app.sandbox.control import bp as control_bp
    from app.sandbox.views import bp

    app.register_blueprint(bp)
    app.register_blueprint(control_bp)


def _allowlist_own_host(app: Flask) -> None:
    host = urlsplit(app.config["PUBLIC_BASE_URL"])
    value = app.config.get("CONNECTOR_ALLOWLIST") or []
    items = [v.strip() for v in value.split(",")] if isinstance(value, str) else list(value)
    if host.hostname and host.hostname not in items:
        app.config["CONNECTOR_ALLOWLIST"] = [*items, host.hostname]


def root_secret() -> str:
    """The sandbox's own secret: set it, or it is derived from SECRET_KEY (never equal)."""
    configured = current_app.config.get("SANDBOX_SECRET")
    if configured:
        return str(configured)
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, b"formloom-sandbox", hashlib.sha256).hexdigest()


def base_url() -> str:
    """Where this app is reached (`PUBLIC_BASE_URL`): the installed connectors call it."""
    return str(current_app.config["PUBLIC_BASE_URL"]).rstrip("/")


def callback_base_url() -> str:
    """Where the simulators post their webhooks: this app unless configured otherwise."""
    return str(current_app.config.get("SANDBOX_CALLBACK_BASE_URL") or base_url()).rstrip("/")


def settings() -> SandboxSettings:
    root = root_secret()
    return SandboxSettings(
        root_secret=root,
        webhook_secret=current_app.config.get("SANDBOX_WEBHOOK_SECRET") or webhook_secret(root),
        callback_base_url=callback_base_url(),
        connector_keys=dict(current_app.config.get("SANDBOX_CONNECTOR_KEYS") or {}),
    )
