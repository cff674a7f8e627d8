"""What every waiting node shares: a timeout, reminders, and their timers.

    "timeout":   {"after": "P30D" | {"business_hours": 24, "calendar"?: "cs_eu"},
                  "action": "escalate" | "reassign" | "auto_complete" | "cancel" | "follow_edge",
                  "to"?: "cs_lead" | "ana@example.com" | "manager", "outcome"?: "approve"}
    "reminders": [{"after": <duration>} | {"before": <duration>},
                  + "template"?: <id>, "notify"?: <notify config>]

Entering the node emits `schedule_timer` with absolute `due_at` times computed from
`env.now` (business hours count on the calendar the duration names, else the team's,
else the default). Leaving it cancels them (`Run.close`). A `timer_fired` for a timer
no longer scheduled is ignored by the engine before it reaches here.

Timeout actions: `escalate` / `reassign` emit `reassign_task` for every open task of
the node (`to: "manager"` means the manager of the task's current role or user) and
keep waiting; `auto_complete` finishes the node as if answered (a user task with
`outcome`); `cancel` ends the instance as cancelled; `follow_edge` leaves over the
node's `on: "timeout"` edge. Reminders emit `remind_task` for each open task and,
with `notify`, a `send_notification`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from runtime.exceptions import ErrorDetail
from runtime.flows.effects import ReassignTask, RemindTask
from runtime.flows.errors import NodeFailed
from runtime.flows.nodes.assignees import escalation_target
from runtime.flows.nodes.base import NodeSpec
from runtime.flows.nodes.config import IDENTIFIER, TARGET_TO, Config
from runtime.flows.nodes.notify import KEYS as NOTIFY_KEYS
from runtime.flows.nodes.notify import NotifySpec, compile_notify
from runtime.flows.status import InstanceStatus
from runtime.timeutil import BusinessDuration, Duration

if TYPE_CHECKING:
    from runtime.flows.run import Run
    from runtime.flows.spec import FlowSpec
    from runtime.flows.state import OpenTimer, Token

ACTIONS = ("escalate", "reassign", "auto_complete", "cancel", "follow_edge")
TIMEOUT_KEYS = frozenset({"after", "action", "to", "outcome"})
REMINDER_KEYS = frozenset({"after", "before", "template", "notify"})
MAX_REMINDERS = 10


@dataclass(frozen=True)
class TimeoutSpec:
    after: Duration | BusinessDuration
    action: str
    to: str | None = None
    outcome: str | None = None


@dataclass(frozen=True)
class ReminderSpec:
    anchor: str  # "start" or "deadline"
    duration: Duration | BusinessDuration
    template: str | None = None
    notify: NotifySpec | None = None


@dataclass(frozen=True, kw_only=True)
class WaitingNode(NodeSpec):
    waits = True
    #: Nodes whose waits are tasks for people may escalate and reassign.
    has_tasks: ClassVar[bool] = False
    timeout: TimeoutSpec | None = None
    reminders: tuple[ReminderSpec, ...] = ()

    @classmethod
    def compile(cls, node_id: str, index: int, name: str, config: Config) -> NodeSpec:
        return cls(
            id=node_id,
            index=index,
            name=name,
            **cls.parse(config),
            timeout=cls._timeout(config),
            reminders=cls._reminders(config),
        )

    @classmethod
    def _timeout(cls, config: Config) -> TimeoutSpec | None:
        if not config.has("timeout"):
            return None
        c = config.sub("timeout", TIMEOUT_KEYS)
        before = len(c.errors)
        after = c.duration("after", required=True)
        action = c.choice("action", ACTIONS)
        if action is None:
            c.error(None, "'action' is required")
        if action in ("escalate", "reassign") and not cls.has_tasks:
            c.error("action", f"a {cls.type} node has no task to {action}")
        to = c.text(
            "to",
            pattern=TARGET_TO,
            max_length=254,
            what="a role or team key, a user (with @), or 'manager'",
        )
        if action in ("escalate", "reassign") and to is None and not c.has("to"):
            c.error(None, f"'{action}' needs 'to'")
        outcome = c.text("outcome", pattern=IDENTIFIER, what="an outcome name")
        if len(c.errors) > before or after is None or action is None:
            return None
        return TimeoutSpec(after, action, to, outcome)

    @classmethod
    def _reminders(cls, config: Config) -> tuple[ReminderSpec, ...]:
        doc = config.get("reminders", [])
        if not isinstance(doc, list) or len(doc) > MAX_REMINDERS:
            config.error("reminders", f"'reminders' is a list of up to {MAX_REMINDERS}")
            return ()
        found = []
        for i, item in enumerate(doc):
            c = Config(item, config.at("reminders", i), config.errors, REMINDER_KEYS)
            anchors = [k for k in ("after", "before") if k in c.doc]
            if len(anchors) != 1:
                c.error(None, "a reminder has exactly one of 'after' or 'before'")
                continue
            duration = c.duration(anchors[0])
            template = c.text("template", pattern=IDENTIFIER, what="a template name")
            notify = compile_notify(c.sub("notify", NOTIFY_KEYS)) if c.has("notify") else None
            if not cls.has_tasks and not c.has("notify"):
                c.error(None, f"a reminder on a {cls.type} node needs 'notify' (it has no task)")
            if duration is not None:
                anchor = "start" if anchors[0] == "after" else "deadline"
                found.append(ReminderSpec(anchor, duration, template, notify))
        return tuple(found)

    def check_graph(self, spec: FlowSpec, errors: list[ErrorDetail]) -> None:
        follow = self.timeout is not None and self.timeout.action == "follow_edge"
        if follow and not any(e.on == "timeout" for e in spec.outgoing(self.id)):
            errors.append(
                ErrorDetail(
                    f"{self.pointer}/config/timeout/action",
                    '\'follow_edge\' needs an edge with "on": "timeout"',
                )
            )
        if self.deadline_spec() is None:
            for i, reminder in enumerate(self.reminders):
                if reminder.anchor == "deadline":
                    at = f"{self.pointer}/config/reminders/{i}/before"
                    errors.append(
                        ErrorDetail(at, "'before' counts back from a deadline: add a timeout")
                    )

    def deadline_spec(self) -> Duration | BusinessDuration | None:
        """What 'before' reminders count back from: the timeout (user tasks: or `due`)."""
        return self.timeout.after if self.timeout else None

    # -- running ---------------------------------------------------------------------

    def start_timers(self, run: Run, token: Token, team: str | None = None) -> datetime | None:
        """Schedule the timeout and the reminders; returns the deadline (or None)."""
        now = run.now
        deadline = run.shift(now, self.timeout.after, team) if self.timeout else None
        if deadline is not None:
            run.schedule(token, "timeout", deadline)
        anchor = self.deadline_spec()
        until = run.shift(now, anchor, team) if anchor is not None else None
        due = []
        for i, reminder in enumerate(self.reminders):
            if reminder.anchor == "start":
                at = run.shift(now, reminder.duration, team)
            elif until is not None:
                at = run.shift(until, reminder.duration, team, forward=False)
            else:
                continue
            if now < at and (until is None or at < until):
                due.append((at, i))
        for at, i in sorted(due):
            run.schedule(token, f"reminder:{i}", at)
        return deadline

    def on_timer(self, run: Run, token: Token, timer: OpenTimer) -> None:
        if timer.purpose == "timeout" and self.timeout is not None:
            self.on_timeout(run, token, self.timeout)
        elif timer.purpose.startswith("reminder:"):
            self.remind(run, token, int(timer.purpose.split(":")[1]))
        elif timer.purpose == "wait":
            self.on_wait_over(run, token)
        else:
            run.record("timer_ignored", token, purpose=timer.purpose, reason="no handler")

    def on_timeout(self, run: Run, token: Token, timeout: TimeoutSpec) -> None:
        run.record("timeout", token, action=timeout.action)
        if timeout.action in ("escalate", "reassign"):
            for task in run.tasks_of(token):
                target = escalation_target(timeout.to or "manager", task.assignee)
                run.tasks[task.key] = replace(task, assignee=target)
                run.emit(
                    ReassignTask(
                        f"{task.key}:timeout",
                        task.key,
                        task.node_id,
                        task.activation,
                        target,
                        timeout.action,
                    )
                )
        elif timeout.action == "auto_complete":
            self.auto_complete(run, token, timeout.outcome)
        elif timeout.action == "cancel":
            run.terminate(InstanceStatus.CANCELLED, f"timeout at node {self.id!r}", self.id)
        else:
            run.close(token, "timeout")
            self.leave(run, token, on="timeout")

    def auto_complete(self, run: Run, token: Token, outcome: str | None) -> None:
        run.close(token, "auto_complete")
        self.leave(run, token)

    def on_wait_over(self, run: Run, token: Token) -> None:
        run.record("timer_ignored", token, purpose="wait", reason="no handler")

    def remind(self, run: Run, token: Token, index: int) -> None:
        if not 0 <= index < len(self.reminders):
            run.record("timer_ignored", token, purpose=f"reminder:{index}", reason="no reminder")
            return
        reminder = self.reminders[index]
        for task in run.tasks_of(token):
            run.emit(
                RemindTask(
                    f"{task.key}:reminder:{index}",
                    task.key,
                    task.node_id,
                    task.activation,
                    index,
                    reminder.template,
                )
            )
        if reminder.notify is not None:
            try:
                reminder.notify.send(run, run.key(token, "reminder", index), token)
            except NodeFailed as exc:
                run.record("reminder_skipped", token, reason=exc.reason)

    def var_paths(self) -> set[str]:
        paths: set[str] = set()
        for reminder in self.reminders:
            if reminder.notify:
                paths |= reminder.notify.var_paths()
        return paths
