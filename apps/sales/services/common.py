"""What every sales document needs: customer checks, price lookup, line amounts, locks."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from apps.core.documents import stamp_history
from apps.core.errors import DomainError
from apps.core.money import round_amount, round_quantity
from apps.masterdata.models import Company, Currency, Item, Partner, TaxRate
from apps.masterdata.selectors import unit_factor

from ..models import PriceList, PriceListLine, SalesSettings


class SalesError(DomainError):
    pass


def settings_for(company: Company) -> SalesSettings:
    return SalesSettings.objects.filter(company=company).first() or SalesSettings(company=company)


def check_customer(company: Company, customer: Partner | None) -> None:
    if customer is None or customer.company_id != company.pk or not customer.is_customer:
        raise ValidationError({"customer": [_("Choose a customer of this company.")]})
    if not customer.active:
        raise ValidationError({"customer": [_("%(customer)s is inactive.") % {"customer": customer}]})


@dataclass(frozen=True)
class Price:
    """A price per base unit in the document's currency, the floor under it, and where it came from."""

    price: Decimal
    floor: Decimal | None
    source: str


def price_for(
    *,
    company: Company,
    customer: Partner,
    item: Item,
    base_quantity: Decimal,
    currency: Currency,
    on_date: date,
    rate: Decimal,
) -> Price:
    """The customer's own list first, then its group's, then the general one; the largest quantity
    break the quantity reaches; without a list, the item's standard price converted from base currency."""
    [price] = prices_for(
        company=company,
        customer=customer,
        currency=currency,
        on_date=on_date,
        rate=rate,
        wanted=[(item, base_quantity)],
    )
    return price


def prices_for(
    *,
    company: Company,
    customer: Partner,
    currency: Currency,
    on_date: date,
    rate: Decimal,
    wanted: list[tuple[Item, Decimal]],
) -> list[Price]:
    """`price_for` of each (item, base quantity), the price-list lines of all the items read in one query."""
    lists = (
        PriceList.objects.filter(company=company, currency=currency, active=True)
        .filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=on_date),
            Q(valid_until__isnull=True) | Q(valid_until__gte=on_date),
        )
        .filter(
            Q(customer=customer)
            | Q(customer_group_id=customer.customer_group_id, customer_group__isnull=False)
            | Q(customer__isnull=True, customer_group__isnull=True)
        )
    )
    by_item: dict[int, list[PriceListLine]] = {}
    candidates = PriceListLine.objects.filter(
        price_list__in=lists, item__in={item.pk for item, _quantity in wanted}
    ).select_related("price_list")
    for line in candidates:
        by_item.setdefault(line.item_id, []).append(line)
    return [_best_price(by_item.get(item.pk, []), item, base_quantity, rate) for item, base_quantity in wanted]


def _best_price(lines: list[PriceListLine], item: Item, base_quantity: Decimal, rate: Decimal) -> Price:
    best = None
    for line in lines:
        if line.min_quantity > base_quantity:
            continue
        target = 0 if line.price_list.customer_id else 1 if line.price_list.customer_group_id else 2
        key = (target, line.price_list.priority, -line.min_quantity)
        if best is None or key < best[0]:
            best = (key, line)
    if best is not None:
        line = best[1]
        return Price(line.price, line.floor_price, line.price_list.name)
    return Price(round_quantity(item.standard_price / rate), None, _("standard price"))


