"""Liveness and readiness for load balancers and orchestrators.

`/readyz` is red when Redis would silently drop queued jobs: any `maxmemory-policy`
other than `noeviction` lets Redis evict job keys under memory pressure (CHECKLIST 5).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from app.extensions import db
from app.security import public

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@public
def healthz() -> Any:
    return jsonify(status="ok")


@bp.get("/readyz")
@public
def readyz() -> Any:
    checks = {"database": _check_database(), "redis": _check_redis()}
    ok = all(c["ok"] for c in checks.values())
    return jsonify(status="ok" if ok else "unavailable", checks=checks), 200 if ok else 503


def _check_database() -> dict[str, Any]:
    try:
        db.session.execute(text("select 1"))
        return {"ok": True}
    except Exception as err:
        db.session.rollback()
        return {"ok": False, "reason": f"database unreachable: {type(err).__name__}"}


def _check_redis() -> dict[str, Any]:
    url = current_app.config.get("REDIS_URL")
    if not url:
        return {"ok": True, "reason": "not configured (in-process jobs)"}
    return redis_readiness(url)


def redis_readiness(url: str) -> dict[str, Any]:
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        policy = client.info("memory").get("maxmemory_policy")
    except Exception as err:
        return {"ok": False, "reason": f"redis unreachable: {type(err).__name__}"}
    if policy != "noeviction":
        return {
            "ok": False,
            "reason": f"maxmemory-policy is {policy!r}; queued jobs can be evicted. "
            "Set maxmemory-policy noeviction.",
        }
    return {"ok": True, "maxmemory_policy": policy}
