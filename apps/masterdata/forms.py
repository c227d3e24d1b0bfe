"""Browser forms for master data. They collect input; the services in services.py validate and save."""

import json

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.forms import inlineformset_factory
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from apps.core.forms import ServiceModelForm, style_widgets

from . import selectors
from .models import (
    Company,
    Currency,
    ExchangeRate,
    Item,
    ItemCategory,
    Location,
    Partner,
    PartnerAddress,
    PartnerContact,
    PaymentTerms,
    TaxRate,
    UnitConversion,
    UnitOfMeasure,
    Warehouse,
)

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def active_or_current(queryset: QuerySet, current_id: int | None) -> QuerySet:
    """Active choices, plus the one already chosen even if it was deactivated since."""
    return queryset.filter(Q(active=True) | Q(pk=current_id)) if current_id else queryset.filter(active=True)


def tree_label(record) -> str:
    depth = max(record.path.count("/") - 2, 0)
    return f"{'— ' * depth}{record.name}"


def similar_name_attrs(*, url_name: str, company: Company | None, exclude_id: int | None) -> dict:
    """Ask for records with a similar name while the user types (htmx); the answer fills #similar-records."""
    values = {key: value for key, value in (("company", company and company.pk), ("exclude", exclude_id)) if value}
    attrs = {
        "hx-get": reverse(url_name),
        "hx-trigger": "keyup changed delay:400ms, change",
        "hx-target": "#similar-records",
        "hx-vals": json.dumps(values),
        "autocomplete": "off",
    }
    if company is None:
        attrs["hx-include"] = "[name='company']"
    return attrs


class CompanyRecordForm(ServiceModelForm):
    """A record of one company: chosen among the user's companies when created, fixed afterwards."""

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, user=user, **kwargs)
        if self.instance.pk:
            self.fields.pop("company", None)
        else:
            self.fields["company"].queryset = selectors.companies_visible_to(user).filter(active=True)
            self.fields["company"].initial = selectors.default_company_for(user)
            self.fields["company"].empty_label = None

    def record_company(self) -> Company | None:
        """The company the record belongs to, as far as it is known while the form is shown."""
        if self.instance.pk:
            return self.instance.company
        field = self.fields["company"]
        chosen = self.data.get(self.add_prefix("company")) if self.is_bound else None
        if chosen:
            try:
                return field.queryset.filter(pk=int(chosen)).first()
            except ValueError:
                return None
        return field.initial or field.queryset.first()


class ItemForm(CompanyRecordForm):
    purchase_factor = forms.DecimalField(
        label=_("Base units per purchase unit"),
        required=False,
        max_digits=18,
        decimal_places=6,
        help_text=_("Needed when no conversion between the two units is known yet, e.g. 12 for a box of 12."),
    )
    sales_factor = forms.DecimalField(
        label=_("Base units per sales unit"), required=False, max_digits=18, decimal_places=6
    )

    class Meta:
        model = Item
        fields = [
            "company",
            "code",
            "name",
            "item_type",
            "category",
            "base_unit",
            "purchase_unit",
            "purchase_factor",
            "sales_unit",
            "sales_factor",
            "standard_price",
            "tax_rate",
            "reorder_point",
            "reorder_quantity",
            "lead_time_days",
            "barcode",
            "lot_tracked",
            "description",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, user=user, **kwargs)
        item = self.instance
        company = self.record_company()
        categories = selectors.categories_visible_to(user).filter(company=company).order_by("path")
        self.fields["category"].queryset = active_or_current(categories, item.category_id)
        self.fields["category"].label_from_instance = tree_label
        units = selectors.units_visible_to(user)
        for name in ("base_unit", "purchase_unit", "sales_unit"):
            self.fields[name].queryset = active_or_current(units, getattr(item, f"{name}_id"))
        self.fields["tax_rate"].queryset = active_or_current(selectors.tax_rates_visible_to(user), item.tax_rate_id)
        if item.pk:
            self.initial.setdefault("purchase_factor", self._known_factor(item.purchase_unit_id))
            self.initial.setdefault("sales_factor", self._known_factor(item.sales_unit_id))
        else:
            self.fields["code"].required = False
            self.fields["code"].help_text = _("Leave blank to number it automatically.")
        self.fields["name"].widget.attrs.update(
            similar_name_attrs(
                url_name="masterdata:item-similar", company=company if item.pk else None, exclude_id=item.pk
            )
        )

    def _known_factor(self, unit_id: int | None):
        if not unit_id or unit_id == self.instance.base_unit_id:
            return None
        return selectors.unit_factor(item=self.instance, from_unit_id=unit_id, to_unit_id=self.instance.base_unit_id)