def priced_lines(
    *,
    company: Company,
    customer: Partner,
    currency: Currency,
    rate: Decimal,
    on_date: date,
    lines: list[dict[str, Any]],
    default_warehouse=None,
) -> list[dict[str, Any]]:
    """Validate quotation or order lines and complete them: unit factor, list and floor prices, amounts."""
    errors: dict[str, list[str]] = {}
    if not lines:
        errors["lines"] = [_("Add at least one line.")]
    checked = []
    for index, line in enumerate(lines):
        prefix = f"lines.{index}"
        item = line.get("item")
        if item is None or item.company_id != company.pk or not item.active:
            errors[f"{prefix}.item"] = [_("Choose an active item of this company.")]
            continue
        quantity = line.get("quantity")
        if quantity is None or quantity <= 0:
            errors[f"{prefix}.quantity"] = [_("Enter a positive quantity.")]
            continue
        unit = line.get("unit") or item.sales_unit or item.base_unit
        factor = unit_factor(item=item, from_unit_id=unit.pk, to_unit_id=item.base_unit_id)
        if factor is None:
            errors[f"{prefix}.unit"] = [
                _("%(item)s has no conversion from %(unit)s to %(base)s.")
                % {"item": item, "unit": unit.code, "base": item.base_unit.code}
            ]
            continue
        discount = line.get("discount_percent") or Decimal(0)
        if discount < 0 or discount > 100:
            errors[f"{prefix}.discount_percent"] = [_("The discount is between 0 and 100 %.")]
        tax_rate: TaxRate | None = line.get("tax_rate") or item.tax_rate
        if tax_rate is None:
            errors[f"{prefix}.tax_rate"] = [_("Choose a tax rate.")]
        price_given = line.get("price")
        if price_given is not None and price_given < 0:
            errors[f"{prefix}.price"] = [_("Enter a price of zero or more.")]
        if errors:
            continue
        quantity = round_quantity(quantity)
        checked.append(
            (line, item, quantity, unit, factor, discount, tax_rate, price_given, round_quantity(quantity * factor))
        )
    if errors:
        raise ValidationError(errors)
    prices = prices_for(
        company=company,
        customer=customer,
        currency=currency,
        on_date=on_date,
        rate=rate,
        wanted=[(item, base_quantity) for _line, item, *_rest, base_quantity in checked],
    )
    completed = []
    for (line, item, quantity, unit, factor, discount, tax_rate, price_given, base_quantity), listed in zip(
        checked, prices, strict=True
    ):
        price = round_quantity(price_given) if price_given is not None else round_quantity(listed.price * factor)
        net = round_amount(quantity * price * (1 - discount / 100))
        completed.append(
            {
                "id": line.get("id"),
                "item": item,
                "description": (line.get("description") or "").strip(),
                "quantity": quantity,
                "unit": unit,
                "factor": factor,
                "base_quantity": base_quantity,
                "list_price": round_quantity(listed.price * factor),
                "floor_price": round_quantity(listed.floor * factor) if listed.floor is not None else None,
                "price": price,
                "discount_percent": discount,
                "tax_rate": tax_rate,
                "net_amount": net,
                "tax_amount": round_amount(net * tax_rate.rate / 100),
                **({"warehouse": line.get("warehouse") or default_warehouse} if default_warehouse is not None else {}),
            }
        )
    return completed


def set_totals(document: models.Model, lines: list[dict[str, Any]]) -> None:
    """The document's subtotal, tax and total from its completed lines (priced_lines), before it is saved."""
    document.subtotal = sum((line["net_amount"] for line in lines), Decimal(0))
    document.tax_total = sum((line["tax_amount"] for line in lines), Decimal(0))
    document.total = document.subtotal + document.tax_total


def write_lines(
    document: models.Model,
    line_model: type[models.Model],
    parent_field: str,
    lines: list[dict[str, Any]],
    *,
    actor,
    replacing: bool = True,
) -> None:
    """Make the document's lines exactly `lines`: update by id, insert the new ones (with their history,
    together), delete the rest. A new document (`replacing=False`) has no lines to read first."""
    existing = {line.pk: line for line in line_model.objects.filter(**{parent_field: document})} if replacing else {}
    added = []
    for values in lines:
        values = dict(values)
        line = existing.pop(values.pop("id", None), None)
        if line is None:
            line = line_model(**{parent_field: document})
            added.append(line)
        for name, value in values.items():
            setattr(line, name, value)
        if line.pk:
            stamp_history(line, actor=actor)
            line.save()
    bulk_create_with_history(added, line_model, default_user=actor)
    for stale in existing.values():
        stamp_history(stale, actor=actor)
        stale.delete()
