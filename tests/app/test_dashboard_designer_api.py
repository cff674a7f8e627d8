"""The dashboard designer's endpoints: open (with the dataset catalogue), check, preview
one widget over real projection rows, save, publish (checked), conflicts, RBAC."""

from __future__ import annotations

from app.extensions import db
from app.reports import demo
from app.reports.tables import TABLES
from tests.factories import csrf_token, login, make_api_token, make_user

API = "/api/v1"
XSS = '<script>alert(1)</script>'


def auth(role: str = "builder", name: str | None = None) -> dict:
    user = make_user(role, name=name) if name else make_user(role)
    return {"Authorization": f"Bearer {make_api_token(user)}"}


def board() -> dict:
    return {
        "roles": ["manager"],
        "filters": [{"id": "period", "field": "created_at", "type": "date_range",
                     "default": 3650}],
        "widgets": [
            {"id": "total", "title": "Returns", "dataset": "returns", "chart": "kpi", "width": 4,
             "measures": [{"id": "cases", "agg": "count"}]},
            {"id": "by_reason", "title": XSS, "dataset": "returns", "chart": "bar", "width": 8,
             "measures": [{"id": "cases", "agg": "count"}],
             "dimensions": [{"field": "reason"}], "limit": 3,
             "drill": {"levels": [{"field": "sku"}]}},
        ],
    }


def save(client, headers, revision, body=None, key="ops.board"):
    payload = {"title": "Ops", "body": body or board(), "revision": revision}
    return client.put(f"{API}/builder/dashboards/{key}/draft", json=payload, headers=headers)


def details(response) -> dict[str, str]:
    return {d["pointer"]: d["reason"] for d in response.json["error"]["details"]}


def test_open_lists_datasets_with_fields_and_a_starter(client, app):
    opened = client.get(f"{API}/builder/dashboards/ops.board", headers=auth())
    assert opened.status_code == 200
    data = opened.json
    assert (data["status"], data["revision"], data["title"]) == ("new", "new", "Board")
    returns = next(d for d in data["context"]["datasets"] if d["name"] == "returns")
    kinds = {f["name"]: f["kind"] for f in returns["fields"]}
    assert kinds["country"] == "string" and kinds["refund_amount"] == "number"
    assert kinds["created_at"] == "datetime"
    assert {"tasks", "events"} <= {d["name"] for d in data["context"]["datasets"]}
    assert "manager" in data["context"]["roles"] and "bar" in data["context"]["charts"]
    assert client.get(f"{API}/builder/dashboards/Bad Key", headers=auth()).status_code == 404


def test_preview_runs_the_widget_over_the_projection(client, app):
    demo.generate(60, seed=3)
    db.session.commit()
    table = TABLES["returns"]
    counts = dict(db.session.execute(
        db.select(table.c.reason, db.func.count()).group_by(table.c.reason)).all())
    headers = auth()
    bar = client.post(f"{API}/builder/dashboards/preview",
                      json={"body": board(), "widget": "by_reason"}, headers=headers)
    assert bar.status_code == 200, bar.json
    trace = bar.json["figure"]["data"][0]
    top = sorted(counts.values(), reverse=True)[:3]
    assert list(trace["y"]) == top and bar.json["rows"] == 3
    kpi = client.post(f"{API}/builder/dashboards/preview",
                      json={"body": board(), "widget": "total"}, headers=headers)
    assert kpi.json["figure"] is None
    assert f'<p class="kpi-value">{sum(counts.values())}</p>' in kpi.json["html"]
    assert "last 3650 days" in kpi.json["html"]
    missing = client.post(f"{API}/builder/dashboards/preview",
                          json={"body": board(), "widget": "nope"}, headers=headers)
    assert missing.status_code == 422 and "/widget" in details(missing)


def test_check_and_preview_point_at_the_bad_field(client, app):
    headers = auth()
    body = board()
    body["widgets"][1]["dimensions"] = [{"field": "colour"}]
    body["widgets"][1]["measures"].append({"id": "spent", "agg": "sum", "field": "country"})
    body["widgets"][0]["dataset"] = "instances:no.such_flow"
    body["filters"].append({"id": "sku", "field": "sku", "type": "date_range"})
    body["roles"] = ["nobody_here"]
    checked = client.post(f"{API}/builder/dashboards/check", json={"body": body},
                          headers=headers).json["errors"]
    at = {e["pointer"]: e["reason"] for e in checked}
    assert "colour" in at["/widgets/1/dimensions/0/field"]
    assert "not a number" in at["/widgets/1/measures/1/field"]
    assert "no published flow" in at["/widgets/0/dataset"]
    assert "datetime" in at["/filters/1/type"] and "nobody_here" in at["/roles/0"]
    preview = client.post(f"{API}/builder/dashboards/preview",
                          json={"body": body, "widget": "by_reason"}, headers=headers)
    assert preview.status_code == 422
    assert set(details(preview)) == {"/widgets/1/dimensions/0/field", "/widgets/1/measures/1/field"}
    shape = client.post(f"{API}/builder/dashboards/check",
                        json={"body": {"widgets": [{"id": "x"}]}}, headers=headers).json
    assert any(e["pointer"].startswith("/widgets/0") for e in shape["errors"])
    good = client.post(f"{API}/builder/dashboards/check", json={"body": board()}, headers=headers)
    assert good.json == {"errors": []}
    wrong = client.post(f"{API}/builder/dashboards/check", json={"body": [], "x": 1},
                        headers=headers)
    assert wrong.status_code == 422 and set(details(wrong)) == {"/body", "/x"}


