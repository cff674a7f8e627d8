"""The flow designer in a real browser: drag steps from the palette, connect handles,
edit properties, watch lint errors come and go, save, publish.

Needs the built bundle (`make ui`); skipped with that reason when it is missing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.factories import DEFAULT_PASSWORD, make_user

ARTIFACTS = Path(__file__).parent / "artifacts"
XSS = '"><img src=x onerror=alert(1)><script>alert(2)</script>'
BUNDLE = Path(__file__).parents[2] / "app" / "static" / "builder" / "manifest.json"


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"flow-designer-{name}.png"))


def node(page, node_id: str):
    return page.locator(f'.react-flow__node[data-id="{node_id}"]')


def drag_from_palette(page, node_type: str, x: float, y: float) -> None:
    """A real HTML5 drag from the palette onto the canvas at (x, y) in the page."""
    page.locator(f'.fl-palette-item[data-type="{node_type}"]').drag_to(
        page.locator(".fl-canvas .react-flow__pane"), target_position=_in_canvas(page, x, y)
    )


def _in_canvas(page, x: float, y: float) -> dict:
    box = page.locator(".fl-canvas .react-flow__pane").bounding_box()
    return {"x": x - box["x"], "y": y - box["y"]}


def connect(page, source: str, target: str) -> None:
    """Press on the source's right handle and release on the target's left handle."""
    start = node(page, source).locator(".react-flow__handle.source").bounding_box()
    end = node(page, target).locator(".react-flow__handle.target").bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + end["height"] / 2, steps=12)
    page.mouse.up()


def lint_text(page) -> str:
    summary = page.get_by_test_id("lint-summary")
    page.wait_for_function(
        "el => !el.textContent.includes('checking')", arg=summary.element_handle()
    )
    return page.locator(".fl-lint").inner_text()


@pytest.fixture
def builder_page(live_app, page):
    if not BUNDLE.exists():
        pytest.skip("the designer bundle is not built: run `make ui`")
    base, app = live_app
    with app.app_context():
        from app.services.users import ensure_team

        ensure_team("claims_team")
        ensure_team("claims_leads")
        make_user("builder", email="bo@example.test", name="Bo Builder")
    page.goto(base + "/login")
    page.get_by_label("E-mail").fill("bo@example.test")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "response",
        lambda r: r.status >= 400
        and not r.url.endswith("/favicon.ico")
        and errors.append(f"{r.status} {r.url}"),
    )
    yield base, app, page, errors


def test_build_connect_lint_save_publish(builder_page):
    base, app, page, errors = builder_page
    page.goto(base + "/builder/flows/claims.approval/design")
    page.wait_for_selector('.react-flow__node[data-id="start"]')
    assert "0 errors" in lint_text(page)
    shot(page, "1-new")

    # Remove the starter's end step: the flow has no end and cannot be published.
    node(page, "end").click()
    page.keyboard.press("Delete")
    node(page, "end").wait_for(state="detached")
    assert "the flow has no end node" in lint_text(page)
    assert page.get_by_role("button", name="Publish").is_disabled()

    # Drag a user task and an end from the palette.
    start = node(page, "start").bounding_box()
    drag_from_palette(page, "user_task", start["x"] + 100, start["y"] - 150)
    drag_from_palette(page, "end", start["x"] + 400, start["y"] - 150)
    node(page, "user_task_1").wait_for()
    node(page, "end_1").wait_for()
    text = lint_text(page)
    assert "the flow has no end node" not in text
    assert "is a dead end" in text and "cannot be reached" in text

    # Undo removes the end again, redo brings it back.
    page.get_by_role("button", name="Undo").click()
    node(page, "end_1").wait_for(state="detached")
    page.get_by_role("button", name="Redo").click()
    node(page, "end_1").wait_for()

    # Edit the task in the side panel.
    node(page, "user_task_1").click()
    panel = page.get_by_label("Node properties")
    panel.locator("input[name=name]").fill("Review claim")
    panel.locator("input[name=title]").fill("Review the claim")
    assert panel.locator("select[name=assignee_role]").input_value() == "claims_leads"
    panel.locator("select[name=assignee_role]").select_option("claims_team")
    panel.locator("input[name=has_timeout]").check()
    panel.locator("input[name=timeout_after]").fill("P2D")
    panel.locator("select[name=timeout_action]").select_option("escalate")
    panel.locator("input[name=timeout_to]").fill("manager")
    assert "Review claim" in node(page, "user_task_1").inner_text()

    # Connect by dragging between handles; the dead end goes away once connected.
    connect(page, "start", "user_task_1")
    connect(page, "user_task_1", "end_1")
    page.wait_for_selector(".react-flow__edge >> nth=1", state="attached")
    text = lint_text(page)
    assert "is a dead end" not in text and "cannot be reached" not in text
    assert "0 errors" in text and "it is taken for every outcome without an edge" in text

    # The new edge is selected: give it the outcome "approve"; "reject" now leads nowhere.
    edge_panel = page.get_by_label("Edge properties")
    edge_panel.locator("select[name=outcome]").select_option("approve")
    assert "outcome 'reject' has no edge to follow" in lint_text(page)
    assert page.get_by_role("button", name="Publish").is_disabled()
    shot(page, "2-lint-error")

    # A second end for rejections, connected with the outcome "reject".
    drag_from_palette(page, "end", start["x"] + 400, start["y"] - 10)
    node(page, "end_2").wait_for()
    page.get_by_label("Node properties").locator("select[name=status]").select_option("rejected")
    page.get_by_label("Node properties").locator("input[name=name]").fill("Rejected")
    connect(page, "user_task_1", "end_2")
    page.get_by_label("Edge properties").locator("select[name=outcome]").select_option("reject")
    assert "No problems: ready to publish." in lint_text(page)

    page.get_by_role("button", name="Auto-layout").click()
    page.get_by_role("button", name="Save draft").click()
    page.get_by_text("Draft v1 saved.").wait_for()
    assert "draft v1 · saved" in page.get_by_test_id("status").inner_text()
    shot(page, "3-clean")

    # The JSON stays visible in its tab.
    page.get_by_role("tab", name="JSON").click()
    body = json.loads(page.get_by_label("Flow JSON").input_value())
    assert {(e["from"], e["to"], e.get("outcome")) for e in body["edges"]} == {
        ("start", "user_task_1", None),
        ("user_task_1", "end_1", "approve"),
        ("user_task_1", "end_2", "reject"),
    }
    shot(page, "4-json")
    page.get_by_role("button", name="Cancel").click()

    page.get_by_role("button", name="Publish").click()
    page.get_by_text("Published v1.").wait_for()
    shot(page, "5-published")

    with app.app_context():
        from app.services import definitions

        row = definitions.get("flow", "claims.approval", "latest")
        task = next(n for n in row.body["nodes"] if n["id"] == "user_task_1")
        assert (row.version, row.status) == (1, "published")
        assert task["name"] == "Review claim"
        assert task["config"]["assignee"] == {"role": "claims_team", "strategy": "pool"}
        assert task["config"]["timeout"] == {"after": "P2D", "action": "escalate", "to": "manager"}

        # What the designer published runs: a case started on it reaches the staff inbox.
        from app.extensions import db
        from app.flows import service

        make_user("staff", teams=("claims_team",), email="sam@example.test", name="Sam Staff")
        service.start("claims.approval", {})
        db.session.commit()
    assert errors == []
    page.goto(base + "/builder/")
    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("E-mail").fill("sam@example.test")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/inbox/")
    shot(page, "7-inbox")
    assert page.get_by_role("link", name="Review the claim").is_visible()


def test_open_existing_flow_and_write_a_condition_with_the_rule_editor(builder_page):
    base, app, page, errors = builder_page
    body = {
        "nodes": [
            {"id": "start", "type": "start",
             "config": {"trigger": {"type": "form", "form": "refunds.request"}}},
            {"id": "size", "type": "decision", "name": "Large refund?"},
            {"id": "finance", "type": "end", "name": "To finance"},
            {"id": "auto", "type": "end", "name": XSS},
        ],
        "edges": [
            {"id": "e1", "from": "start", "to": "size"},
            {"id": "big", "from": "size", "to": "finance"},
            {"id": "small", "from": "size", "to": "auto", "default": True},
        ],
    }
    with app.app_context():
        from app.extensions import db
        from app.services import definitions
        from builder.definitions import starter_body

        form = starter_body("form")  # its fields are what the rule editor offers
        form["schema"]["properties"]["amount"] = {"type": "number"}
        form["ui"]["sections"][0]["fields"] = ["amount"]
        form["i18n"]["en"]["amount.label"] = "Amount"
        definitions.save_draft("form", "refunds.request", "Refund request", form)
        definitions.publish("form", "refunds.request")
        definitions.save_draft("flow", "refunds.route", "Refund routing", body)
        definitions.save_draft("connector", "crm.api", "CRM", starter_body("connector"))
        definitions.publish("connector", "crm.api")
        db.session.commit()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(base + "/builder/flow/refunds.route")
    page.get_by_role("link", name="Open in designer").click()
    node(page, "size").wait_for()
    assert "0 errors" in lint_text(page)  # laid out automatically: no positions were stored
    assert XSS in node(page, "auto").inner_text()  # a designed name is text, never markup
    assert page.locator(".react-flow__node img").count() == 0

    page.locator('[data-testid="rf__edge-big"]').click(force=True)
    rules = page.get_by_label("Edge properties")
    rules.get_by_role("button", name="+ Add rule").click()
    rules.get_by_label("Field").fill("amout")
    rules.get_by_label("Operator").select_option(">")
    rules.get_by_label("Value").fill("500")
    assert "reads 'amout', which no form, start variable or step defines" in lint_text(page)
    # The field list offers the start form's fields; picking one clears the warning.
    offered = rules.locator("#fl-edge-vars option")
    expect(offered.filter(has=page.locator("xpath=self::*[@value='amount']"))).to_have_count(1)
    assert "start form refunds.request" in offered.evaluate_all(
        "os => os.map(o => o.label).join()")
    rules.get_by_label("Field").fill("amount")
    rules.locator("input[name=label]").fill("over 500")
    assert "over 500" in page.locator('[data-testid="rf__edge-big"]').text_content()
    assert "0 errors, 0 warnings" in lint_text(page)
    shot(page, "6-rule-editor")

    # A service step: connector and action from the published ones, an input mapping.
    page.locator('.fl-palette-item[data-type="service"]').click()
    node(page, "service_1").wait_for()
    service_panel = page.get_by_label("Node properties")
    service_panel.locator("select[name=connector]").select_option("crm.api")
    service_panel.locator("select[name=action]").select_option("ping")
    service_panel.get_by_role("button", name="+ Add input").click()
    service_panel.get_by_label("Input name").fill("amount")
    service_panel.get_by_label("Input source").fill("refund.amount")
    service_panel.locator("input[name=retry_max_attempts]").fill("5")
    service_panel.locator("select[name=retry_backoff]").select_option("exponential")
    service_panel.locator("input[name=has_timeout]").check()
    service_panel.locator("input[name=timeout_after]").fill("PT4H")
    service_panel.locator("select[name=timeout_action]").select_option("cancel")
    assert "crm.api.ping" in node(page, "service_1").inner_text()
    shot(page, "6b-service")
    page.get_by_role("tab", name="JSON").click()
    nodes = json.loads(page.get_by_label("Flow JSON").input_value())["nodes"]
    service_node = next(n for n in nodes if n["id"] == "service_1")
    assert service_node["config"] == {
        "connector": "crm.api", "action": "ping", "input": {"amount": "refund.amount"},
        "retry": {"max_attempts": 5, "backoff": "exponential"},
        "timeout": {"after": "PT4H", "action": "cancel"},
    }
    page.get_by_role("button", name="Cancel").click()
    node(page, "service_1").click()
    page.get_by_role("button", name="Delete node").click()
    node(page, "service_1").wait_for(state="detached")

    # Copy / paste a step: same config, new id, not connected.
    node(page, "size").click()
    page.keyboard.press("Control+c")
    page.keyboard.press("Control+v")
    node(page, "decision_1").wait_for()
    assert "Large refund? (copy)" in node(page, "decision_1").inner_text()
    assert "is a dead end" in lint_text(page)
    page.get_by_role("button", name="Undo").click()
    node(page, "decision_1").wait_for(state="detached")

    page.get_by_role("tab", name="JSON").click()
    saved_edges = json.loads(page.get_by_label("Flow JSON").input_value())["edges"]
    assert saved_edges[1]["condition"] == {"var": "amount", "op": ">", "value": 500}
    page.get_by_role("button", name="Cancel").click()
    page.get_by_role("button", name="Save draft").click()
    page.get_by_text("Draft v1 saved.").wait_for()
    with app.app_context():
        from app.services import definitions

        stored = definitions.get("flow", "refunds.route", "draft").body
        assert stored["edges"][1]["condition"]["value"] == 500
        assert all("position" in n for n in stored["nodes"])
    assert errors == [] and dialogs == []


def test_a_colleagues_save_meanwhile_is_shown_not_overwritten(builder_page):
    base, app, page, errors = builder_page
    from builder.definitions import starter_body

    with app.app_context():
        from app.extensions import db
        from app.services import definitions

        definitions.save_draft("flow", "claims.route", "Claims routing", starter_body("flow"))
        db.session.commit()
    page.goto(base + "/builder/flows/claims.route/design")
    node(page, "end").wait_for()

    with app.app_context():  # a colleague saves the same draft while it is open here
        colleague = make_user("builder", email="cy@example.test", name="Cy Colleague")
        definitions.save_draft("flow", "claims.route", "Claims routing (Cy)",
                               starter_body("flow"), actor=colleague)
        db.session.commit()

    page.get_by_label("Flow title").fill("Claims routing (mine)")
    page.get_by_role("button", name="Save draft").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "Cy Colleague saved v1 of this flow" in alert.inner_text()
    shot(page, "8-conflict")
    with app.app_context():
        assert definitions.get("flow", "claims.route", "draft").title == "Claims routing (Cy)"
    alert.get_by_role("button", name="Reload").click()
    expect(page.get_by_label("Flow title")).to_have_value("Claims routing (Cy)")
    assert [e.split()[0] for e in errors] == ["409"]  # the refused save, nothing else
