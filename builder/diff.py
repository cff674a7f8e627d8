"""Structural diff of two JSON documents, for reviewing what a new version changes.

Changes are `add`, `remove` and `replace` at a JSON pointer, plus `reorder` for lists
whose items carry an identity. Lists are compared index by index, except lists whose
items are all objects with a unique `id` (or, failing that, a unique `key`): those are
matched by identity, so deleting the first of twenty flow nodes reads as one removed
node rather than twenty replaced ones. If the common items of such a list changed
order, one `reorder` change at the list's pointer gives the old and new id order
(order matters for form fields, and `diff(a, b) == []` must mean `a == b`).

Pointers of `add`, `replace` and `reorder` resolve in the new document, those of
`remove` in the old one. The order of changes is deterministic: object members by
sorted name, list items by position.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from builder.definitions import escape_token

Op = Literal["add", "remove", "replace", "reorder"]
IDENTITY_FIELDS = ("id", "key")


@dataclass(frozen=True)
class Change:
    op: Op
    path: str
    old: Any = None
    new: Any = None

    def as_dict(self) -> dict[str, Any]:
        return {"op": self.op, "path": self.path, "old": self.old, "new": self.new}


def diff(old: Any, new: Any) -> list[Change]:
    """Every change that turns `old` into `new`; empty when they are equal as JSON."""
    changes: list[Change] = []
    _diff(old, new, "", changes)
    return changes


def _diff(old: Any, new: Any, path: str, out: list[Change]) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        for name in sorted(old.keys() | new.keys()):
            child = f"{path}/{escape_token(name)}"
            if name not in new:
                out.append(Change("remove", child, old=old[name]))
            elif name not in old:
                out.append(Change("add", child, new=new[name]))
            else:
                _diff(old[name], new[name], child, out)
    elif isinstance(old, list) and isinstance(new, list):
        identity = _identity_field(old, new)
        if identity:
            _diff_by_identity(old, new, identity, path, out)
        else:
            _diff_by_index(old, new, path, out)
    elif not _same_scalar(old, new):
        out.append(Change("replace", path, old=old, new=new))


def _same_scalar(old: Any, new: Any) -> bool:
    """JSON equality: 1 == 1.0, but true is not 1 and "1" is not 1."""
    if isinstance(old, bool) or isinstance(new, bool):
        return type(old) is type(new) and old == new
    if isinstance(old, int | float) and isinstance(new, int | float):
        return old == new
    return type(old) is type(new) and old == new


def _identity_field(old: list[Any], new: list[Any]) -> str | None:
    """The field that names each item of both lists uniquely, if there is one."""
    items = [*old, *new]
    if not items or not all(isinstance(item, dict) for item in items):
        return None
    for field in IDENTITY_FIELDS:
        if _unique_ids(old, field) and _unique_ids(new, field):
            return field
    return None


def _unique_ids(items: Sequence[dict[str, Any]], field: str) -> bool:
    ids = [item.get(field) for item in items]
    scalar = all(isinstance(i, str | int) and not isinstance(i, bool) for i in ids)
    return scalar and len(set(ids)) == len(ids)


def _diff_by_identity(
    old: list[dict[str, Any]], new: list[dict[str, Any]], field: str, path: str, out: list[Change]
) -> None:
    old_at = {item[field]: i for i, item in enumerate(old)}
    new_at = {item[field]: i for i, item in enumerate(new)}
    old_order = [item[field] for item in old if item[field] in new_at]
    new_order = [item[field] for item in new if item[field] in old_at]
    if old_order != new_order:
        out.append(Change("reorder", path, old=old_order, new=new_order))
    for i, item in enumerate(old):
        if item[field] not in new_at:
            out.append(Change("remove", f"{path}/{i}", old=item))
    for i, item in enumerate(new):
        if item[field] in old_at:
            _diff(old[old_at[item[field]]], item, f"{path}/{i}", out)
        else:
            out.append(Change("add", f"{path}/{i}", new=item))


def _diff_by_index(old: list[Any], new: list[Any], path: str, out: list[Change]) -> None:
    for i in range(min(len(old), len(new))):
        _diff(old[i], new[i], f"{path}/{i}", out)
    for i in range(len(new), len(old)):
        out.append(Change("remove", f"{path}/{i}", old=old[i]))
    for i in range(len(old), len(new)):
        out.append(Change("add", f"{path}/{i}", new=new[i]))
