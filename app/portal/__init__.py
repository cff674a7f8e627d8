"""The customer portal at `/portal`: find an order, send a request, follow the case.

Every route is `@public` on purpose — customers have no account — and does its own
checks: a case is reached only through its signed status link (a changed or foreign
token is a 404), lookups and submissions are rate-limited per IP and per order number,
and every POST carries the CSRF token like any other form in the app.

    views.py    routes (thin: parse, call one service, render)
    offers.py   which flows are offered, from their `portal` block
    lookup.py   order lookup through a connector action
    cases.py    submission -> case, customer answers -> flow (one transaction each)
    status.py   the customer-safe timeline, next step and documents
    links.py    signed status links (host from PUBLIC_BASE_URL) and lookup proofs
    notices.py  e-mail the customer when their case asks them for more information
    i18n.py     the portal's words in en and zh-CN, and the visitor's language
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("portal", __name__, url_prefix="/portal")

from app.portal import errors, notices, views  # noqa: E402,F401  (routes, handlers, hooks)
