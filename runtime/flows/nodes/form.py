"""`form`: wait until a form is submitted (by the customer, staff, or the starter).

    {"form": "returns.more_info", "submitter": "customer", "output": "more_info",
     "timeout": {"after": "P7D", "action": "cancel"}}

Entering emits `request_form` (key `i:n:a`), a task-like request the app shows in the
portal or inbox; `form_submitted` for that node and activation closes it (the app gets
`complete_task` with outcome `submitted`). The submitted data goes to `output`, or,
without one, is merged into the top level of the variables (a request form's fields
become the case's variables). Staff forms take an `assignee` and may escalate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from typing import TYPE_CHECKING, Any

from runtime.flows.effects import CompleteTask, RequestForm
from runtime.flows.mapping import TARGET, write_var
from runtime.flows.nodes.assignees import KEYS as ASSIGNEE_KEYS
from runtime.flows.nodes.assignees import AssigneeSpec, compile_assignee
from runtime.flows.nodes.config import DEFINITION_KEY, Config
from runtime.flows.nodes.waiting import WaitingNode
from runtime.flows.records import json_copy
from runtime.flows.state import OpenTask

if TYPE_CHECKING:
    from runtime.flows.events import FormSubmitted
    from runtime.flows.run import Run
    from runtime.flows.state import Token

SUBMITTERS = ("customer", "staff", "starter")


@dataclass(frozen=True, kw_only=True)
class FormNode(WaitingNode):
    type = "form"
    has_tasks = True
    config_keys = frozenset({"form", "submitter", "assignee", "output", "timeout", "reminders"})
    form: str = ""
    submitter: str = "customer"
    assignee: AssigneeSpec | None = None
    output: str | None = None

    @classmethod
    def parse(cls, config: Config) -> dict[str, Any]:
        form = config.text("form", required=True, pattern=DEFINITION_KEY, what="a form key")
        assignee = None
        if config.has("assignee"):
            assignee = compile_assignee(config.sub("assignee", ASSIGNEE_KEYS))
        return {
            "form": form or "",
            "submitter": config.choice("submitter", SUBMITTERS, "customer") or "customer",
            "assignee": assignee,
            "output": config.text("output", pattern=TARGET, what="a variable name", max_length=256),
        }

    def enter(self, run: Run, token: Token) -> None:
        request = self.assignee.resolve(run) if self.assignee else None
        team = request.get("role") if request else None
        run.park(token)
        deadline = self.start_timers(run, token, team)
        key = run.key(token)
        run.add_task(OpenTask(key, self.id, token.activation, "form", request))
        run.emit(
            RequestForm(
                key,
                self.id,
                token.activation,
                self.form,
                self.submitter,
                request,
                deadline.astimezone(UTC).isoformat() if deadline else None,
            )
        )
        run.record("form_requested", token, form=self.form, submitter=self.submitter)

    def on_form_submitted(
        self, run: Run, token: Token, task: OpenTask, event: FormSubmitted
    ) -> None:
        data = json_copy(event.data)
        del run.tasks[task.key]
        run.emit(CompleteTask(task.key, self.id, task.activation, "submitted", event.actor))
        run.record("form_submitted", token, actor=event.actor)
        if self.output:
            run.variables = write_var(run.variables, self.output, data)
        else:
            run.variables = {**run.variables, **data}
        run.close(token, "submitted")
        self.leave(run, token)

    def var_paths(self) -> set[str]:
        return super().var_paths() | (self.assignee.var_paths() if self.assignee else set())
