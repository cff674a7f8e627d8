"""Service nodes reaching outside systems: the handler of `call_connector` outbox rows.

The call goes through the one guarded transport (`connectors/`): SSRF guard with the
admin's allowlist, timeouts, retries with backoff, circuit breaker, and the effect's
idempotency key on every attempt — so a job retried after a crash, or an incident
retried by an admin, never makes the outside system act twice. The outcome becomes the
flow event the engine waits for:

    success                          -> service_succeeded(outputs)
    4xx (refused, invalid input)     -> service_failed(kind="client"): the error edge
    retries used up, timeout, bad
    answer, refused target, missing
    credential                       -> retries_exhausted: an incident with a retry button
    circuit open                     -> nothing was sent; delivered again after the pause

The built-in connector `platform` (runtime/functions) runs a registered pure function in
process instead: same outbox row and events, its input errors take the error edge.
"""

from __future__ import annotations

from typing import Any

from flask import current_app

from app.extensions import db
from app.flows import service
from app.flows.outbox import Deferred, handles
from app.models import Definition, DefinitionKind, DefinitionStatus, FlowInstance, OutboxEntry
from app.services import call_log, credentials
from connectors import Allowlist, Transport, compile_connector
from connectors.exceptions import CircuitOpen, ClientRejected, ConnectorError
from runtime import functions
from runtime.exceptions import NotFound
from runtime.flows import RetriesExhausted, ServiceFailed, ServiceSucceeded

TRANSPORT_KEY = "formloom.connectors.transport"
_specs: dict[tuple[str, str], Any] = {}


def transport() -> Transport:
    """One per process: it keeps the circuit breakers and the OAuth token cache."""
    return current_app.extensions.setdefault(TRANSPORT_KEY, Transport())


def allowlist() -> Allowlist:
    value = current_app.config.get("CONNECTOR_ALLOWLIST") or []
    items = [v.strip() for v in value.split(",")] if isinstance(value, str) else list(value)
    return Allowlist.parse([v for v in items if v])


def connector_spec(key: str) -> Any:
    row = db.session.scalar(
        db.select(Definition)
        .where(Definition.kind == DefinitionKind.CONNECTOR, Definition.key == key,
               Definition.status == DefinitionStatus.PUBLISHED)
        .order_by(Definition.version.desc()).limit(1)
    )
    if row is None:
        raise NotFound(f"connector {key!r} has no published version")
    if (key, row.checksum) not in _specs:
        _specs[(key, row.checksum)] = compile_connector(row.body, key=key, version=row.version)
    return _specs[(key, row.checksum)]


def _secrets(spec: Any) -> dict[str, str]:
    """Decrypted for this call only; never stored in the job, the outbox or a log."""
    return {name: credentials.get_secret(spec.key, name, spec.base_url)
            for name in spec.auth.credentials}


def _builtin(instance_id: int, action: str, inputs: Any) -> dict[str, Any]:
    """A platform function, or one of the app's built-in actions (builtin_calls)."""
    from app.flows.builtin_calls import APP_ACTIONS

    if action in APP_ACTIONS:
        if not isinstance(inputs, dict):
            raise functions.FunctionInputError(f"{action}: the input must be an object")
        return APP_ACTIONS[action](instance_id, inputs)
    return functions.call(action, inputs)


@handles("call_connector")
def call(entry: OutboxEntry) -> None:
    payload = entry.payload
    where = {"node_id": payload["node_id"], "activation": payload["activation"]}
    try:
        if payload["connector"] == functions.BUILTIN_CONNECTOR:
            outputs = _builtin(entry.instance_id, payload["action"], payload.get("inputs", {}))
            service.deliver(db.session.get(FlowInstance, entry.instance_id),
                            ServiceSucceeded(**where, output=outputs))
            return
        spec = connector_spec(payload["connector"])
        result = call_log.logged_call(  # call_action, recorded in the connector call log
            spec, payload["action"], payload.get("inputs", {}), source="flow",
            instance_id=entry.instance_id, node_id=payload["node_id"],
            idempotency_key=entry.idempotency_key, secrets=_secrets(spec),
            transport=transport(), allowlist=allowlist(), retry=payload.get("retry") or None,
        )
        event: Any = ServiceSucceeded(**where, output=dict(result.outputs))
    except CircuitOpen as err:
        raise Deferred(err.retry_after) from err
    except ClientRejected as err:
        event = ServiceFailed(**where, kind="client", status=err.status, message=str(err))
    except functions.FunctionInputError as err:
        event = ServiceFailed(**where, kind="client", status=422, message=str(err))
    except (ConnectorError, NotFound) as err:
        event = RetriesExhausted(**where, message=str(err))
    instance = db.session.get(FlowInstance, entry.instance_id)
    service.deliver(instance, event)
