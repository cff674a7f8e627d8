"""Every HTML page we serve works under our CSP: no inline script, handler or style.

The CSP (`app/headers.py`) has no 'unsafe-inline', so an inline `<script>`, an `on…=`
attribute, a `javascript:` link or a `style=` attribute would be blocked by the browser
and the feature behind it would silently break. This walks every parameterless GET page
as an admin (who may open them all) and reads the markup, so a template that adds one
fails here rather than in a user's browser. JSON data blocks (`type="application/json"`)
are not executed and are allowed.
"""

from __future__ import annotations

import re

from tests.factories import login, make_user

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>",
                           re.IGNORECASE)
HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTR = re.compile(r"<[^>]+\sstyle\s*=", re.IGNORECASE)
STYLE_BLOCK = re.compile(r"<style[\s>]", re.IGNORECASE)
JS_URL = re.compile(r"(href|src|action)\s*=\s*[\"']\s*javascript:", re.IGNORECASE)


def html_pages(app) -> list[str]:
    paths = set()
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.arguments or rule.endpoint.endswith("static"):
            continue
        if rule.rule.startswith(("/api/", "/sandbox/", "/hooks/")):
            continue
        paths.add(rule.rule)
    return sorted(paths)


def test_every_page_needs_no_inline_script_or_style(app, client):
    login(client, make_user("admin", "builder", "manager", "staff", teams=("cs_agent",)))
    checked = []
    for path in html_pages(app):
        response = client.get(path)
        if response.status_code >= 300 or "text/html" not in response.content_type:
            continue
        html = response.get_data(as_text=True)
        for name, pattern in (("inline <script>", INLINE_SCRIPT), ("on…= handler", HANDLER),
                              ("style= attribute", STYLE_ATTR), ("<style> block", STYLE_BLOCK),
                              ("javascript: URL", JS_URL)):
            match = pattern.search(html)
            assert match is None, f"{path}: {name}: {html[match.start():match.start() + 120]}"
        checked.append(path)
    assert len(checked) >= 10, checked
