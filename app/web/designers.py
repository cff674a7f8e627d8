"""The form, decision-table and dashboard designer pages: shells around the built bundle.

Like the flow designer (app/web/designer.py, whose `bundle_assets` they reuse) they
carry no inline script: the bundle finds its root element and reads the key, the API
prefix and the CSRF token from data attributes. Without a build they explain how to
make one and link the JSON editor.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, url_for

from app.reports.assets import bundled_styles, css_response, plotly_css, plotly_js_response
from app.security import requires
from app.web.designer import bundle_assets
from builder.definitions import KEY_PATTERN

bp = Blueprint("designers", __name__, url_prefix="/builder")


@bp.get("/forms/<key>/design")
@requires("builder")
def form(key: str) -> Any:
    if not KEY_PATTERN.match(key):
        abort(404)
    return render_template(
        "builder/kind_designer.html",
        key=key,
        kind="form",
        root="form-designer",
        noun="form designer",
        assets=bundle_assets(),
    )


@bp.get("/tables/<key>/design")
@requires("builder")
def table(key: str) -> Any:
    if not KEY_PATTERN.match(key):
        abort(404)
    return render_template(
        "builder/kind_designer.html",
        key=key,
        kind="decision_table",
        root="table-designer",
        noun="decision-table editor",
        assets=bundle_assets(),
    )


@bp.get("/dashboards/<key>/design")
@requires("builder")
def dashboard(key: str) -> Any:
    if not KEY_PATTERN.match(key):
        abort(404)
    return render_template(
        "builder/dashboard_designer.html",
        key=key,
        kind="dashboard",
        root="dashboard-designer",
        noun="dashboard designer",
        assets=bundle_assets(),
        view_url=url_for("dashboards.board", key=key),
        plotly_styles=list(bundled_styles()),
    )


# plotly.js for the live preview: the same files /dashboards serves to managers, here for
# builders (who need not be managers).


@bp.get("/dashboards/assets/plotly.min.js")
@requires("builder")
def plotly_js() -> Any:
    return plotly_js_response()


@bp.get("/dashboards/assets/plotly.css")
@requires("builder")
def plotly_stylesheet() -> Any:
    return css_response(plotly_css())


@bp.get("/dashboards/assets/bundled-<style_id>.css")
@requires("builder")
def plotly_bundled_stylesheet(style_id: str) -> Any:
    css = bundled_styles().get(style_id)
    if css is None:
        abort(404)
    return css_response(css)
