"""Money as `Decimal` in the currency's minor unit: the one place amounts are rounded.

Why a module of its own: refunds, fees and VAT adjustments must come out to the cent
the customer and the payment provider expect. A binary float cannot hold 0.1, so every
amount here is a `Decimal` read from text (or an integer) and rounded half-up to the
currency's ISO 4217 minor unit (JPY has none, BHD/KWD/... have three). JSON carries
amounts as strings ("44.95"), so nothing on the money path is ever a float: a float
input is refused with a message instead of being read approximately.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from runtime.exceptions import FormloomError

# ISO 4217 currencies whose minor unit is not 2 (all others: 2).
_MINOR_UNITS = {
    **dict.fromkeys(("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG",
                     "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
    "CLF": 4, "UYW": 4,
}
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_AMOUNT = re.compile(r"^-?[0-9]{1,15}(?:\.[0-9]{1,6})?$")
MAX_PERCENT = Decimal(1000)


class MoneyError(FormloomError):
    """An amount, currency or percentage that cannot be used; the message says which."""

    code = "invalid_amount"


def currency_code(value: Any) -> str:
    if not isinstance(value, str) or not _CURRENCY.match(value.upper()):
        raise MoneyError(f"{value!r} is not an ISO 4217 currency code (three letters)")
    return value.upper()


def minor_units(currency: str) -> int:
    """Digits after the decimal point for `currency` (EUR 2, JPY 0, KWD 3)."""
    return _MINOR_UNITS.get(currency_code(currency), 2)


def decimal(value: Any, what: str = "amount") -> Decimal:
    """An exact decimal from a string or integer; floats and junk are refused."""
    if isinstance(value, (bool, float)):
        raise MoneyError(f"{what} must be written as text, e.g. \"44.95\" (got {value!r})")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, Decimal) and value.is_finite():
        return value
    if isinstance(value, str) and _AMOUNT.match(value.strip()):
        try:
            return Decimal(value.strip())
        except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
            pass
    raise MoneyError(f"{what} {value!r} is not a decimal number such as \"44.95\"")


def percent(value: Any, what: str = "percentage") -> Decimal:
    """A percentage between 0 and 1000 (e.g. "15" for 15 %)."""
    number = decimal(value, what)
    if number < 0 or number > MAX_PERCENT:
        raise MoneyError(f"{what} {value!r} must be between 0 and {MAX_PERCENT}")
    return number


def quantize(amount: Decimal, currency: str) -> Decimal:
    """Round half-up to the currency's minor unit (2.345 EUR -> 2.35, 12.5 JPY -> 13)."""
    return amount.quantize(Decimal(1).scaleb(-minor_units(currency)), rounding=ROUND_HALF_UP)


def money(value: Any, currency: str, what: str = "amount") -> Decimal:
    """An amount read exactly and rounded to the currency's minor unit."""
    return quantize(decimal(value, what), currency)


def share(amount: Decimal, pct: Decimal, currency: str) -> Decimal:
    """`pct` percent of `amount`, rounded once to the minor unit."""
    return quantize(amount * pct / 100, currency)


def contained_tax(gross: Decimal, rate_pct: Decimal, currency: str) -> Decimal:
    """The tax inside a tax-inclusive price: gross * rate / (100 + rate)."""
    return quantize(gross * rate_pct / (100 + rate_pct), currency)


def to_text(amount: Decimal, currency: str) -> str:
    """The JSON form: "44.95", "1500" for JPY; never an exponent."""
    return f"{quantize(amount, currency):f}"


def to_minor(amount: Decimal, currency: str) -> int:
    """Integer minor units, as payment providers take them (44.95 EUR -> 4495)."""
    return int(quantize(amount, currency).scaleb(minor_units(currency)))
