"""Preset connector definitions: one JSON file per outside system, run by the generic framework.

Each preset is a plain connector definition (valid against
`builder/schemas/connector.json`, compiled by `compile_connector`, called with
`call_action`): no preset has code of its own. The file name is the connector key the
demo installs it under; `base_url` points at the real service's shape and is replaced
by the sandbox URL when installed for the demo (`formloom sandbox install-connectors`).
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

PRESET_DIR = Path(__file__).parent
PRESETS: dict[str, str] = {
    "payment": "Payments (Stripe-style refunds)",
    "crm": "CRM (HubSpot-style contacts, tickets, notes)",
    "erp": "ERP (Odoo-style orders, credit notes, stock moves)",
    "wms": "Warehouse (expected receipts and receipt confirmations)",
    "carrier": "Carrier (return labels with customs data, tracking)",
    "fx": "Exchange rates",
}
"""Preset name (= connector key and sandbox system) -> title."""


@cache
def _load(name: str) -> dict[str, Any]:
    if name not in PRESETS:
        raise KeyError(f"no connector preset {name!r}; presets: {', '.join(PRESETS)}")
    return json.loads((PRESET_DIR / f"{name}.json").read_text(encoding="utf-8"))


def load_preset(name: str, base_url: str | None = None) -> dict[str, Any]:
    """The preset's definition body (a fresh copy), optionally aimed at `base_url`."""
    body = copy.deepcopy(_load(name))
    if base_url is not None:
        body["base_url"] = base_url.rstrip("/")
    return body


def available() -> list[str]:
    return [name for name in PRESETS if (PRESET_DIR / f"{name}.json").exists()]
