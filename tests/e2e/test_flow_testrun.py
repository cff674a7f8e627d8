"""The flow designer's test run in a real browser: start a draft with test data, fire a
timer, choose an outcome, watch the token move to the end; then copy two connected steps
at once and paste them with the arrow between them; then edit the side-panel fields that
were JSON-only (approvers, reminders, recipients, table input) and test-run a quorum.

Needs the built bundle (`make ui`); skipped with that reason when it is missing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.factories import DEFAULT_PASSWORD, make_user

ARTIFACTS = Path(__file__).parent / "artifacts"
BUNDLE = Path(__file__).parents[2] / "app" / "static" / "builder" / "manifest.json"
KEY = "claims.check"

FLOW = {
    "nodes": [
        {"id": "start", "type": "start", "name": "Claim in", "position": {"x": 0, "y": 100}},
        {"id": "review", "type": "user_task", "name": "Review claim",
         "position": {"x": 260, "y": 100},
         "config": {"title": "Review the claim", "assignee": {"role": "claims_team"},
                    "outcomes": ["approve", "reject"], "output": "review",
                    "timeout": {"after": "P2D", "action": "escalate", "to": "claims_leads"}}},
        {"id": "check", "type": "decision", "name": "Approved?", "position": {"x": 520, "y": 100}},
        {"id": "paid", "type": "end", "name": "Pay out", "position": {"x": 780, "y": 0}},
        {"id": "refused", "type": "end", "name": "Refused", "position": {"x": 780, "y": 220},
         "config": {"status": "rejected"}},
    ],
    "edges": [
        {"id": "e1", "from": "start", "to": "review"},
        {"id": "e2", "from": "review", "to": "check"},
        {"id": "e3", "from": "check", "to": "paid",
         "condition": {"var": "review.outcome", "op": "==", "value": "approve"}},
        {"id": "e4", "from": "check", "to": "refused", "default": True},
    ],
}


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"flow-testrun-{name}.png"))


def node(page, node_id: str):
    return page.locator(f'.react-flow__node[data-id="{node_id}"]')


def expect_marks(page, **marks: str) -> None:
    """Each node shows its test-run mark ("" for none); the canvas redraws just after the
    panel, so wait for it."""
    for node_id, mark in marks.items():
        shape = node(page, node_id).locator(".fl-node")
        if mark:
            expect(shape).to_have_attribute("data-run", mark)
        else:
            expect(node(page, node_id).locator(".fl-node[data-run]")).to_have_count(0)


@pytest.fixture
def designer(live_app, page):
    if not BUNDLE.exists():
        pytest.skip("the designer bundle is not built: run `make ui`")
    base, app = live_app
    with app.app_context():
        from app.extensions import db
        from app.services import definitions
        from app.services.users import ensure_team

        ensure_team("claims_team")
        ensure_team("claims_leads")
        user = make_user("builder", email="tess@example.test", name="Tess Tester")
        definitions.save_draft("flow", KEY, "Claim check", FLOW, user)
        db.session.commit()
    page.goto(base + "/login")
    page.get_by_label("E-mail").fill("tess@example.test")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("response", lambda r: r.status >= 400 and not r.url.endswith("/favicon.ico")
            and errors.append(f"{r.status} {r.url}"))
    page.goto(f"{base}/builder/flows/{KEY}/design")
    node(page, "review").wait_for()
    yield app, page, errors


def test_a_test_run_moves_the_token_then_steps_copy_and_panel_fields_save_json(designer):
    app, page, errors = designer
    page.get_by_role("button", name="Test run").click()
    panel = page.get_by_role("region", name="Test run")
    panel.get_by_label("Start variables (JSON)").fill('{"claim": {"amount": 120}}')
    panel.get_by_role("button", name="Start test run").click()

    expect(page.get_by_test_id("run-status")).to_contain_text("waiting at Review claim")
    expect_marks(page, review="active", start="visited", paid="idle")
    task = panel.get_by_test_id("pending-task")
    expect(task).to_contain_text("for team claims_team")
    shot(page, "1-started")

    # Two days pass: the timeout escalates the task, the token stays.
    clock_before = page.get_by_test_id("run-status").inner_text()
    panel.get_by_test_id("pending-timer").get_by_role("button", name="Fire now").click()
    expect(task).to_contain_text("for team claims_leads")
    expect(page.get_by_test_id("run-history")).to_contain_text("task moved to team claims_leads")
    expect(page.get_by_test_id("run-status")).not_to_have_text(clock_before)
    expect_marks(page, review="active")

    task.get_by_label("Task form data (JSON, optional)").fill('{"note": "receipt ok"}')
    task.get_by_role("button", name="approve").click()
    expect(page.get_by_test_id("run-ended")).to_have_text("The run ended: completed.")
    expect_marks(page, start="visited", review="visited", check="visited", paid="visited",
                 refused="idle")
    taken = page.locator(".react-flow__edge.edge-taken")
    expect(taken).to_have_count(3)
    assert page.locator('.react-flow__edge[data-id="e4"]').get_attribute("class").count(
        "edge-idle") == 1
    history = page.get_by_test_id("run-history").inner_text()
    assert "Completed task Review claim: approve" in history
    assert "→ Approved? → Pay out" in history
    page.locator(".tr-vars summary").click()
    assert '"note": "receipt ok"' in page.locator(".tr-vars pre").inner_text()
    shot(page, "2-ended")

    # Step back: the token is at the task again; nothing was stored anywhere.
    panel.get_by_role("button", name="Step back").click()
    expect(page.get_by_test_id("run-status")).to_contain_text("waiting at Review claim")
    with app.app_context():
        from app.extensions import db
        from app.models import FlowInstance, Task

        assert db.session.scalar(db.select(db.func.count()).select_from(FlowInstance)) == 0
        assert db.session.scalar(db.select(db.func.count()).select_from(Task)) == 0

    # Back to editing: select two connected steps, copy, paste: the arrow comes along.
    panel.get_by_role("button", name="Back to editing").click()
    expect(page.get_by_role("region", name="Test run")).to_have_count(0)
    node(page, "review").click()
    node(page, "check").click(modifiers=["Control"])
    expect(page.get_by_test_id("multi-selection")).to_contain_text("2 steps selected")
    page.keyboard.press("Control+c")
    page.keyboard.press("Control+v")
    node(page, "user_task_1").wait_for()
    node(page, "decision_1").wait_for()
    shot(page, "3-pasted")
    page.get_by_role("button", name="Test run").click()  # the drawing changed: a fresh run
    expect(panel.get_by_role("button", name="Start test run")).to_be_visible()
    expect_marks(page, review="")
    page.get_by_role("button", name="Stop test run").click()
    page.get_by_role("tab", name="JSON").click()
    body = json.loads(page.get_by_label("Flow JSON").input_value())
    pasted = [e for e in body["edges"] if e["from"] == "user_task_1"]
    assert [e["to"] for e in pasted] == ["decision_1"]
    assert len(body["edges"]) == 5 and len(body["nodes"]) == 7
    page.get_by_role("button", name="Cancel").click()
    panel_fields_then_a_quorum_vote(app, page, errors)


VOTE_FLOW = {
    "nodes": [
        {"id": "start", "type": "start", "position": {"x": 0, "y": 100}},
        {"id": "vote", "type": "user_task", "name": "Vote", "position": {"x": 240, "y": 100},
         "config": {"assignee": {"role": "claims_team"}, "outcomes": ["approve", "reject"],
                    "form": "claims.vote_form"}},
        {"id": "route", "type": "decision", "name": "Route", "position": {"x": 480, "y": 100},
         "config": {"decision_table": "claims.routing", "output": "routing"}},
        {"id": "tell", "type": "notify", "name": "Tell ops", "position": {"x": 720, "y": 100},
         "config": {"channel": "email", "to": [{"role": "claims_team"}],
                    "template": {"subject": "Claim", "body": "Routed"}}},
        {"id": "end", "type": "end", "position": {"x": 960, "y": 100}},
    ],
    "edges": [
        {"id": "e1", "from": "start", "to": "vote"},
        {"id": "e2", "from": "vote", "to": "route"},
        {"id": "e3", "from": "route", "to": "tell", "default": True},
        {"id": "e4", "from": "tell", "to": "end"},
    ],
}


def panel_fields_then_a_quorum_vote(app, page, errors):
    """Second part of the test above (one browser and app: the CI budget): the side
    panel's fields that were JSON-only, then a test run of what they made."""
    with app.app_context():
        from app.extensions import db
        from app.services import definitions

        definitions.save_draft("decision_table", "claims.routing", "Routing", {
            "hit_policy": "first", "inputs": [{"id": "country", "type": "string"}],
            "outputs": [{"id": "hub", "type": "string"}],
            "rules": [{"id": "eu", "when": {"country": "DE"}, "then": {"hub": "NL"}}],
            "default": {"hub": "CN"}})
        definitions.publish("decision_table", "claims.routing")
        definitions.save_draft("form", "claims.vote_form", "Vote form", {
            "schema": {"type": "object", "required": ["remedy"], "properties": {
                "remedy": {"type": "string", "enum": ["credit_note", "rework"]},
                "hours": {"type": "integer"}}},
            "ui": {"sections": [{"id": "main", "title": "Vote", "fields": ["remedy", "hours"]}]},
            "i18n": {"en": {}}})
        definitions.publish("form", "claims.vote_form")
        definitions.save_draft("flow", "claims.vote", "Vote", VOTE_FLOW)
        db.session.commit()
    page.goto(page.url.replace(KEY, "claims.vote"))
    node(page, "vote").click()
    panel = page.get_by_label("Node properties")
    panel.locator("select[name=assignee_kind]").select_option("approvers")
    panel.locator("select[name=approvers_mode]").select_option("quorum")
    panel.locator("input[name=approvers_count]").fill("2")
    panel.locator("input[name=approvers_list]").fill("claims_team, claims_leads, ana@example.test")
    outcomes = panel.locator("input[name=outcomes]")
    outcomes.fill("")
    outcomes.press_sequentially("approve, reject, need_info")  # typed: commas survive
    expect(outcomes).to_have_value("approve, reject, need_info")
    panel.get_by_role("button", name="+ Add reminder").click()
    panel.get_by_role("button", name="+ Add reminder").click()
    panel.get_by_label("Reminder 2 duration").fill("8 business hours")
    node(page, "tell").click()
    page.get_by_label("Node properties").locator("input[name=notify_to]").fill(
        "ops@example.test, team:claims_leads")
    node(page, "route").click()
    route = page.get_by_label("Node properties")
    route.get_by_role("button", name="+ Add table input").click()
    route.get_by_label("Table input name").fill("country")
    route.get_by_label("Table input source").fill("claim.country")
    shot(page, "4-panel-fields")
    page.get_by_role("tab", name="JSON").click()
    nodes = {n["id"]: n for n in json.loads(page.get_by_label("Flow JSON").input_value())["nodes"]}
    assert nodes["vote"]["config"] == {
        "outcomes": ["approve", "reject", "need_info"], "form": "claims.vote_form",
        "approvers": {"mode": "quorum", "count": 2, "assignees": [
            {"role": "claims_team"}, {"role": "claims_leads"}, {"user": "ana@example.test"}]},
        "reminders": [{"after": "P1D"}, {"after": {"business_hours": 8}}],
    }
    assert nodes["tell"]["config"]["to"] == ["ops@example.test", {"role": "claims_leads"}]
    assert nodes["route"]["config"]["input"] == {"country": "claim.country"}
    page.get_by_role("button", name="Cancel").click()

    page.get_by_role("button", name="Test run").click()
    run = page.get_by_role("region", name="Test run")
    run.get_by_label("Start variables (JSON)").fill('{"claim": {"country": "DE"}}')
    run.get_by_role("button", name="Start test run").click()
    tasks = run.get_by_test_id("pending-task")
    expect(tasks).to_have_count(3)
    # The task form's fields, from its published version, are the data to start from.
    form_data = tasks.nth(0).get_by_label("Task form data (JSON, optional)")
    expect(form_data).to_have_value(json.dumps({"remedy": "credit_note", "hours": 0}, indent=1))
    form_data.fill('{"remedy": "rework", "hours": 3}')
    tasks.nth(0).get_by_role("button", name="approve").click()
    expect(tasks).to_have_count(2)
    expect_marks(page, vote="active")
    tasks.nth(0).get_by_role("button", name="approve").click()  # 2 of 3: the quorum
    expect(page.get_by_test_id("run-ended")).to_have_text("The run ended: completed.")
    history = page.get_by_test_id("run-history").inner_text()
    assert "matched eu" in history
    assert "would send an e-mail to ops@example.test, team claims_leads (not sent)" in history
    run.locator(".tr-vars summary").click()
    variables = json.loads(run.locator(".tr-vars pre").inner_text())
    assert variables["routing"] == {"hub": "NL"}
    shot(page, "5-quorum-ended")
    assert errors == []
