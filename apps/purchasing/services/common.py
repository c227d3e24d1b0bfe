"""What every purchasing document needs: the company's tolerances, supplier checks, line amounts,
exchange rates and the lock-and-check helpers."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from apps.core.errors import DomainError
from apps.core.money import round_amount
from apps.masterdata.models import Company, Partner, TaxRate

from ..models import PurchasingSettings


class PurchasingError(DomainError):
    pass


# What `lock(document, *WITH_SETTINGS)` reads with the document so `settings_for` needs no query of its own.
WITH_SETTINGS = ("company__purchasing_settings",)


def settings_for(company: Company) -> PurchasingSettings:
    """The company's settings (defaults until saved); taken from the company when read with it."""
    relation = Company.purchasing_settings.related
    if relation.is_cached(company):
        return relation.get_cached_value(company) or PurchasingSettings(company=company)
    return PurchasingSettings.objects.filter(company=company).first() or PurchasingSettings(company=company)


def check_supplier(company: Company, supplier: Partner | None) -> None:
    if supplier is None or supplier.company_id != company.pk or not supplier.is_supplier:
        raise ValidationError({"supplier": [_("Choose a supplier of this company.")]})
    if not supplier.active:
        raise ValidationError({"supplier": [_("%(supplier)s is inactive.") % {"supplier": supplier}]})


def line_amounts(quantity: Decimal, price: Decimal, tax_rate: TaxRate) -> tuple[Decimal, Decimal]:
    """Net amount and tax of a line, each rounded once, half-up, to the cent."""
    net = round_amount(quantity * price)
    return net, round_amount(net * tax_rate.rate / 100)
