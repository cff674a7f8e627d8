"""plotly.js and its style rules, served from the installed plotly package (no CDN).

plotly.js adds its CSS at run time by inserting a `<style>` element, which our
Content-Security-Policy (`style-src 'self'`) blocks. The rules live in the bundle as
one object literal (`{"X,X div": "...", "X .main-svg": "...", ...}` with X standing for
`.js-plotly-plot .plotly` and Y for `.plotly-notifier`); we read that object once and
serve it as a stylesheet, so the same rules load from our own origin and always match
the installed plotly version.
"""

from __future__ import annotations

import functools
import logging
import re
from pathlib import Path

import plotly
from flask import Response, send_file

PLOTLY_JS = Path(plotly.__file__).with_name("package_data") / "plotly.min.js"
_STRING = r"""(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')"""
_PAIR = re.compile(rf"({_STRING})\s*:\s*({_STRING})")
#: Stylesheets of bundled libraries (MapLibre) that plotly.js injects unless an element
#: with their id already exists.
_BUNDLED = re.compile(r'document\.getElementById\("([0-9a-f]{64})"\)\)\{var (\w)='
                      r'document\.createElement\("style"\);\2\.id="\1",\2\.textContent=`([^`]*)`')
log = logging.getLogger(__name__)


@functools.cache
def plotly_css() -> str:
    """The bundle's style rules as CSS text ('' when this plotly version hides them)."""
    source = PLOTLY_JS.read_text(encoding="utf-8")
    anchor = source.find('"X .main-svg":')
    if anchor < 0:
        log.warning("plotly.js style rules not found; charts render without plotly's CSS")
        return ""
    start = source.rfind('{"X,X div"', 0, anchor)
    end = source.find("};", anchor)
    if start < 0 or end < 0:
        log.warning("plotly.js style rules not found; charts render without plotly's CSS")
        return ""
    rules = []
    for key, value in _PAIR.findall(source[start:end + 1]):
        selector = key[1:-1].replace("X", ".js-plotly-plot .plotly")
        selector = selector.replace("Y", ".plotly-notifier")
        if selector.startswith(","):
            selector = " " + selector
        rules.append(f"{selector} {{{value[1:-1]}}}")
    return "/* plotly.js style rules, extracted from the installed bundle */\n" + "\n".join(rules)


@functools.cache
def bundled_styles() -> dict[str, str]:
    """{element id: CSS} for the stylesheets plotly.js would inject on load (MapLibre's).

    The pages link each under its id, so plotly.js finds it present and injects nothing.
    """
    source = PLOTLY_JS.read_text(encoding="utf-8")
    return {m.group(1): m.group(3) for m in _BUNDLED.finditer(source)}


def plotly_js_response() -> Response:
    """plotly.js as a cacheable script; the board pages and the dashboard designer use it."""
    return _cacheable(send_file(PLOTLY_JS, mimetype="text/javascript", max_age=86400))


def css_response(css: str) -> Response:
    return _cacheable(Response(css, mimetype="text/css"))


def _cacheable(response: Response) -> Response:
    response.cache_control.max_age = 86400
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
