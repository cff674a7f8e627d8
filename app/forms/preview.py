"""The builder's preview: see a form (draft or published) in any locale and try it out.

A test submission is validated exactly as a real one (rules, computed fields, uploads
checked by content) but nothing is stored: no Submission, no files on disk.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, render_template, request

from app.forms.loading import load_draft_or_latest
from app.forms.render import render_form
from app.forms.submissions import accept_submission
from app.security import requires
from runtime.forms.messages import BUILTIN

bp = Blueprint("forms_preview", __name__, url_prefix="/builder/forms")


def _locale() -> str:
    locale = request.args.get("locale") or "en"
    plausible = len(locale) <= 16 and locale.replace("-", "").isalnum()
    return locale if locale in BUILTIN or plausible else "en"


@bp.route("/<key>/preview", methods=["GET", "POST"])
@requires("builder")
def preview(key: str) -> Any:
    form = load_draft_or_latest(key)
    locale = _locale()
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    result = None
    if request.method == "POST":
        result = accept_submission(
            form, request.form, request.files, locale=locale, store_files=False
        )
        values, errors = result.data, result.errors
    status = 422 if result is not None and not result.ok else 200
    return (
        render_template(
            "forms/preview.html",
            form=form,
            key=key,
            locale=locale,
            locales=sorted({"en", "zh-CN", *form.i18n}),
            fields=render_form(form, locale=locale, values=values, errors=errors),
            result=result,
            # Shown as text (autoescaped); ensure_ascii=False keeps 上海 readable.
            data_json=json.dumps(result.data, ensure_ascii=False, indent=2)
            if result is not None and result.ok
            else "",
        ),
        status,
    )
