"""Browser forms for sales documents. They collect input; the services validate and write.

Orders, quotations and price lists take inline lines. Deliveries, invoices, receipts, returns and
credit notes are entered against what already exists (the suggested picks, the shipped lines, the
open invoices): one quantity or amount box per candidate row, left empty to skip it.
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.forms import inlineformset_factory
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.filters import DATE_INPUT
from apps.core.forms import ServiceModelForm, style_widgets
from apps.inventory.forms import (
    EMPTY_CHOICE,
    NUMBER_INPUT,
    SharedChoices,
    SharedChoicesInlineFormSet,
    TaggedSelect,
)
from apps.masterdata.models import Item, Partner
from apps.masterdata.selectors import items_visible_to, partners_visible_to, tax_rates_visible_to

from .models import PriceList, PriceListLine, Quotation, QuotationLine, SalesOrder, SalesOrderLine
from .serializers import customer_groups_visible_to, ship_from_warehouses


def customers_of(user) -> QuerySet[Partner]:
    return partners_visible_to(user).filter(is_customer=True, active=True).order_by("code")


def item_choices(user, *, company_ids: list[int], current_ids: set[int] = frozenset()) -> SharedChoices:
    """Items to sell, each tagged with its tax rate and standard price for the page's script."""
    items = (
        items_visible_to(user)
        .filter(company_id__in=company_ids)
        .filter(Q(active=True) | Q(pk__in=current_ids))
        .order_by("code")
    )
    rows = items.values_list("pk", "code", "name", "tax_rate_id", "standard_price", "item_type")
    return SharedChoices(
        queryset=items,
        options=[EMPTY_CHOICE, *((pk, f"{code} {name}") for pk, code, name, *_rest in rows)],
        tags={
            str(pk): {
                "data-tax-rate": str(tax_rate or ""),
                "data-standard-price": str(price),
                "data-stocked": "1" if item_type == Item.ItemType.STOCK else "0",
            }
            for pk, _code, _name, tax_rate, price, item_type in rows
        },
    )


def tax_rate_choices(user) -> SharedChoices:
    rates = tax_rates_visible_to(user).filter(active=True).order_by("code")
    rows = rates.values_list("pk", "code", "name", "rate")
    return SharedChoices(
        queryset=rates,
        options=[("", _("Item's rate")), *((pk, f"{code} {name}".strip()) for pk, code, name, _rate in rows)],
        tags={str(pk): {"data-rate": str(rate)} for pk, _code, _name, rate in rows},
    )


# --- Headers with inline lines ------------------------------------------------------------------


class CustomerDocumentForm(ServiceModelForm):
    """A header whose customer (and warehouse) are chosen when it is created and fixed afterwards."""

    fixed_fields: tuple[str, ...] = ("customer",)

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, user=user, **kwargs)
        if self.instance.pk:
            for name in self.fixed_fields:
                self.fields.pop(name)
            return
        self.fields["customer"].queryset = customers_of(user)
        self.fields["customer"].widget.attrs.update(
            {"data-customer": "", "data-credit-url": reverse("sales-api:order-credit")}
        )
        if "warehouse" in self.fields:
            self.fields["warehouse"].queryset = ship_from_warehouses(user).filter(active=True).order_by("code")
            self.fields["warehouse"].widget.attrs["data-warehouse"] = ""
        self.initial.setdefault("document_date", timezone.localdate())

    def company_ids(self) -> list[int]:
        if self.instance.pk:
            return [self.instance.company_id]
        return sorted(set(self.fields["customer"].queryset.values_list("company_id", flat=True)))


class OrderForm(CustomerDocumentForm):
    fixed_fields = ("customer", "warehouse")

    class Meta:
        model = SalesOrder
        fields = ["customer", "warehouse", "document_date", "requested_date", "customer_reference", "note"]
        widgets = {"document_date": DATE_INPUT, "requested_date": DATE_INPUT, "note": forms.Textarea(attrs={"rows": 2})}


class QuotationForm(CustomerDocumentForm):
    class Meta:
        model = Quotation
        fields = ["customer", "document_date", "valid_until"]
        widgets = {"document_date": DATE_INPUT, "valid_until": DATE_INPUT}

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, user=user, **kwargs)
        if not self.instance.pk:
            self.initial.setdefault("valid_until", timezone.localdate() + timedelta(days=30))


PRICED_LINE_WIDGETS = {
    "item": TaggedSelect(attrs={"data-line-item": ""}),
    "quantity": forms.NumberInput(attrs={**NUMBER_INPUT, "min": "0", "data-line-quantity": ""}),
    "price": forms.NumberInput(attrs={**NUMBER_INPUT, "min": "0", "data-line-price": ""}),
    "discount_percent": forms.NumberInput(attrs={**NUMBER_INPUT, "min": "0", "max": "100", "data-line-discount": ""}),
    "tax_rate": TaggedSelect(attrs={"data-line-tax": ""}),
}
PRICED_LINE_FORM_FIELDS = ["item", "quantity", "price", "discount_percent", "tax_rate"]


