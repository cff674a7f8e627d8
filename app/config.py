"""Settings: defaults, then `instance/config.py`, then the environment, then test overrides.

Every setting is documented in README.md ("Settings"). Plain names that deployment
tools already use (`DATABASE_URL`, `REDIS_URL`, `SECRET_KEY`) are read as well as their
`FORMLOOM_`-prefixed forms; the prefixed form wins when both are set.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask

#: Values that must never sign sessions in production (they appear in docs and examples).
KNOWN_DEFAULT_SECRETS = frozenset({"", "dev", "change-me", "changeme", "secret", "development"})
MIN_SECRET_KEY_LENGTH = 32
PLAIN_ENV_NAMES = ("SECRET_KEY", "DATABASE_URL", "REDIS_URL")


class ConfigError(RuntimeError):
    """The app refuses to start: a setting is missing or unsafe for this mode."""


class DefaultConfig:
    ENV_MODE = "development"  # FORMLOOM_ENV: development | production | testing
    SECRET_KEY: str | None = None
    DATABASE_URL: str | None = None  # default: sqlite file instance/formloom.db
    REDIS_URL: str | None = None  # set => jobs go through RQ on Redis
    JOBS_BACKEND: str | None = None  # "inprocess" | "rq"; default follows REDIS_URL
    RQ_QUEUE = "formloom"
    TIMER_SWEEP_SECONDS = 5.0
    JOBS_INPROCESS_TIMER_THREAD = True  # embedded mode: a thread fires due timers
    JOBS_IMPORTS: list[str] | str = []  # extra modules that register jobs / timer handlers
    RQ_JOB_TIMEOUT = 300  # seconds before RQ abandons a running job
    OUTBOX_REDELIVER_SECONDS = 300  # an outbox row still pending this long is sent again
    ENCRYPTION_KEYS: str | None = None  # comma-separated Fernet keys, newest first
    #: Hosts/CIDRs connectors may reach although private or loopback (SSRF guard).
    CONNECTOR_ALLOWLIST: list[str] | str = []
    #: Sandbox simulators under /sandbox/... (None: on in development/testing, off in production).
    SANDBOX_ENABLED: bool | None = None
    SANDBOX_SECRET: str | None = None  # derives the sandbox API keys; default: from SECRET_KEY
    SANDBOX_WEBHOOK_SECRET: str | None = None  # signs sandbox webhooks; default: derived
    SANDBOX_CALLBACK_BASE_URL: str | None = None  # where sandbox webhooks go; PUBLIC_BASE_URL
    SANDBOX_CONNECTOR_KEYS: dict[str, str] = {}  # system -> connector key in /hooks/<key>/...
    PUBLIC_BASE_URL = "http://127.0.0.1:5000"  # host for links in e-mails, never the request's
    MAIL_BACKEND: str | None = None  # "smtp" | "file"; default: smtp when MAIL_SERVER is set
    MAIL_SERVER: str | None = None
    MAIL_PORT = 25
    MAIL_USE_TLS = False  # STARTTLS after connecting
    MAIL_USE_SSL = False  # TLS from the first byte (port 465)
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_FROM = "Formloom <no-reply@formloom.invalid>"
    MAIL_TIMEOUT = 10  # seconds for the SMTP connection and each command
    MAIL_FILE_DIR: str | None = None  # file backend: default <instance>/mail
    SESSION_HOURS = 12
    PASSWORD_RESET_MINUTES = 60  # how long a password-reset link works
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    WTF_CSRF_CHECK_DEFAULT = False  # app/security.py protects every unsafe method itself
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    MAX_CONTENT_LENGTH = 64 * 1024 * 1024
    UPLOAD_FOLDER: str | None = None  # default: <instance>/uploads, outside the web root
    UPLOAD_MAX_MB = 10.0  # per file, unless a form's widget says less or more
    UPLOAD_MAX_FILES = 5  # per file field, unless the widget says otherwise
    #: No `pool_pre_ping`: on PostgreSQL the checkout's BEGIN checks the connection
    #: (app/extensions.py `_begin_on_checkout`), one round trip fewer per transaction.
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {}
    JSON_SORT_KEYS = False


def load_config(app: Flask, test_config: dict[str, Any] | None) -> None:
    """Fill `app.config` in precedence order and check it is safe for the chosen mode."""
    app.config.from_object(DefaultConfig)
    app.config.from_pyfile("config.py", silent=True)
    for name in PLAIN_ENV_NAMES:
        if os.environ.get(name):
            app.config[name] = os.environ[name]
    app.config.from_prefixed_env("FORMLOOM")
    if "ENV" in app.config and isinstance(app.config["ENV"], str):
        app.config["ENV_MODE"] = app.config.pop("ENV")
    if test_config:
        app.config.update(test_config)
        if "ENV_MODE" not in test_config:
            app.config["ENV_MODE"] = "testing"
    _finish(app)


def _finish(app: Flask) -> None:
    mode = app.config["ENV_MODE"]
    if mode not in {"development", "production", "testing"}:
        raise ConfigError(f"FORMLOOM_ENV must be development, production or testing, not {mode!r}")
    if mode == "production":
        check_production_secret(app.config.get("SECRET_KEY"))
        if not app.config.get("ENCRYPTION_KEYS"):
            raise ConfigError("FORMLOOM_ENCRYPTION_KEYS must be set in production")
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
    else:
        app.config["SECRET_KEY"] = app.config.get("SECRET_KEY") or _instance_secret(
            app, "secret_key", lambda: secrets.token_urlsafe(48)
        )
        app.config["ENCRYPTION_KEYS"] = app.config.get("ENCRYPTION_KEYS") or _instance_secret(
            app, "encryption_key", _new_fernet_key
        )
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(
        app.config.get("DATABASE_URL")
        or f"sqlite:///{Path(app.instance_path) / 'formloom.db'}"
    )
    app.config["JOBS_BACKEND"] = app.config.get("JOBS_BACKEND") or (
        "rq" if app.config.get("REDIS_URL") else "inprocess"
    )
    if app.config["JOBS_BACKEND"] == "rq" and not app.config.get("REDIS_URL"):
        raise ConfigError("JOBS_BACKEND=rq needs REDIS_URL")
    from datetime import timedelta

    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=float(app.config["SESSION_HOURS"]))


def check_production_secret(key: object) -> None:
    if not isinstance(key, str) or not key.strip():
        raise ConfigError("SECRET_KEY is missing; production refuses to start without one")
    if key.strip().lower() in KNOWN_DEFAULT_SECRETS:
        raise ConfigError("SECRET_KEY is a well-known default; set a random one")
    if len(key) < MIN_SECRET_KEY_LENGTH:
        raise ConfigError(
            f"SECRET_KEY is shorter than {MIN_SECRET_KEY_LENGTH} characters; "
            'generate one with: python -c "import secrets; print(secrets.token_urlsafe(48))"'
        )


def normalise_database_url(url: str) -> str:
    """Accept the `postgres://` and `postgresql://` forms and use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _instance_secret(app: Flask, name: str, make: Any) -> str:
    """A per-installation secret kept in instance/, so development sessions survive restarts."""
    path = Path(app.instance_path) / name
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = make()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(value)
    return value


def _new_fernet_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()
