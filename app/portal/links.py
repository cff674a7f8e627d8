"""Signed values the portal hands to customers: status links and order-lookup proofs.

A **status link** is the customer's key to one case: `/portal/status/<token>`, where the
token signs the case's random `public_id` with `SECRET_KEY` under its own salt. It does
not expire: customers follow a return for weeks and keep the e-mail; rotating
`SECRET_KEY` voids every link (and every session). A changed or foreign token is a 404.
The link's scheme and host come from `PUBLIC_BASE_URL`, never from the request's `Host`
(CHECKLIST 23), so a forged Host header cannot plant an attacker's domain in an e-mail.

A **lookup proof** travels in a hidden field from the order lookup to the request form:
it signs the order number, e-mail and the values the lookup prefilled, so the server
can put back what the customer proved (they cannot file against an order they did not
look up). It expires after `LOOKUP_MAX_AGE` seconds.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer, URLSafeTimedSerializer

from runtime.exceptions import NotFound

STATUS_SALT = "formloom.portal.status-link"
LOOKUP_SALT = "formloom.portal.order-lookup"
LOOKUP_MAX_AGE = 2 * 3600


def _status_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=STATUS_SALT)


def status_token(public_id: str) -> str:
    return _status_serializer().dumps(public_id)


def case_id_from_token(token: str) -> str:
    """The case's public id a status token names; NotFound for anything forged or changed."""
    try:
        value = _status_serializer().loads(token)
    except BadSignature:
        raise NotFound("no such case") from None
    # Base64 leaves spare bits in a token's last character; only the canonical form is a
    # link, so no edited token ever opens a page (CHECKLIST 17).
    if not isinstance(value, str) or status_token(value) != token:
        raise NotFound("no such case")
    return value


def status_url(public_id: str) -> str:
    """The absolute status link for e-mails, on the configured public host.

    Built without `url_for`, so jobs and timers (no request, no SERVER_NAME) can mail it.
    """
    base = str(current_app.config["PUBLIC_BASE_URL"]).rstrip("/")
    return f"{base}/portal/case/{status_token(public_id)}"


def _lookup_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=LOOKUP_SALT)


def lookup_proof(flow_key: str, values: dict[str, Any]) -> str:
    return _lookup_serializer().dumps({"flow": flow_key, "values": values})


def values_from_proof(flow_key: str, proof: str | None) -> dict[str, Any] | None:
    """The prefilled values a proof carries, or None when missing, forged, stale or foreign."""
    if not proof:
        return None
    try:
        data = _lookup_serializer().loads(proof, max_age=LOOKUP_MAX_AGE)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("flow") != flow_key:
        return None
    values = data.get("values")
    return values if isinstance(values, dict) else None
