"""Builder pages: list, versions, one version, diff, the JSON editor and the POST buttons."""

from __future__ import annotations

import json
import re

import pytest

from app.extensions import db
from app.services import definitions
from builder.definitions import starter_body
from tests.factories import csrf_token, login, make_user

XSS = "<script>alert(1)</script>"
KEY = "returns.process"


@pytest.fixture
def builder(client):
    user = make_user("builder", name='Bob "><img src=x onerror=alert(2)>')
    login(client, user)
    return user


def flow(name: str) -> dict:
    body = starter_body("flow")
    body["nodes"][0]["name"] = name
    return body


def published_twice(actor) -> None:
    definitions.save_draft("flow", KEY, XSS, flow("one"), actor)
    definitions.publish("flow", KEY, actor)
    definitions.save_draft("flow", KEY, XSS, flow(XSS), actor)
    definitions.publish("flow", KEY, actor)
    db.session.commit()


def page(client, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def assert_escaped(html: str) -> None:
    assert XSS not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_list_shows_each_key_with_status_versions_and_who_changed_it(client, builder):
    published_twice(builder)
    definitions.save_draft("flow", KEY, XSS, flow("three"), builder)
    db.session.commit()
    html = page(client, "/builder/")
    assert_escaped(html)
    assert f'href="/builder/flow/{KEY}"' in html
    row = re.search(r"<tr>\s*<td>flow</td>.*?</tr>", html, re.S).group(0)
    assert "published" in row and "v2" in row and "v3" in row
    assert "Bob &#34;&gt;&lt;img src=x onerror=alert(2)&gt;" in row
    assert page(client, "/builder/?kind=form").count("<tr>") == 0


def test_empty_list_says_how_to_start(client, builder):
    assert "No definitions yet" in page(client, "/builder/")


def test_versions_page_links_versions_and_diffs_and_escapes(client, builder):
    published_twice(builder)
    html = page(client, f"/builder/flow/{KEY}")
    assert_escaped(html)
    assert f"/builder/flow/{KEY}/versions/2" in html and f"/builder/flow/{KEY}/versions/1" in html
    assert f"/builder/flow/{KEY}/diff?" in html
    assert 'action="/builder/flow/returns.process/archive"' in html
    assert 'name="csrf_token"' in html


def test_version_page_shows_the_frozen_body(client, builder):
    published_twice(builder)
    html = page(client, f"/builder/flow/{KEY}/versions/2")
    assert_escaped(html)
    assert definitions.get("flow", KEY, 2).checksum in html
    assert "&#34;name&#34;: &#34;&lt;script&gt;" in html
    page(client, f"/builder/flow/{KEY}/versions/9", status=404)


def test_diff_page_is_a_table_of_changes(client, builder):
    published_twice(builder)
    html = page(client, f"/builder/flow/{KEY}/diff?from=1&to=2")
    assert_escaped(html)
    assert "<code>/body/nodes/0/name</code>" in html
    assert "changed" in html
    assert "No differences" in page(client, f"/builder/flow/{KEY}/diff?from=2&to=2")


def test_editor_saves_a_draft_and_shows_every_error_with_its_pointer(client, builder):
    token = csrf_token(client, f"/builder/flow/{KEY}/edit")
    bad = flow("x")
    bad["nodes"][1]["type"] = "robot"
    bad["edges"] = [{"from": "start"}]
    response = client.post(
        f"/builder/flow/{KEY}/edit",
        data={"csrf_token": token, "title": XSS, "body": json.dumps(bad)},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<code>/body/edges/0/to</code> is required" in html
    assert "<code>/body/nodes/1/type</code>" in html
    assert_escaped(html)
    not_json = client.post(
        f"/builder/flow/{KEY}/edit", data={"csrf_token": token, "title": "T", "body": "{nope"}
    )
    assert not_json.status_code == 422 and "is not valid JSON" in not_json.get_data(as_text=True)
    saved = client.post(
        f"/builder/flow/{KEY}/edit",
        data={"csrf_token": token, "title": "Returns", "body": json.dumps(flow("a"))},
    )
    assert saved.status_code == 302
    assert definitions.get("flow", KEY, "draft").title == "Returns"


def test_new_definition_starts_from_a_valid_starter_body(client, builder):
    response = client.get("/builder/new?kind=connector&key=erp.orders")
    assert response.headers["Location"].endswith("/builder/connector/erp.orders/edit")
    html = page(client, "/builder/connector/erp.orders/edit")
    assert "creates draft v1" in html and "https://api.example.com" in html
    bad = client.get("/builder/new?kind=connector&key=Bad Key")
    assert bad.headers["Location"].endswith("/builder/")
    page(client, "/builder/spreadsheet/x/edit", status=404)


def test_buttons_publish_archive_restore_with_csrf(client, builder):
    definitions.save_draft("flow", KEY, "Returns", flow("a"), builder)
    db.session.commit()
    token = csrf_token(client, f"/builder/flow/{KEY}")
    assert client.post(f"/builder/flow/{KEY}/publish").status_code == 400  # no token
    response = client.post(f"/builder/flow/{KEY}/publish", data={"csrf_token": token})
    assert response.status_code == 302
    assert definitions.get("flow", KEY, 1).status == "published"
    again = client.post(
        f"/builder/flow/{KEY}/publish", data={"csrf_token": token}, follow_redirects=True
    )
    assert "has no draft to publish" in again.get_data(as_text=True)
    client.post(f"/builder/flow/{KEY}/archive", data={"csrf_token": token})
    db.session.expire_all()
    assert definitions.get("flow", KEY, 1).status == "archived"
    html = page(client, f"/builder/flow/{KEY}")
    assert f'action="/builder/flow/{KEY}/restore"' in html
    client.post(f"/builder/flow/{KEY}/restore", data={"csrf_token": token})
    db.session.expire_all()
    assert definitions.get("flow", KEY, 1).status == "published"


def test_discarding_the_only_draft_returns_to_the_list(client, builder):
    definitions.save_draft("flow", KEY, "Returns", flow("a"), builder)
    db.session.commit()
    token = csrf_token(client, f"/builder/flow/{KEY}")
    response = client.post(f"/builder/flow/{KEY}/discard", data={"csrf_token": token})
    assert response.headers["Location"].endswith("/builder/")
    page(client, f"/builder/flow/{KEY}", status=404)


@pytest.mark.parametrize("role", ["staff", "manager"])
def test_other_roles_cannot_use_the_builder(client, role):
    definitions.save_draft("flow", KEY, "Returns", flow("a"))
    db.session.commit()
    login(client, make_user(role))
    for path in ("/builder/", f"/builder/flow/{KEY}", f"/builder/flow/{KEY}/edit"):
        assert client.get(path).status_code == 403
    token = csrf_token(client, "/admin/tokens")
    assert (
        client.post(f"/builder/flow/{KEY}/publish", data={"csrf_token": token}).status_code == 403
    )
    assert definitions.get("flow", KEY).status == "draft"


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/builder/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
