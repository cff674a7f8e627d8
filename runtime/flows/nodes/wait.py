"""`wait`: for a duration, until a date held in a variable, or for a correlated message.

    {"until": "duration", "duration": "P2D"}
    {"until": "date", "date": "order.delivery_date"}
    {"until": "message",
     "message": {"name": "carrier_scan", "correlate": "rma_number", "output": "scan"},
     "reminders": [{"after": "P7D", "notify": {...}}],
     "timeout": {"after": "P30D", "action": "cancel"}}

A message wait puts `(name, correlation)` on the state (`state.messages`,
`state.waiting_messages`) so the app can index it; `message_received` with the same
name and correlation value wakes every token waiting for it and stores its data under
`output`. The correlation value is the variable's value as text. A date already past
when the node is entered does not wait. A date that is missing or not a date holds the
token in an incident.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any

from runtime.flows.errors import NodeFailed
from runtime.flows.mapping import TARGET, read_var, write_var
from runtime.flows.nodes.config import IDENTIFIER, Config
from runtime.flows.nodes.waiting import WaitingNode
from runtime.flows.records import json_copy
from runtime.rules.values import to_temporal
from runtime.timeutil import BusinessDuration, Duration

if TYPE_CHECKING:
    from runtime.flows.events import MessageReceived
    from runtime.flows.run import Run
    from runtime.flows.state import MessageWait, Token

MESSAGE_KEYS = frozenset({"name", "correlate", "output"})


@dataclass(frozen=True, kw_only=True)
class WaitNode(WaitingNode):
    type = "wait"
    config_keys = frozenset({"until", "duration", "date", "message", "timeout", "reminders"})
    until: str = "duration"
    duration: Duration | BusinessDuration | None = None
    date_var: str | None = None
    message: str | None = None
    correlate: str | None = None
    output: str | None = None

    @classmethod
    def parse(cls, config: Config) -> dict[str, Any]:
        until = config.choice("until", ("duration", "date", "message"))
        if until is None:
            config.error(None, "'until' is required")
        fields: dict[str, Any] = {"until": until or "duration"}
        for other in ("duration", "date", "message"):
            if other != until and config.has(other):
                config.error(other, f"'{other}' does not go with until '{until}'")
        if until == "duration":
            fields["duration"] = config.duration("duration", required=True)
        elif until == "date":
            fields["date_var"] = config.var_path("date", required=True)
        elif until == "message":
            if not config.has("message"):
                config.error(None, "'message' is required")
            c = config.sub("message", MESSAGE_KEYS)
            fields["message"] = c.text(
                "name", required=True, pattern=IDENTIFIER, what="a message name"
            )
            fields["correlate"] = c.var_path("correlate", required=True)
            fields["output"] = c.text(
                "output", pattern=TARGET, what="a variable name", max_length=256
            )
        return fields

    def enter(self, run: Run, token: Token) -> None:
        due: datetime | None = None
        correlation = None
        if self.until == "duration":
            assert self.duration is not None
            due = run.shift(run.now, self.duration)
        elif self.until == "date":
            due = self._date(run)
            if due <= run.now:
                run.record("wait_over", token, reason="date already passed")
                self.leave(run, token)
                return
        else:
            correlation = self._correlation(run)
        run.park(token)
        if due is not None:
            run.schedule(token, "wait", due)
        if correlation is not None:
            assert self.message is not None
            run.wait_for_message(token, self.message, correlation)
            run.record("message_awaited", token, name=self.message, correlation=correlation)
        self.start_timers(run, token)

    def on_wait_over(self, run: Run, token: Token) -> None:
        run.close(token, "wait over")
        self.leave(run, token)

    def on_message(self, run: Run, token: Token, wait: MessageWait, event: MessageReceived) -> None:
        run.record("message_received", token, name=event.name, correlation=event.correlation)
        if self.output:
            run.variables = write_var(run.variables, self.output, json_copy(event.data))
        run.close(token, "message received")
        self.leave(run, token)

    def _date(self, run: Run) -> datetime:
        assert self.date_var is not None
        value = to_temporal(read_var(run.variables, self.date_var))
        if value is None:
            raise NodeFailed(f"variable {self.date_var!r} holds no date to wait for", "no_date")
        if not isinstance(value, datetime) and isinstance(value, date):
            value = datetime.combine(value, time(0), UTC)
        return value

    def _correlation(self, run: Run) -> str:
        assert self.correlate is not None
        value = read_var(run.variables, self.correlate)
        if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
            raise NodeFailed(
                f"variable {self.correlate!r} holds no correlation value (got {value!r})",
                "no_correlation",
            )
        return str(value)

    def var_paths(self) -> set[str]:
        return super().var_paths() | {p for p in (self.date_var, self.correlate) if p}
