"""Reads of master data. Every list, detail, search, export and API endpoint goes through a
`*_visible_to(user)` selector here."""

import difflib
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import F, Q, QuerySet, Value
from django.utils.translation import gettext as _

from apps.core.access import scoped

from .models import (
    Company,
    Currency,
    ExchangeRate,
    ImportBatch,
    Item,
    ItemCategory,
    Location,
    MergeRecord,
    Partner,
    PaymentTerms,
    TaxRate,
    UnitConversion,
    UnitOfMeasure,
    Warehouse,
)
from .validation import name_key

ACCESS_COMPANY = "masterdata.access_company"
ACCESS_WAREHOUSE = "masterdata.access_warehouse"
ACCESS_PARTNER = "masterdata.access_partner"


def companies_visible_to(user) -> QuerySet[Company]:
    return scoped(Company.objects.select_related("base_currency"), user=user, perm=ACCESS_COMPANY, scope_model=Company)


def _in_visible_company(queryset: QuerySet, user, through: str = "company") -> QuerySet:
    return scoped(queryset, user=user, perm=ACCESS_COMPANY, scope_model=Company, through=through)


def in_visible_warehouse(queryset: QuerySet, user, through: str = "warehouse") -> QuerySet:
    """Rows of the user's companies (through `company`) kept in the user's warehouses (through `through`)."""
    queryset = _in_visible_company(queryset, user)
    return scoped(queryset, user=user, perm=ACCESS_WAREHOUSE, scope_model=Warehouse, through=through)


def categories_visible_to(user) -> QuerySet[ItemCategory]:
    return _in_visible_company(ItemCategory.objects.select_related("parent", "company"), user)


def items_visible_to(user) -> QuerySet[Item]:
    return _in_visible_company(
        Item.objects.select_related("category", "base_unit", "purchase_unit", "sales_unit", "tax_rate", "company"),
        user,
    )


def partners_visible_to(user) -> QuerySet[Partner]:
    queryset = _in_visible_company(
        Partner.objects.select_related("payment_terms", "currency", "owner", "company"), user
    )
    return scoped(queryset, user=user, perm=ACCESS_PARTNER, scope_model=Partner)


def warehouses_visible_to(user) -> QuerySet[Warehouse]:
    queryset = _in_visible_company(Warehouse.objects.select_related("company"), user)
    return scoped(queryset, user=user, perm=ACCESS_WAREHOUSE, scope_model=Warehouse)


def locations_visible_to(user) -> QuerySet[Location]:
    queryset = _in_visible_company(
        Location.objects.select_related("warehouse", "parent"), user, through="warehouse__company"
    )
    return scoped(queryset, user=user, perm=ACCESS_WAREHOUSE, scope_model=Warehouse, through="warehouse")


def merge_records_visible_to(user) -> QuerySet[MergeRecord]:
    return _in_visible_company(MergeRecord.objects.select_related("merged_by"), user)


def import_batches_visible_to(user) -> QuerySet[ImportBatch]:
    return _in_visible_company(ImportBatch.objects.select_related("uploaded_by", "company"), user).defer("content")


# Reference data shared by every company: visible to anyone signed in (model permissions still apply).
def currencies_visible_to(user) -> QuerySet[Currency]:
    return Currency.objects.all() if user.is_authenticated else Currency.objects.none()


def exchange_rates_visible_to(user) -> QuerySet[ExchangeRate]:
    qs = ExchangeRate.objects.select_related("currency", "quote_currency")
    return qs if user.is_authenticated else qs.none()


def units_visible_to(user) -> QuerySet[UnitOfMeasure]:
    return UnitOfMeasure.objects.all() if user.is_authenticated else UnitOfMeasure.objects.none()


def unit_conversions_visible_to(user) -> QuerySet[UnitConversion]:
    qs = UnitConversion.objects.select_related("from_unit", "to_unit", "item")
    if not user.is_authenticated:
        return qs.none()
    return qs.filter(Q(item__isnull=True) | Q(item__in=items_visible_to(user).values("pk")))


