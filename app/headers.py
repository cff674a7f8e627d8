"""Security headers on every response (DESIGN §10).

The CSP allows scripts and styles from this origin only: no page of ours needs inline
script, inline style attributes or `eval` (`tests/security/test_csp_pages.py` checks
the rendered pages). Framing is refused twice (`frame-ancestors` for current browsers,
`X-Frame-Options` for old ones). In production, browsers are told to use HTTPS only
(HSTS), which the `Secure` session cookie relies on.
"""

from __future__ import annotations

from flask import Flask, Response, current_app

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
PERMISSIONS_POLICY = "camera=(self), microphone=(), geolocation=(), payment=(), usb=()"
HSTS = "max-age=31536000; includeSubDomains"


def _add_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if current_app.config.get("ENV_MODE") == "production":
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def init_app(app: Flask) -> None:
    app.after_request(_add_headers)
