"""Decimal helpers: quantities, prices and unit costs carry 6 places, amounts 2; half-up, never float."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import models
from django.utils.translation import gettext_lazy as _

AMOUNT_PLACES = 2
QUANTITY_PLACES = 6
MAX_DIGITS = 18

_AMOUNT_EXP = Decimal(1).scaleb(-AMOUNT_PLACES)
_QUANTITY_EXP = Decimal(1).scaleb(-QUANTITY_PLACES)
ZERO = Decimal("0")


def to_decimal(value: object) -> Decimal:
    """Convert an int, str or Decimal; a float is refused because it has already lost precision."""
    if isinstance(value, (bool, float)):
        raise TypeError(f"refusing {type(value).__name__} {value!r}: pass a str or Decimal")
    if isinstance(value, Decimal):
        result = value
    else:
        try:
            result = Decimal(str(value).strip())
        except InvalidOperation as exc:
            raise ValueError(f"not a number: {value!r}") from exc
    if not result.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return result


def round_amount(value: object) -> Decimal:
    return to_decimal(value).quantize(_AMOUNT_EXP, rounding=ROUND_HALF_UP)


def to_base(amount: Decimal, rate: Decimal) -> Decimal:
    """An amount in a document's currency at its exchange rate, in the company's base currency."""
    return round_amount(amount * rate)


def round_quantity(value: object) -> Decimal:
    return to_decimal(value).quantize(_QUANTITY_EXP, rounding=ROUND_HALF_UP)


class AmountField(models.DecimalField):
    """Money: 18 digits, 2 places."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", MAX_DIGITS)
        kwargs.setdefault("decimal_places", AMOUNT_PLACES)
        super().__init__(*args, **kwargs)


class QuantityField(models.DecimalField):
    """Quantities, prices, unit costs and conversion factors: 18 digits, 6 places."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", MAX_DIGITS)
        kwargs.setdefault("decimal_places", QUANTITY_PLACES)
        super().__init__(*args, **kwargs)


AMOUNT_HELP = _("Amount with two decimal places")
