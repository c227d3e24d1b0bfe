"""Browser forms for purchasing. They collect input; the services validate and write.

Order and requisition lines are inline rows a user adds; receipts, bills, returns and payment
allocations are rows picked from what is still open (order lines to receive, received lines to bill,
receipt lines to return, bills to settle), each shown with what it refers to.
"""

from decimal import Decimal

from django import forms
from django.db.models import Q
from django.forms import formset_factory, inlineformset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.filters import DATE_INPUT
from apps.core.forms import ServiceModelForm, style_widgets
from apps.inventory.forms import (
    EMPTY_CHOICE,
    NUMBER_INPUT,
    ReportFilterForm,
    SharedChoices,
    SharedChoicesFormSet,
    SharedChoicesInlineFormSet,
    TaggedSelect,
)
from apps.masterdata.models import Company, Item, Location, Partner, TaxRate, UnitConversion, Warehouse
from apps.masterdata.selectors import (
    companies_visible_to,
    items_visible_to,
    partners_visible_to,
    tax_rates_visible_to,
    units_visible_to,
    warehouses_visible_to,
)

from .models import (
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseRequisition,
    RequisitionLine,
)


def suppliers_visible_to(user):
    return partners_visible_to(user).filter(is_supplier=True, active=True).order_by("code")


def _purchase_factors(items: list[Item]) -> dict[int, Decimal]:
    """Base units per purchase unit of each item (its own conversion first, else the general one)."""
    pairs = {(item.purchase_unit_id, item.base_unit_id) for item in items if item.purchase_unit_id}
    if not pairs:
        return {}
    conversions = UnitConversion.objects.filter(
        Q(item__in=[item.pk for item in items]) | Q(item__isnull=True),
        from_unit_id__in={pair[0] for pair in pairs} | {pair[1] for pair in pairs},
    )
    own, general = {}, {}
    for conversion in conversions:
        for from_unit, to_unit, factor in (
            (conversion.from_unit_id, conversion.to_unit_id, conversion.factor),
            (conversion.to_unit_id, conversion.from_unit_id, Decimal(1) / conversion.factor),
        ):
            target = own.setdefault(conversion.item_id, {}) if conversion.item_id else general
            target[(from_unit, to_unit)] = factor
    factors = {}
    for item in items:
        if not item.purchase_unit_id or item.purchase_unit_id == item.base_unit_id:
            factors[item.pk] = Decimal(1)
            continue
        key = (item.purchase_unit_id, item.base_unit_id)
        factor = own.get(item.pk, {}).get(key) or general.get(key)
        if factor is not None:
            factors[item.pk] = factor
    return factors


def purchasable_item_choices(user, *, company_ids: list[int], current_ids: set[int] = frozenset()) -> SharedChoices:
    """Items to buy, each option carrying what the line's script shows: units, conversion, price, tax."""
    items = list(
        items_visible_to(user)
        .filter(company_id__in=company_ids)
        .filter(Q(active=True) | Q(pk__in=current_ids))
        .select_related("base_unit", "purchase_unit", "tax_rate")
        .order_by("code")
    )
    factors = _purchase_factors(items)
    return SharedChoices(
        queryset=items_visible_to(user).filter(pk__in=[item.pk for item in items]),
        options=[EMPTY_CHOICE, *((item.pk, f"{item.code} {item.name}") for item in items)],
        tags={
            str(item.pk): {
                "data-base-unit": item.base_unit.code,
                "data-base-unit-id": str(item.base_unit_id),
                "data-purchase-unit": str(item.purchase_unit_id or item.base_unit_id),
                "data-factor": str(factors.get(item.pk, "")),
                "data-price": str(item.standard_price),
                "data-tax-rate": str(item.tax_rate_id or ""),
            }
            for item in items
        },
    )


def supplier_choices(user) -> SharedChoices:
    suppliers = suppliers_visible_to(user)
    return SharedChoices(
        queryset=suppliers,
        options=[EMPTY_CHOICE, *((supplier.pk, f"{supplier.code} {supplier.name}") for supplier in suppliers)],
    )


def tax_rate_choices(user) -> SharedChoices:
    rates = tax_rates_visible_to(user).filter(active=True).order_by("rate")
    rows = list(rates)
    return SharedChoices(
        queryset=rates,
        options=[EMPTY_CHOICE, *((rate.pk, str(rate)) for rate in rows)],
        tags={str(rate.pk): {"data-rate": str(rate.rate)} for rate in rows},
    )


def unit_choices(user) -> SharedChoices:
    units = units_visible_to(user).filter(active=True).order_by("code")
    rows = list(units)
    return SharedChoices(
        queryset=units,
        options=[EMPTY_CHOICE, *((unit.pk, unit.code) for unit in rows)],
        tags={str(unit.pk): {"data-code": unit.code} for unit in rows},
    )


def location_options(locations) -> list[tuple]:
    return [(location.pk, f"{location.warehouse.code}/{location.code}") for location in locations]


# --- Headers --------------------------------------------------------------------------------------


