"""Order lookup: the customer proves an order with its number and e-mail; it prefills the form.

The flow's `portal.lookup` names a connector action (e.g. the ERP's order lookup). It is
called synchronously through `app.services.connectors.call`, the same guarded transport
a flow's service node uses. What comes back is mapped into form values by
`lookup.prefill` (form field path -> dotted path in the action's outputs), e.g.
`{"order_number": "order_number", "items": "lines"}`.

The customer is told one of two things when it fails, never a stack trace:

* `not_found` — the outside system answered "no" (a 4xx, or an empty answer):
  check the number and the e-mail;
* `unavailable` — it could not answer (5xx, timeout, open circuit, misconfiguration):
  try again later. Admins see the details in the connector's call log.

With `lookup.guard` (a decision table key) the found order is checked before the form
is shown: variables `order` (the action's outputs), `email` (lower case) and
`order_number`; an output `outcome` of `"refuse"` (e.g. a blocklisted e-mail) answers
`refused` - a neutral message that does not say why - and nothing is created. A guard
that cannot be evaluated (table not published, no rule matches) refuses too: the
check fails closed, and the reason goes to the log.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from app.portal.offers import Lookup
from connectors.exceptions import ClientRejected, ConnectorError
from runtime.exceptions import NotFound

log = logging.getLogger(__name__)

NOT_FOUND = "not_found"
UNAVAILABLE = "unavailable"
REFUSED = "refused"
MAX_ORDER_NUMBER = 64
MAX_EMAIL = 254


@dataclass(frozen=True)
class LookupResult:
    problem: str | None  # None, NOT_FOUND, UNAVAILABLE or REFUSED
    values: dict[str, Any] = field(default_factory=dict)  # form values to prefill

    @property
    def found(self) -> bool:
        return self.problem is None


def look_up_order(lookup: Lookup, order_number: str, email: str) -> LookupResult:
    """Ask the configured action for the order; map its outputs into form values."""
    from app.services.connectors import call

    inputs = {lookup.order_input: order_number, lookup.email_input: email}
    try:
        result = call(lookup.connector, lookup.action, inputs, source="portal")
    except ClientRejected:
        return LookupResult(NOT_FOUND)
    except (ConnectorError, NotFound) as err:
        log.warning("portal order lookup through %s.%s failed: %s",
                    lookup.connector, lookup.action, err)
        return LookupResult(UNAVAILABLE)
    outputs = result.outputs or {}
    if not outputs:
        return LookupResult(NOT_FOUND)
    if lookup.guard and not _guard_allows(lookup.guard, outputs, order_number, email):
        return LookupResult(REFUSED)
    values = {}
    for form_path, output_path in lookup.prefill.items():
        value = read_path(outputs, output_path)
        if value is not None:
            values[form_path] = value
    return LookupResult(None, values)


def _guard_allows(table_key: str, order: Any, order_number: str, email: str) -> bool:
    from app.flows.specs import LazyTables
    from app.models import utcnow
    from runtime.exceptions import FormloomError

    variables = {"order": order, "email": email.strip().lower(), "order_number": order_number}
    try:
        outputs = LazyTables()[table_key].evaluate(variables, utcnow()).outputs
    except (KeyError, FormloomError) as err:
        log.warning("portal lookup guard %s refused (cannot decide): %s", table_key, err)
        return False
    return not (isinstance(outputs, dict) and outputs.get("outcome") == "refuse")


def read_path(data: Any, dotted: str) -> Any:
    """`lines.0.sku` in nested dicts and lists; None where the path leads nowhere."""
    for part in dotted.split(".") if dotted else ():
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


def clean_inputs(order_number: str | None, email: str | None) -> tuple[str, str] | None:
    """Trimmed order number and e-mail, or None when either is missing or absurdly long."""
    number = (order_number or "").strip()
    address = (email or "").strip()
    if not number or not address or len(number) > MAX_ORDER_NUMBER or len(address) > MAX_EMAIL:
        return None
    return number, address
