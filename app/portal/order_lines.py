"""A request's line rows may only return what the looked-up order holds.

The order lookup prefills list fields (a return's `items` from the ERP's `lines`) and
signs them into the lookup proof (app/portal/links.py). The rows are ordinary form
fields, so a browser can change them: ask for 9 units where 1 was bought, or add a SKU
the order never had. Such a request must be refused on the form, not reach the flow,
where it would stop on an incident with no answer for the customer.

For every list field the proof carries, each submitted row is matched to the proven
rows by its read-only columns (the form's widget marks them `readonly`: `sku`, `name`);
a row that matches none is "not in your order". Its editable numeric columns
(`quantity`) are totalled per matching order line - two rows of one SKU cannot return
it twice - and may not exceed what the order has. The check reads only the signed
proof, so it holds when the browser is bypassed.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from app.portal import i18n
from runtime.forms import FieldSpec, FormSpec
from runtime.forms.messages import lookup as form_text


def check_against_order(form: FormSpec, data: dict[str, Any], proven: dict[str, Any] | None,
                        locale: str) -> dict[str, str]:
    """`{error key: message}` for submitted rows beyond the proven order; empty when fine."""
    errors: dict[str, str] = {}
    for spec in form.fields():
        ordered = (proven or {}).get(spec.path)
        rows = data.get(spec.path)
        if spec.children and isinstance(ordered, list) and isinstance(rows, list):
            errors.update(_check_rows(form, spec, ordered, rows, locale))
    return errors


def _check_rows(form: FormSpec, spec: FieldSpec, ordered: list[Any], rows: list[Any],
                locale: str) -> dict[str, str]:
    identity = [c.name for c in spec.children if c.widget.readonly]
    if not identity:  # nothing ties a row to an order line: the designer chose free rows
        return {}
    totals: dict[tuple[str, ...], dict[str, Decimal]] = {}
    for line in ordered:
        if isinstance(line, dict):
            line_totals = totals.setdefault(_identity(line, identity), {})
            for name, amount in _amounts(line, spec).items():
                line_totals[name] = line_totals.get(name, Decimal(0)) + amount
    left = {key: dict(amounts) for key, amounts in totals.items()}
    errors: dict[str, str] = {}
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            continue
        key = _identity(row, identity)
        if key not in left:
            name = _first_unknown(key, identity, left)
            errors[f"{spec.key}/{index}/{name}"] = _message(
                form, f"{spec.path}.{name}", "not_ordered", locale)
            continue
        for name, amount in _amounts(row, spec).items():
            remaining = left[key].get(name)
            if remaining is None:
                continue
            if amount > remaining:
                errors[f"{spec.key}/{index}/{name}"] = _message(
                    form, f"{spec.path}.{name}", "over_ordered", locale,
                    ordered=_plain(totals[key][name]))
            left[key][name] = remaining - amount
    return errors


def _identity(row: dict[str, Any], names: list[str]) -> tuple[str, ...]:
    return tuple("" if row.get(n) is None else str(row.get(n)).strip() for n in names)


def _first_unknown(key: tuple[str, ...], names: list[str],
                   ordered: dict[tuple[str, ...], Any]) -> str:
    """The column to mark: the first whose value no order line has (the changed SKU)."""
    for position, name in enumerate(names):
        if all(known[position] != key[position] for known in ordered):
            return name
    return names[0]


def _amounts(row: dict[str, Any], spec: FieldSpec) -> dict[str, Decimal]:
    """The row's editable numbers (read-only columns identify it; they are not amounts)."""
    out = {}
    for child in spec.children:
        value = row.get(child.name)
        if child.widget.readonly or isinstance(value, bool) or value is None:
            continue
        try:
            out[child.name] = Decimal(str(value))
        except InvalidOperation:
            continue
    return out


def _plain(amount: Decimal) -> str:
    return format(amount.normalize(), "f")


def _message(form: FormSpec, field_path: str, code: str, locale: str, **values: Any) -> str:
    """The form's own text (`items.quantity.error.over_ordered`) first, else the portal's."""
    own = form_text(form.i18n, locale, f"{field_path}.error.{code}")
    if own:
        return own.format(**values) if values else own
    return i18n.translate(f"request.line_{code}", locale, **values)
