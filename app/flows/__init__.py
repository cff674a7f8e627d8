"""The app side of flows: persisting what the pure engine decides, and making it happen.

The engine (`runtime.flows`) decides *what* should happen; this package stores the new
state, appends history, turns effects into tasks, timers and outbox rows in the same
transaction, and resolves the database facts the engine cannot know (who is in a team,
who has the fewest open tasks, who is away).
"""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the flow jobs and timer handlers in every process (web and worker)."""
    from app.flows import connector_calls, outbox, timers  # noqa: F401  (registration)
