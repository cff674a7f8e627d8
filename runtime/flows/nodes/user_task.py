"""`user_task`: work for people - one assignee, or several approvers voting.

    {"title": "Review return", "form": "returns.review", "outcomes": ["approve", "reject"],
     "assignee": {"role": "cs_agent", "strategy": "pool"},
     "due": {"business_hours": 16}, "output": "review",
     "reminders": [{"after": {"business_hours": 16}}],
     "timeout": {"after": {"business_hours": 24}, "action": "escalate", "to": "cs_lead"}}

Several approvers replace `assignee`::

    "approvers": {"mode": "all" | "any" | "quorum", "count": 2,
                  "assignees": [{"role": "finance"}, {"user": "cfo@example.com"}, ...],
                  "approve"?: "approve", "reject"?: "reject"}

M approvers get M tasks (keys `i:n:a:0` … `i:n:a:M-1`). Votes resolve as follows:
`all` - every task approves, and any reject rejects at once; `any` - the first approve
approves, and all M rejecting rejects; `quorum` - N approvals approve, and as soon as N
can no longer be reached it rejects. Any other outcome (e.g. `need_info`) decides at
once. When the vote is decided the remaining tasks are cancelled.

On completion `output` (if set) receives `{"outcome", "data", "actor", "votes"}` and
the token leaves over the edges whose `outcome` is the decided one (else the edges
without an outcome).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from typing import TYPE_CHECKING, Any

from runtime.exceptions import ErrorDetail
from runtime.flows.effects import CompleteTask, CreateTask
from runtime.flows.errors import BadEvent
from runtime.flows.mapping import TARGET, write_var
from runtime.flows.nodes.assignees import KEYS as ASSIGNEE_KEYS
from runtime.flows.nodes.assignees import AssigneeSpec, compile_assignee
from runtime.flows.nodes.config import DEFINITION_KEY, IDENTIFIER, Config
from runtime.flows.nodes.waiting import WaitingNode
from runtime.flows.records import json_copy
from runtime.flows.state import OpenTask

if TYPE_CHECKING:
    from runtime.flows.events import TaskCompleted
    from runtime.flows.run import Run
    from runtime.flows.spec import FlowSpec
    from runtime.flows.state import Token
    from runtime.timeutil import BusinessDuration, Duration

MODES = ("all", "any", "quorum")
MAX_APPROVERS = 50
APPROVER_KEYS = frozenset({"mode", "count", "assignees", "approve", "reject"})


@dataclass(frozen=True)
class ApproversSpec:
    mode: str
    assignees: tuple[AssigneeSpec, ...]
    count: int | None = None
    approve: str = "approve"
    reject: str = "reject"

    def decide(self, outcomes: list[str]) -> str | None:
        """The decided outcome for these votes so far, or None while still open."""
        others = [o for o in outcomes if o not in (self.approve, self.reject)]
        if others:
            return others[0]
        total, approvals = len(self.assignees), outcomes.count(self.approve)
        rejections = outcomes.count(self.reject)
        if self.mode == "all":
            if rejections:
                return self.reject
            return self.approve if approvals == total else None
        if self.mode == "any":
            if approvals:
                return self.approve
            return self.reject if rejections == total else None
        needed = self.count or total
        if approvals >= needed:
            return self.approve
        return self.reject if approvals + (total - len(outcomes)) < needed else None


@dataclass(frozen=True, kw_only=True)
class UserTaskNode(WaitingNode):
    type = "user_task"
    has_tasks = True
    config_keys = frozenset(
        {
            "title",
            "description",
            "form",
            "assignee",
            "approvers",
            "outcomes",
            "due",
            "reminders",
            "timeout",
            "output",
        }
    )
    title: str = ""
    description: str = ""
    form: str | None = None
    assignee: AssigneeSpec | None = None
    approvers: ApproversSpec | None = None
    outcomes: tuple[str, ...] = ("complete",)
    due: Duration | BusinessDuration | None = None
    output: str | None = None

    @classmethod
    def parse(cls, config: Config) -> dict[str, Any]:
        outcomes = config.get("outcomes", ["complete"])
        if not (
            isinstance(outcomes, list)
            and outcomes
            and len(set(map(str, outcomes))) == len(outcomes)
            and all(isinstance(o, str) and IDENTIFIER.match(o) for o in outcomes)
        ):
            config.error("outcomes", "'outcomes' is a list of distinct names")
            outcomes = ["complete"]
        assignee = None
        if config.has("assignee"):
            assignee = compile_assignee(config.sub("assignee", ASSIGNEE_KEYS))
        approvers = cls._approvers(config, outcomes) if config.has("approvers") else None
        if config.has("assignee") and config.has("approvers"):
            config.error("approvers", "give either 'assignee' or 'approvers', not both")
        return {
            "title": config.text("title", what="a title of up to 300 characters", max_length=300)
            or "",
            "description": config.text("description", what="text") or "",
            "form": config.text("form", pattern=DEFINITION_KEY, what="a form key"),
            "assignee": assignee,
            "approvers": approvers,
            "outcomes": tuple(outcomes),
            "due": config.duration("due"),
            "output": config.text("output", pattern=TARGET, what="a variable name", max_length=256),
        }

    @classmethod
    def _approvers(cls, config: Config, outcomes: list[str]) -> ApproversSpec | None:
        c = config.sub("approvers", APPROVER_KEYS)
        before = len(c.errors)
        mode = c.choice("mode", MODES)
        if mode is None:
            c.error(None, "'mode' is required")
        docs = c.get("assignees")
        if not isinstance(docs, list) or not 1 <= len(docs) <= MAX_APPROVERS:
            c.error(
                "assignees" if c.has("assignees") else None,
                f"'assignees' is a list of 1 to {MAX_APPROVERS} assignees",
            )
            docs = []
        assignees = [
            compile_assignee(Config(d, c.at("assignees", i), c.errors, ASSIGNEE_KEYS))
            for i, d in enumerate(docs)
        ]
        count = c.integer("count", minimum=1)
        if mode == "quorum" and count is None and not c.has("count"):
            c.error(None, "a quorum needs 'count'")
        if count is not None and docs and count > len(docs):
            c.error("count", f"count {count} exceeds the {len(docs)} approvers")
        approve = c.text("approve", pattern=IDENTIFIER, what="an outcome") or "approve"
        reject = c.text("reject", pattern=IDENTIFIER, what="an outcome") or "reject"
        for key, outcome in (("approve", approve), ("reject", reject)):
            if outcome not in outcomes:
                c.error(
                    key if c.has(key) else None,
                    f"outcome {outcome!r} is not in the task's outcomes",
                )
        if len(c.errors) > before or mode is None or None in assignees:
            return None
        return ApproversSpec(mode, tuple(a for a in assignees if a), count, approve, reject)

    def check_graph(self, spec: FlowSpec, errors: list[ErrorDetail]) -> None:
        super().check_graph(spec, errors)
        for edge in spec.outgoing(self.id):
            if edge.outcome is not None and edge.outcome not in self.outcomes:
                errors.append(
                    ErrorDetail(
                        f"{edge.pointer}/outcome",
                        f"task {self.id!r} offers no outcome {edge.outcome!r}; "
                        f"it offers {', '.join(self.outcomes)}",
                    )
                )
        timeout = self.timeout
        if timeout is not None and timeout.action == "auto_complete":
            at = f"{self.pointer}/config/timeout/outcome"
            if timeout.outcome is None:
                errors.append(ErrorDetail(at, "'auto_complete' needs an 'outcome'"))
            elif timeout.outcome not in self.outcomes:
                errors.append(ErrorDetail(at, f"{timeout.outcome!r} is not one of the outcomes"))

    def deadline_spec(self) -> Duration | BusinessDuration | None:
        return self.timeout.after if self.timeout else self.due

    # -- running ---------------------------------------------------------------------

    def enter(self, run: Run, token: Token) -> None:
        if self.approvers is not None:
            requests = [a.resolve(run) for a in self.approvers.assignees]
            keys = [run.key(token, i) for i in range(len(requests))]
        else:
            requests = [self.assignee.resolve(run) if self.assignee else {}]
            keys = [run.key(token)]
        team = next((r["role"] for r in requests if r.get("role")), None)
        due = run.shift(run.now, self.due, team) if self.due else None
        due_at = due.astimezone(UTC).isoformat() if due else None
        run.park(token)
        for index, (key, request) in enumerate(zip(keys, requests, strict=True)):
            approval = None
            if self.approvers is not None:
                approval = {
                    "mode": self.approvers.mode,
                    "index": index,
                    "of": len(keys),
                    "count": self.approvers.count,
                }
            run.add_task(
                OpenTask(
                    key, self.id, token.activation, "task", request, index if approval else None
                )
            )
            run.emit(
                CreateTask(
                    key,
                    self.id,
                    token.activation,
                    self.title or self.name or self.id,
                    request,
                    self.outcomes,
                    self.form,
                    self.description,
                    due_at,
                    approval,
                )
            )
            run.record("task_created", token, task_key=key, assignee=request)
        self.start_timers(run, token, team)

    def on_task_completed(
        self, run: Run, token: Token, task: OpenTask, event: TaskCompleted
    ) -> None:
        if event.outcome not in self.outcomes:
            raise BadEvent(
                f"task {task.key} offers {', '.join(self.outcomes)}, not {event.outcome!r}"
            )
        data = json_copy(event.data)
        del run.tasks[task.key]
        run.emit(CompleteTask(task.key, self.id, task.activation, event.outcome, event.actor))
        run.record(
            "task_completed", token, task_key=task.key, outcome=event.outcome, actor=event.actor
        )
        votes = [
            *token.data.get("votes", []),
            {"task": task.key, "outcome": event.outcome, "actor": event.actor},
        ]
        if self.approvers is None:
            self.finish(run, token, event.outcome, votes, data, event.actor)
            return
        decided = self.approvers.decide([v["outcome"] for v in votes])
        if decided is None:
            run.park(token.evolve(data={**token.data, "votes": votes}))
            return
        self.finish(run, token, decided, votes, data, event.actor)

    def auto_complete(self, run: Run, token: Token, outcome: str | None) -> None:
        outcome = outcome or self.outcomes[0]
        votes = list(token.data.get("votes", []))
        for task in run.tasks_of(token):
            del run.tasks[task.key]
            run.emit(CompleteTask(task.key, self.id, task.activation, outcome, "timeout"))
            votes.append({"task": task.key, "outcome": outcome, "actor": "timeout"})
        self.finish(run, token, outcome, votes, {}, "timeout")

    def finish(
        self,
        run: Run,
        token: Token,
        outcome: str,
        votes: list[dict[str, Any]],
        data: dict[str, Any],
        actor: str | None,
    ) -> None:
        run.record("task_decided", token, outcome=outcome)
        if self.output:
            result = {"outcome": outcome, "data": data, "actor": actor, "votes": votes}
            run.variables = write_var(run.variables, self.output, result)
        run.close(token, f"decided: {outcome}")
        self.leave(run, token.evolve(data={}), outcome=outcome)

    def var_paths(self) -> set[str]:
        paths = super().var_paths()
        for assignee in [self.assignee, *(self.approvers.assignees if self.approvers else ())]:
            if assignee is not None:
                paths |= assignee.var_paths()
        return paths
