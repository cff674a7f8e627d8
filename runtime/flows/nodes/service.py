"""`service`: call a connector action; wait for the app to report how it went.

    {"connector": "payment.stripe", "action": "refund",
     "input": {"amount": "refund.amount", "currency": "order.currency"},
     "output": {"refund.id": "id"}, "error_output": "refund_error",
     "retry": {"max_attempts": 5, "backoff": "exponential"}, "on_error": "edge"}

Entering emits `call_connector` whose key `i:n:a` is the idempotency key handed to the
outside system. Then:

* `service_succeeded` - `output` maps the answer into variables (target: variable path,
  source: path in the answer, `"$"` for all of it); the token routes on;
* `service_failed(kind="server")` - 5xx or timeout: the app retries with backoff per
  `retry`; the engine only logs it;
* `retries_exhausted` - an incident; `incident_retried` re-issues the *same* call
  (same key, same inputs, `attempt` + 1), so the provider deduplicates;
* `service_failed(kind="client")` - 4xx: leave over the `on: "error"` edge (the error
  goes to `error_output`); with no such edge, or `on_error: "incident"`, an incident.

`on_error: "edge"` promises an error edge: compiling refuses the flow without one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from runtime.exceptions import ErrorDetail
from runtime.flows.effects import CallConnector
from runtime.flows.events import FailureKind, ServiceFailed, ServiceSucceeded
from runtime.flows.mapping import NO_MAPPING, TARGET, VarMapping, write_var
from runtime.flows.nodes.config import DEFINITION_KEY, IDENTIFIER, Config
from runtime.flows.nodes.waiting import WaitingNode
from runtime.flows.records import json_copy

if TYPE_CHECKING:
    from runtime.flows.events import Event
    from runtime.flows.run import Run
    from runtime.flows.spec import FlowSpec
    from runtime.flows.state import Token

RETRY_KEYS = frozenset({"max_attempts", "backoff", "initial_seconds", "max_seconds", "retry_on"})


@dataclass(frozen=True, kw_only=True)
class ServiceNode(WaitingNode):
    type = "service"
    error_edges = True
    config_keys = frozenset(
        {
            "connector",
            "action",
            "input",
            "output",
            "retry",
            "on_error",
            "error_output",
            "timeout",
            "reminders",
        }
    )
    connector: str = ""
    action: str = ""
    input: VarMapping = NO_MAPPING
    output: VarMapping = NO_MAPPING
    retry: dict[str, Any] = field(default_factory=dict)
    on_error: str | None = None
    error_output: str | None = None

    @classmethod
    def parse(cls, config: Config) -> dict[str, Any]:
        retry = config.get("retry", {})
        if not isinstance(retry, dict) or set(retry) - RETRY_KEYS:
            config.error("retry", f"'retry' takes {', '.join(sorted(RETRY_KEYS))}")
            retry = {}
        return {
            "connector": config.text(
                "connector", required=True, pattern=DEFINITION_KEY, what="a connector key"
            )
            or "",
            "action": config.text(
                "action", required=True, pattern=IDENTIFIER, what="an action name"
            )
            or "",
            "input": config.mapping("input"),
            "output": config.mapping("output"),
            "retry": json_copy(retry),
            "on_error": config.choice("on_error", ("edge", "incident")),
            "error_output": config.text(
                "error_output", pattern=TARGET, what="a variable name", max_length=256
            ),
        }

    def check_graph(self, spec: FlowSpec, errors: list[ErrorDetail]) -> None:
        super().check_graph(spec, errors)
        if self.on_error == "edge" and not any(e.on == "error" for e in spec.outgoing(self.id)):
            errors.append(
                ErrorDetail(
                    f"{self.pointer}/config/on_error",
                    '\'on_error: edge\' needs an edge with "on": "error"',
                )
            )

    def enter(self, run: Run, token: Token) -> None:
        inputs = self.input.build(run.variables)
        run.park(token.evolve(data={"inputs": inputs, "attempt": 1}))
        run.emit(
            CallConnector(
                run.key(token),
                self.id,
                token.activation,
                self.connector,
                self.action,
                inputs,
                dict(self.retry),
                1,
            )
        )
        self.start_timers(run, token)

    def retry_call(self, run: Run, token: Token) -> None:
        """Issue the same call again: same idempotency key, same inputs."""
        attempt = token.data.get("attempt", 1) + 1
        run.park(token.evolve(data={**token.data, "attempt": attempt}))
        run.emit(
            CallConnector(
                run.key(token),
                self.id,
                token.activation,
                self.connector,
                self.action,
                token.data.get("inputs", {}),
                dict(self.retry),
                attempt,
            )
        )

    def on_service_event(self, run: Run, token: Token, event: Event) -> None:
        if isinstance(event, ServiceSucceeded):
            run.record("service_succeeded", token)
            run.variables = self.output.write_into(run.variables, json_copy(event.output))
            run.close(token, "succeeded")
            self.leave(run, token.evolve(data={}, resume=""))
        elif isinstance(event, ServiceFailed) and event.kind is FailureKind.SERVER:
            run.record("service_retrying", token, message=event.message, status=event.status)
        elif isinstance(event, ServiceFailed):
            self._client_error(run, token, event)
        elif token.resume:
            run.record("event_ignored", token, reason="already in an incident")
        else:
            run.hold(
                token,
                "call",
                "retries_exhausted",
                f"{self.connector}.{self.action} failed after retries: {event.message}",
            )

    def _client_error(self, run: Run, token: Token, event: ServiceFailed) -> None:
        has_edge = any(e.on == "error" for e in run.spec.outgoing(self.id))
        if self.on_error == "incident" or not has_edge:
            if not token.resume:
                run.hold(
                    token,
                    "call",
                    "connector_error",
                    f"{self.connector}.{self.action} refused the request "
                    f"({event.status or '4xx'}): {event.message}",
                )
            return
        run.record("service_failed", token, status=event.status, message=event.message)
        if self.error_output:
            error = {"kind": event.kind.value, "status": event.status, "message": event.message}
            run.variables = write_var(run.variables, self.error_output, error)
        run.close(token, "failed")
        self.leave(run, token.evolve(data={}, resume=""), on="error")

    def var_paths(self) -> set[str]:
        return super().var_paths() | set(self.input.var_paths())
