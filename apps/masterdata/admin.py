"""Admin for master data: history on every record, row access (object permissions) on companies,
warehouses and partners, saves through the services, and no deletes of records that others refer
to: they are deactivated instead."""

import copy

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms.models import construct_instance
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from guardian.admin import GuardedModelAdminMixin
from simple_history.admin import SimpleHistoryAdmin

from apps.core.errors import DomainError
from apps.core.forms import add_service_error

from . import selectors, services
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
    PartnerAddress,
    PartnerContact,
    PaymentTerms,
    TaxRate,
    UnitConversion,
    UnitOfMeasure,
    Warehouse,
)


class _TrialDone(Exception):
    """Rolls back the trial save that checks a form with the service."""


class ServiceForm(forms.ModelForm):
    """Runs the admin's service in a savepoint that is rolled back, so a refusal shows on the form.

    Django's model validation is left to the service, which runs it with its business messages;
    the real save happens in `save_model`, through the same service.
    """

    service_admin: "MasterDataAdmin"
    actor = None

    def _post_clean(self) -> None:
        try:
            self.instance = construct_instance(self, self.instance, self._meta.fields, self._meta.exclude)
        except ValidationError as error:
            self._update_errors(error)
            return
        if self._errors:
            return
        try:
            with transaction.atomic():
                self.service_admin.persist(actor=self.actor, obj=copy.copy(self.instance))
                raise _TrialDone
        except _TrialDone:
            pass
        except (ValidationError, DomainError) as error:
            add_service_error(self, error)