class PricedLineForm(ServiceModelForm):
    """A line's item, quantity, price (empty: from the price lists), discount and tax rate."""

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["price"].required = False
        self.fields["discount_percent"].required = False
        self.fields["tax_rate"].required = False
        if not self.instance.pk:
            # An untouched extra row stays empty, not "changed" by the model's default of 0.
            self.initial.pop("discount_percent", None)
            self.fields["discount_percent"].initial = None
            self.fields["discount_percent"].widget.attrs["placeholder"] = "0"


class OrderLineForm(PricedLineForm):
    class Meta:
        model = SalesOrderLine
        fields = PRICED_LINE_FORM_FIELDS
        widgets = PRICED_LINE_WIDGETS


class QuotationLineForm(PricedLineForm):
    class Meta:
        model = QuotationLine
        fields = PRICED_LINE_FORM_FIELDS
        widgets = PRICED_LINE_WIDGETS


OrderLineFormSet = inlineformset_factory(
    SalesOrder, SalesOrderLine, form=OrderLineForm, formset=SharedChoicesInlineFormSet, extra=1, can_delete=True
)
QuotationLineFormSet = inlineformset_factory(
    Quotation, QuotationLine, form=QuotationLineForm, formset=SharedChoicesInlineFormSet, extra=1, can_delete=True
)


class PriceListForm(ServiceModelForm):
    class Meta:
        model = PriceList
        fields = [
            "company",
            "name",
            "currency",
            "customer",
            "customer_group",
            "valid_from",
            "valid_until",
            "priority",
            "active",
        ]
        widgets = {"valid_from": DATE_INPUT, "valid_until": DATE_INPUT}

    def __init__(self, *args, user, **kwargs) -> None:
        from apps.masterdata.selectors import companies_visible_to, currencies_visible_to

        super().__init__(*args, user=user, **kwargs)
        if self.instance.pk:
            self.fields.pop("company")
        else:
            self.fields["company"].queryset = companies_visible_to(user).filter(active=True)
        self.fields["currency"].queryset = currencies_visible_to(user).filter(active=True)
        self.fields["customer"].queryset = customers_of(user)
        self.fields["customer_group"].queryset = customer_groups_visible_to(user).filter(active=True)

    def company_ids(self) -> list[int]:
        if self.instance.pk:
            return [self.instance.company_id]
        return list(self.fields["company"].queryset.values_list("pk", flat=True))


class PriceListLineForm(ServiceModelForm):
    class Meta:
        model = PriceListLine
        fields = ["item", "min_quantity", "price", "floor_price"]
        widgets = {
            "item": TaggedSelect,
            "min_quantity": forms.NumberInput(attrs={**NUMBER_INPUT, "min": "0"}),
            "price": forms.NumberInput(attrs={**NUMBER_INPUT, "min": "0"}),
            "floor_price": forms.NumberInput(attrs={**NUMBER_INPUT, "min": "0"}),
        }


PriceListLineFormSet = inlineformset_factory(
    PriceList, PriceListLine, form=PriceListLineForm, formset=SharedChoicesInlineFormSet, extra=1, can_delete=True
)


# --- Entry against existing rows ----------------------------------------------------------------


@dataclass
class Entry:
    """One candidate row of an entry form: what it shows, the box to fill, and what the service needs."""

    key: str
    cells: list[Any]
    initial: Decimal | None
    payload: dict[str, Any]
    limit: Decimal | None = None


