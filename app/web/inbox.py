"""The staff inbox blueprint; its views live in the `app.inbox` package."""

from __future__ import annotations

from app.inbox import actions, settings, team_settings  # noqa: F401  (routes register on the blueprint)
from app.inbox.views import bp

__all__ = ["bp"]
