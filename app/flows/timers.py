"""Flow deadlines, reminders and waits: a fired timer becomes a `timer_fired` event.

The timers table claims the timer in this job's transaction (exactly once); the engine
ignores a timer whose node was already left (e.g. the task was approved a moment
earlier), so the race between "approve" and the timeout has one winner (CHECKLIST 7).
"""

from __future__ import annotations

from app.extensions import db
from app.flows import service
from app.flows.effects import TIMER_KIND
from app.jobs.timers import FiredTimer, register_timer_handler
from app.models import FlowInstance
from runtime.flows import TimerFired


@register_timer_handler(TIMER_KIND)
def on_flow_timer(timer: FiredTimer) -> None:
    instance = db.session.get(FlowInstance, timer.instance_id)
    if instance is None or instance.ended_at is not None:
        return
    service.deliver(instance, TimerFired(timer_key=timer.key, at=timer.fired_at))
