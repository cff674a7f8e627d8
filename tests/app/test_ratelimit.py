"""The rate limiter: fixed and sliding windows, database and Redis counters, a 429 page."""

from __future__ import annotations

import pytest
from flask import Blueprint

from app.extensions import db
from app.ratelimit import Limit, RateLimited, RedisStore, check, hit
from app.security import public

T0 = 1_000_000_200.0  # the start of a 100-second window (and of a 60-second one)


def test_fixed_window_allows_n_then_refuses_until_the_window_ends(app):
    limit = Limit("t.fixed", hits=3, per_seconds=100, sliding=False)
    assert [hit(limit, "1.2.3.4", now=T0 + i).allowed for i in range(4)] == [
        True, True, True, False]
    refused = hit(limit, "1.2.3.4", now=T0 + 40)
    assert not refused.allowed and refused.retry_after == 60
    assert hit(limit, "5.6.7.8", now=T0 + 40).allowed, "another subject has its own count"
    assert hit(limit, "1.2.3.4", now=T0 + 100).allowed, "a new window starts afresh"


def test_sliding_window_weights_the_previous_window(app):
    limit = Limit("t.sliding", hits=4, per_seconds=100)
    for i in range(4):
        assert hit(limit, "s", now=T0 + 90 + i * 0.1).allowed
    # 10 s into the next window, 90% of the previous window's 4 hits still count: 3.6 + 1
    decision = hit(limit, "s", now=T0 + 110)
    assert not decision.allowed
    # need 4 * (1 - f) + 1 + 1 <= 4  =>  f >= 0.5: 40 s from now
    assert decision.retry_after == 40
    assert hit(limit, "s", now=T0 + 160).allowed


def test_check_raises_rate_limited_with_retry_after(app):
    limit = Limit("t.check", hits=1, per_seconds=60, sliding=False)
    check(limit, "x", now=T0)
    with pytest.raises(RateLimited) as caught:
        check(limit, "x", now=T0 + 15)
    assert caught.value.retry_after_seconds == 45


def test_counters_are_shared_between_app_instances(app, app_config, tmp_path):
    """Two gunicorn workers are two apps on one database: they must share counts."""
    from app import create_app

    other = create_app({**app_config, "INSTANCE_PATH": str(tmp_path / "w2")})
    limit = Limit("t.shared", hits=2, per_seconds=100, sliding=False)
    assert hit(limit, "ip", now=T0).allowed
    with other.app_context():
        assert hit(limit, "ip", now=T0 + 1).allowed
        assert not hit(limit, "ip", now=T0 + 2).allowed
        db.session.remove()
    assert not hit(limit, "ip", now=T0 + 3).allowed


def test_counts_survive_a_rolled_back_request(app):
    limit = Limit("t.rollback", hits=1, per_seconds=100, sliding=False)
    hit(limit, "ip", now=T0)
    db.session.rollback()
    assert not hit(limit, "ip", now=T0 + 1).allowed


def test_subjects_are_stored_hashed(app):
    from app.models import RateLimitCounter

    hit(Limit("t.hash", hits=5, per_seconds=100), "ana@example.com", now=T0)
    buckets = db.session.scalars(db.select(RateLimitCounter.bucket)).all()
    assert buckets and not any("ana" in b for b in buckets)


def test_disabled_limiter_allows_everything(app):
    app.config["RATELIMIT_ENABLED"] = False
    limit = Limit("t.off", hits=1, per_seconds=100)
    assert all(hit(limit, "ip", now=T0 + i).allowed for i in range(5))


def test_redis_store_counts_and_expires(redis_url):
    import redis

    store = RedisStore(redis_url)
    client = redis.Redis.from_url(redis_url)
    client.delete("formloom:rl:t:a:2", "formloom:rl:t:a:1")
    client.set("formloom:rl:t:a:1", 7)
    assert store.add_hit("t:a:2", "t:a:1", ttl=50) == (1, 7)
    assert store.add_hit("t:a:2", "t:a:1", ttl=50) == (2, 7)
    assert 0 < client.ttl("formloom:rl:t:a:2") <= 50
    client.delete("formloom:rl:t:a:2", "formloom:rl:t:a:1")


@pytest.fixture
def app_overrides(request):
    if "redis_app" in request.node.name:
        from tests import services

        url, reason = services.redis_url()
        if url is None:
            pytest.skip(reason)
        return {"RATELIMIT_BACKEND": "redis", "RATELIMIT_REDIS_URL": url}
    return {}


def test_redis_app_limits_through_redis(app):
    from app.ratelimit import get_store

    assert isinstance(get_store(app), RedisStore)
    limit = Limit(f"t.redis_app.{id(app)}", hits=1, per_seconds=100, sliding=False)
    assert hit(limit, "ip", now=T0).allowed
    assert not hit(limit, "ip", now=T0 + 1).allowed


@pytest.fixture
def limited_client(app):
    """A tiny route limited to 2 hits a minute, registered on the test app."""
    bp = Blueprint("rl_probe", __name__)
    probe_limit = Limit("t.probe", hits=2, per_seconds=60, sliding=False)

    @bp.get("/rl-probe")
    @public
    def probe():
        check(probe_limit, "same-client")
        return "ok"

    app.register_blueprint(bp)
    return app.test_client()


def test_over_the_limit_answers_429_with_retry_after(limited_client):
    assert limited_client.get("/rl-probe").status_code == 200
    assert limited_client.get("/rl-probe").status_code == 200
    response = limited_client.get("/rl-probe")
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert "Too many requests" in response.get_data(as_text=True)
    json_response = limited_client.get("/rl-probe", headers={"Accept": "application/json"})
    assert json_response.status_code == 429
    assert json_response.get_json()["error"]["code"] == "rate_limited"
