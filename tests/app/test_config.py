"""Settings: precedence, and production's refusal of unsafe secrets (CHECKLIST 21)."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from app import create_app
from app.config import ConfigError, normalise_database_url

STRONG = "k" * 20 + "Q7xv-3Lm9Zp2Ws8Rt5Yb"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch, tmp_path):
    for name in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(f"FORMLOOM_{name}", raising=False)
    monkeypatch.delenv("FORMLOOM_ENV", raising=False)
    monkeypatch.setenv("FORMLOOM_INSTANCE_PATH", str(tmp_path / "instance"))


def _production(monkeypatch, secret):
    monkeypatch.setenv("FORMLOOM_ENV", "production")
    monkeypatch.setenv("FORMLOOM_ENCRYPTION_KEYS", Fernet.generate_key().decode())
    monkeypatch.setenv("DATABASE_URL", "sqlite:///:memory:")
    if secret is not None:
        monkeypatch.setenv("SECRET_KEY", secret)


@pytest.mark.parametrize(
    ("secret", "message"),
    [
        (None, "missing"),
        ("", "missing"),
        ("change-me", "well-known default"),
        ("dev", "well-known default"),
        ("short-but-random-1234", "shorter than 32"),
    ],
)
def test_production_refuses_missing_default_or_short_secret(monkeypatch, secret, message):
    _production(monkeypatch, secret)
    with pytest.raises(ConfigError, match=message):
        create_app()


def test_production_starts_with_a_strong_secret_and_secure_cookies(monkeypatch):
    _production(monkeypatch, STRONG)
    app = create_app()
    assert app.config["ENV_MODE"] == "production"
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SECRET_KEY"] == STRONG


def test_production_needs_encryption_keys(monkeypatch):
    _production(monkeypatch, STRONG)
    monkeypatch.delenv("FORMLOOM_ENCRYPTION_KEYS")
    with pytest.raises(ConfigError, match="ENCRYPTION_KEYS"):
        create_app()


def test_prefixed_setting_wins_over_plain_name(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite:///plain.db")
    monkeypatch.setenv("FORMLOOM_DATABASE_URL", '"sqlite:///prefixed.db"')
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///prefixed.db"


def test_development_keeps_its_generated_secret_across_restarts(tmp_path):
    first = create_app()
    second = create_app()
    assert len(first.config["SECRET_KEY"]) >= 32
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert (tmp_path / "instance" / "secret_key").stat().st_mode & 0o077 == 0


def test_instance_config_file_is_read(tmp_path):
    (tmp_path / "instance").mkdir()
    (tmp_path / "instance" / "config.py").write_text("PUBLIC_BASE_URL = 'https://returns.example'\n")
    assert create_app().config["PUBLIC_BASE_URL"] == "https://returns.example"


def test_redis_url_selects_the_rq_backend(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    assert create_app().config["JOBS_BACKEND"] == "rq"
    monkeypatch.delenv("REDIS_URL")
    assert create_app().config["JOBS_BACKEND"] == "inprocess"


def test_rq_backend_without_redis_is_refused(monkeypatch):
    monkeypatch.setenv("FORMLOOM_JOBS_BACKEND", '"rq"')
    with pytest.raises(ConfigError, match="REDIS_URL"):
        create_app()


def test_unknown_mode_is_refused(monkeypatch):
    monkeypatch.setenv("FORMLOOM_ENV", "staging")
    with pytest.raises(ConfigError, match="FORMLOOM_ENV"):
        create_app()


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_database_url_uses_psycopg3(given, expected):
    assert normalise_database_url(given) == expected