def test_save_publish_conflict_and_the_board_opens(client, app):
    mine, theirs = auth(), auth(name="Cy Colleague")
    first = save(client, mine, "new")
    assert first.status_code == 200, first.json
    revision = first.json["revision"]
    changed = board()
    changed["widgets"][0]["title"] = "All returns"
    assert save(client, theirs, revision, changed).status_code == 200
    refused = save(client, mine, revision)
    assert refused.status_code == 409
    assert "Cy Colleague saved v1 of this dashboard" in refused.json["error"]["message"]
    fresh = client.get(f"{API}/builder/dashboards/ops.board", headers=mine).json
    assert fresh["body"]["widgets"][0]["title"] == "All returns"

    broken = board()
    broken["widgets"][1]["dimensions"] = [{"field": "created_at", "bucket": "week"},
                                          {"field": "country", "bucket": "month"}]
    saved = save(client, mine, fresh["revision"], broken)  # a draft may be unfinished
    assert saved.status_code == 200
    blocked = client.post(f"{API}/builder/dashboards/ops.board/publish",
                          json={"revision": saved.json["revision"]}, headers=mine)
    assert blocked.status_code == 422
    assert "/body/widgets/1/dimensions/1/bucket" in details(blocked)
    stale = client.post(f"{API}/builder/dashboards/ops.board/publish",
                        json={"revision": revision}, headers=mine)
    assert stale.status_code == 409

    fixed = save(client, mine, saved.json["revision"])
    published = client.post(f"{API}/builder/dashboards/ops.board/publish",
                            json={"revision": fixed.json["revision"]}, headers=mine)
    assert published.status_code == 200 and published.json["status"] == "published"
    login(client, make_user("manager"))
    page = client.get("/dashboards/ops.board").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and XSS not in page


def test_only_builders_and_admins_and_csrf_on_session_calls(client, app):
    staff = auth("staff")
    payload = {"body": board(), "widget": "total"}
    assert client.get(f"{API}/builder/dashboards/ops.board", headers=staff).status_code == 403
    assert client.post(f"{API}/builder/dashboards/preview", json=payload,
                       headers=staff).status_code == 403
    assert save(client, staff, "new").status_code == 403
    assert client.post(f"{API}/builder/dashboards/check", json=payload).status_code == 401
    assert client.post(f"{API}/builder/dashboards/ops.board/publish").status_code == 401
    assert client.get("/builder/dashboards/assets/plotly.min.js").status_code in (302, 401)
    assert client.post(f"{API}/builder/dashboards/preview",
                       json=payload, headers=auth("admin")).status_code == 200
    login(client, make_user("builder"))
    assert client.post(f"{API}/builder/dashboards/preview", json=payload).status_code == 400
    token = csrf_token(client, "/builder/dashboards/ops.board/design")
    ok = client.post(f"{API}/builder/dashboards/preview", json=payload,
                     headers={"X-CSRFToken": token})
    assert ok.status_code == 200
    page = client.get("/builder/dashboards/ops.board/design").get_data(as_text=True)
    assert 'id="dashboard-designer"' in page or "make ui" in page
    assert client.get("/builder/dashboards/assets/plotly.min.js").status_code == 200


def test_definition_pages_link_the_dashboard_designer(client, app):
    save(client, auth(), "new")
    login(client, make_user("builder"))
    page = client.get("/builder/dashboard/ops.board").get_data(as_text=True)
    assert "/builder/dashboards/ops.board/design" in page
    listing = client.get("/builder/").get_data(as_text=True)
    assert "/builder/dashboards/ops.board/design" in listing


def test_submissions_of_a_published_form_offer_its_typed_fields(client, app):
    from app.models import Submission
    from app.services import definitions

    form = {"schema": {"type": "object", "properties": {"note": {"type": "string"},
                                                        "amount": {"type": "number"}}},
            "ui": {"sections": [{"id": "main", "title": "Claim", "fields": ["note", "amount"]}]},
            "i18n": {"en": {}}}
    definitions.save_draft("form", "claims.form", "Claim", form)
    definitions.publish("form", "claims.form")
    for i, amount in enumerate((12.5, 30)):
        db.session.add(Submission(public_id=f"s{i}", form_key="claims.form", form_version=1,
                                  data={"note": "hello", "amount": amount}))
    db.session.commit()
    headers = auth()
    catalogue = client.get(f"{API}/builder/dashboards/ops.board", headers=headers).json
    claims = next(d for d in catalogue["context"]["datasets"]
                  if d["name"] == "submissions:claims.form")
    kinds = {f["name"]: f["kind"] for f in claims["fields"]}
    assert kinds["data.amount"] == "number" and kinds["data.note"] == "string"
    body = {"widgets": [{"id": "paid", "title": "Claimed", "dataset": "submissions:claims.form",
                         "chart": "kpi", "measures": [{"id": "s", "agg": "sum",
                                                       "field": "data.amount"}]}]}
    kpi = client.post(f"{API}/builder/dashboards/preview", json={"body": body, "widget": "paid"},
                      headers=headers)
    assert kpi.status_code == 200 and '<p class="kpi-value">42.50</p>' in kpi.json["html"]
    body["widgets"][0]["measures"][0]["field"] = "data.note"
    text = client.post(f"{API}/builder/dashboards/preview", json={"body": body, "widget": "paid"},
                       headers=headers)
    assert text.status_code == 422
    assert "not a number" in details(text)["/widgets/0/measures/0/field"]