def tax_rates_visible_to(user) -> QuerySet[TaxRate]:
    return TaxRate.objects.all() if user.is_authenticated else TaxRate.objects.none()


def payment_terms_visible_to(user) -> QuerySet[PaymentTerms]:
    return PaymentTerms.objects.all() if user.is_authenticated else PaymentTerms.objects.none()


def default_company_for(user) -> Company | None:
    """The company a new record belongs to when the user can see exactly one."""
    companies = list(companies_visible_to(user).filter(active=True)[:2])
    return companies[0] if len(companies) == 1 else None


SIMILARITY_THRESHOLD = 0.6


def _similar(queryset: QuerySet, name: str, *, exclude_id: int | None, limit: int) -> list:
    key = name_key(name)
    if len(key) < 2:
        return []
    candidates = queryset.filter(Q(name_key=key) | Q(name_key__contains=key) | Q(probe__contains=F("name_key")))
    if exclude_id is not None:
        candidates = candidates.exclude(pk=exclude_id)
    ranked = sorted(
        candidates[:50],
        key=lambda record: difflib.SequenceMatcher(None, key, record.name_key).ratio(),
        reverse=True,
    )
    return ranked[:limit]


def similar_partners(
    *, user, company: Company, name: str, exclude_id: int | None = None, limit: int = 5
) -> list[Partner]:
    """Partners whose name, stripped of legal-form suffixes, equals or contains this one (or vice versa)."""
    queryset = partners_visible_to(user).filter(company=company).alias(probe=Value(name_key(name)))
    return _similar(queryset, name, exclude_id=exclude_id, limit=limit)


def similar_items(*, user, company: Company, name: str, exclude_id: int | None = None, limit: int = 5) -> list[Item]:
    queryset = items_visible_to(user).filter(company=company).alias(probe=Value(name_key(name)))
    return _similar(queryset, name, exclude_id=exclude_id, limit=limit)


def unit_factor(*, item: Item | None, from_unit_id: int, to_unit_id: int) -> Decimal | None:
    """How many `to_unit` make one `from_unit` (the item's own conversion first), or None if unknown."""
    if from_unit_id == to_unit_id:
        return Decimal(1)
    conversions = UnitConversion.objects.filter(
        Q(from_unit_id=from_unit_id, to_unit_id=to_unit_id) | Q(from_unit_id=to_unit_id, to_unit_id=from_unit_id)
    ).filter(Q(item__isnull=True) | Q(item=item) if item is not None else Q(item__isnull=True))
    best = None
    for conversion in conversions:
        factor = conversion.factor if conversion.from_unit_id == from_unit_id else Decimal(1) / conversion.factor
        if conversion.item_id is not None:
            return factor
        best = factor
    return best


def exchange_rate(*, currency: Currency, quote_currency: Currency, on_date: date) -> Decimal | None:
    """The latest rate on or before `on_date` (either direction), or None if none is recorded."""
    if currency.pk == quote_currency.pk:
        return Decimal(1)
    rate = (
        ExchangeRate.objects.filter(
            Q(currency=currency, quote_currency=quote_currency) | Q(currency=quote_currency, quote_currency=currency),
            rate_date__lte=on_date,
        )
        .order_by("-rate_date")
        .first()
    )
    if rate is None:
        return None
    return rate.rate if rate.currency_id == currency.pk else Decimal(1) / rate.rate


def document_rate(company: Company, currency: Currency, on_date: date, given: Decimal | None) -> Decimal:
    """The document's rate to the base currency: as given, 1 for the base currency, else the latest rate."""
    if currency.pk == company.base_currency_id:
        return Decimal(1)
    if given is not None:
        if given <= 0:
            raise ValidationError({"exchange_rate": [_("The exchange rate must be greater than zero.")]})
        return given
    rate = exchange_rate(currency=currency, quote_currency=company.base_currency, on_date=on_date)
    if rate is None:
        raise ValidationError(
            {
                "exchange_rate": [
                    _("No %(currency)s rate is recorded on or before %(date)s; enter the rate.")
                    % {"currency": currency.code, "date": on_date}
                ]
            }
        )
    return rate
