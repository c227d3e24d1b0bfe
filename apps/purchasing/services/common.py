"""What every purchasing document needs: the company's tolerances, supplier checks, line amounts,
exchange rates and the lock-and-check helpers."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from apps.core.documents import TransitionError
from apps.core.errors import DomainError
from apps.core.money import round_amount
from apps.masterdata.models import Company, Partner, TaxRate

from ..models import PurchasingSettings


class PurchasingError(DomainError):
    pass


def settings_for(company: Company) -> PurchasingSettings:
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


def to_base(amount: Decimal, rate: Decimal) -> Decimal:
    return round_amount(amount * rate)


def lock(document: models.Model) -> models.Model:
    return type(document).objects.select_for_update(of=("self",)).select_related("company").get(pk=document.pk)


def require(document: models.Model, *statuses: str, message: str) -> None:
    if document.status not in statuses:
        raise TransitionError(message, code="invalid_status", status_code=409)


def stamp(record: models.Model, *, actor, reason: str = "") -> None:
    record._history_user = actor
    if reason:
        record._change_reason = reason


def require_reason(reason: str, message: str) -> str:
    if not reason or not reason.strip():
        raise ValidationError({"reason": [message]})
    return reason.strip()
