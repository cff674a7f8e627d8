"""`start` and `end`: where an instance begins, and where it ends.

**The end rule.** Reaching any `end` node ends the *whole instance* with the node's
status (`completed`, `rejected` or `cancelled`), cancelling every other token, open
task, timer, message wait and subflow - BPMN's terminate end event. This is what
approval flows need: when one branch rejects, the approvers still busy on the other
branches must not go on approving a case that is already decided. A branch that merely
finishes early should flow into a `parallel` join instead of into an `end`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from runtime.exceptions import ErrorDetail
from runtime.flows.nodes.base import NodeSpec
from runtime.flows.nodes.config import DEFINITION_KEY, IDENTIFIER, Config
from runtime.flows.status import InstanceStatus

if TYPE_CHECKING:
    from runtime.flows.run import Run
    from runtime.flows.spec import FlowSpec
    from runtime.flows.state import Token

TRIGGERS = ("manual", "form", "api", "webhook", "schedule")
END_STATUSES = ("completed", "rejected", "cancelled")


@dataclass(frozen=True, kw_only=True)
class StartNode(NodeSpec):
    type = "start"
    config_keys = frozenset({"trigger"})
    trigger: str = "manual"
    trigger_form: str | None = None
    trigger_message: str | None = None

    @classmethod
    def parse(cls, config: Config) -> dict[str, Any]:
        if not config.has("trigger"):
            return {}
        c = config.sub("trigger", frozenset({"type", "form", "message", "schedule"}))
        kind = c.choice("type", TRIGGERS) or "manual"
        if not c.has("type"):
            c.error(None, "'type' is required")
        form = c.text("form", pattern=DEFINITION_KEY, what="a form key", required=kind == "form")
        message = c.text(
            "message", pattern=IDENTIFIER, what="a message name", required=kind == "webhook"
        )
        schedule = c.text(
            "schedule", what="a five-field cron expression", required=kind == "schedule"
        )
        if schedule is not None and len(schedule.split()) != 5:
            c.error("schedule", "'schedule' is a five-field cron expression such as 0 6 * * 1")
        return {"trigger": kind, "trigger_form": form, "trigger_message": message}

    def check_graph(self, spec: FlowSpec, errors: list[ErrorDetail]) -> None:
        for edge in spec.incoming(self.id):
            errors.append(ErrorDetail(f"{edge.pointer}/to", "no edge may lead into the start"))


@dataclass(frozen=True, kw_only=True)
class EndNode(NodeSpec):
    type = "end"
    config_keys = frozenset({"status"})
    status: InstanceStatus = InstanceStatus.COMPLETED

    @classmethod
    def parse(cls, config: Config) -> dict[str, Any]:
        return {"status": InstanceStatus(config.choice("status", END_STATUSES, "completed"))}

    def check_graph(self, spec: FlowSpec, errors: list[ErrorDetail]) -> None:
        for edge in spec.outgoing(self.id):
            errors.append(ErrorDetail(f"{edge.pointer}/from", "an end node has no outgoing edge"))

    def has_exit(self, spec: FlowSpec) -> bool:
        return True

    def enter(self, run: Run, token: Token) -> None:
        run.record("end_reached", token, status=self.status.value)
        run.terminate(self.status, f"end node {self.id!r}", self.id)
