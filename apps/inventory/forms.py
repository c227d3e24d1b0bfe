"""Browser forms for stock documents. They collect input; the services validate and write.

Line rows share their choices: the items, locations and lots are read once per page, not once per
row, and each option carries what the page's script needs (a location's warehouse, a lot's item,
an item's average cost for the live total).
"""

from dataclasses import dataclass, field

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q, QuerySet
from django.forms import BaseFormSet, BaseInlineFormSet, formset_factory, inlineformset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.errors import DomainError
from apps.core.filters import DATE_INPUT
from apps.core.forms import ServiceModelForm, add_service_error, style_widgets
from apps.masterdata.models import Company, Item, ItemCategory, Location, Warehouse
from apps.masterdata.selectors import (
    categories_visible_to,
    companies_visible_to,
    items_visible_to,
    locations_visible_to,
    warehouses_visible_to,
)

from .models import (
    StockAdjustment,
    StockAdjustmentLine,
    StockCount,
    StockCountLine,
    StockTransfer,
    StockTransferLine,
)
from .selectors import lots_visible_to

EMPTY_CHOICE = ("", "---------")


# --- Choices shared by every row ------------------------------------------------------------------


class TaggedSelect(forms.Select):
    """A select whose options carry data-* attributes, by option value."""

    def __init__(self, *args, tags: dict | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.tags = tags or {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex=subindex, attrs=attrs)
        option["attrs"].update(self.tags.get(str(value), {}))
        return option


class TaggedSelectMultiple(TaggedSelect, forms.SelectMultiple):
    pass


@dataclass
class SharedChoices:
    """What a row's choice field accepts (`queryset`) and shows (`options`, with per-option `tags`)."""

    queryset: QuerySet
    options: list[tuple] = field(default_factory=list)
    tags: dict[str, dict[str, str]] = field(default_factory=dict)

    def apply(self, form_field: forms.ModelChoiceField) -> None:
        form_field.queryset = self.queryset
        form_field.choices = self.options
        form_field.widget.tags = self.tags


def _kept(queryset: QuerySet, current_ids: set[int]) -> QuerySet:
    """Active records, plus those a saved line already names even if deactivated since."""
    return queryset.filter(Q(active=True) | Q(pk__in=current_ids))


def item_choices(user, *, company_ids: list[int], current_ids: set[int] = frozenset()) -> SharedChoices:
    items = _kept(
        items_visible_to(user).filter(company_id__in=company_ids, item_type=Item.ItemType.STOCK), current_ids
    ).order_by("code")
    rows = items.values_list("pk", "code", "name", "lot_tracked", "cost__average_cost")
    return SharedChoices(
        queryset=items,
        options=[EMPTY_CHOICE, *((pk, f"{code} {name}") for pk, code, name, _lot, _cost in rows)],
        tags={
            str(pk): {"data-lot-tracked": "1" if lot_tracked else "0", "data-average-cost": str(cost or 0)}
            for pk, _code, _name, lot_tracked, cost in rows
        },
    )


def location_choices(
    user, *, warehouse_ids: list[int], current_ids: set[int] = frozenset(), only_ids: list[int] | None = None
) -> SharedChoices:
    """The warehouses' visible locations (or those of them in `only_ids`), in-transit ones excepted:
    stock waits there only inside a transfer."""
    locations = locations_visible_to(user).filter(warehouse_id__in=warehouse_ids)
    if only_ids is not None:
        locations = locations.filter(pk__in=only_ids)
    locations = _kept(locations, current_ids).exclude(kind=Location.Kind.TRANSIT).order_by("warehouse__code", "path")
    rows = locations.values_list("pk", "warehouse_id", "warehouse__code", "code", "name")
    return SharedChoices(
        queryset=locations,
        options=[
            EMPTY_CHOICE,
            *((pk, f"{warehouse}/{code} {name}".strip()) for pk, _wh, warehouse, code, name in rows),
        ],
        tags={str(pk): {"data-warehouse": str(warehouse_id)} for pk, warehouse_id, *_rest in rows},
    )


def lot_choices(user, *, company_ids: list[int]) -> SharedChoices:
    lots = lots_visible_to(user).filter(company_id__in=company_ids).order_by("item__code", "expiry_date", "number")
    rows = lots.values_list("pk", "item_id", "number", "expiry_date")
    return SharedChoices(
        queryset=lots,
        options=[
            EMPTY_CHOICE,
            *((pk, f"{number} ({expiry:%Y-%m-%d})" if expiry else number) for pk, _item, number, expiry in rows),
        ],
        tags={str(pk): {"data-item": str(item_id)} for pk, item_id, _number, _expiry in rows},
    )


class SharedChoicesMixin:
    """A formset whose rows take their choice fields from `choices` ({field name: SharedChoices})."""

    def __init__(self, *args, choices: dict[str, SharedChoices], **kwargs) -> None:
        self.choices = choices
        super().__init__(*args, **kwargs)

    def add_fields(self, form, index) -> None:
        super().add_fields(form, index)
        for name, shared in self.choices.items():
            shared.apply(form.fields[name])
        if "DELETE" in form.fields:
            form.fields["DELETE"].widget.attrs["class"] = "form-check-input"


class SharedChoicesInlineFormSet(SharedChoicesMixin, BaseInlineFormSet):
    pass


class SharedChoicesFormSet(SharedChoicesMixin, BaseFormSet):
    pass


Target = tuple[forms.Form, str | None]  # a row's form, and its field for refusals naming no field of it


def line_rows(formset, fields: tuple[str, ...]) -> tuple[list[dict], list[Target]]:
    """The rows a document service takes (kept and new lines, each saved one with its id), and the
    form of each row in the same order, so the service's "lines.N.field" refusal finds its row."""
    rows, targets = [], []
    for form in formset.forms:
        if form in formset.deleted_forms or not (form.instance.pk or form.has_changed()):
            continue
        row = {name: form.cleaned_data.get(name) for name in fields}
        if form.instance.pk:
            row["id"] = form.instance.pk
        rows.append(row)
        targets.append((form, None))
    return rows, targets


def place_errors(
    form: forms.Form, targets: list[Target], error: ValidationError | DomainError, *, prefix: str = "lines"
) -> None:
    """A service's refusal onto the page: "<prefix>.N.field" on the N-th row, the rest on the header form."""
    if isinstance(error, DomainError) or not hasattr(error, "error_dict"):
        add_service_error(form, error)
        return
    for key, errors in error.error_dict.items():
        head, _dot, rest = key.partition(".")
        index, _dot, name = rest.partition(".")
        if head == prefix and index.isdigit() and int(index) < len(targets):
            row, fallback = targets[int(index)]
            row.add_error(name if name in row.fields else fallback, errors)
        else:
            form.add_error(key if key in form.fields else None, errors)


# --- Headers --------------------------------------------------------------------------------------


class DocumentForm(ServiceModelForm):
    """A stock document's header: its warehouses are chosen when it is created and fixed afterwards."""

    warehouse_fields: tuple[str, ...] = ()

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, user=user, **kwargs)
        if self.instance.pk:
            for name in self.warehouse_fields:
                self.fields.pop(name)
        else:
            warehouses = warehouses_visible_to(user).filter(active=True).order_by("code")
            for name in self.warehouse_fields:
                self.fields[name].queryset = warehouses
            self.initial.setdefault("document_date", timezone.localdate())

    def warehouses(self) -> list[Warehouse]:
        """The document's warehouses: fixed once saved, else those the user may choose from."""
        if self.instance.pk:
            return [getattr(self.instance, name) for name in self.warehouse_fields]
        return list(self.fields[self.warehouse_fields[0]].queryset)


