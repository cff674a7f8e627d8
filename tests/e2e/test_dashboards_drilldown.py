"""A manager opens the returns operations board, clicks the tallest bar and drills down
country → reason → SKU → the cases, then opens one case. Screenshots in tests/e2e/artifacts/.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from app.cli.reports import install_boards
from app.extensions import db
from app.reports import demo
from app.reports.tables import TABLES
from tests.factories import DEFAULT_PASSWORD, make_user

ARTIFACTS = Path(__file__).parent / "artifacts"


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def click_tallest_bar(page, widget_selector: str) -> str:
    """Click the tallest bar of the chart; returns the category it stands for."""
    figure = page.locator(f"{widget_selector} .figure.drillable")
    figure.wait_for()
    figure.scroll_into_view_if_needed()  # a mouse click lands only inside the viewport
    index, label = page.evaluate(
        """(sel) => { const gd = document.querySelector(sel + ' .figure');
                     const t = gd._fullData[0]; const y = Array.from(t.y); let best = 0;
                     y.forEach((v, i) => { if (v > y[best]) best = i; });
                     return [best, String(Array.from(t.customdata)[best])]; }""",
        widget_selector,
    )
    box = figure.locator(".bars .point").nth(index).bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    return label


def test_manager_drills_from_the_tallest_bar_to_a_case(live_app, page):
    base, app = live_app
    with app.app_context():
        install_boards()
        demo.generate(400, seed=11)
        make_user("manager", email="mia@example.test", name="Mia Manager")
        table = TABLES["returns"]
        counts = dict(db.session.execute(
            db.select(table.c.country, db.func.count()).group_by(table.c.country)).all())
        since = datetime.combine(date.today() - timedelta(days=90), time(), tzinfo=UTC)
        recent = db.session.execute(db.select(db.func.count()).select_from(table)
                                    .where(table.c.created_at >= since)).scalar_one()
        db.session.commit()
    tallest_country = max(counts, key=counts.get)
    errors: list[str] = []
    # Failed requests are caught below with their URL; the browser's own favicon probe is not ours.
    # Heatmaps: plotly.js sets `style` *attributes* (an empty one on the colour bar,
    # image-rendering on the image); the CSP refuses them and dashboards.css supplies the
    # rule instead. Any other CSP refusal (an inline <style> or script) still fails.
    page.on("console", lambda m: errors.append(page.url + " " + m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            and "style attributes" not in m.text else None)
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    page.goto(base + "/login")
    page.get_by_label("E-mail").fill("mia@example.test")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(base + "/dashboards/")
    page.get_by_role("link", name="Returns operations").click()
    page.wait_for_url("**/dashboards/returns.operations")
    page.locator("[data-widget=by_country] .figure .bars .point").first.wait_for()
    page.locator("[data-widget=per_day] .figure .scatterlayer").first.wait_for()
    assert page.get_by_role("heading", name="Returns operations").is_visible()
    assert page.locator(".kpi-value").first.inner_text() == f"{recent:,}"  # last 90 days
    assert page.locator(".kpi-trend").first.inner_text().endswith(")")  # vs previous period
    shot(page, "dashboards-board")

    page.locator("input[name=period_from]").fill("2024-01-01")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**period_from=2024-01-01**")
    page.locator("[data-widget=by_country] .figure .bars .point").first.wait_for()
    assert page.locator(".kpi-value").first.inner_text() == f"{sum(counts.values()):,}"

    country = click_tallest_bar(page, "[data-widget=by_country]")

    assert country == tallest_country
    page.wait_for_url("**/widgets/by_country?**path=*")
    assert page.get_by_text(f"Country: {country}").is_visible()
    assert page.get_by_role("heading", name="Returns by country by reason").is_visible()
    shot(page, "dashboards-drill-reason")

    reason = click_tallest_bar(page, "[data-widget=by_country]")
    page.wait_for_url(f"**path={country}&path=*")
    assert page.get_by_text(f"Reason: {reason}").is_visible()
    shot(page, "dashboards-drill-sku")

    sku = click_tallest_bar(page, "[data-widget=by_country]")
    page.wait_for_url("**path=*&path=*&path=*")
    heading = page.locator("h1").inner_text()
    with app.app_context():
        expected = db.session.execute(
            db.select(db.func.count()).select_from(table).where(
                table.c.country == country, table.c.reason == reason, table.c.sku == sku)
        ).scalar_one()
    assert heading == f"{expected:,} cases"
    assert page.get_by_text(f"SKU: {sku}").is_visible()
    shot(page, "dashboards-rows")

    page.get_by_role("link", name="Open case").first.click()
    page.wait_for_url("**/dashboards/cases/*")
    assert page.get_by_role("heading", name="Timeline").is_visible()
    assert page.locator("h1").inner_text().startswith("Case DEMO-")
    shot(page, "dashboards-case")

    page.goto(base + "/dashboards/returns.quality?period_from=2024-01-01")
    figures = page.locator(".figure")
    assert figures.count() == 5  # and one table
    for i in range(5):
        figures.nth(i).locator(".main-svg").first.wait_for()
    for trace in (".pielayer", ".barlayer", ".heatmaplayer image, .hm"):
        assert page.locator(trace).count() >= 1, trace
    shot(page, "dashboards-quality")

    page.go_back()
    page.go_back()
    page.get_by_role("navigation", name="Drill-down path").get_by_role(
        "link", name="Returns operations").click()
    page.wait_for_url("**/dashboards/returns.operations?**")
    assert not errors, errors

    for key in ("finance", "sustainability"):
        page.goto(base + f"/dashboards/returns.{key}?period_from=2024-01-01")
        figures = page.locator(".figure")
        for i in range(figures.count()):
            figures.nth(i).locator(".main-svg").first.wait_for()
        assert page.get_by_text("This widget cannot be drawn").count() == 0
        shot(page, f"dashboards-{key}")
    assert not errors, errors
