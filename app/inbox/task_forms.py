"""A task's form: shown on the task page, and the gate every answer passes through.

The form runtime (`app.forms`, built by the forms issue) renders and validates; this
module only joins it to tasks. An answer to a task that names a form is refused unless
the submission validates, so bulk approval cannot skip what the form requires.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from markupsafe import Markup
from werkzeug.datastructures import ImmutableMultiDict, MultiDict

from app.extensions import db
from app.flows import service
from app.models import FlowInstance, Task, User
from runtime.exceptions import FormloomError


class TaskFormInvalid(FormloomError):
    """The task's form did not validate; `errors` maps field paths to messages."""

    code = "task_form_invalid"

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.field_errors = dict(errors)
        first = next(iter(self.field_errors.items()), ("", "the form is not valid"))
        where = f"{first[0]}: " if first[0] else ""
        super().__init__(f"the task's form is not complete ({where}{first[1]})")


class FormRuntimeMissing(FormloomError):
    code = "form_runtime_missing"


def _forms() -> Any:
    try:
        import app.forms as forms
    except ImportError as exc:  # the forms issue has not landed in this installation
        raise FormRuntimeMissing("this task has a form, but the form runtime is not "
                                 "installed, so it cannot be answered here") from exc
    return forms


def render(task: Task, *, locale: str, values: Mapping | None = None,
           errors: Mapping[str, str] | None = None) -> Markup | None:
    """The task form's fields as HTML, or None when the task has no form."""
    if not task.form_key:
        return None
    forms = _forms()
    form = forms.load_form(task.form_key)
    return forms.render_form(form, locale=locale, values=values, errors=errors,
                             id_prefix=f"t{task.id}")


def complete(task: Task, outcome: str, user: User, *, locale: str,
             form_data: Mapping | None = None, files: Mapping | None = None) -> Task:
    """Validate the task form (when there is one), store the submission, answer the task."""
    if outcome not in task.data.get("outcomes", []):
        from runtime.exceptions import ErrorDetail, ValidationFailed

        raise ValidationFailed([ErrorDetail("/outcome", "not one of the task's outcomes")],
                               f"this task cannot be answered '{outcome}'")
    data: dict[str, Any] = {}
    if task.form_key:
        forms = _forms()
        form = forms.load_form(task.form_key)
        instance = db.session.get(FlowInstance, task.instance_id)
        result = forms.accept_submission(
            form, form_data if form_data is not None else ImmutableMultiDict(),
            files if files is not None else MultiDict(), locale=locale,
            context=dict(instance.variables or {}), uploaded_by=user)
        if not result.ok:
            raise TaskFormInvalid(result.errors)
        forms.save_submission(form, result, locale=locale, client_token=None,
                              instance=instance, task=task, user=user)
        data = dict(result.data)
    return service.complete_task(task.id, outcome, data, user)
