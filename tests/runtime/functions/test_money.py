"""Money helpers: exact decimals, ISO 4217 minor units, half-up rounding, no floats."""

from decimal import Decimal

import pytest

from runtime import money


@pytest.mark.parametrize(("currency", "digits"), [("EUR", 2), ("usd", 2), ("JPY", 0),
                                                  ("KWD", 3), ("GBP", 2), ("CLF", 4)])
def test_minor_units_follow_iso_4217(currency, digits):
    assert money.minor_units(currency) == digits


@pytest.mark.parametrize(("value", "currency", "expected"), [
    ("2.345", "EUR", "2.35"), ("2.344", "EUR", "2.34"), ("12.5", "JPY", "13"),
    ("1.0005", "KWD", "1.001"), ("-2.345", "EUR", "-2.35"), (7, "EUR", "7.00"),
])
def test_amounts_round_half_up_to_the_minor_unit(value, currency, expected):
    assert money.to_text(money.money(value, currency), currency) == expected


def test_minor_unit_integers_for_payment_providers():
    assert money.to_minor(Decimal("44.95"), "EUR") == 4495
    assert money.to_minor(Decimal("1500"), "JPY") == 1500
    assert money.to_minor(Decimal("1.234"), "KWD") == 1234


@pytest.mark.parametrize("bad", [0.1, True, "1e3", "abc", "", None, "1.2.3", [1]])
def test_floats_and_junk_are_refused_with_a_message(bad):
    with pytest.raises(money.MoneyError, match="amount"):
        money.decimal(bad)


@pytest.mark.parametrize("bad", ["EURO", "E1", 12, None, ""])
def test_currency_codes_are_three_letters(bad):
    with pytest.raises(money.MoneyError, match="ISO 4217"):
        money.minor_units(bad)


def test_percentages_are_bounded():
    assert money.percent("15") == Decimal(15)
    with pytest.raises(money.MoneyError):
        money.percent("-1")
    with pytest.raises(money.MoneyError):
        money.percent("1001")


def test_tax_contained_in_an_inclusive_price():
    assert money.contained_tax(Decimal("85"), Decimal("20"), "GBP") == Decimal("14.17")
    assert money.share(Decimal("60"), Decimal("10"), "EUR") == Decimal("6.00")
