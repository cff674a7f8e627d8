"""Dashboards: list boards, view one with filters, drill down to rows and to one case, export.

Views are thin: parse the query string, call `app.reports.boards`, render. Everything
is GET and read-only; plotly.js is served from the installed plotly package (no CDN).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from app.extensions import db
from app.models import FlowInstance, InstanceEvent
from app.reports import boards
from app.reports.assets import bundled_styles, css_response, plotly_css, plotly_js_response
from app.reports.datasets import get_dataset
from app.reports.jobs import request_update
from app.reports.tables import PROJECTIONS, TABLES
from app.security import requires
from runtime.exceptions import ErrorDetail, ValidationFailed
from runtime.reports.export import to_csv, to_xlsx

bp = Blueprint("dashboards", __name__, url_prefix="/dashboards")
MAX_PATH = 8


@bp.get("/")
@requires("manager")
def index() -> Any:
    return render_template("dashboards/index.html", boards=boards.list_boards(current_user))


@bp.get("/assets/plotly.min.js")
@requires("manager")
def plotly_js() -> Any:
    return plotly_js_response()


@bp.get("/assets/plotly.css")
@requires("manager")
def plotly_stylesheet() -> Any:
    return css_response(plotly_css())


@bp.get("/assets/bundled-<style_id>.css")
@requires("manager")
def bundled_stylesheet(style_id: str) -> Any:
    css = bundled_styles().get(style_id)
    if css is None:
        abort(404)
    return css_response(css)


@bp.context_processor
def _plotly_styles() -> dict[str, Any]:
    return {"plotly_bundled_styles": list(bundled_styles())}


@bp.get("/<key>")
@requires("manager")
def board(key: str) -> Any:
    row, spec = boards.get_board(key, current_user)
    filters = boards.read_filters(spec, request.args)
    request_update()
    views = boards.run_board(spec, filters, workers=current_app.config.get(
        "REPORTS_BOARD_WORKERS", boards.BOARD_WORKERS))
    return render_template("dashboards/board.html", row=row, spec=spec, views=views,
                           filters=filters, query=_query(filters))


@bp.get("/<key>/widgets/<widget_id>")
@requires("manager")
def widget(key: str, widget_id: str) -> Any:
    row, spec = boards.get_board(key, current_user)
    item = spec.widget(widget_id) or abort(404)
    filters = boards.read_filters(spec, request.args)
    path = _path()
    page = _page()
    crumbs = _crumbs(row.title, key, item, filters, path)
    if item.level_dimensions(len(path)) is None:
        rows = boards.run_rows(item, filters, path, page)
        return render_template("dashboards/rows.html", row=row, spec=spec, widget=item,
                               rows=rows, crumbs=crumbs, filters=filters, path=path,
                               query=_query(filters, path))
    view = boards.run_widget(item, filters, path)
    return render_template("dashboards/widget.html", row=row, spec=spec, widget=item,
                           view=view, crumbs=crumbs, filters=filters, path=path,
                           query=_query(filters, path))


@bp.get("/<key>/widgets/<widget_id>/export.<fmt>")
@requires("manager")
def export_widget(key: str, widget_id: str, fmt: str) -> Any:
    row, spec = boards.get_board(key, current_user)
    item = spec.widget(widget_id) or abort(404)
    frame = boards.export_frame(item, boards.read_filters(spec, request.args), _path())
    return _download(f"{row.key}-{item.id}", fmt, {item.title: frame})


@bp.get("/<key>/export.xlsx")
@requires("manager")
def export_board(key: str) -> Any:
    row, spec = boards.get_board(key, current_user)
    filters = boards.read_filters(spec, request.args)
    sheets = {w.title: boards.export_frame(w, filters, ()) for w in spec.widgets}
    return _download(row.key, "xlsx", sheets)


@bp.get("/cases/<public_id>")
@requires("manager")
def case(public_id: str) -> Any:
    """A case as reports see it: its projection row, milestones and (if any) its event log."""
    found = None
    for name, table in TABLES.items():
        record = db.session.execute(
            db.select(table).where(table.c.public_id == public_id[:32])
        ).mappings().first()
        if record is not None:
            found = (name, dict(record))
            break
    instance = db.session.scalars(
        db.select(FlowInstance).where(FlowInstance.public_id == public_id[:32])
    ).first()
    if found is None and instance is None:
        abort(404)
    events = []
    if instance is not None:
        events = db.session.scalars(
            db.select(InstanceEvent).where(InstanceEvent.instance_id == instance.id)
            .order_by(InstanceEvent.seq).limit(500)
        ).all()
    fields = []
    milestones = []
    if found is not None:
        dataset = get_dataset(found[0])
        spec = PROJECTIONS[found[0]]
        for name, kind in spec.kinds().items():
            if kind == "datetime":
                if found[1].get(name) is not None:
                    milestones.append((dataset.field(name).title, found[1][name]))
            else:
                fields.append((dataset.field(name).title, found[1].get(name)))
        milestones.sort(key=lambda m: (m[1], m[0] == "Closed"))  # closing comes last on a tie
    return render_template("dashboards/case.html", public_id=public_id, record=found,
                           fields=fields, milestones=milestones, instance=instance,
                           events=events, back=request.referrer)


# --- helpers ------------------------------------------------------------------------


def _path() -> tuple[str, ...]:
    path = tuple(v[:200] for v in request.args.getlist("path"))
    if len(path) > MAX_PATH:
        raise ValidationFailed([ErrorDetail("/path", "too many drill levels")])
    return path


def _page() -> int:
    try:
        return max(1, min(int(request.args.get("page", "1")), 100_000))
    except ValueError:
        raise ValidationFailed([ErrorDetail("/page", "page must be a number")]) from None


def _query(filters: boards.Filters, path: tuple[str, ...] = ()) -> str:
    return urlencode(list(filters.query) + [("path", p) for p in path])


def _crumbs(title: str, key: str, item: Any, filters: boards.Filters,
            path: tuple[str, ...]) -> list:
    """(label, url) from the board to the current level; the last one is where we are."""
    crumbs = [(title, url_for("dashboards.board", key=key) + "?" + _query(filters))]
    base = url_for("dashboards.widget", key=key, widget_id=item.id)
    crumbs.append((item.title, base + "?" + _query(filters)))
    for depth, value in enumerate(path):
        dim = item.drill_field(depth)
        label = f"{dim.title}: {value}" if dim else value
        crumbs.append((label, base + "?" + _query(filters, path[: depth + 1])))
    return crumbs


def _download(stem: str, fmt: str, sheets: dict) -> Response:
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in stem)[:80]
    if fmt == "csv":
        body, mimetype = to_csv(next(iter(sheets.values()))), "text/csv; charset=utf-8"
    elif fmt == "xlsx":
        body = to_xlsx(sheets)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        abort(404)
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{safe}.{fmt}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


