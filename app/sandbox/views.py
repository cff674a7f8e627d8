"""The simulated APIs: `/sandbox/<system>/<path>`, authenticated by the sandbox's own keys.

The views are thin: a Flask request becomes a `SimRequest`, `connectors.sandbox.handle`
answers it against the database store, and a simulated hang is a sleep here.
"""

from __future__ import annotations

import time

from flask import Blueprint, Response, request

from app.sandbox import settings
from app.sandbox.store import DatabaseStore
from app.security import own_auth
from connectors.sandbox import SimRequest, handle

bp = Blueprint("sandbox", __name__)
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


@bp.route("/sandbox/<system>/<path:rest>", methods=METHODS)
@own_auth
def simulate(system: str, rest: str) -> Response:
    sim_request = SimRequest(
        method=request.method,
        path="/" + rest,
        query=tuple(request.args.items(multi=True)),
        headers={k.lower(): v for k, v in request.headers.items()},
        body=request.get_data(cache=False),
    )
    answer = handle(system, sim_request, DatabaseStore(), settings())
    if answer.delay_seconds > 0:
        time.sleep(answer.delay_seconds)
    return Response(answer.body, status=answer.status, headers=list(answer.headers))