class WarehouseDocumentForm(ServiceModelForm):
    """A header whose warehouse (and supplier) are chosen once, when the document is created."""

    fixed_fields: tuple[str, ...] = ("warehouse",)

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, user=user, **kwargs)
        if self.instance.pk:
            for name in self.fixed_fields:
                self.fields.pop(name, None)
            return
        if "warehouse" in self.fields:
            self.fields["warehouse"].queryset = warehouses_visible_to(user).filter(active=True).order_by("code")
        if "supplier" in self.fields:
            self.fields["supplier"].queryset = suppliers_visible_to(user)
        self.initial.setdefault("document_date", timezone.localdate())

    def companies(self) -> list[int]:
        if self.instance.pk:
            return [self.instance.company_id]
        return sorted(set(self.fields["warehouse"].queryset.values_list("company_id", flat=True)))


class OrderForm(WarehouseDocumentForm):
    fixed_fields = ("supplier", "warehouse", "currency")

    class Meta:
        model = PurchaseOrder
        fields = [
            "supplier",
            "warehouse",
            "document_date",
            "expected_date",
            "currency",
            "exchange_rate",
            "payment_terms",
            "supplier_reference",
            "note",
        ]
        widgets = {"document_date": DATE_INPUT, "expected_date": DATE_INPUT, "note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, user=user, **kwargs)
        for name in ("currency", "exchange_rate"):
            if name in self.fields:
                self.fields[name].required = False
        self.fields["exchange_rate"].help_text = _("Empty: the rate on the document date.")
        if "currency" in self.fields:
            self.fields["currency"].help_text = _("Empty: the supplier's currency, else the base currency.")
        if not self.instance.pk:
            self.initial.pop("exchange_rate", None)
            self.initial.setdefault("expected_date", timezone.localdate())


class RequisitionForm(WarehouseDocumentForm):
    class Meta:
        model = PurchaseRequisition
        fields = ["warehouse", "document_date", "needed_by", "reason"]
        widgets = {"document_date": DATE_INPUT, "needed_by": DATE_INPUT}

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, user=user, **kwargs)
        if self.instance.pk:
            self.fields.pop("document_date")


class ReceiptForm(forms.Form):
    document_date = forms.DateField(label=_("Document date"), widget=DATE_INPUT)
    delivery_note = forms.CharField(label=_("Supplier's delivery note"), max_length=60, required=False)

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("document_date", timezone.localdate())
        style_widgets(self)


class BillForm(forms.Form):
    supplier_invoice_number = forms.CharField(label=_("Supplier's invoice number"), max_length=60)
    document_date = forms.DateField(label=_("Invoice date"), widget=DATE_INPUT)
    due_date = forms.DateField(
        label=_("Due date"), required=False, widget=DATE_INPUT, help_text=_("Empty: by the supplier's payment terms.")
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("document_date", timezone.localdate())
        style_widgets(self)


class PaymentForm(forms.Form):
    document_date = forms.DateField(label=_("Payment date"), widget=DATE_INPUT)
    amount = forms.DecimalField(
        label=_("Amount (base currency)"), min_value=Decimal("0.01"), max_digits=18, decimal_places=2
    )
    reference = forms.CharField(label=_("Bank reference"), max_length=60, required=False)

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("document_date", timezone.localdate())
        style_widgets(self)


class ReturnForm(forms.Form):
    document_date = forms.DateField(label=_("Document date"), widget=DATE_INPUT)
    reason = forms.CharField(label=_("Reason"), max_length=200)

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("document_date", timezone.localdate())
        style_widgets(self)


class SupplierChoiceForm(forms.Form):
    """The first step of a bill or a payment: whose."""

    supplier = forms.ModelChoiceField(label=_("Supplier"), queryset=Partner.objects.none())

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["supplier"].queryset = suppliers_visible_to(user)
        style_widgets(self)


class ReorderRequisitionForm(forms.Form):
    warehouse = forms.ModelChoiceField(label=_("Deliver to"), queryset=Warehouse.objects.none())
    needed_by = forms.DateField(label=_("Needed by"), widget=DATE_INPUT)

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].queryset = warehouses_visible_to(user).filter(active=True).order_by("code")
        style_widgets(self, small=True)


# --- Inline lines ---------------------------------------------------------------------------------


class OrderLineForm(ServiceModelForm):
    class Meta:
        model = PurchaseOrderLine
        fields = ["item", "quantity", "unit", "price", "tax_rate", "expected_date"]
        widgets = {
            "item": TaggedSelect(attrs={"data-line-item": ""}),
            "quantity": forms.NumberInput(attrs={**NUMBER_INPUT, "min": "0", "data-line-quantity": ""}),
            "unit": TaggedSelect(attrs={"data-line-unit": ""}),
            "price": forms.NumberInput(attrs={**NUMBER_INPUT, "min": "0", "data-line-price": ""}),
            "tax_rate": TaggedSelect(attrs={"data-line-tax": ""}),
            "expected_date": DATE_INPUT,
        }

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["unit"].required = False
        self.fields["tax_rate"].required = False
        self.fields["unit"].help_text = ""


