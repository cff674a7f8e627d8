"""A small returns-like request for the portal tests: form, flow, and an ERP to look orders up.

`erp` is a real loopback HTTP server answering `GET /orders/<number>?email=…` the way an
ERP does (200 with the order, 404 when number and e-mail do not match, 503 when told
to fail); it is reached through a published connector definition and the guarded
transport, exactly as in production.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from app.extensions import db
from app.services import definitions

RETURN_FORM = {
    "schema": {
        "type": "object",
        "required": ["order_number", "email", "reason"],
        "properties": {
            "order_number": {"type": "string", "maxLength": 64},
            "email": {"type": "string", "format": "email", "maxLength": 254},
            "reason": {"type": "string", "enum": ["size", "damaged", "changed_mind"]},
            "damage": {"type": "string", "minLength": 3, "maxLength": 2000},
            "photos": {"type": "array", "maxItems": 3},
            "items": {
                "type": "array", "minItems": 1, "maxItems": 10,
                "items": {"type": "object", "required": ["sku", "qty"],
                          "properties": {"sku": {"type": "string", "maxLength": 40},
                                         "qty": {"type": "integer", "minimum": 1}}},
            },
            "notes": {"type": "string", "maxLength": 2000},
        },
    },
    "ui": {
        "sections": [
            {"id": "order", "title": "Your order", "fields": ["order_number", "email", "items"]},
            {"id": "why", "title": "Why", "fields": ["reason", "damage", "photos", "notes"]},
        ],
        "widgets": {
            "email": {"type": "email"},
            "reason": {"type": "radio"},
            "damage": {"type": "textarea", "rows": 3},
            "photos": {"type": "photo", "max_files": 3, "max_size_mb": 5,
                       "accept": ["image/jpeg", "image/png"]},
            "items": {"type": "line_items"},
            "notes": {"type": "textarea", "rows": 3},
        },
    },
    "i18n": {
        "en": {
            "section.order.title": "Your order", "section.why.title": "Why are you returning it?",
            "order_number.label": "Order number", "email.label": "E-mail",
            "reason.label": "Reason", "reason.option.size": "Wrong size",
            "reason.option.damaged": "Arrived damaged",
            "reason.option.changed_mind": "Changed my mind",
            "damage.label": "What is damaged?", "photos.label": "Photos of the damage",
            "items.label": "Items to return", "items.sku.label": "Article",
            "items.qty.label": "Quantity", "notes.label": "Anything else?",
        },
        "zh-CN": {
            "section.order.title": "您的订单", "section.why.title": "退货原因",
            "order_number.label": "订单号", "email.label": "电子邮箱",
            "reason.label": "原因", "reason.option.size": "尺码不合适",
            "reason.option.damaged": "收到时已损坏", "reason.option.changed_mind": "不想要了",
            "damage.label": "哪里损坏了", "photos.label": "损坏照片",
            "items.label": "退货商品", "items.sku.label": "商品",
            "items.qty.label": "数量", "notes.label": "其他说明",
        },
    },
    "rules": [
        {"id": "damage_shown", "when": {"var": "reason", "op": "==", "value": "damaged"},
         "effect": "show", "fields": ["damage", "photos"]},
        {"id": "damage_required", "when": {"var": "reason", "op": "==", "value": "damaged"},
         "effect": "require", "fields": ["damage", "photos"]},
    ],
}

MORE_INFO_FORM = {
    "schema": {"type": "object", "required": ["details"],
               "properties": {"details": {"type": "string", "minLength": 2, "maxLength": 2000}}},
    "ui": {"sections": [{"id": "more", "fields": ["details"]}],
           "widgets": {"details": {"type": "textarea", "rows": 4}}},
    "i18n": {"en": {"details.label": "Please describe the damage in more detail"},
             "zh-CN": {"details.label": "请详细描述损坏情况"}},
}


def returns_flow(lookup: bool = True) -> dict:
    portal: dict[str, Any] = {
        "title": {"en": "Return an item", "zh-CN": "申请退货"},
        "description": {"en": "Send something back within 30 days.",
                        "zh-CN": "30 天内可申请退货。"},
        "steps": {
            "inspect": {"label": {"en": "Our warehouse checks your return",
                                  "zh-CN": "仓库正在检查您的退货"},
                        "next": {"en": "We inspect the parcel within 2 working days.",
                                 "zh-CN": "我们将在 2 个工作日内检查包裹。"}},
        },
        "documents": {"label_file": {"en": "Return label", "zh-CN": "退货标签"}},
    }
    if lookup:
        portal["lookup"] = {
            "connector": "erp.test", "action": "find_order", "order_input": "number",
            "prefill": {"order_number": "number", "email": "email", "items": "lines"},
        }
    return {
        "case_number": {"prefix": "RMA-", "digits": 6},
        "portal": portal,
        "nodes": [
            {"id": "start", "type": "start",
             "config": {"trigger": {"type": "form", "form": "portal.return_request"}}},
            {"id": "fraud_check", "type": "user_task", "config": {
                "title": "Internal fraud check", "outcomes": ["ok", "need_info"],
                "assignee": {"role": "cs_agent"}}},
            {"id": "more_info", "type": "form",
             "config": {"form": "portal.more_info", "submitter": "customer",
                        "output": "more_info"}},
            {"id": "inspect", "type": "user_task", "config": {
                "title": "Inspect the parcel", "outcomes": ["approve", "reject"],
                "assignee": {"role": "warehouse_eu"}}},
            {"id": "done", "type": "end"},
            {"id": "rejected", "type": "end", "config": {"status": "rejected"}},
        ],
        "edges": [
            {"from": "start", "to": "fraud_check"},
            {"from": "fraud_check", "to": "inspect", "outcome": "ok"},
            {"from": "fraud_check", "to": "more_info", "outcome": "need_info"},
            {"from": "more_info", "to": "fraud_check"},
            {"from": "inspect", "to": "done", "outcome": "approve"},
            {"from": "inspect", "to": "rejected", "outcome": "reject"},
        ],
    }


def erp_connector(url: str) -> dict:
    return {
        "type": "erp", "base_url": url, "auth": {"type": "none"},
        "retry": {"max_attempts": 2, "backoff": "exponential", "initial_seconds": 0.01,
                  "max_seconds": 0.02},
        "actions": {"find_order": {
            "method": "GET", "path": "/orders/{number}",
            "input": {"type": "object", "required": ["number", "email"],
                      "properties": {"number": {"type": "string"},
                                     "email": {"type": "string"}}},
            "request": {"query": {"email": "email"}},
            "response": {"map": {"number": "body.number", "email": "body.email",
                                 "lines": "body.lines"}},
            "expected_status": [200],
        }},
    }


ORDERS = {
    "SO-1001": {"number": "SO-1001", "email": "ana@example.com",
                "lines": [{"sku": "TSHIRT-M", "qty": 2}, {"sku": "CAP-1", "qty": 1}]},
    "SO-2002": {"number": "SO-2002", "email": "bo@example.cn",
                "lines": [{"sku": "SHOE-42", "qty": 1}]},
}


@dataclass
class FakeErp:
    url: str = ""
    calls: list[str] = field(default_factory=list)
    failing: bool = False


@contextmanager
def running_erp() -> Iterator[FakeErp]:
    """The fake ERP on a loopback port, for as long as the block runs."""
    state = FakeErp()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            state.calls.append(self.path)
            match = re.fullmatch(r"/orders/([^/]+)", parts.path)
            email = (parse_qs(parts.query).get("email") or [""])[0].lower()
            order = ORDERS.get(match.group(1)) if match else None
            if state.failing:
                status, body = 503, {"error": "maintenance"}
            elif order is None or order["email"] != email:
                status, body = 404, {"error": "not found"}
            else:
                status, body = 200, order
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def publish_erp_connector(app, url: str) -> None:
    app.config["CONNECTOR_ALLOWLIST"] = ["127.0.0.1"]
    definitions.save_draft("connector", "erp.test", "ERP", erp_connector(url))
    definitions.publish("connector", "erp.test")
    db.session.commit()


@pytest.fixture
def erp(app) -> Iterator[FakeErp]:
    with running_erp() as state:
        publish_erp_connector(app, state.url)
        yield state


def publish(kind: str, key: str, title: str, body: dict) -> None:
    definitions.save_draft(kind, key, title, body)
    definitions.publish(kind, key)
    db.session.commit()


@pytest.fixture
def request_forms(app) -> None:
    publish("form", "portal.return_request", "Return request", RETURN_FORM)
    publish("form", "portal.more_info", "More information", MORE_INFO_FORM)


@pytest.fixture
def returns(request_forms, erp) -> None:
    """The returns flow with its order lookup, published (with its forms)."""
    publish("flow", "portal.returns", "Returns", returns_flow(lookup=True))


@pytest.fixture
def contact(request_forms) -> None:
    """The same request without an order lookup (no ERP involved)."""
    publish("flow", "portal.simple", "Simple returns", returns_flow(lookup=False))


_HIDDEN = re.compile(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"')


def hidden_fields(html: str) -> dict[str, str]:
    """The hidden inputs of a rendered portal page (CSRF token, client token, lookup proof)."""
    return dict(_HIDDEN.findall(html))


def request_fields(**overrides: Any) -> dict[str, Any]:
    """A valid return request (no damage, so no photo needed)."""
    values: dict[str, Any] = {
        "order_number": "SO-1001", "email": "ana@example.com", "reason": "size",
        "items/0/sku": "TSHIRT-M", "items/0/qty": "1", "notes": "",
    }
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


def open_form(client, flow_key: str = "portal.simple", **headers: str) -> dict[str, str]:
    """GET the request form; its hidden fields, ready to post back."""
    response = client.get(f"/portal/r/{flow_key}", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return hidden_fields(response.get_data(as_text=True))


def submit(client, flow_key: str = "portal.simple", hidden: dict | None = None, **fields: Any):
    hidden = hidden if hidden is not None else open_form(client, flow_key)
    return client.post(f"/portal/r/{flow_key}", data={**hidden, **request_fields(**fields)},
                       content_type="multipart/form-data")


def status_token_of(response) -> str:
    location = response.headers["Location"]
    match = re.search(r"/portal/case/([^/]+)/thanks$", location)
    assert match, location
    return match.group(1)
