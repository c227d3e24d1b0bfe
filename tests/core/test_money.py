from decimal import Decimal

import pytest

from apps.core.money import AmountField, QuantityField, round_amount, round_quantity, to_decimal


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2.345", Decimal("2.35")),
        ("2.344999", Decimal("2.34")),
        ("-2.345", Decimal("-2.35")),
        ("0.005", Decimal("0.01")),
        (7, Decimal("7.00")),
        (Decimal("1.10"), Decimal("1.10")),
    ],
)
def test_amounts_round_half_up_to_two_places(value, expected):
    rounded = round_amount(value)

    assert rounded == expected
    assert rounded.as_tuple().exponent == -2


def test_quantities_round_half_up_to_six_places():
    assert round_quantity("1.0000005") == Decimal("1.000001")
    assert round_quantity("1.00000049") == Decimal("1.000000")
    assert round_quantity("12").as_tuple().exponent == -6


@pytest.mark.parametrize("value", [0.1, 1.0, True])
def test_floats_and_booleans_are_refused(value):
    with pytest.raises(TypeError):
        to_decimal(value)


@pytest.mark.parametrize("value", ["abc", "", "NaN", "Infinity", "-inf"])
def test_non_numbers_and_non_finite_values_are_refused(value):
    with pytest.raises(ValueError):
        to_decimal(value)


def test_strings_are_read_exactly():
    assert to_decimal(" 0.1 ") + to_decimal("0.2") == Decimal("0.3")


def test_money_fields_carry_the_design_precision():
    amount, quantity = AmountField(), QuantityField()

    assert (amount.max_digits, amount.decimal_places) == (18, 2)
    assert (quantity.max_digits, quantity.decimal_places) == (18, 6)