class EntryForm(forms.Form):
    """A header and one amount or quantity box per candidate row; an empty box skips the row."""

    headers: tuple[str, ...] = ()

    def __init__(self, *args, user, entries: list[Entry], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.entries = entries
        for entry in entries:
            self.fields[entry.key] = forms.DecimalField(
                label=str(entry.cells[0]),
                required=False,
                min_value=0,
                max_value=entry.limit,
                max_digits=18,
                decimal_places=6,
                initial=format(entry.initial.normalize(), "f") if entry.initial is not None else None,
                widget=forms.NumberInput(attrs=NUMBER_INPUT),
            )
        style_widgets(self)

    def header_fields(self) -> list:
        return [self[name] for name in self.fields if not any(name == entry.key for entry in self.entries)]

    def rows(self) -> list[dict]:
        return [{"cells": entry.cells, "field": self[entry.key]} for entry in self.entries]

    def chosen(self, amount_name: str = "quantity") -> list[dict]:
        """The rows with a positive value, as the service takes them."""
        return [
            {**entry.payload, amount_name: self.cleaned_data[entry.key]}
            for entry in self.entries
            if self.cleaned_data.get(entry.key)
        ]


class DeliveryForm(EntryForm):
    headers = (_("Item"), _("Pick from"), _("Lot"), _("Still to deliver"), _("Ship now"))
    document_date = forms.DateField(label=_("Date"), widget=DATE_INPUT, initial=timezone.localdate)
    shipping_address = forms.CharField(label=_("Ship to"), max_length=300, required=False)


class InvoiceForm(EntryForm):
    headers = (_("Item"), _("Delivery"), _("Shipped"), _("Not yet invoiced"), _("Invoice now"))
    document_date = forms.DateField(label=_("Date"), widget=DATE_INPUT, initial=timezone.localdate)
    due_date = forms.DateField(
        label=_("Due date"), widget=DATE_INPUT, required=False, help_text=_("Empty: from the payment terms")
    )


class ReceiptForm(EntryForm):
    headers = (_("Invoice"), _("Due date"), _("Total"), _("Open"), _("Allocate"))
    document_date = forms.DateField(label=_("Date"), widget=DATE_INPUT, initial=timezone.localdate)
    amount = forms.DecimalField(label=_("Amount received"), min_value=Decimal("0.01"), max_digits=18, decimal_places=2)
    reference = forms.CharField(label=_("Bank reference"), max_length=60, required=False)


class ReturnForm(EntryForm):
    headers = (_("Item"), _("Delivery"), _("Lot"), _("Can come back"), _("Returned"))
    warehouse = forms.ModelChoiceField(label=_("Warehouse"), queryset=None)
    document_date = forms.DateField(label=_("Date"), widget=DATE_INPUT, initial=timezone.localdate)
    reason = forms.CharField(label=_("Reason"), max_length=200)

    def __init__(self, *args, user, entries: list[Entry], warehouses, **kwargs) -> None:
        super().__init__(*args, user=user, entries=entries, **kwargs)
        self.fields["warehouse"].queryset = warehouses


class CreditNoteForm(EntryForm):
    headers = (_("Item"), _("Invoiced"), _("Unit price"), _("Not yet credited"), _("Credit"))
    document_date = forms.DateField(label=_("Date"), widget=DATE_INPUT, initial=timezone.localdate)
    reason = forms.CharField(label=_("Reason"), max_length=200)


class CustomerChoiceForm(forms.Form):
    """The first step of an entry form: whose documents to enter against."""

    customer = forms.ModelChoiceField(label=_("Customer"), queryset=Partner.objects.none())

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = customers_of(user)
        style_widgets(self)


class OrderChoiceForm(forms.Form):
    order = forms.ModelChoiceField(label=_("Sales order"), queryset=SalesOrder.objects.none())

    def __init__(self, *args, orders: QuerySet, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["order"].queryset = orders
        style_widgets(self)


# --- Report filters -----------------------------------------------------------------------------


class SalesReportFilterForm(forms.Form):
    """Every filter optional; the company defaults to the user's first."""

    def __init__(self, *args, user, **kwargs) -> None:
        from apps.masterdata.selectors import companies_visible_to

        super().__init__(*args, **kwargs)
        self.user = user
        if "company" in self.fields:
            self.fields["company"].queryset = companies_visible_to(user).filter(active=True).order_by("code")
        if "customer" in self.fields:
            self.fields["customer"].queryset = customers_of(user)
        style_widgets(self, small=True)

    def value(self, name: str):
        return self.cleaned_data.get(name) if hasattr(self, "cleaned_data") else None

    def chosen_company(self):
        return self.value("company") or self.fields["company"].queryset.first()


class AgeingFilterForm(SalesReportFilterForm):
    company = forms.ModelChoiceField(label=_("Company"), queryset=None, required=False)
    as_of = forms.DateField(label=_("As of"), required=False, widget=DATE_INPUT)


class MarginFilterForm(SalesReportFilterForm):
    GROUPS = [
        ("customer", _("Customer")),
        ("item", _("Item")),
        ("salesperson", _("Salesperson")),
        ("month", _("Month")),
    ]
    company = forms.ModelChoiceField(label=_("Company"), queryset=None, required=False)
    group_by = forms.ChoiceField(label=_("By"), choices=GROUPS, required=False)
    start = forms.DateField(label=_("From"), required=False, widget=DATE_INPUT)
    end = forms.DateField(label=_("To"), required=False, widget=DATE_INPUT)


class StatementFilterForm(SalesReportFilterForm):
    customer = forms.ModelChoiceField(label=_("Customer"), queryset=None, required=False)
    start = forms.DateField(label=_("From"), required=False, widget=DATE_INPUT)
    end = forms.DateField(label=_("To"), required=False, widget=DATE_INPUT)


class OpenOrdersFilterForm(SalesReportFilterForm):
    customer = forms.ModelChoiceField(label=_("Customer"), queryset=None, required=False)
