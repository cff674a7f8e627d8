"""The cross-border returns bundle, imported into a live app whose connectors reach the sandbox.

The app is served on a loopback port (`served`) and `install_connectors` aims the preset
connectors at its own `/sandbox/...` simulators, so the portal's order lookup and the
flow's service nodes make real HTTP calls to the seeded ERP. Customers are driven with
the test client through `/portal`, staff through `/inbox`, exactly as people use them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from app.extensions import db
from app.jobs import get_dispatcher
from app.models import FlowInstance
from tests.app.portal.conftest import hidden_fields
from tests.app.sandbox.conftest import served  # noqa: F401 - fixture
from tests.factories import make_user

BUNDLE = Path(__file__).resolve().parents[3] / "seed_templates" / "cross_border_returns"
FLOW = "returns.rma"


@pytest.fixture
def returns_app(served):  # noqa: F811 - the imported fixture
    """(app, staff): the bundle imported over the installed sandbox connectors."""
    from app.sandbox.install import install_connectors
    from app.services.bundles import import_bundle

    _base, app = served
    install_connectors()
    import_bundle(BUNDLE)
    db.session.commit()
    staff = {
        "agent": make_user("staff", teams=("cs_agent",), email="agent@example.test"),
        "lead": make_user("staff", teams=("cs_lead", "cs_agent"), email="lead@example.test"),
    }
    return app, staff


def look_up(client, number: str, email: str, locale: str = "en"):
    """The portal's order lookup; the answer is the prefilled request form (or a refusal)."""
    headers = {"Accept-Language": locale}
    page = client.get(f"/portal/r/{FLOW}", headers=headers)
    assert page.status_code == 200, page.get_data(as_text=True)[:500]
    csrf = hidden_fields(page.get_data(as_text=True))["csrf_token"]
    return client.post(f"/portal/r/{FLOW}/lookup", headers=headers,
                       data={"csrf_token": csrf, "order_number": number, "email": email})


def prefilled(html: str) -> dict[str, str]:
    """The values the lookup put into the form's visible fields (order, e-mail, items)."""
    values = dict(re.findall(r'name="([a-z_]+(?:/\d+/[a-z_]+)?)"[^>]*? value="([^"]*)"', html))
    return {k: v for k, v in values.items()
            if k in ("order_number", "email") or k.startswith("items/")}


def request_return(client, number: str, email: str, locale: str = "en", **answers: Any):
    """Look the order up and submit a return for all its lines; the POST's response."""
    found = look_up(client, number, email, locale)
    html = found.get_data(as_text=True)
    assert found.status_code == 200, html[:1500]
    data = {**hidden_fields(html), **prefilled(html)}
    data.update({"hygiene_seal": "not_applicable", "resolution": "refund",
                 "return_method": "label", "consent": "true"})
    data.update(answers)
    return client.post(f"/portal/r/{FLOW}", data=data, content_type="multipart/form-data",
                       headers={"Accept-Language": locale})


def settle() -> None:
    """Let the jobs run (service calls through the outbox) and read fresh rows."""
    assert get_dispatcher().wait_idle(30)
    db.session.expire_all()


def the_case() -> FlowInstance:
    [instance] = db.session.scalars(db.select(FlowInstance)).all()
    return instance


def status_page(client, response, locale: str = "en") -> str:
    location = response.headers["Location"]
    match = re.search(r"/portal/case/([^/]+)/thanks$", location)
    assert match, location
    page = client.get(f"/portal/case/{match.group(1)}", headers={"Accept-Language": locale})
    assert page.status_code == 200
    return page.get_data(as_text=True)
