"""Rate limits: at most N hits per window for one subject (an IP, an order number, …).

    LOOKUP_PER_IP = Limit("portal.lookup.ip", hits=20, per_seconds=600)

    check(LOOKUP_PER_IP, request.remote_addr)   # raises RateLimited (429 + Retry-After)

Windows are *sliding* by default, counted the cheap way: a counter per fixed window,
and the previous window's count weighted by how much of it still overlaps the sliding
window. `sliding=False` gives plain fixed windows. Every hit counts, refused ones too,
so hammering a limit keeps it closed.

Counters live in Redis when the app has `REDIS_URL` (`RATELIMIT_BACKEND=redis`), and
otherwise in the `rate_limit_counters` table, so the embedded default still limits
across several gunicorn workers. The database store writes on its own connection and
commits at once: a count must survive the request rolling back. Call `check` before the
request writes anything (SQLite allows one writer at a time).

Subjects are hashed before they are stored, so counters hold no IP or e-mail address.
"""

from __future__ import annotations

import hashlib
import math
import random
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from flask import Flask, current_app
from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from werkzeug.exceptions import TooManyRequests

from app.extensions import db
from app.models import RateLimitCounter, utcnow

EXTENSION_KEY = "formloom.ratelimit"
CLEANUP_CHANCE = 0.01  # share of database hits that also delete expired counters


@dataclass(frozen=True)
class Limit:
    """At most `hits` hits per `per_seconds` for one subject; `name` keeps limits apart."""

    name: str
    hits: int
    per_seconds: int
    sliding: bool = True


@dataclass(frozen=True)
class Decision:
    allowed: bool
    count: float  # hits in the (weighted) window, this one included
    retry_after: int  # seconds until a hit would be allowed again (0 when allowed)


class RateLimited(TooManyRequests):
    """Too many hits; `retry_after` seconds tell the client when to come back."""

    def __init__(self, limit: Limit, retry_after: int) -> None:
        super().__init__(retry_after=retry_after)
        self.limit = limit
        self.retry_after_seconds = retry_after


class Store(Protocol):
    def add_hit(self, bucket: str, previous: str, ttl: int) -> tuple[int, int]:
        """Count one hit in `bucket`; return (hits in bucket, hits in `previous`)."""

    def get_hits(self, bucket: str, previous: str) -> tuple[int, int]:
        """Read (hits in bucket, hits in `previous`) without counting one."""


def check(limit: Limit, subject: str | None, *, now: float | None = None) -> Decision:
    """Count a hit for `subject` and raise `RateLimited` when it is over `limit`."""
    decision = hit(limit, subject, now=now)
    if not decision.allowed:
        raise RateLimited(limit, decision.retry_after)
    return decision