class AdjustmentForm(DocumentForm):
    warehouse_fields = ("warehouse",)

    class Meta:
        model = StockAdjustment
        fields = ["warehouse", "document_date", "reason"]
        widgets = {"document_date": DATE_INPUT}

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, user=user, **kwargs)
        if "warehouse" in self.fields:
            self.fields["warehouse"].widget.attrs["data-limits"] = "location"


class TransferForm(DocumentForm):
    warehouse_fields = ("from_warehouse", "to_warehouse")

    class Meta:
        model = StockTransfer
        fields = ["from_warehouse", "to_warehouse", "document_date", "note"]
        widgets = {"document_date": DATE_INPUT}

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, user=user, **kwargs)
        if not self.instance.pk:
            self.fields["from_warehouse"].widget.attrs["data-limits"] = "from_location"
            self.fields["to_warehouse"].widget.attrs["data-limits"] = "to_location"


class CountForm(DocumentForm):
    warehouse_fields = ("warehouse",)

    class Meta:
        model = StockCount
        fields = ["warehouse", "document_date", "locations", "note"]
        widgets = {"document_date": DATE_INPUT, "locations": TaggedSelectMultiple(attrs={"size": 8})}

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["warehouse"].widget.attrs["data-limits"] = "locations"
        shared = location_choices(user, warehouse_ids=[warehouse.pk for warehouse in self.warehouses()])
        shared.apply(self.fields["locations"])
        self.fields["locations"].choices = shared.options[1:]