class RequisitionLineForm(ServiceModelForm):
    class Meta:
        model = RequisitionLine
        fields = ["item", "quantity", "needed_by", "suggested_supplier", "estimated_price"]
        widgets = {
            "item": TaggedSelect(attrs={"data-line-item": ""}),
            "quantity": forms.NumberInput(attrs={**NUMBER_INPUT, "min": "0", "data-line-quantity": ""}),
            "needed_by": DATE_INPUT,
            "estimated_price": forms.NumberInput(attrs={**NUMBER_INPUT, "min": "0", "data-line-price": ""}),
        }

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["estimated_price"].required = False
        if not self.instance.pk:
            # Empty means "the item's standard price"; a 0 shown here would make a blank row look filled in.
            self.initial.pop("estimated_price", None)
            self.fields["estimated_price"].initial = None


OrderLineFormSet = inlineformset_factory(
    PurchaseOrder,
    PurchaseOrderLine,
    form=OrderLineForm,
    formset=SharedChoicesInlineFormSet,
    extra=1,
    can_delete=True,
)
RequisitionLineFormSet = inlineformset_factory(
    PurchaseRequisition,
    RequisitionLine,
    form=RequisitionLineForm,
    formset=SharedChoicesInlineFormSet,
    extra=1,
    can_delete=True,
)


# --- Rows picked from what is open -----------------------------------------------------------------


class PickedRowForm(forms.Form):
    """A row offered for one open record (`source`, shown beside it); an empty quantity leaves it out."""

    source = forms.IntegerField(widget=forms.HiddenInput)
    quantity = forms.DecimalField(
        label=_("Quantity"),
        required=False,
        min_value=0,
        max_digits=18,
        decimal_places=6,
        widget=forms.NumberInput(attrs={**NUMBER_INPUT, "data-line-quantity": ""}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        style_widgets(self, small=True)

    @property
    def picked(self) -> bool:
        return bool(self.cleaned_data.get("quantity"))


class ReceiptRowForm(PickedRowForm):
    location = forms.ModelChoiceField(label=_("Location"), queryset=Location.objects.none(), required=False)
    lot_number = forms.CharField(label=_("Lot number"), max_length=60, required=False)
    expiry_date = forms.DateField(label=_("Expiry date"), required=False, widget=DATE_INPUT)


class BillRowForm(PickedRowForm):
    price = forms.DecimalField(
        label=_("Unit price"),
        required=False,
        min_value=0,
        max_digits=18,
        decimal_places=6,
        help_text=_("Per base unit, before tax; empty: the order's"),
        widget=forms.NumberInput(attrs={**NUMBER_INPUT, "data-line-price": ""}),
    )
    tax_rate = forms.ModelChoiceField(
        label=_("Tax rate"), queryset=TaxRate.objects.none(), required=False, widget=TaggedSelect
    )


class ReturnRowForm(PickedRowForm):
    pass


class AllocationRowForm(PickedRowForm):
    quantity = forms.DecimalField(
        label=_("Allocate"),
        required=False,
        min_value=0,
        max_digits=18,
        decimal_places=2,
        widget=forms.NumberInput(attrs={**NUMBER_INPUT, "data-line-quantity": ""}),
    )


ReceiptRowFormSet = formset_factory(ReceiptRowForm, formset=SharedChoicesFormSet, extra=0)
BillRowFormSet = formset_factory(BillRowForm, formset=SharedChoicesFormSet, extra=0)
ReturnRowFormSet = formset_factory(ReturnRowForm, formset=SharedChoicesFormSet, extra=0)
AllocationRowFormSet = formset_factory(AllocationRowForm, formset=SharedChoicesFormSet, extra=0)


# --- Report filters -------------------------------------------------------------------------------


class PurchasingReportFilterForm(ReportFilterForm):
    company = forms.ModelChoiceField(label=_("Company"), queryset=Company.objects.none(), required=False)

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["company"].queryset = companies_visible_to(user).filter(active=True).order_by("code")
        if "supplier" in self.fields:
            self.fields["supplier"].queryset = suppliers_visible_to(user)

    def chosen_company(self) -> Company | None:
        return self.value("company") or self.fields["company"].queryset.first()


class OpenOrdersFilterForm(PurchasingReportFilterForm):
    supplier = forms.ModelChoiceField(label=_("Supplier"), queryset=Partner.objects.none(), required=False)
    late = forms.BooleanField(label=_("Late only"), required=False)


class AgeingFilterForm(PurchasingReportFilterForm):
    as_of = forms.DateField(label=_("As of"), required=False, widget=DATE_INPUT, help_text=_("Empty means today"))


class PurchasesFilterForm(PurchasingReportFilterForm):
    group_by = forms.ChoiceField(
        label=_("By"),
        required=False,
        choices=[("supplier", _("Supplier")), ("item", _("Item")), ("month", _("Month"))],
    )
    start = forms.DateField(label=_("From"), required=False, widget=DATE_INPUT)
    end = forms.DateField(label=_("To"), required=False, widget=DATE_INPUT)

    def period(self) -> tuple:
        today = timezone.localdate()
        return self.value("start") or today.replace(month=1, day=1), self.value("end") or today
