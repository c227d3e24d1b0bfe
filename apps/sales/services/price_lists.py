"""Price lists: a customer's, a customer group's or everyone's prices, with quantity breaks."""

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from apps.core.documents import stamp_history
from apps.core.money import round_quantity
from apps.masterdata.models import Company, Currency, CustomerGroup, Partner

from ..models import PriceList, PriceListLine


def _check(company: Company, customer: Partner | None, group: CustomerGroup | None, lines: list[dict]) -> None:
    errors: dict[str, list[str]] = {}
    if customer is not None and group is not None:
        errors["customer_group"] = [_("A price list is for one customer or one customer group, not both.")]
    if customer is not None and (customer.company_id != company.pk or not customer.is_customer):
        errors["customer"] = [_("Choose a customer of this company.")]
    if group is not None and group.company_id != company.pk:
        errors["customer_group"] = [_("Choose a customer group of this company.")]
    seen: set[tuple[int, Decimal]] = set()
    for index, line in enumerate(lines):
        item = line.get("item")
        if item is None or item.company_id != company.pk:
            errors[f"lines.{index}.item"] = [_("Choose an item of this company.")]
            continue
        if line.get("price") is None or line["price"] < 0:
            errors[f"lines.{index}.price"] = [_("Enter a price of zero or more.")]
        minimum = line.get("min_quantity") or Decimal(0)
        if minimum < 0:
            errors[f"lines.{index}.min_quantity"] = [_("Enter a quantity of zero or more.")]
        if line.get("floor_price") is not None and line["floor_price"] < 0:
            errors[f"lines.{index}.floor_price"] = [_("Enter a price of zero or more.")]
        if (item.pk, round_quantity(minimum)) in seen:
            errors[f"lines.{index}.min_quantity"] = [_("This item already has a price from this quantity.")]
        seen.add((item.pk, round_quantity(minimum)))
    if errors:
        raise ValidationError(errors)


def save_price_list(
    *,
    actor,
    company: Company,
    name: str,
    currency: Currency,
    lines: list[dict[str, Any]],
    price_list: PriceList | None = None,
    customer: Partner | None = None,
    customer_group: CustomerGroup | None = None,
    valid_from: date | None = None,
    valid_until: date | None = None,
    priority: int = 100,
    active: bool = True,
) -> PriceList:
    """Create or change a price list and make its lines exactly `lines` (matched by id)."""
    if price_list is not None:
        company = price_list.company
    _check(company, customer, customer_group, lines)
    if valid_from and valid_until and valid_until < valid_from:
        raise ValidationError({"valid_until": [_("The list ends before it starts.")]})
    with transaction.atomic():
        price_list = price_list or PriceList(company=company)
        for field, value in {
            "name": name.strip(),
            "currency": currency,
            "customer": customer,
            "customer_group": customer_group,
            "valid_from": valid_from,
            "valid_until": valid_until,
            "priority": priority,
            "active": active,
        }.items():
            setattr(price_list, field, value)
        stamp_history(price_list, actor=actor, reason=_("Saved"))
        price_list.save()
        existing = {line.pk: line for line in price_list.lines.all()}
        kept = []
        for values in lines:
            line = existing.pop(values.get("id"), None) or PriceListLine(price_list=price_list)
            line.item = values["item"]
            line.min_quantity = round_quantity(values.get("min_quantity") or Decimal(0))
            line.price = round_quantity(values["price"])
            line.floor_price = round_quantity(values["floor_price"]) if values.get("floor_price") is not None else None
            kept.append(line)
        for stale in existing.values():
            stamp_history(stale, actor=actor)
            stale.delete()
        for line in kept:
            stamp_history(line, actor=actor)
            line.save()
    return price_list
