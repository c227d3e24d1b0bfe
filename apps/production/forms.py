"""Browser forms for production. They collect input; the services validate and write."""

from django import forms
from django.forms import inlineformset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.filters import DATE_INPUT
from apps.core.forms import ServiceModelForm, style_widgets
from apps.inventory.forms import (
    EMPTY_CHOICE,
    NUMBER_INPUT,
    SharedChoices,
    SharedChoicesFormSet,
    SharedChoicesInlineFormSet,
    TaggedSelect,
)
from apps.masterdata.models import Item, UnitOfMeasure
from apps.masterdata.selectors import items_visible_to, locations_visible_to, warehouses_visible_to

from . import selectors
from .models import BillOfMaterials, BomLine, WorkOrder


def made_items(user):
    return items_visible_to(user).filter(active=True, item_type=Item.ItemType.STOCK).order_by("code")


def unit_choices() -> SharedChoices:
    units = UnitOfMeasure.objects.filter(active=True).order_by("code")
    return SharedChoices(queryset=units, options=[EMPTY_CHOICE, *((unit.pk, str(unit)) for unit in units)])


class BomForm(ServiceModelForm):
    activate = forms.BooleanField(label=_("Make this the active version"), required=False)

    class Meta:
        model = BillOfMaterials
        fields = ["item", "version", "output_quantity", "valid_from", "valid_to", "notes"]
        widgets = {
            "valid_from": DATE_INPUT,
            "valid_to": DATE_INPUT,
            "output_quantity": forms.NumberInput(attrs={**NUMBER_INPUT, "min": "0"}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, user=user, **kwargs)
        if self.instance.pk:
            self.fields.pop("item")
            self.fields.pop("activate")
        else:
            self.fields["item"].queryset = made_items(user)
            self.initial.setdefault("output_quantity", 1)


class BomLineForm(ServiceModelForm):
    class Meta:
        model = BomLine
        fields = ["component", "quantity", "unit", "scrap_percent"]
        widgets = {
            "component": TaggedSelect,
            "unit": TaggedSelect,
            "quantity": forms.NumberInput(attrs={**NUMBER_INPUT, "min": "0"}),
            "scrap_percent": forms.NumberInput(attrs={**NUMBER_INPUT, "min": "0", "max": "99.99"}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].required = False
        self.fields["scrap_percent"].required = False
        self.fields["unit"].help_text = _("Empty: the component's base unit")


BomLineFormSet = inlineformset_factory(
    BillOfMaterials, BomLine, form=BomLineForm, formset=SharedChoicesInlineFormSet, extra=2, can_delete=True
)


class WorkOrderForm(ServiceModelForm):
    class Meta:
        model = WorkOrder
        fields = ["item", "quantity", "warehouse", "output_location", "due_date", "bom", "backflush", "note"]
        widgets = {
            "due_date": DATE_INPUT,
            "quantity": forms.NumberInput(attrs={**NUMBER_INPUT, "min": "0"}),
            "note": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["item"].queryset = made_items(user)
        self.fields["warehouse"].queryset = warehouses_visible_to(user).filter(active=True).order_by("code")
        self.fields["output_location"].queryset = (
            locations_visible_to(user).filter(active=True).select_related("warehouse")
        )
        self.fields["bom"].queryset = selectors.boms_visible_to(user).order_by("item__code", "version")
        self.fields["bom"].help_text = _("Empty: the item's active version when the order is released")
        if self.instance.pk:
            self.fields.pop("item")


class IssueHeaderForm(forms.Form):
    posting_date = forms.DateField(label=_("Posting date"), widget=DATE_INPUT)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, user=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("posting_date", timezone.localdate())
        style_widgets(self)


class IssueLineForm(forms.Form):
    item = forms.ModelChoiceField(label=_("Component"), queryset=Item.objects.none(), widget=TaggedSelect)
    quantity = forms.DecimalField(
        label=_("Quantity"),
        max_digits=18,
        decimal_places=6,
        required=False,
        widget=forms.NumberInput(attrs={**NUMBER_INPUT, "min": "0"}),
    )
    from_location = forms.ModelChoiceField(
        label=_("From location"), queryset=Item.objects.none(), required=False, widget=TaggedSelect
    )
    lot = forms.ModelChoiceField(label=_("Lot"), queryset=Item.objects.none(), required=False, widget=TaggedSelect)

    def __init__(self, *args, user=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        style_widgets(self)


IssueLineFormSet = forms.formset_factory(IssueLineForm, formset=SharedChoicesFormSet, extra=0)


class OutputForm(forms.Form):
    quantity = forms.DecimalField(
        label=_("Good quantity"),
        max_digits=18,
        decimal_places=6,
        min_value=0,
        widget=forms.NumberInput(attrs=NUMBER_INPUT),
    )
    scrap_quantity = forms.DecimalField(
        label=_("Scrap quantity"),
        max_digits=18,
        decimal_places=6,
        min_value=0,
        required=False,
        widget=forms.NumberInput(attrs=NUMBER_INPUT),
    )
    scrap_reason = forms.CharField(label=_("Scrap reason"), max_length=200, required=False)
    lot_number = forms.CharField(
        label=_("Output lot"), max_length=60, required=False, help_text=_("Required when the item is lot-tracked")
    )
    expiry_date = forms.DateField(label=_("Expiry date"), required=False, widget=DATE_INPUT)
    location = forms.ModelChoiceField(
        label=_("Received into"),
        queryset=Item.objects.none(),
        required=False,
        help_text=_("Empty: the order's output location"),
    )
    posting_date = forms.DateField(label=_("Posting date"), widget=DATE_INPUT)

    def __init__(self, *args, user, work_order: WorkOrder, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = (
            locations_visible_to(user).filter(warehouse=work_order.warehouse, active=True).select_related("warehouse")
        )
        self.initial.setdefault("posting_date", timezone.localdate())
        self.initial.setdefault("quantity", format(work_order.remaining_quantity.normalize(), "f"))
        style_widgets(self)
