"""Values built from data without evaluating anything: request templates, response maps.

A *source* says where one value comes from:

* `"order.lines[0].sku"` - a path: dict keys and list indices, nothing else;
  `"/lines/0/sku"` - the same as an RFC 6901 JSON pointer; `"$"` - all of it;
* `{"var": "<path>", "default": <any>}` - a path with a value for when it is missing;
* `{"value": <any JSON>}` - a literal (the only way to write a literal string);
* `{"template": "RMA {rma.number} for {customer}"}` - text with paths in braces
  (`{{` and `}}` for literal braces); any placeholder missing makes the text missing;
* a number, `true`, `false` or `null` - a literal;
* `{"each": "<path to a list>", "map": <body template>}` - one rendered item per list
  element, paths in `map` read the element (`"$"` is the element itself); at most
  `MAX_EACH_ITEMS` elements (more is refused as invalid input, never cut short);
* `{"sum": "<path to a list>", "of": "<field>", "times": "<field>"}` - the exact decimal
  sum of one field of every element (optionally multiplied by another field, e.g. unit
  weight x quantity), as text ("1.350"); integers only -> an integer. Numbers written as
  floats are read by their JSON text, never through binary arithmetic.

A *body template* is a source, or an object/array of body templates, so a JSON body is
written in its own shape. A value that reads as missing is left out of its object,
array, query or headers (so optional inputs stay optional); in a response map a
missing path without a default is an error (the provider broke its contract).

Reading only indexes dicts and lists; no `getattr`, no `eval`, no `str.format` on a
definition's strings (CHECKLIST 19). Paths with `__` are refused anyway.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from connectors.exceptions import InputInvalid
from runtime.exceptions import ErrorDetail

VAR_PATH = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+|\[[0-9]+\])*$")
POINTER = re.compile(r"^(?:/(?:[^~/]|~[01])*)+$")
_SEGMENT = re.compile(r"\.([A-Za-z0-9_]+)|\[([0-9]+)\]")
_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
MAX_PATH_LENGTH = 256
MAX_TEMPLATE_LENGTH = 2000
SOURCE_FORMS = ("var", "value", "template", "each", "sum")
MAX_EACH_ITEMS = 500


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


@dataclass(frozen=True)
class Path:
    """A compiled path; `default` (JSON text) is used when the path is missing."""

    text: str
    segments: tuple[str | int, ...]
    default: str | None = None  # JSON text, so the spec stays immutable

    def render(self, data: Any) -> Any:
        value = read(data, self.segments)
        if value is MISSING and self.default is not None:
            return json.loads(self.default)
        return value

    @property
    def head(self) -> str | int | None:
        return self.segments[0] if self.segments else None


@dataclass(frozen=True)
class Literal:
    encoded: str  # JSON text: a frozen dataclass must not hold a mutable dict or list

    def render(self, data: Any) -> Any:
        return json.loads(self.encoded)


@dataclass(frozen=True)
class Text:
    parts: tuple[str | Path, ...]

    def render(self, data: Any) -> Any:
        out = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
                continue
            value = part.render(data)
            if value is MISSING:
                return MISSING
            out.append(to_text(value))
        return "".join(out)


@dataclass(frozen=True)
class ObjectTemplate:
    items: tuple[tuple[str, Template], ...]

    def render(self, data: Any) -> Any:
        rendered = ((k, t.render(data)) for k, t in self.items)
        return {k: v for k, v in rendered if v is not MISSING}


@dataclass(frozen=True)
class ArrayTemplate:
    items: tuple[Template, ...]

    def render(self, data: Any) -> Any:
        return [v for v in (t.render(data) for t in self.items) if v is not MISSING]


@dataclass(frozen=True)
class Each:
    """A list built from a list: `map` rendered against every element."""

    source: Path
    map: Template

    def render(self, data: Any) -> Any:
        items = _list_at(self.source, data)
        if items is MISSING:
            return MISSING
        rendered = (self.map.render(item) for item in items)
        return [v for v in rendered if v is not MISSING]


@dataclass(frozen=True)
class Sum:
    """The exact sum of `of` (x `times`) over a list's elements."""

    source: Path
    of: tuple[str | int, ...]
    times: tuple[str | int, ...] | None = None

    def render(self, data: Any) -> Any:
        items = _list_at(self.source, data)
        if items is MISSING:
            return MISSING
        total, exact_int = Decimal(0), True
        for index, item in enumerate(items):
            factors = [read(item, self.of)] + ([read(item, self.times)] if self.times else [])
            product = Decimal(1)
            for factor in factors:
                number = _number(factor, f"{self.source.text}[{index}]")
                exact_int = exact_int and isinstance(factor, int)
                product *= number
            total += product
        return int(total) if exact_int else f"{total:f}"


