"""Sandbox simulators: stateful fakes of the preset APIs, as plain request -> response code.

No Flask here (DESIGN §3): `app/sandbox` serves them under `/sandbox/<system>/...`
with a database-backed `Store`; tests may call `handle` with a `MemoryStore`.
Adding a system is adding one `Simulator` subclass and one line in `SIMULATORS`
(STYLE 9).
"""

from __future__ import annotations

from connectors.sandbox.base import (
    MODES,
    OutgoingWebhook,
    SandboxSettings,
    Simulator,
    sandbox_key,
    set_mode,
    sign,
    webhook_secret,
)
from connectors.sandbox.carrier import CarrierSimulator
from connectors.sandbox.crm import CrmSimulator
from connectors.sandbox.erp import ErpSimulator
from connectors.sandbox.fx import FxSimulator
from connectors.sandbox.http import BadRequest, SimRequest, SimResponse, error_response
from connectors.sandbox.payment import PaymentSimulator
from connectors.sandbox.store import MemoryStore, Store
from connectors.sandbox.wms import WmsSimulator

SIMULATORS: dict[str, type[Simulator]] = {
    sim.system: sim
    for sim in (PaymentSimulator, CrmSimulator, ErpSimulator, WmsSimulator, CarrierSimulator,
                FxSimulator)
}


def handle(
    system: str, request: SimRequest, store: Store, settings: SandboxSettings
) -> SimResponse:
    """Answer one request to `/sandbox/<system><request.path>`."""
    simulator = SIMULATORS.get(system)
    if simulator is None:
        return error_response(404, f"no sandbox system {system!r}", "resource_missing")
    try:
        return simulator(store, settings).handle(request)
    except BadRequest as exc:
        return error_response(400, str(exc), "parameter_invalid")


__all__ = [
    "MODES",
    "SIMULATORS",
    "BadRequest",
    "MemoryStore",
    "OutgoingWebhook",
    "SandboxSettings",
    "SimRequest",
    "SimResponse",
    "Simulator",
    "Store",
    "handle",
    "sandbox_key",
    "set_mode",
    "sign",
    "webhook_secret",
]
