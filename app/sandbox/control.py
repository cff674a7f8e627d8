"""Sandbox controls for tests and demos: error modes, reset, emitting signed webhooks.

Who may use them: admins only - a signed-in admin (with the CSRF token, like every
other form) or an admin's API token (`Authorization: Bearer flm_…`, no CSRF needed).
No separate sandbox token exists: the controls change what the demo's connectors see,
which is an admin's business, and API tokens already give scripts a way in. The
routes exist only while the sandbox is enabled.

    GET  /sandbox/_control                         systems, base URLs, error modes
    POST /sandbox/_control/<system>/mode           {"mode": "rate_limited", "retry_after": 2,
                                                    "remaining": 2} or {"mode": null}
    POST /sandbox/_control/<system>/<action>       e.g. carrier/tracking, wms/receipt:
                                                    change state and post the signed webhook
    POST /sandbox/_control/reset                   forget every simulated object
"""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
from typing import Any

from flask import Blueprint, jsonify, request

from app.sandbox import base_url, settings
from app.sandbox.store import DatabaseStore
from app.security import requires
from connectors.sandbox import MODES, SIMULATORS, BadRequest, OutgoingWebhook, set_mode
from connectors.sandbox.base import MODE_KIND

bp = Blueprint("sandbox_control", __name__, url_prefix="/sandbox/_control")
log = logging.getLogger(__name__)
DELIVERY_TIMEOUT_SECONDS = 10


def _bad(message: str, status: int = 400) -> Any:
    return jsonify({"error": {"code": "sandbox_control", "message": message}}), status


def _body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else {}


@bp.get("")
@requires("admin")
def overview() -> Any:
    store = DatabaseStore()
    systems = {}
    for name, simulator in SIMULATORS.items():
        mode = store.get(MODE_KIND, name) or {}
        systems[name] = {"base_url": f"{base_url()}/sandbox/{name}",
                         "mode": mode if mode.get("mode") else None,
                         "controls": list(simulator.controls)}
    return jsonify({"systems": systems, "modes": list(MODES)})


@bp.post("/reset")
@requires("admin")
def reset() -> Any:
    DatabaseStore().delete_all()
    return jsonify({"reset": True})


@bp.post("/<system>/mode")
@requires("admin")
def switch_mode(system: str) -> Any:
    if system not in SIMULATORS:
        return _bad(f"no sandbox system {system!r}", 404)
    body = _body()
    if body.get("mode") == "decline" and system != "payment":
        return _bad("only the payment sandbox can decline")
    try:
        mode = set_mode(DatabaseStore(), system, body.get("mode"),
                        **{k: body.get(k) for k in ("seconds", "retry_after", "remaining")})
    except (BadRequest, TypeError, ValueError) as exc:
        return _bad(str(exc) if isinstance(exc, BadRequest) else "seconds, retry_after and "
                    "remaining must be numbers")
    return jsonify({"system": system, "mode": mode})


@bp.post("/<system>/<action>")
@requires("admin")
def run_control(system: str, action: str) -> Any:
    simulator_class = SIMULATORS.get(system)
    if simulator_class is None or action not in simulator_class.controls:
        return _bad(f"no sandbox control {system}/{action}", 404)
    simulator = simulator_class(DatabaseStore(), settings())
    try:
        result, webhook = simulator.control(action, _body())
    except BadRequest as exc:
        return _bad(str(exc))
    if webhook is not None:
        result = {**result, "webhook": deliver(webhook)}
    return jsonify(result)


def deliver(webhook: OutgoingWebhook) -> dict[str, Any]:
    """POST the signed webhook to Formloom's hook URL; report what the receiver said.

    The URL comes from configuration (`SANDBOX_CALLBACK_BASE_URL` / `PUBLIC_BASE_URL`),
    never from the request, so a control call cannot aim it elsewhere.
    """
    req = urllib.request.Request(  # noqa: S310 - http(s) URL from configuration only
        webhook.url, data=webhook.body, headers=dict(webhook.headers), method="POST")
    try:
        with urllib.request.urlopen(req, timeout=DELIVERY_TIMEOUT_SECONDS) as answer:  # noqa: S310
            status = answer.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except (urllib.error.URLError, OSError) as exc:
        log.warning("sandbox webhook %s to %s failed: %s", webhook.event_id, webhook.url, exc)
        return {"event_id": webhook.event_id, "url": webhook.url, "status": None,
                "error": str(getattr(exc, "reason", exc))[:200]}
    log.info("sandbox webhook %s to %s: %s", webhook.event_id, webhook.url, status)
    return {"event_id": webhook.event_id, "url": webhook.url, "status": status}