class PartnerForm(CompanyRecordForm):
    class Meta:
        model = Partner
        fields = [
            "company",
            "code",
            "name",
            "is_customer",
            "is_supplier",
            "tax_id_kind",
            "tax_id",
            "payment_terms",
            "credit_limit",
            "currency",
            "owner",
            "phone",
            "email",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, user=user, **kwargs)
        partner = self.instance
        company = self.record_company()
        self.fields["payment_terms"].queryset = active_or_current(
            selectors.payment_terms_visible_to(user), partner.payment_terms_id
        )
        self.fields["currency"].queryset = active_or_current(selectors.currencies_visible_to(user), partner.currency_id)
        self.fields["owner"].queryset = (
            get_user_model().objects.filter(Q(is_active=True) | Q(pk=partner.owner_id)).order_by("username")
        )
        if not partner.pk:
            self.fields["code"].required = False
            self.fields["code"].help_text = _("Leave blank to number it automatically.")
            self.fields["owner"].initial = user
            if company is not None:
                self.fields["currency"].initial = company.base_currency_id
        self.fields["name"].widget.attrs.update(
            similar_name_attrs(
                url_name="masterdata:partner-similar", company=company if partner.pk else None, exclude_id=partner.pk
            )
        )


class PartnerChildFormSet(forms.BaseInlineFormSet):
    def add_fields(self, form, index) -> None:
        super().add_fields(form, index)
        style_widgets(form)


ADDRESS_FIELDS = ("kind", "line", "city", "province", "postal_code", "country", "is_default")
CONTACT_FIELDS = ("name", "title", "phone", "email", "is_primary")

AddressFormSet = inlineformset_factory(
    Partner,
    PartnerAddress,
    formset=PartnerChildFormSet,
    fields=ADDRESS_FIELDS,
    extra=1,
    can_delete=True,
)
ContactFormSet = inlineformset_factory(
    Partner,
    PartnerContact,
    formset=PartnerChildFormSet,
    fields=CONTACT_FIELDS,
    extra=1,
    can_delete=True,
)


def formset_rows(formset, fields: tuple[str, ...]) -> list[dict]:
    """The rows a replace_partner_* service takes: kept and new rows, each existing one with its id."""
    rows = []
    for form in formset.forms:
        if form in formset.deleted_forms or not (form.instance.pk or form.has_changed()):
            continue
        row = {name: form.cleaned_data[name] for name in fields}
        if form.instance.pk:
            row["id"] = form.instance.pk
        rows.append(row)
    return rows


class WarehouseForm(CompanyRecordForm):
    class Meta:
        model = Warehouse
        fields = ["company", "code", "name", "address"]


class CategoryForm(CompanyRecordForm):
    class Meta:
        model = ItemCategory
        fields = ["company", "parent", "code", "name"]

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, user=user, **kwargs)
        category = self.instance
        parents = selectors.categories_visible_to(user).filter(company=self.record_company()).order_by("path")
        if category.pk:
            parents = parents.exclude(path__startswith=category.path)
        self.fields["parent"].queryset = active_or_current(parents, category.parent_id)
        self.fields["parent"].label_from_instance = tree_label


class LocationForm(ServiceModelForm):
    class Meta:
        model = Location
        fields = ["warehouse", "parent", "kind", "code", "name"]

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, user=user, **kwargs)
        location = self.instance
        zones = selectors.locations_visible_to(user).filter(kind=Location.Kind.ZONE).order_by("warehouse__code", "path")
        if location.pk:
            self.fields.pop("warehouse")
            zones = zones.filter(warehouse=location.warehouse_id).exclude(path__startswith=location.path)
        else:
            self.fields["warehouse"].queryset = selectors.warehouses_visible_to(user).filter(active=True)
        self.fields["parent"].queryset = active_or_current(zones, location.parent_id)
        self.fields["parent"].label_from_instance = lambda zone: f"{zone.warehouse.code} / {tree_label(zone)}"


def reference_form(model, fields: list[str], widgets: dict | None = None) -> type[ServiceModelForm]:
    return forms.modelform_factory(model, form=ServiceModelForm, fields=fields, widgets=widgets)


CompanyForm = reference_form(Company, ["code", "name", "base_currency", "tax_id", "address", "phone"])
CurrencyForm = reference_form(Currency, ["code", "name", "symbol", "decimal_places"])
ExchangeRateForm = reference_form(
    ExchangeRate, ["currency", "quote_currency", "rate_date", "rate"], widgets={"rate_date": DATE_INPUT}
)
UnitForm = reference_form(UnitOfMeasure, ["code", "name"])
UnitConversionForm = reference_form(UnitConversion, ["from_unit", "to_unit", "factor"])
TaxRateForm = reference_form(TaxRate, ["code", "name", "rate"])
PaymentTermsForm = reference_form(PaymentTerms, ["code", "name", "due_days"])


class MergeForm(forms.Form):
    """Merge the record shown into another: chosen by code among the visible, active ones of its company."""

    into = forms.ModelChoiceField(
        label=_("Merge into (code of the record to keep)"),
        queryset=None,
        to_field_name="code",
        widget=forms.TextInput(attrs={"list": "merge-candidates", "autocomplete": "off"}),
        error_messages={"invalid_choice": _("Enter the code of another active record of the same company.")},
    )
    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, records: QuerySet, record, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["into"].queryset = records.filter(company=record.company_id, active=True).exclude(pk=record.pk)
        style_widgets(self)


class ImportForm(forms.Form):
    company = forms.ModelChoiceField(label=_("Company"), queryset=None, empty_label=None)
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV (UTF-8 or GBK) or XLSX, with the columns listed below."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["company"].queryset = selectors.companies_visible_to(user).filter(active=True)
        self.fields["company"].initial = selectors.default_company_for(user)
        style_widgets(self)
