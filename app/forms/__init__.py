"""The forms API shared by the portal, the inbox and the builder's preview.

    form = load_form(key, version=None)          compiled, cached per (key, version, checksum)
    html = render_form(form, locale=..., values=..., errors=..., id_prefix="f")
    result = accept_submission(form, request.form, request.files, locale=..., context=...,
                               uploaded_by=None)   -> FormResult(ok, data, errors, files)
    submission = save_submission(form, result, locale=..., client_token=...,
                                 instance=None, task=None, user=None)
    values = prefill_values(form, variables=..., lookups=...)
    may_download(stored_file, user, portal_case_public_id=None)

`render_form` returns the fields only; the caller wraps them in
`<form method="post" enctype="multipart/form-data" data-formloom-form>`, adds the CSRF
field and the buttons, and includes static/js/forms.js (deferred) on the page.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.forms.files import may_download
from app.forms.loading import load_draft_or_latest, load_form, spec_of
from app.forms.render import render_form
from app.forms.submissions import BadClientToken, FormResult, accept_submission, save_submission
from runtime.forms import FormSpec, initial_values


def prefill_values(
    form: FormSpec,
    variables: Mapping[str, Any] | None = None,
    lookups: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """Values to render a form with: from instance variables and connector lookup results."""
    return initial_values(form, variables, lookups)


__all__ = [
    "BadClientToken",
    "FormResult",
    "FormSpec",
    "accept_submission",
    "load_draft_or_latest",
    "load_form",
    "may_download",
    "prefill_values",
    "render_form",
    "save_submission",
    "spec_of",
]
