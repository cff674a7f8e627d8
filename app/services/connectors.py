"""Connectors as the app uses them outside flows: synchronous calls, settings, overview.

    call("erp.orders", "get_order", {"number": "SO-1", "email": "a@b.c"}, source="portal")
        -> ActionResult(status, outputs, attempts, duration_ms)   or a ConnectorError

`call` goes through the same guarded transport, allowlist, credentials and call log as a
flow's service node (`app.flows.connector_calls`), so the portal's order lookup and an
admin's "test connection" behave exactly like a flow would. Every failure, including an
unknown connector or a credential nobody has set, is a `ConnectorError` whose message is
safe to show an admin (never a secret, never a body).

Settings: the base URL lives in the connector's definition, so changing it publishes a
new version through the definitions service (history, audit, checksum) and voids the
stored secrets bound to the old URL (CHECKLIST 16). Only builders and admins get here;
the views enforce it and `change_base_url` checks it again.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass
from typing import Any

from app.extensions import db
from app.flows.connector_calls import allowlist, connector_spec, transport
from app.models import Definition, DefinitionKind, DefinitionStatus, Incident, User
from app.models.platform import ConnectorCall, WebhookDelivery
from app.services import call_log, credentials, definitions
from connectors.compile import compile_connector
from connectors.exceptions import ConnectorError, ConnectorMisconfigured
from connectors.execute import ActionResult
from connectors.policies import URL
from runtime.exceptions import (
    Conflict,
    DefinitionInvalid,
    ErrorDetail,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)

SETTINGS_ROLES = ("admin", "builder")


@dataclass(frozen=True)
class ConnectorOverview:
    """One row of the connectors list."""

    key: str
    title: str
    type: str
    version: int
    base_url: str
    credentials_missing: tuple[str, ...]
    last_call: ConnectorCall | None
    problem: str = ""  # why the published definition no longer compiles

    @property
    def health(self) -> str:
        if self.problem:
            return "invalid definition"
        if self.credentials_missing:
            return "needs credentials"
        if self.last_call is None:
            return "not called yet"
        return "ok" if self.last_call.status == "ok" else "last call failed"


def call(
    connector_key: str,
    action: str,
    inputs: dict[str, Any],
    *,
    idempotency_key: str | None = None,
    source: str = "api",
) -> ActionResult:
    """Call one action now and return its result; every failure is a `ConnectorError`.

    Args:
        idempotency_key: sent as the action's idempotency header when given (use one for
            anything that changes the outside system); lookups may leave it out.
        source: recorded in the call log ("portal", "test", "api").
    """
    try:
        spec = connector_spec(connector_key)
    except NotFound as err:
        raise ConnectorMisconfigured(str(err)) from None
    try:
        secrets = _secrets(spec)
    except ConnectorMisconfigured as err:  # visible in the call log, not only to the caller
        call_log.record(spec.key, action, source, time.perf_counter(), error=err)
        raise
    return call_log.logged_call(
        spec, action, inputs, source=source, secrets=secrets,
        idempotency_key=idempotency_key or "", transport=transport(), allowlist=allowlist(),
    )


def test_connection(connector_key: str, action: str, inputs: dict[str, Any]) -> ActionResult:
    """Run a read-only (GET) action, as the admin's "test connection" button does.

    Only GET actions: a test must never refund, ship or write anything.
    """
    spec = connector_spec(connector_key)
    chosen = spec.action(action)
    if chosen is None or chosen.method != "GET":
        raise ConnectorMisconfigured(
            f"{connector_key} has no read-only action {action!r} to test the connection with"
        )
    return call(connector_key, action, inputs, source="test")


def test_actions(spec: Any) -> list[str]:
    return [a.name for a in spec.actions if a.method == "GET"]


def credential_names(spec: Any) -> tuple[str, ...]:
    """Every credential the definition names: its auth's and its webhooks' signing secret."""
    names = list(spec.auth.credentials)
    for hook in spec.webhooks:
        if hook.signature.credential not in names:
            names.append(hook.signature.credential)
    return tuple(names)


def overview() -> list[ConnectorOverview]:
    rows = _published_connectors()
    last = call_log.last_calls([r.key for r in rows])
    out = []
    for row in rows:
        try:
            spec = connector_spec(row.key)
        except DefinitionInvalid as err:  # published under an older, looser meta-schema
            out.append(ConnectorOverview(
                row.key, row.title, str((row.body or {}).get("type", "?")), row.version,
                str((row.body or {}).get("base_url", "")), (), last.get(row.key),
                problem=f"{err.errors[0].pointer}: {err.errors[0].reason}" if err.errors
                else "does not compile"))
            continue
        stored = {c.name for c in credentials.list_redacted(row.key)
                  if c.bound_base_url == spec.base_url}
        missing = tuple(n for n in credential_names(spec) if n not in stored)
        out.append(ConnectorOverview(row.key, row.title, spec.type, row.version, spec.base_url,
                                     missing, last.get(row.key)))
    return out


def set_credential(connector_key: str, name: str, value: str, actor: User) -> None:
    """Store a secret the definition names, bound to the connector's current base URL."""
    spec = connector_spec(connector_key)
    if name not in credential_names(spec):
        raise NotFound(f"{connector_key} uses no credential named {name!r}")
    value = value.strip()
    if not value or len(value) > 4000:
        raise ValidationFailed([ErrorDetail("/value", "enter the secret (1-4000 characters)")])
    credentials.set_secret(connector_key, name, value, spec.base_url, actor=actor)


