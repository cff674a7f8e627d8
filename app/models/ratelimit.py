"""Rate-limit counters for installations without Redis (the embedded default).

One row per (limit key, fixed window); every gunicorn worker shares them through the
database, so a limit holds across processes. Rows whose window has passed are deleted
now and then by `app.ratelimit`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime


class RateLimitCounter(db.Model):
    __tablename__ = "rate_limit_counters"

    #: "<limit name>:<hashed subject>:<window number>"
    bucket: Mapped[str] = mapped_column(String(200), primary_key=True)
    hits: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