def _list_at(source: Path, data: Any) -> Any:
    items = source.render(data)
    if items is MISSING or items is None:
        return MISSING
    if not isinstance(items, list):
        raise InputInvalid([ErrorDetail(f"/{source.text}", "must be a list")])
    if len(items) > MAX_EACH_ITEMS:
        raise InputInvalid([ErrorDetail(f"/{source.text}",
                                        f"has more than {MAX_EACH_ITEMS} items")])
    return items


def _number(value: Any, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InputInvalid([ErrorDetail(f"/{where}", f"{value!r} is not a number")])
    try:
        number = Decimal(value if isinstance(value, int | str) else repr(value))
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite():
        raise InputInvalid([ErrorDetail(f"/{where}", f"{value!r} is not a number")])
    return number


Template = Path | Literal | Text | ObjectTemplate | ArrayTemplate | Each | Sum


def to_text(value: Any) -> str:
    """How a value reads inside a URL, header or text template."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def read(data: Any, segments: tuple[str | int, ...]) -> Any:
    """Walk dict keys and list indices; MISSING where the walk leaves the data."""
    for segment in segments:
        if isinstance(data, Mapping) and isinstance(segment, str):
            data = data.get(segment, MISSING)
        elif isinstance(data, list) and _index(segment) is not None:
            index = _index(segment)
            data = data[index] if index is not None and index < len(data) else MISSING
        else:
            return MISSING
        if data is MISSING:
            return MISSING
    return data


def _index(segment: str | int) -> int | None:
    if isinstance(segment, int):
        return segment
    return int(segment) if segment.isdigit() else None


# --- compiling ------------------------------------------------------------------------


def compile_path(
    text: Any, pointer: str, errors: list[ErrorDetail], max_length: int | None = MAX_PATH_LENGTH
) -> Path | None:
    if not isinstance(text, str):
        errors.append(ErrorDetail(pointer, "must be a path such as order.number or /order/number"))
        return None
    problem = path_problem(text, max_length)
    if problem:
        errors.append(ErrorDetail(pointer, problem))
        return None
    return Path(text, parse_path(text))


def path_problem(text: str, max_length: int | None = MAX_PATH_LENGTH) -> str | None:
    if max_length is not None and len(text) > max_length:
        return f"a path may be at most {max_length} characters"
    if "__" in text:
        return "a path must not contain __"
    if text == "$" or VAR_PATH.match(text) or POINTER.match(text):
        return None
    return "must be a path such as order.lines[0].sku, a JSON pointer such as /lines/0/sku, or $"


def parse_path(text: str) -> tuple[str | int, ...]:
    if text == "$":
        return ()
    if text.startswith("/"):
        return tuple(t.replace("~1", "/").replace("~0", "~") for t in text[1:].split("/"))
    head = text.split(".", 1)[0].split("[", 1)[0]
    rest = text[len(head) :]
    tail = [name if name else int(index) for name, index in _SEGMENT.findall(rest)]
    return (head, *tail)


def compile_source(
    value: Any, pointer: str, errors: list[ErrorDetail], *, structured: bool = False
) -> Template | None:
    """A source (or, with `structured`, a body template) at `pointer`; None on error."""
    if isinstance(value, str):
        return compile_path(value, pointer, errors)
    if value is None or isinstance(value, bool | int | float):
        return Literal(json.dumps(value))
    if isinstance(value, dict) and set(value) & set(SOURCE_FORMS):
        return _compile_form(value, pointer, errors)
    if structured and isinstance(value, dict):
        items = []
        for key, child in value.items():
            compiled = compile_source(child, f"{pointer}/{_escape(key)}", errors, structured=True)
            if compiled is not None:
                items.append((key, compiled))
        return ObjectTemplate(tuple(items))
    if structured and isinstance(value, list):
        parts = [
            compile_source(c, f"{pointer}/{i}", errors, structured=True)
            for i, c in enumerate(value)
        ]
        return ArrayTemplate(tuple(p for p in parts if p is not None))
    what = "a source" if not structured else "a body template"
    errors.append(
        ErrorDetail(
            pointer,
            f"must be {what}: a path, a number, true/false/null, "
            '{"var": …}, {"value": …} or {"template": …}',
        )
    )
    return None


def _compile_form(
    value: dict[str, Any], pointer: str, errors: list[ErrorDetail]
) -> Template | None:
    keys = set(value)
    if keys in ({"var"}, {"var", "default"}):
        path = compile_path(value["var"], f"{pointer}/var", errors)
        if path is None:
            return None
        if "default" in value:
            return Path(path.text, path.segments, json.dumps(value["default"]))
        return path
    if keys == {"value"}:
        return Literal(json.dumps(value["value"]))
    if keys == {"template"}:
        return compile_text(value["template"], f"{pointer}/template", errors)
    if keys == {"each", "map"}:
        source = compile_path(value["each"], f"{pointer}/each", errors)
        body = compile_source(value["map"], f"{pointer}/map", errors, structured=True)
        return Each(source, body) if source is not None and body is not None else None
    if keys in ({"sum", "of"}, {"sum", "of", "times"}):
        source = compile_path(value["sum"], f"{pointer}/sum", errors)
        of = compile_path(value["of"], f"{pointer}/of", errors)
        times = compile_path(value["times"], f"{pointer}/times", errors) \
            if "times" in value else None
        if source is None or of is None or ("times" in value and times is None):
            return None
        return Sum(source, of.segments, times.segments if times else None)
    extra = sorted(keys - {"var", "default"} if "var" in keys else keys - set(SOURCE_FORMS))
    where = f"{pointer}/{_escape(extra[0])}" if extra else pointer
    errors.append(
        ErrorDetail(
            where,
            'a source object is {"var": …} (with an optional "default"), {"value": …}, '
            '{"template": …}, {"each": …, "map": …} or {"sum": …, "of": …} (optional '
            '"times"); to send such an object literally wrap it in {"value": …}',
        )
    )
    return None


def compile_text(text: Any, pointer: str, errors: list[ErrorDetail]) -> Text | None:
    if not isinstance(text, str) or len(text) > MAX_TEMPLATE_LENGTH:
        errors.append(
            ErrorDetail(pointer, f"must be text of at most {MAX_TEMPLATE_LENGTH} characters")
        )
        return None
    parts: list[str | Path] = []
    position = 0
    for match in _PLACEHOLDER.finditer(text):
        parts.append(text[position : match.start()])
        position = match.end()
        token = match.group(0)
        if token in ("{{", "}}"):
            parts.append(token[0])
        elif match.group(1) is None:
            errors.append(ErrorDetail(pointer, "a lone { or } must be doubled: {{ or }}"))
            return None
        else:
            path = compile_path(match.group(1).strip(), pointer, errors, max_length=None)
            if path is None:
                return None
            parts.append(path)
    parts.append(text[position:])
    return Text(tuple(p for p in parts if p != ""))


def paths_in(template: Template | None) -> Iterator[Path]:
    """Every path a template reads (to check them against the inputs)."""
    if isinstance(template, Path):
        yield template
    elif isinstance(template, Text):
        yield from (p for p in template.parts if isinstance(p, Path))
    elif isinstance(template, ObjectTemplate):
        for _, child in template.items:
            yield from paths_in(child)
    elif isinstance(template, ArrayTemplate):
        for child in template.items:
            yield from paths_in(child)
    elif isinstance(template, Each | Sum):
        yield template.source  # the paths inside read the element, not the inputs


def _escape(token: str) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")