# --- Lines ----------------------------------------------------------------------------------------

NUMBER_INPUT = {"step": "any", "inputmode": "decimal"}


class AdjustmentLineForm(ServiceModelForm):
    class Meta:
        model = StockAdjustmentLine
        fields = ["item", "location", "quantity", "unit_cost", "lot_number", "expiry_date"]
        widgets = {
            "item": TaggedSelect(attrs={"data-line-item": ""}),
            "location": TaggedSelect,
            "quantity": forms.NumberInput(attrs={**NUMBER_INPUT, "data-line-quantity": ""}),
            "unit_cost": forms.NumberInput(attrs={**NUMBER_INPUT, "min": "0", "data-line-cost": ""}),
            "expiry_date": DATE_INPUT,
        }


class TransferLineForm(ServiceModelForm):
    class Meta:
        model = StockTransferLine
        fields = ["item", "from_location", "to_location", "lot", "quantity"]
        widgets = {
            "item": TaggedSelect(attrs={"data-line-item": ""}),
            "from_location": TaggedSelect,
            "to_location": TaggedSelect,
            "lot": TaggedSelect(attrs={"data-line-lot": ""}),
            "quantity": forms.NumberInput(attrs={**NUMBER_INPUT, "min": "0"}),
        }


AdjustmentLineFormSet = inlineformset_factory(
    StockAdjustment,
    StockAdjustmentLine,
    form=AdjustmentLineForm,
    formset=SharedChoicesInlineFormSet,
    extra=1,
    can_delete=True,
)
TransferLineFormSet = inlineformset_factory(
    StockTransfer,
    StockTransferLine,
    form=TransferLineForm,
    formset=SharedChoicesInlineFormSet,
    extra=1,
    can_delete=True,
)


# --- Counting -------------------------------------------------------------------------------------


