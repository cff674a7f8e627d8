"""Liveness and readiness, including Redis's eviction policy (CHECKLIST 5)."""

from __future__ import annotations

import pytest
import redis

from tests.conftest import make_test_config


def test_healthz_is_public_and_cheap(client):
    assert client.get("/healthz").json == {"status": "ok"}


def test_readyz_green_on_the_embedded_default(client):
    body = client.get("/readyz").json
    assert body["status"] == "ok"
    assert body["checks"]["database"] == {"ok": True}


@pytest.fixture
def redis_app(database_url, tmp_path, redis_url):
    from app import create_app

    config = make_test_config(database_url, tmp_path, REDIS_URL=redis_url, JOBS_BACKEND="rq",
                              INSTANCE_PATH=str(tmp_path / "instance"))
    application = create_app(config)
    yield application
    from app.extensions import db

    with application.app_context():
        for engine in db.engines.values():
            engine.dispose()


def test_readyz_checks_redis_and_its_eviction_policy(redis_app, redis_url):
    client = redis_app.test_client()
    body = client.get("/readyz").json
    assert body["checks"]["redis"] == {"ok": True, "maxmemory_policy": "noeviction"}
    server = redis.Redis.from_url(redis_url)
    original = server.config_get("maxmemory-policy")["maxmemory-policy"]
    try:
        server.config_set("maxmemory-policy", "allkeys-lru")
        response = client.get("/readyz")
        assert response.status_code == 503
        assert "allkeys-lru" in response.json["checks"]["redis"]["reason"]
    finally:
        server.config_set("maxmemory-policy", original)
    assert client.get("/readyz").status_code == 200


def test_readyz_red_when_redis_is_unreachable(database_url, tmp_path):
    from app import create_app

    config = make_test_config(database_url, tmp_path, REDIS_URL="redis://127.0.0.1:1/0",
                              JOBS_BACKEND="rq", INSTANCE_PATH=str(tmp_path / "instance"))
    response = create_app(config).test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["redis"]["reason"].startswith("redis unreachable")


def test_readyz_red_when_the_database_is_unreachable(tmp_path):
    from app import create_app

    config = make_test_config("postgresql+psycopg://nobody@127.0.0.1:1/none", tmp_path,
                              INSTANCE_PATH=str(tmp_path / "instance"),
                              SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"connect_timeout": 2}})
    response = create_app(config).test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["database"]["ok"] is False