def hit(limit: Limit, subject: str | None, *, now: float | None = None) -> Decision:
    """Count a hit for `subject` and say whether it is within `limit` (never raises 429)."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return Decision(True, 0, 0)
    now = time.time() if now is None else now
    window = int(now // limit.per_seconds)
    key = f"{limit.name}:{_digest(subject or '-')}"
    current, previous = get_store(current_app).add_hit(
        f"{key}:{window}", f"{key}:{window - 1}", ttl=2 * limit.per_seconds
    )
    elapsed = (now % limit.per_seconds) / limit.per_seconds
    count = current + (previous * (1 - elapsed) if limit.sliding else 0)
    if count <= limit.hits:
        return Decision(True, count, 0)
    return Decision(False, count, _retry_after(limit, current, previous, now))


def peek(limit: Limit, subject: str | None, *, now: float | None = None) -> Decision:
    """Whether `subject` is still within `limit`, without counting a hit.

    For limits that count only some events (failed sign-ins): ask before, hit after.
    """
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return Decision(True, 0, 0)
    now = time.time() if now is None else now
    window = int(now // limit.per_seconds)
    key = f"{limit.name}:{_digest(subject or '-')}"
    current, previous = get_store(current_app).get_hits(f"{key}:{window}", f"{key}:{window - 1}")
    elapsed = (now % limit.per_seconds) / limit.per_seconds
    count = current + (previous * (1 - elapsed) if limit.sliding else 0)
    if count < limit.hits:
        return Decision(True, count, 0)
    return Decision(False, count, _retry_after(limit, current, previous, now))


def _retry_after(limit: Limit, current: int, previous: int, now: float) -> int:
    """Seconds until one more hit fits: when the old window's weight has decayed enough."""
    window_end = (now // limit.per_seconds + 1) * limit.per_seconds
    wait = window_end - now
    if limit.sliding and current < limit.hits and previous:
        # previous * (1 - f) + current + 1 <= hits  <=>  f >= 1 - (hits - current - 1) / previous
        fraction = 1 - (limit.hits - current - 1) / previous
        wait = max(fraction * limit.per_seconds - now % limit.per_seconds, 0)
    return max(1, math.ceil(wait))


def _digest(subject: str) -> str:
    return hashlib.sha256(subject.encode()).hexdigest()[:32]


class DatabaseStore:
    """Counters in `rate_limit_counters`, one atomic upsert per hit."""

    def add_hit(self, bucket: str, previous: str, ttl: int) -> tuple[int, int]:
        engine = db.engine
        dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
        table = RateLimitCounter.__table__
        expires = utcnow() + timedelta(seconds=ttl)
        # The previous window's count comes back with the upsert (a scalar subquery in
        # RETURNING, PostgreSQL and SQLite alike): one statement, one round trip less.
        earlier = table.alias("earlier")
        upsert = (
            dialect.insert(table)
            .values(bucket=bucket, hits=1, expires_at=expires)
            .on_conflict_do_update(index_elements=[table.c.bucket],
                                   set_={"hits": table.c.hits + 1})
            .returning(table.c.hits,
                       select(earlier.c.hits).where(earlier.c.bucket == previous)
                       .scalar_subquery())
        )
        with engine.begin() as conn:
            current, prior = conn.execute(upsert).one()
            if random.random() < CLEANUP_CHANCE:
                conn.execute(delete(table).where(table.c.expires_at < utcnow()))
        return int(current), int(prior or 0)

    def get_hits(self, bucket: str, previous: str) -> tuple[int, int]:
        table = RateLimitCounter.__table__
        with db.engine.connect() as conn:
            rows = dict(conn.execute(
                select(table.c.bucket, table.c.hits).where(table.c.bucket.in_([bucket, previous]))
            ).all())
        return int(rows.get(bucket) or 0), int(rows.get(previous) or 0)


class RedisStore:
    """Counters as Redis keys that expire on their own."""

    def __init__(self, url: str) -> None:
        import redis

        self.client = redis.Redis.from_url(url)

    def add_hit(self, bucket: str, previous: str, ttl: int) -> tuple[int, int]:
        pipe = self.client.pipeline(transaction=True)
        pipe.incr(f"formloom:rl:{bucket}")
        pipe.expire(f"formloom:rl:{bucket}", ttl)
        pipe.get(f"formloom:rl:{previous}")
        current, _, prior = pipe.execute()
        return int(current), int(prior or 0)

    def get_hits(self, bucket: str, previous: str) -> tuple[int, int]:
        current, prior = self.client.mget(f"formloom:rl:{bucket}", f"formloom:rl:{previous}")
        return int(current or 0), int(prior or 0)


def create_store(app: Flask) -> Store:
    backend = app.config.get("RATELIMIT_BACKEND") or (
        "redis" if app.config.get("REDIS_URL") else "database"
    )
    if backend == "redis":
        return RedisStore(app.config["RATELIMIT_REDIS_URL"] or app.config["REDIS_URL"])
    if backend == "database":
        return DatabaseStore()
    raise ValueError(f"RATELIMIT_BACKEND must be 'redis' or 'database', not {backend!r}")


def get_store(app: Flask) -> Store:
    return app.extensions[EXTENSION_KEY]


def rate_limited_response(err: RateLimited) -> Any:
    from app.errors import error_response

    response = error_response(
        429, "rate_limited",
        f"Too many requests; try again in {err.retry_after_seconds} seconds.",
    )
    response = current_app.make_response(response)
    response.headers["Retry-After"] = str(err.retry_after_seconds)
    return response


def init_app(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_ENABLED", True)
    app.config.setdefault("RATELIMIT_BACKEND", None)
    app.config.setdefault("RATELIMIT_REDIS_URL", None)
    app.extensions[EXTENSION_KEY] = create_store(app)
    app.register_error_handler(RateLimited, rate_limited_response)