class CountEntryForm(forms.Form):
    """One counted-quantity box per expected line; a box left empty leaves its line uncounted."""

    def __init__(self, *args, lines: list[StockCountLine], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lines = lines
        for line in lines:
            self.fields[self.field_name(line)] = forms.DecimalField(
                label=str(line.item),
                required=False,
                min_value=0,
                max_digits=18,
                decimal_places=6,
                initial=line.counted_quantity,
                widget=forms.NumberInput(attrs=NUMBER_INPUT),
            )
        style_widgets(self, small=True)

    @staticmethod
    def field_name(line: StockCountLine) -> str:
        return f"line_{line.pk}"

    def entries(self) -> tuple[list[dict], list[Target]]:
        """The counted lines for `record_counts`, and where each entry's refusal belongs."""
        entries, targets = [], []
        for line in self.lines:
            name = self.field_name(line)
            counted = self.cleaned_data.get(name)
            if counted is not None:
                entries.append({"line": line.pk, "counted_quantity": counted})
                targets.append((self, name))
        return entries, targets


class FoundStockForm(forms.Form):
    """Stock found during the count that no line expected."""

    item = forms.ModelChoiceField(label=_("Item"), queryset=Item.objects.none(), widget=TaggedSelect)
    location = forms.ModelChoiceField(label=_("Location"), queryset=Location.objects.none(), widget=TaggedSelect)
    lot_number = forms.CharField(label=_("Lot number"), max_length=60, required=False)
    expiry_date = forms.DateField(label=_("Expiry date"), required=False, widget=DATE_INPUT)
    counted_quantity = forms.DecimalField(
        label=_("Counted"), min_value=0, max_digits=18, decimal_places=6, widget=forms.NumberInput(attrs=NUMBER_INPUT)
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        style_widgets(self)


FoundStockFormSet = formset_factory(FoundStockForm, formset=SharedChoicesFormSet, extra=1)


def found_entries(formset) -> tuple[list[dict], list[Target]]:
    """The found-stock rows for `record_counts`, and where each one's refusal belongs."""
    entries, targets = [], []
    for form in formset.forms:
        if form.has_changed():
            entries.append(dict(form.cleaned_data))
            targets.append((form, "location"))
    return entries, targets


# --- Report filters -------------------------------------------------------------------------------


class ReportFilterForm(forms.Form):
    """A report's filters: every field optional, every choice among what the user may see."""

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        if "warehouse" in self.fields:
            self.fields["warehouse"].queryset = warehouses_visible_to(user).order_by("code")
        style_widgets(self, small=True)

    def value(self, name: str):
        """The filter's value, or None when it is empty or was not valid."""
        return self.cleaned_data.get(name) if hasattr(self, "cleaned_data") else None


class StockOnHandFilterForm(ReportFilterForm):
    class Level(models.TextChoices):
        LOCATION = "location", _("Item, warehouse and location")
        WAREHOUSE = "warehouse", _("Item and warehouse")
        ITEM = "item", _("Item")

    q = forms.CharField(label=_("Item"), required=False, help_text=_("Code or name"))
    warehouse = forms.ModelChoiceField(label=_("Warehouse"), queryset=Warehouse.objects.none(), required=False)
    location = forms.ModelChoiceField(label=_("Location"), queryset=Location.objects.none(), required=False)
    as_of = forms.DateField(label=_("As of"), required=False, widget=DATE_INPUT, help_text=_("Empty means now"))
    by = forms.ChoiceField(label=_("By"), choices=Level.choices, required=False)

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["location"].queryset = locations_visible_to(user).order_by("warehouse__code", "path")


class LedgerFilterForm(ReportFilterForm):
    item = forms.ModelChoiceField(label=_("Item"), queryset=Item.objects.none(), required=False)
    warehouse = forms.ModelChoiceField(label=_("Warehouse"), queryset=Warehouse.objects.none(), required=False)
    date_from = forms.DateField(label=_("From"), required=False, widget=DATE_INPUT)
    date_to = forms.DateField(label=_("To"), required=False, widget=DATE_INPUT)

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["item"].queryset = items_visible_to(user).filter(item_type=Item.ItemType.STOCK).order_by("code")


class CompanyReportFilterForm(ReportFilterForm):
    """Reports of one company at a time (valuation, reorder): the user's only company is chosen for them."""

    company = forms.ModelChoiceField(label=_("Company"), queryset=Company.objects.none(), required=False)
    warehouse = forms.ModelChoiceField(label=_("Warehouse"), queryset=Warehouse.objects.none(), required=False)
    category = forms.ModelChoiceField(label=_("Category"), queryset=ItemCategory.objects.none(), required=False)

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["company"].queryset = companies_visible_to(user).filter(active=True).order_by("code")
        self.fields["category"].queryset = categories_visible_to(user).order_by("company__code", "path")

    def chosen_company(self) -> Company | None:
        return self.value("company") or self.fields["company"].queryset.first()


class ReorderFilterForm(CompanyReportFilterForm):
    q = forms.CharField(label=_("Item"), required=False, help_text=_("Code or name"))


class ItemSearchFilterForm(ReportFilterForm):
    q = forms.CharField(label=_("Item"), required=False, help_text=_("Code or name"))
