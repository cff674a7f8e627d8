"""Which outside services the test run can reach, probed once, with the reason when not.

On a machine without PostgreSQL or Redis the tests that need them are skipped and the
summary line says why; set FORMLOOM_TEST_REQUIRE_SERVICES=1 to make that an error.
"""

from __future__ import annotations

import functools
import os

POSTGRES_URLS = [
    os.environ.get("FORMLOOM_TEST_POSTGRES_URL", ""),
    "postgresql+psycopg://postgres@127.0.0.1:5432/test",
    "postgresql+psycopg://root@127.0.0.1:5432/test",
]
REDIS_URL = os.environ.get("FORMLOOM_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@functools.cache
def postgres_admin_url() -> tuple[str | None, str]:
    """A URL to a PostgreSQL that may create databases, or None and why not."""
    import sqlalchemy as sa

    reasons = []
    for url in filter(None, POSTGRES_URLS):
        engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
        try:
            with engine.connect() as conn:
                conn.execute(sa.text("select 1"))
            return url, "reachable"
        except Exception as err:  # any failure means "not usable here"
            reasons.append(f"{url.split('@')[-1]}: {type(err).__name__}")
        finally:
            engine.dispose()
    return None, "PostgreSQL not reachable (" + "; ".join(reasons) + ")"


@functools.cache
def redis_url() -> tuple[str | None, str]:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
        return REDIS_URL, "reachable"
    except Exception as err:
        return None, f"Redis not reachable at {REDIS_URL}: {type(err).__name__}"


def required() -> bool:
    return os.environ.get("FORMLOOM_TEST_REQUIRE_SERVICES") == "1"
