"""The flow designer page: a shell that loads the built browser bundle (builder/ui).

The bundle is an external file named in Vite's manifest (`app/static/builder/
manifest.json`), so the CSP can keep `script-src 'self'`. When the bundle has not been
built (`make ui`), the page says so and links the JSON editor instead of failing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, current_app, render_template

from app.security import requires
from builder.definitions import KEY_PATTERN

bp = Blueprint("designer", __name__, url_prefix="/builder")

MANIFEST = Path("builder") / "manifest.json"
ENTRY = "src/main.jsx"


def bundle_assets() -> dict[str, str] | None:
    """The built script and stylesheet (paths under /static), or None when not built.

    Read on each request: a rebuild while the server runs changes the hashed names.
    """
    path = Path(current_app.static_folder or "") / MANIFEST
    try:
        manifest = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    entry = manifest.get(ENTRY) or {}
    if "file" not in entry:
        return None
    css = entry.get("css") or [
        v["file"] for v in manifest.values() if str(v.get("file", "")).endswith(".css")
    ]
    return {"script": f"builder/{entry['file']}", "styles": [f"builder/{c}" for c in css]}


@bp.get("/flows/<key>/design")
@requires("builder")
def design(key: str) -> Any:
    if not KEY_PATTERN.match(key):
        abort(404)
    return render_template("builder/designer.html", key=key, assets=bundle_assets())
