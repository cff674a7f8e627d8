"""HubSpot-style CRM simulator: contacts by e-mail, tickets, timeline notes.

Paths and bodies follow HubSpot's CRM v3 objects API, so the preset's mappings would
work against the real thing: `GET /crm/v3/objects/contacts/{email}?idProperty=email`,
`POST /crm/v3/objects/tickets`, `PATCH /crm/v3/objects/tickets/{id}`,
`POST /crm/v3/objects/notes` with associations to a contact or ticket. Contacts are
the seeded ERP customers; errors use HubSpot's `{"status": "error", "category", …}`.
"""

from __future__ import annotations

import secrets
from typing import Any

from connectors.sandbox import seed
from connectors.sandbox.base import Simulator
from connectors.sandbox.http import BadRequest, SimRequest, SimResponse, json_response

TICKET, NOTE, CONTACT = "crm.ticket", "crm.note", "crm.contact"
STAGES = ("1", "2", "3", "4")  # HubSpot's default pipeline: new, waiting on contact,
#                                waiting on us, closed
PRIORITIES = ("LOW", "MEDIUM", "HIGH")


def _error(status: int, message: str, category: str) -> SimResponse:
    return json_response(status, {"status": "error", "message": message, "category": category,
                                  "correlationId": secrets.token_hex(8)})


class CrmSimulator(Simulator):
    system = "crm"
    auth = "bearer"
    routes = (
        ("GET", r"/crm/v3/objects/contacts/(?P<ident>[^/]+)", "get_contact"),
        ("POST", r"/crm/v3/objects/tickets", "create_ticket"),
        ("GET", r"/crm/v3/objects/tickets/(?P<ticket_id>[0-9]+)", "get_ticket"),
        ("PATCH", r"/crm/v3/objects/tickets/(?P<ticket_id>[0-9]+)", "update_ticket"),
        ("POST", r"/crm/v3/objects/notes", "create_note"),
    )

    def get_contact(self, request: SimRequest, ident: str) -> SimResponse:
        by_email = request.arg("idProperty") == "email"
        for contact in seed.contacts():
            if (contact["email"] == ident.lower()) if by_email else contact["id"] == ident:
                first, _, last = contact["name"].partition(" ")
                return json_response(200, {
                    "id": contact["id"], "archived": False,
                    "properties": {"email": contact["email"], "firstname": first,
                                   "lastname": last, "country": contact["country"],
                                   "customer_tier": contact["tier"]},
                })
        return _error(404, "resource not found", "OBJECT_NOT_FOUND")

    def create_ticket(self, request: SimRequest) -> SimResponse:
        params = request.json()
        return self.idempotent(request, params, lambda: self._create_ticket(params))

    def _create_ticket(self, params: Any) -> SimResponse:
        properties = _properties(params)
        if not properties.get("subject"):
            return _error(400, "Property values were not valid: subject is required",
                          "VALIDATION_ERROR")
        properties.setdefault("hs_pipeline", "0")
        properties.setdefault("hs_pipeline_stage", "1")
        error = _check(properties)
        if error:
            return error
        now = self.now().isoformat()
        ticket = {"id": self._new_object_id(), "properties": properties, "createdAt": now,
                  "updatedAt": now, "archived": False,
                  "associations": _associations(params)}
        self.store.put(TICKET, ticket["id"], ticket)
        return json_response(201, ticket)

    def get_ticket(self, request: SimRequest, ticket_id: str) -> SimResponse:
        ticket = self.store.get(TICKET, ticket_id)
        return json_response(200, ticket) if ticket else _error(404, "resource not found",
                                                                "OBJECT_NOT_FOUND")

    def update_ticket(self, request: SimRequest, ticket_id: str) -> SimResponse:
        properties = _properties(request.json())
        error = _check(properties)
        if error:
            return error
        now = self.now().isoformat()

        def change(doc):
            if doc is None:
                return None
            return {**doc, "properties": {**doc["properties"], **properties}, "updatedAt": now}

        ticket = self.store.update(TICKET, ticket_id, change)
        return json_response(200, ticket) if ticket else _error(404, "resource not found",
                                                                "OBJECT_NOT_FOUND")

    def create_note(self, request: SimRequest) -> SimResponse:
        params = request.json()
        return self.idempotent(request, params, lambda: self._create_note(params))

    def _create_note(self, params: Any) -> SimResponse:
        properties = _properties(params)
        if not properties.get("hs_note_body"):
            return _error(400, "Property values were not valid: hs_note_body is required",
                          "VALIDATION_ERROR")
        properties.setdefault("hs_timestamp", self.now().isoformat())
        associations = _associations(params)
        if not associations:
            return _error(400, "A note needs at least one association", "VALIDATION_ERROR")
        now = self.now().isoformat()
        note = {"id": self._new_object_id(), "properties": properties, "createdAt": now,
                "updatedAt": now, "archived": False, "associations": associations}
        self.store.put(NOTE, note["id"], note)
        return json_response(201, note)

    def _new_object_id(self) -> str:
        return str(10**10 + secrets.randbelow(9 * 10**10))


def _properties(params: Any) -> dict[str, str]:
    if not isinstance(params, dict) or not isinstance(params.get("properties"), dict):
        raise BadRequest("the body must be {\"properties\": {...}}")
    return {str(k): "" if v is None else str(v) for k, v in params["properties"].items()}


def _check(properties: dict[str, str]) -> SimResponse | None:
    stage = properties.get("hs_pipeline_stage")
    if stage is not None and stage not in STAGES:
        return _error(400, f"Property values were not valid: hs_pipeline_stage {stage!r} "
                      f"is not one of {', '.join(STAGES)}", "VALIDATION_ERROR")
    priority = properties.get("hs_ticket_priority")
    if priority is not None and priority not in PRIORITIES:
        return _error(400, "Property values were not valid: hs_ticket_priority must be one "
                      f"of {', '.join(PRIORITIES)}", "VALIDATION_ERROR")
    return None


def _associations(params: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for item in params.get("associations") or []:
        target = (item or {}).get("to", {}) if isinstance(item, dict) else {}
        if isinstance(target, dict) and target.get("id"):
            out.append({"to": {"id": str(target["id"])}, "types": item.get("types") or []})
    return out