def change_base_url(connector_key: str, new_url: str, actor: User) -> tuple[Definition, int]:
    """Publish a new version with `new_url`; returns it and how many secrets were voided.

    Raises:
        PermissionDenied: the actor is neither a builder nor an admin.
        Conflict: the connector has an unpublished draft (it is someone's work in
            progress; publishing over it would lose it or publish it unreviewed).
        ValidationFailed: the URL is not an http(s) URL without credentials or query.
    """
    if actor is None or not actor.has_role(*SETTINGS_ROLES):
        raise PermissionDenied("only builders and admins may change a connector's base URL")
    new_url = new_url.strip()
    if not URL.match(new_url) or len(new_url) > 2048:
        raise ValidationFailed([ErrorDetail(
            "/base_url", "must be an http:// or https:// URL without credentials, query or "
            "fragment")])
    current = definitions.get("connector", connector_key, "latest")
    if str((current.body or {}).get("base_url", "")).rstrip("/") == new_url.rstrip("/"):
        raise Conflict("the base URL is already set to this address")
    if definitions.get("connector", connector_key).status == DefinitionStatus.DRAFT:
        raise Conflict(f"connector {connector_key} has an unpublished draft; publish or "
                       "discard it in the builder first")
    body = copy.deepcopy(current.body)
    body["base_url"] = new_url
    try:
        compile_connector(body, connector_key)
    except DefinitionInvalid as err:
        raise ValidationFailed(err.errors) from None
    definitions.save_draft("connector", connector_key, current.title, body, actor=actor,
                           schema_version=current.schema_version)
    row = definitions.publish("connector", connector_key, actor=actor)
    cleared = credentials.base_url_changed(connector_key, new_url.rstrip("/"), actor=actor)
    return row, cleared


def incidents_for(connector_key: str, limit: int = 50) -> list[Incident]:
    """Open incidents this connector caused: failed jobs processing its webhook deliveries,
    and flow incidents at nodes whose call to it failed."""
    calls = db.session.execute(
        db.select(ConnectorCall.instance_id, ConnectorCall.node_id)
        .where(ConnectorCall.connector_key == connector_key,
               ConnectorCall.instance_id.is_not(None), ConnectorCall.status != "ok")
        .order_by(ConnectorCall.id.desc()).limit(1000)
    ).all()
    places = {(i, n) for i, n in calls}
    deliveries = set(db.session.scalars(
        db.select(WebhookDelivery.id).where(WebhookDelivery.connector_key == connector_key,
                                            WebhookDelivery.status == "received")
    ))
    rows = db.session.scalars(
        db.select(Incident).where(Incident.status == "open").order_by(Incident.id.desc())
        .limit(1000)
    )
    found = []
    for row in rows:
        details = row.details or {}
        webhook_job = details.get("job") == "webhooks.process" and any(
            arg in deliveries for arg in details.get("args", [])[:1])
        if webhook_job or (row.instance_id, row.node_id) in places:
            found.append(row)
    return found[:limit]


def recent_deliveries(connector_key: str, limit: int = 50) -> list[WebhookDelivery]:
    return list(db.session.scalars(
        db.select(WebhookDelivery).where(WebhookDelivery.connector_key == connector_key)
        .order_by(WebhookDelivery.id.desc()).limit(limit)
    ))


def _published_connectors() -> list[Definition]:
    newest = (
        db.select(Definition.key, db.func.max(Definition.version).label("version"))
        .where(Definition.kind == DefinitionKind.CONNECTOR,
               Definition.status == DefinitionStatus.PUBLISHED)
        .group_by(Definition.key).subquery()
    )
    return list(db.session.scalars(
        db.select(Definition).join(newest, (Definition.key == newest.c.key)
                                   & (Definition.version == newest.c.version))
        .where(Definition.kind == DefinitionKind.CONNECTOR).order_by(Definition.key)
    ))


def _secrets(spec: Any) -> dict[str, str]:
    """Decrypted for this call only (as the service-node handler does)."""
    try:
        return {name: credentials.get_secret(spec.key, name, spec.base_url)
                for name in spec.auth.credentials}
    except NotFound:
        missing = [n for n in spec.auth.credentials
                   if not _has_secret(spec, n)]
        raise ConnectorMisconfigured(
            f"{spec.key}: credential {', '.join(missing) or '?'} is not set for "
            f"{spec.base_url}; an admin enters it under Admin > Connectors"
        ) from None


def _has_secret(spec: Any, name: str) -> bool:
    try:
        credentials.get_secret(spec.key, name, spec.base_url)
        return True
    except NotFound:
        return False


__all__ = ["ConnectorError", "ConnectorOverview", "call", "change_base_url", "overview",
           "set_credential", "test_connection"]
