"""The dashboard designer in a real browser: a builder turns the starter widget into a
KPI over the returns projection, adds a bar chart by reason, sees both drawn by the
report runtime (the live preview), sees a chart that cannot be drawn marked, drags the
bar chart before the KPI, publishes, and a manager then opens the board at /dashboards.

Needs the built bundle (`make ui`); skipped with that reason when it is missing.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.reports import demo
from app.reports.tables import TABLES
from tests.factories import DEFAULT_PASSWORD, make_user

ARTIFACTS = Path(__file__).parent / "artifacts"
BUNDLE = Path(__file__).parents[2] / "app" / "static" / "builder" / "manifest.json"
XSS = '"><img src=x onerror=alert(1)>'


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"dashboard-designer-{name}.png"), full_page=True)


def sign_in(page, base: str, email: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


@pytest.fixture
def designer_page(live_app, page):
    if not BUNDLE.exists():
        pytest.skip("the designer bundle is not built: run `make ui`")
    base, app = live_app
    with app.app_context():
        demo.generate(200, seed=5)
        table = TABLES["returns"]
        counts = dict(db.session.execute(
            db.select(table.c.reason, db.func.count()).group_by(table.c.reason)).all())
        make_user("builder", email="bo@example.test", name="Bo Builder")
        make_user("manager", email="mia@example.test", name="Mia Manager")
        db.session.commit()
    page.set_viewport_size({"width": 1500, "height": 950})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda d: (errors.append(f"dialog {d.message}"), d.dismiss()))
    # 422 is the preview's answer for a widget with errors (shown on the widget).
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and r.status != 422 and not r.url.endswith("/favicon.ico")
            else None)
    sign_in(page, base, "bo@example.test")
    yield base, page, counts, errors


def test_build_preview_reorder_publish_and_view_a_board(designer_page):
    base, page, counts, errors = designer_page
    page.goto(base + "/builder/dashboards/ops.returns/design")
    page.get_by_label("Title", exact=True).fill("Returns at a glance")

    # The starter widget becomes a KPI over the returns projection.
    page.get_by_label("Widget title").fill("All returns")
    page.get_by_label("Dataset", exact=True).select_option("returns")
    kpi = page.locator('[data-widget="total"]')
    expect(kpi.locator(".kpi-value")).to_have_text(f"{sum(counts.values()):,}")

    # A second widget: returns by reason as bars, top 4.
    page.get_by_role("button", name="+ Widget").click()
    page.get_by_label("Widget title").fill(XSS)
    page.get_by_label("Dataset", exact=True).select_option("returns")
    page.get_by_label("Chart", exact=True).select_option("bar")
    page.get_by_label("Dimension 1 field").select_option("reason")
    page.get_by_label("Measure 1 aggregate").select_option("count")
    page.get_by_label("Top N").fill("4")
    bars = page.locator('[data-widget="widget_2"]')
    expect(bars.locator(".db-figure .bars .point")).to_have_count(4)
    drawn = page.evaluate("""() => Array.from(document.querySelector(
        '[data-widget="widget_2"] .db-figure')._fullData[0].y)""")
    assert drawn == sorted(counts.values(), reverse=True)[:4]
    expect(bars.locator("h2")).to_have_text(XSS)  # text, not markup

    # A stacked bar needs two dimensions: marked on the widget, publishing blocked.
    page.get_by_label("Chart", exact=True).select_option("stacked_bar")
    expect(bars.locator(".fl-issue-error").first).to_contain_text("needs two dimensions")
    expect(page.get_by_role("button", name="Publish")).to_be_disabled()
    shot(page, "1-error")
    page.get_by_label("Chart", exact=True).select_option("bar")
    expect(bars.locator(".fl-issue-error")).to_have_count(0)
    expect(bars.locator(".db-figure .bars .point")).to_have_count(4)
    shot(page, "2-preview")

    # Drag the bar chart by its header before the KPI.
    bars.locator(".db-card-head").drag_to(kpi)
    expect(page.locator(".db-card")).to_have_count(2)
    order = page.locator(".db-card").evaluate_all("els => els.map(e => e.dataset.widget)")
    assert order == ["widget_2", "total"]
    # Widen the bar chart by dragging its right edge by three columns.
    handle = bars.locator(".db-resize")
    box = handle.bounding_box()
    grid = page.locator(".db-grid").bounding_box()
    page.mouse.move(box["x"] + 4, box["y"] + 10)
    page.mouse.down()
    page.mouse.move(box["x"] + 4 + grid["width"] * 3 / 12, box["y"] + 10, steps=6)
    page.mouse.up()
    expect(handle).to_have_attribute("data-width", "9")

    # Board settings: managers only, and a reason filter above the widgets.
    page.get_by_role("tab", name="Board settings").click()
    page.get_by_label("Role manager").check()
    page.get_by_role("button", name="+ Add filter").click()
    page.get_by_label("Filter 1 field").select_option("reason")
    page.get_by_label("Filter 1 options").fill("size, damaged")
    page.get_by_label("Filter 1 label").fill("Why")
    shot(page, "3-board-settings")
    expect(page.locator(".fl-ok")).to_have_text("No errors: ready to publish.")

    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_test_id("status")).to_contain_text("v1 published")
    shot(page, "4-published")

    # A manager opens the board: the same widgets, in the new order, drawn.
    page.context.clear_cookies()
    sign_in(page, base, "mia@example.test")
    page.goto(base + "/dashboards/")
    page.get_by_role("link", name="Returns at a glance").click()
    page.wait_for_url("**/dashboards/ops.returns")
    widgets = page.locator(".board-grid .widget")
    assert widgets.evaluate_all("els => els.map(e => e.dataset.widget)") == ["widget_2", "total"]
    expect(widgets.first).to_have_class("widget w-9 chart-bar")
    expect(page.locator('[data-widget="widget_2"] .figure .bars .point')).to_have_count(4)
    page.locator("#f-reason summary").click()
    expect(page.get_by_role("checkbox", name="damaged")).to_be_visible()
    expect(page.locator('[data-widget="total"] .kpi-value')).to_have_text(
        f"{sum(counts.values()):,}")
    shot(page, "5-board")
    assert errors == []
