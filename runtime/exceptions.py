"""The root of Formloom's error tree, shared by every framework-free package.

    FormloomError
    ├── DefinitionError(pointer, reason)    a definition document is wrong at `pointer`
    │   └── DefinitionInvalid(errors)       several DefinitionErrors found at once
    ├── ValidationFailed(errors)            user input does not satisfy a form
    ├── NotFound                            a named thing does not exist
    ├── Conflict                            the request races or contradicts stored state
    │   └── ImmutableDefinition             a published version was asked to change
    ├── PermissionDenied                    the actor may not do this
    └── FlowError                           the engine refused an event

The web layer maps these to 400/403/404/409/422 (app/errors.py); nothing here knows HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass


class FormloomError(Exception):
    """Base of every error Formloom raises on purpose."""

    code = "error"


@dataclass(frozen=True)
class ErrorDetail:
    """One problem at one place: a JSON pointer into the document and a reason."""

    pointer: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"pointer": self.pointer, "reason": self.reason}


class DefinitionError(FormloomError):
    code = "definition_error"

    def __init__(self, pointer: str, reason: str) -> None:
        super().__init__(f"{pointer or '/'}: {reason}")
        self.pointer = pointer
        self.reason = reason


class DefinitionInvalid(FormloomError):
    """Raised with every error found, so an editor can mark all of them at once."""

    code = "definition_invalid"

    def __init__(self, errors: list[ErrorDetail]) -> None:
        super().__init__(f"definition has {len(errors)} error(s)")
        self.errors = errors


class ValidationFailed(FormloomError):
    code = "validation_failed"

    def __init__(self, errors: list[ErrorDetail], message: str = "input is not valid") -> None:
        super().__init__(message)
        self.errors = errors


class NotFound(FormloomError):
    code = "not_found"


class Conflict(FormloomError):
    code = "conflict"


class ImmutableDefinition(Conflict):
    code = "immutable_definition"


class PermissionDenied(FormloomError):
    code = "permission_denied"


class FlowError(FormloomError):
    code = "flow_error"
