"""The meta-schemas every definition kind is checked against, and their error wording.

One JSON Schema (2020-12) per kind lives in builder/schemas/, with shared parts in
common.json. Validators are compiled once per kind. jsonschema's messages are rewritten
into short reasons attached to the JSON pointer closest to the problem, so an editor can
put each one on the right field, node or edge.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource

from builder.pointers import MAX_ERRORS, to_pointer
from runtime.exceptions import ErrorDetail

KINDS: tuple[str, ...] = ("form", "flow", "decision_table", "dashboard", "connector")
SCHEMA_DIR = Path(__file__).with_name("schemas")
_BASE_URI = "https://formloom.dev/schemas/"


@functools.cache
def _registry() -> Registry:
    resources = []
    for path in sorted(SCHEMA_DIR.glob("*.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        resources.append((contents["$id"], Resource.from_contents(contents)))
    return Registry().with_resources(resources)


def meta_schema(kind: str) -> dict[str, Any]:
    """The JSON Schema a `kind`'s body must satisfy (KeyError for an unknown kind)."""
    if kind not in KINDS:
        raise KeyError(kind)
    return _registry().contents(f"{_BASE_URI}{kind}.json")


@functools.cache
def _validator(kind: str) -> Draft202012Validator:
    """Compiled once per kind: building a validator costs more than most validations."""
    return _FormloomValidator(meta_schema(kind), registry=_registry())


@functools.cache
def _json_schema_meta_validator() -> Draft202012Validator:
    return Draft202012Validator(Draft202012Validator.META_SCHEMA)


def _embedded_json_schema(validator, enabled, instance, schema):
    """`x-json-schema: true`: the value must itself be a valid JSON Schema (2020-12).

    A `$ref` to the 2020-12 meta-schema inside our registry resolves its dynamic
    references on every call (~100 ms per form); the stock meta-schema validator,
    compiled once, does the same check in ~5 ms (bench/definitions.py).
    """
    if not enabled:
        return
    for error in _json_schema_meta_validator().iter_errors(instance):
        yield ValidationError(
            error.message, validator=error.validator, validator_value=error.validator_value,
            instance=error.instance, schema=error.schema, path=error.absolute_path,
        )


_FormloomValidator = validators.extend(
    Draft202012Validator, {"x-json-schema": _embedded_json_schema}
)


def schema_errors(kind: str, body: dict[str, Any]) -> list[ErrorDetail]:
    """Every way `body` breaks its kind's meta-schema, at `/body/...` pointers."""
    errors: list[ErrorDetail] = []
    for error in _validator(kind).iter_errors(body):
        errors.extend(_describe(error, ("body",)))
        if len(errors) > MAX_ERRORS:
            break
    return errors


def _describe(error: ValidationError, root: tuple[object, ...]) -> list[ErrorDetail]:
    """One readable reason per problem, pointing as close to it as possible."""
    path = (*root, *error.absolute_path)
    schema = error.schema if isinstance(error.schema, dict) else {}
    validator = error.validator
    if validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = set(schema.get("properties", {}))
        pattern = schema.get("patternProperties", {})
        extra = [k for k in error.instance if k not in allowed and not pattern]
        if extra:
            return [ErrorDetail(to_pointer((*path, k)), "unknown field") for k in extra]
    if validator == "required" and isinstance(error.instance, dict):
        missing = [k for k in error.validator_value if k not in error.instance]
        if missing:
            return [ErrorDetail(to_pointer((*path, k)), "is required") for k in missing]
    if validator in {"oneOf", "anyOf"} and "x-error" not in schema and error.context:
        # The branch that got furthest explains the problem better than "matches no shape".
        best = max(error.context, key=lambda e: (len(e.absolute_path), -len(e.context or [])))
        return _describe(best, root)
    if "propertyNames" in error.absolute_schema_path and isinstance(error.instance, str):
        # jsonschema reports a bad member name at its object; point at the member itself.
        return [ErrorDetail(to_pointer((*path, error.instance)), "name " + _reason(error, schema))]
    return [ErrorDetail(to_pointer(path), _reason(error, schema))]


def _reason(error: ValidationError, schema: dict[str, Any]) -> str:
    value = error.validator_value
    validator = error.validator
    if "x-error" in schema and validator in _CUSTOMISABLE:
        return schema["x-error"]
    if validator == "type":
        types = value if isinstance(value, list) else [value]
        return "must be " + " or ".join(_TYPE_NAMES.get(t, t) for t in types)
    if validator == "enum":
        return "must be one of: " + ", ".join(json.dumps(v, ensure_ascii=False) for v in value)
    if validator == "const":
        return f"must be {json.dumps(value, ensure_ascii=False)}"
    if validator in {"minItems", "minProperties"} and value == 1:
        return "must not be empty"
    if validator in _LIMITS:
        return _LIMITS[validator].format(value)
    if validator == "uniqueItems":
        return "must not repeat items"
    if validator == "pattern":
        return f"does not match the pattern {value}"
    if validator is None or error.schema is False:
        return "is not allowed here"
    message = error.message
    return message if len(message) <= 200 else message[:197] + "..."


#: Validators whose failure a schema's `x-error` annotation explains better than we can.
_CUSTOMISABLE = frozenset({"pattern", "oneOf", "anyOf", "not"})
_TYPE_NAMES = {
    "object": "an object",
    "array": "a list",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "null": "null",
}
_LIMITS = {
    "minLength": "must be at least {} character(s) long",
    "maxLength": "must be at most {} characters long",
    "minItems": "must hold at least {} item(s)",
    "maxItems": "must hold at most {} items",
    "minProperties": "must hold at least {} entries",
    "maxProperties": "must hold at most {} entries",
    "minimum": "must be at least {}",
    "maximum": "must be at most {}",
    "exclusiveMinimum": "must be greater than {}",
    "exclusiveMaximum": "must be less than {}",
}