class MasterDataAdmin(SimpleHistoryAdmin):
    """History-aware; rows through the model's `visible_to` selector; saves through `persist`."""

    form = ServiceForm
    visible = None  # the selector of the rows the user may see
    deletable = False
    code_generated = False  # a blank code is taken from the company's sequence
    actions = ("deactivate", "reactivate")

    def get_queryset(self, request):
        queryset = type(self).visible(request.user)
        ordering = self.get_ordering(request)
        return queryset.order_by(*ordering) if ordering else queryset

    def get_readonly_fields(self, request, obj=None):
        # A record stays in its company (or warehouse): documents and stock refer to it there.
        owner = [name for name in ("company", "warehouse") if name in {f.name for f in self.model._meta.fields}]
        return (*super().get_readonly_fields(request, obj), *(owner if obj is not None else ()))

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.service_admin, form.actor = self, request.user
        return form

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if self.code_generated and db_field.name == "code" and formfield is not None:
            formfield.required = False
            formfield.help_text = _("Leave blank to take the next code.")
        return formfield

    def persist(self, *, actor, obj):
        return services.save_reference(actor=actor, instance=obj)

    def save_model(self, request, obj, form, change) -> None:
        saved = self.persist(actor=request.user, obj=obj)
        if saved is not obj:  # a create service builds its own instance
            for field in obj._meta.concrete_fields:
                setattr(obj, field.attname, getattr(saved, field.attname))
            obj._state.adding = False

    def has_delete_permission(self, request, obj=None) -> bool:
        return self.deletable and super().has_delete_permission(request, obj)

    def _set_active(self, request, queryset, *, active: bool) -> None:
        for record in queryset:
            services.set_active(actor=request.user, record=record, active=active)
        count = len(queryset)
        message = (
            ngettext("%(count)d record reactivated.", "%(count)d records reactivated.", count)
            if active
            else ngettext("%(count)d record deactivated.", "%(count)d records deactivated.", count)
        )
        self.message_user(request, message % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Deactivate the selected records"), permissions=["change"])
    def deactivate(self, request, queryset) -> None:
        self._set_active(request, queryset, active=False)

    @admin.action(description=_("Reactivate the selected records"), permissions=["change"])
    def reactivate(self, request, queryset) -> None:
        self._set_active(request, queryset, active=True)


class GuardedMasterDataAdmin(GuardedModelAdminMixin, MasterDataAdmin):
    """Also manages who may see the record's rows (django-guardian object permissions)."""


class ReadOnlyMasterDataAdmin(admin.ModelAdmin):
    """Written only by services (merges, imports) or on the parent's page: viewable here."""

    visible = None

    def get_queryset(self, request):
        return type(self).visible(request.user)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyHistoryAdmin(ReadOnlyMasterDataAdmin, SimpleHistoryAdmin):
    pass


# --- Reference data ---------------------------------------------------------------------------


@admin.register(Currency)
class CurrencyAdmin(MasterDataAdmin):
    visible = selectors.currencies_visible_to
    list_display = ("code", "name", "symbol", "decimal_places", "active")
    list_filter = ("active",)
    search_fields = ("code", "name")


@admin.register(ExchangeRate)
class ExchangeRateAdmin(MasterDataAdmin):
    visible = selectors.exchange_rates_visible_to
    deletable = True  # a mistyped rate may go; documents keep the rate they were made with
    actions = ()
    list_display = ("currency", "quote_currency", "rate_date", "rate")
    list_filter = ("currency", "quote_currency")
    date_hierarchy = "rate_date"


@admin.register(UnitOfMeasure)
class UnitOfMeasureAdmin(MasterDataAdmin):
    visible = selectors.units_visible_to
    list_display = ("code", "name", "active")
    list_filter = ("active",)
    search_fields = ("code", "name")


@admin.register(UnitConversion)
class UnitConversionAdmin(MasterDataAdmin):
    visible = selectors.unit_conversions_visible_to
    deletable = True  # stock is kept in base units, so a conversion can be replaced
    actions = ()
    list_display = ("from_unit", "to_unit", "factor", "item")
    list_filter = ("from_unit", "to_unit")
    search_fields = ("item__code", "item__name")
    autocomplete_fields = ("item",)


@admin.register(TaxRate)
class TaxRateAdmin(MasterDataAdmin):
    visible = selectors.tax_rates_visible_to
    list_display = ("code", "name", "rate", "active")
    list_filter = ("active",)
    search_fields = ("code", "name")


@admin.register(PaymentTerms)
class PaymentTermsAdmin(MasterDataAdmin):
    visible = selectors.payment_terms_visible_to
    list_display = ("code", "name", "due_days", "active")
    list_filter = ("active",)
    search_fields = ("code", "name")


@admin.register(Company)
class CompanyAdmin(GuardedMasterDataAdmin):
    visible = selectors.companies_visible_to
    list_display = ("code", "name", "base_currency", "tax_id", "active")
    list_filter = ("active", "base_currency")
    search_fields = ("code", "name", "tax_id")


# --- Items ------------------------------------------------------------------------------------


@admin.register(ItemCategory)
class ItemCategoryAdmin(MasterDataAdmin):
    visible = selectors.categories_visible_to
    list_display = ("code", "name", "parent", "company", "active")
    list_filter = ("company", "active")
    search_fields = ("code", "name")
    autocomplete_fields = ("parent",)

    def persist(self, *, actor, obj):
        return services.save_category(actor=actor, category=obj)


@admin.register(Item)
class ItemAdmin(MasterDataAdmin):
    visible = selectors.items_visible_to
    code_generated = True
    list_display = ("code", "name", "item_type", "category", "base_unit", "standard_price", "company", "active")
    list_filter = ("company", "item_type", "lot_tracked", "active")
    search_fields = ("code", "name", "barcode")
    autocomplete_fields = ("category",)

    def persist(self, *, actor, obj):
        if obj.pk:
            return services.update_item(actor=actor, item=obj)
        fields = {name: getattr(obj, name) for name in services.ITEM_FIELDS}
        return services.create_item(actor=actor, company=obj.company, **fields)


# --- Partners ---------------------------------------------------------------------------------


class PartnerAddressInline(admin.TabularInline):
    model = PartnerAddress
    extra = 0


class PartnerContactInline(admin.TabularInline):
    model = PartnerContact
    extra = 0


PARTNER_CHILDREN = {
    PartnerAddress: (services.replace_partner_addresses, "addresses"),
    PartnerContact: (services.replace_partner_contacts, "contacts"),
}


@admin.register(Partner)
class PartnerAdmin(GuardedMasterDataAdmin):
    visible = selectors.partners_visible_to
    code_generated = True
    inlines = (PartnerAddressInline, PartnerContactInline)
    list_display = ("code", "name", "is_customer", "is_supplier", "tax_id", "owner", "company", "active")
    list_filter = ("company", "is_customer", "is_supplier", "tax_id_kind", "active")
    search_fields = ("code", "name", "tax_id")
    autocomplete_fields = ("owner",)

    def persist(self, *, actor, obj):
        if obj.pk:
            return services.update_partner(actor=actor, partner=obj)
        fields = {name: getattr(obj, name) for name in services.PARTNER_FIELDS}
        if fields["currency"] is None:
            del fields["currency"]  # the company's base currency
        return services.create_partner(actor=actor, company=obj.company, **fields)

    def save_formset(self, request, form, formset, change) -> None:
        """Addresses and contacts are replaced as a whole by their service, which records their history."""
        replace, argument = PARTNER_CHILDREN[formset.model]
        rows = [
            {**child.cleaned_data, "id": child.instance.pk}
            for child in formset.forms
            if child.cleaned_data and not (formset.can_delete and formset._should_delete_form(child))
        ]
        fields = [name for name in formset.form.base_fields if name not in ("id", "partner", "DELETE")]
        replace(actor=request.user, partner=form.instance, **{argument: [self._values(row, fields) for row in rows]})
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    @staticmethod
    def _values(row: dict, fields: list[str]) -> dict:
        return {"id": row["id"], **{name: row[name] for name in fields if name in row}}


@admin.register(PartnerAddress)
class PartnerAddressAdmin(ReadOnlyHistoryAdmin):
    list_display = ("partner", "kind", "line", "city", "province", "is_default")
    list_filter = ("kind",)
    search_fields = ("partner__code", "partner__name", "line", "city")

    @staticmethod
    def visible(user):
        return PartnerAddress.objects.filter(partner__in=selectors.partners_visible_to(user)).select_related("partner")


@admin.register(PartnerContact)
class PartnerContactAdmin(ReadOnlyHistoryAdmin):
    list_display = ("partner", "name", "title", "phone", "email", "is_primary")
    search_fields = ("partner__code", "partner__name", "name", "phone", "email")

    @staticmethod
    def visible(user):
        return PartnerContact.objects.filter(partner__in=selectors.partners_visible_to(user)).select_related("partner")


# --- Warehouses -------------------------------------------------------------------------------


@admin.register(Warehouse)
class WarehouseAdmin(GuardedMasterDataAdmin):
    visible = selectors.warehouses_visible_to
    list_display = ("code", "name", "company", "active")
    list_filter = ("company", "active")
    search_fields = ("code", "name")

    def persist(self, *, actor, obj):
        return services.save_warehouse(actor=actor, warehouse=obj)


@admin.register(Location)
class LocationAdmin(MasterDataAdmin):
    visible = selectors.locations_visible_to
    list_display = ("code", "name", "kind", "parent", "warehouse", "active")
    list_filter = ("warehouse", "kind", "active")
    search_fields = ("code", "name", "warehouse__code")
    autocomplete_fields = ("warehouse", "parent")

    def persist(self, *, actor, obj):
        return services.save_location(actor=actor, location=obj)


# --- Records written by services ----------------------------------------------------------------


@admin.register(MergeRecord)
class MergeRecordAdmin(ReadOnlyMasterDataAdmin):
    visible = selectors.merge_records_visible_to
    list_display = ("merged_at", "kind", "merged_code", "kept_code", "merged_by", "company")
    list_filter = ("kind", "company")
    search_fields = ("merged_code", "kept_code", "reason")
    date_hierarchy = "merged_at"


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyMasterDataAdmin):
    visible = selectors.import_batches_visible_to
    list_display = ("uploaded_at", "kind", "filename", "status", "uploaded_by", "company")
    list_filter = ("kind", "status", "company")
    search_fields = ("filename",)
    date_hierarchy = "uploaded_at"
    fields = ("company", "kind", "filename", "status", "summary", "uploaded_by", "uploaded_at", "committed_at")
