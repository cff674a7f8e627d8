"""CHECKLIST 14, one sweep: the same hostile strings typed into every staff-side name and
title (user and team names, definition titles of every kind, a dashboard's widget title
and filter label, a connector's title, an API token's name) render escaped on every page
that shows them. Surface-specific tests go deeper (portal, forms, inbox, e-mails; see
tests/security/README.md); this one catches a new page that forgets.
"""

from __future__ import annotations

from app.extensions import db
from app.models import ApiToken
from app.services import definitions, users
from builder.definitions import starter_body
from tests.factories import login, make_user

PAYLOADS = ('<script>alert("c14")</script>', '"><img src=x onerror=alert(14)>',
            "<a href=\"javascript:alert(14)\">c14</a>")
HOSTILE = " ".join(PAYLOADS)


def seed_hostile_texts(admin) -> list[str]:
    users.ensure_team("c14_team", name=HOSTILE)
    users.create_user("c14@example.test", HOSTILE, "lantern orchard seventeen",
                      roles=["staff"], teams=["c14_team"])
    keys = []
    for kind in ("form", "flow", "decision_table", "connector"):
        key = f"c14.{kind}"
        definitions.save_draft(kind, key, HOSTILE, starter_body(kind))
        definitions.publish(kind, key)
        keys.append(f"/builder/{kind}/{key}")
    board = starter_body("dashboard")
    board["roles"] = ["manager"]
    board["widgets"][0]["title"] = HOSTILE
    board["filters"] = [{"id": "c", "label": HOSTILE, "field": "country", "type": "text"}]
    definitions.save_draft("dashboard", "c14.board", HOSTILE, board)
    definitions.publish("dashboard", "c14.board")
    db.session.add(ApiToken(user_id=admin.id, name=HOSTILE, token_hash="c14" * 20,
                            prefix="flm_c14"))
    db.session.commit()
    return keys


def test_c14_hostile_names_and_titles_render_escaped_on_every_staff_page(client):
    admin = make_user("admin", "builder", "manager", "staff")
    pages = seed_hostile_texts(admin)
    login(client, admin)
    pages += ["/admin/users", "/admin/audit", "/admin/tokens", "/builder/", "/dashboards/",
              "/dashboards/c14.board", "/admin/connectors/", "/admin/connectors/c14.connector",
              "/inbox/"]
    shown = 0
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        for payload in PAYLOADS:
            assert payload not in html, f"{path} shows {payload!r} unescaped"
        assert "<script>alert" not in html and "<img src=x" not in html, path
        assert 'href="javascript:' not in html, path
        if "&lt;script&gt;alert(" in html:
            shown += 1
    assert shown >= 8, f"the hostile text was shown (escaped) on only {shown} pages"
