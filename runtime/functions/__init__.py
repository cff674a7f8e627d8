"""Platform functions: pure calculations a flow's `service` node can call like an action.

Why: flows must not compute money or lists in expressions (conditions and mappings stay
data, CHECKLIST 19), yet a refund needs arithmetic. A platform function is a registered,
pure Python function with a JSON input schema. Flows reach it through the built-in
connector `platform` (`{"connector": "platform", "action": "refund_amount", ...}`), so the
call goes through the same outbox row, idempotency key, error edge and incident path as
an HTTP action - only the arithmetic is code; every policy number is an input that comes
from a decision table or the flow's variables.

    call("refund_amount", inputs) -> outputs (a JSON object)

Bad inputs raise `FunctionInputError` (the service node's error edge, like an HTTP 4xx).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator

from runtime.exceptions import FormloomError, NotFound
from runtime.money import MoneyError

BUILTIN_CONNECTOR = "platform"


class FunctionInputError(FormloomError):
    """The inputs do not fit the function; the message names the field."""

    code = "function_input"


@dataclass(frozen=True)
class PlatformFunction:
    name: str
    description: str
    input_schema: Mapping[str, Any]
    run: Callable[[Mapping[str, Any]], dict[str, Any]]


_REGISTRY: dict[str, PlatformFunction] = {}


def register(name: str, description: str, input_schema: Mapping[str, Any]):
    """Decorator: add a pure function to the registry under `name`."""
    Draft202012Validator.check_schema(input_schema)

    def add(run: Callable[[Mapping[str, Any]], dict[str, Any]]):
        if name in _REGISTRY:
            raise ValueError(f"platform function {name!r} registered twice")
        _REGISTRY[name] = PlatformFunction(name, description, input_schema, run)
        return run

    return add


def names() -> frozenset[str]:
    _load()
    return frozenset(_REGISTRY)


def get(name: str) -> PlatformFunction:
    _load()
    if name not in _REGISTRY:
        raise NotFound(f"there is no platform function {name!r}")
    return _REGISTRY[name]


def call(name: str, inputs: Any) -> dict[str, Any]:
    """Validate `inputs` against the function's schema, run it, return its outputs."""
    function = get(name)
    if not isinstance(inputs, Mapping):
        raise FunctionInputError(f"{name}: the input must be an object")
    errors = sorted(Draft202012Validator(function.input_schema).iter_errors(dict(inputs)),
                    key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.absolute_path) or "input"
        raise FunctionInputError(f"{name}: {where}: {first.message}")
    try:
        return function.run(inputs)
    except MoneyError as err:
        raise FunctionInputError(f"{name}: {err}") from err


def _load() -> None:
    """Import the modules that register functions (once; imports are cached)."""
    from runtime.functions import customs, lists, ratios, refund, returned, text  # noqa: F401
