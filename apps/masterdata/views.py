"""Master-data pages: lists, details with history, forms that call the services, duplicate warnings
while typing, merging, activation and import."""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import FormView, TemplateView
from django.views.generic.detail import SingleObjectMixin

from apps.core.errors import DomainError
from apps.core.exports import csv_bytes, file_response
from apps.core.forms import add_service_error
from apps.core.views import (
    Column,
    ModelPermissionMixin,
    RecordCreateView,
    RecordDetailView,
    RecordEditView,
    RecordListView,
    ScopedMixin,
)

from . import importing, selectors, services
from .filters import ItemCategoryFilter, ItemFilter, LocationFilter, PartnerFilter, SearchFilterSet, WarehouseFilter
from .forms import (
    ADDRESS_FIELDS,
    CONTACT_FIELDS,
    AddressFormSet,
    CategoryForm,
    CompanyForm,
    ContactFormSet,
    CurrencyForm,
    ExchangeRateForm,
    ImportForm,
    ItemForm,
    LocationForm,
    MergeForm,
    PartnerForm,
    PaymentTermsForm,
    TaxRateForm,
    UnitConversionForm,
    UnitForm,
    WarehouseForm,
    formset_rows,
    tree_label,
)
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

IMPORT_PERMISSIONS = {
    ImportBatch.Kind.ITEM: "masterdata.import_item",
    ImportBatch.Kind.PARTNER: "masterdata.import_partner",
    ImportBatch.Kind.WAREHOUSE: "masterdata.import_warehouse",
    ImportBatch.Kind.LOCATION: "masterdata.import_warehouse",
}


def error_text(error: ValidationError | DomainError) -> str:
    return error.message if isinstance(error, DomainError) else " ".join(error.messages)


def warn_similar(request, *, candidates: list, url_name: str) -> None:
    """After a save: say which existing records look like the same one, with links to them."""
    if not candidates:
        return
    links = format_html_join(
        ", ", '<a href="{}">{}</a>', ((reverse(url_name, args=[c.pk]), str(c)) for c in candidates)
    )
    messages.warning(request, format_html("{} {}", _("Possible duplicates, please check:"), links))


# --- Shared pieces --------------------------------------------------------------------------------


class ImportableListMixin:
    """Lists whose export uses the import's columns, so an exported file can be edited and imported back."""

    import_kind = ""

    def export(self, queryset, file_format: str):
        content, content_type, filename = importing.export_records(
            actor=self.request.user,
            kind=self.import_kind,
            queryset=queryset,
            file_format=file_format,
            request=self.request,
        )
        return file_response(content, content_type=content_type, filename=filename)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.request.user.has_perm(IMPORT_PERMISSIONS[self.import_kind]):
            context["import_url"] = reverse(f"masterdata:import-{self.import_kind}")
        return context


class TreeFilterMixin:
    """A numeric tree filter (category, parent) shown as a select of the visible nodes, indented."""

    tree_filter = ""
    tree_selector = None

    def limit_filters(self, form) -> None:
        super().limit_filters(form)
        nodes = self.tree_selector(self.request.user).filter(active=True).order_by("path")
        choices = [("", "---------"), *((node.pk, tree_label(node)) for node in nodes)]
        form.fields[self.tree_filter].widget = forms.Select(choices=choices)


class SetActiveView(ModelPermissionMixin, ScopedMixin, SingleObjectMixin, View):
    """Deactivate or reactivate a record: master data in use is never deleted."""

    action = "change"
    http_method_names = ["post"]

    @classmethod
    def of(cls, pages) -> Callable:
        """The view for one kind of record, from its pages class (model, selector, url_prefix)."""
        return cls.as_view(model=pages.model, selector=pages.selector, url_prefix=pages.url_prefix)

    def post(self, request, *args, **kwargs):
        record = self.get_object()
        active = request.POST.get("active") == "1"
        try:
            services.set_active(
                actor=request.user, record=record, active=active, reason=request.POST.get("reason", "").strip()
            )
        except (ValidationError, DomainError) as error:
            messages.error(request, error_text(error))
        else:
            done = _("%(record)s was reactivated.") if active else _("%(record)s was deactivated.")
            messages.success(request, done % {"record": record})
        return redirect(self.page_url("detail", record))


class SimilarRecordsView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    """The records whose name looks like the one being typed (an htmx fragment)."""

    template_name = "masterdata/_similar.html"
    find = None  # staticmethod(selectors.similar_items)
    detail_url = ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        company_id = self.request.GET.get("company", "")
        if company_id.isdigit():
            company = selectors.companies_visible_to(user).filter(pk=company_id).first()
        else:
            company = selectors.default_company_for(user)
        exclude = self.request.GET.get("exclude", "")
        name = self.request.GET.get("name", "")[:200]
        candidates = []
        if company is not None:
            candidates = self.find(
                user=user, company=company, name=name, exclude_id=int(exclude) if exclude.isdigit() else None
            )
        context.update(candidates=candidates, detail_url=self.detail_url)
        return context


class MergeMixin:
    """The "Merge into…" form on an item's or a partner's page, and the merges that touched the record."""

    merge_kind = ""
    find_similar = None  # staticmethod(selectors.similar_items)

    def may_merge(self) -> bool:
        return self.object.active and self.request.user.has_perm(f"masterdata.merge_{self.model._meta.model_name}")

    def merge_form(self, data=None) -> MergeForm:
        return MergeForm(data, records=self.get_queryset(), record=self.object)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        record = self.object
        user = self.request.user
        context["merges"] = selectors.merge_records_visible_to(user).filter(
            Q(merged_id=record.pk) | Q(kept_id=record.pk), kind=self.merge_kind
        )
        context["similar"] = self.find_similar(
            user=user, company=record.company, name=record.name, exclude_id=record.pk
        )
        if self.may_merge():
            context["merge_form"] = kwargs.get("merge_form") or self.merge_form()
            context["merge_url"] = self.page_url("merge", record)
        return context


class MergeView(MergeMixin):
    """POST: merge the record into the chosen one; on refusal the record's page shows why."""

    action = "merge"
    http_method_names = ["post"]
    merge = None  # staticmethod(services.merge_items)

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        form = self.merge_form(request.POST)
        if form.is_valid():
            kept = form.cleaned_data["into"]
            try:
                self.merge(actor=request.user, merged=self.object, kept=kept, reason=form.cleaned_data["reason"])
            except (ValidationError, DomainError) as error:
                add_service_error(form, error)
            else:
                messages.success(
                    request, _("%(merged)s was merged into %(kept)s.") % {"merged": self.object, "kept": kept}
                )
                return redirect(self.page_url("detail", kept))
        return self.render_to_response(self.get_context_data(merge_form=form))


class SimilarNameFormMixin:
    """Forms with the as-you-type duplicate warning; after a save the same warning comes as a message."""

    find_similar = None

    def similar(self, form) -> list:
        name = form.data.get("name", "") if form.is_bound else ""
        company = form.record_company()
        if not name or company is None:
            return []
        return self.find_similar(user=self.request.user, company=company, name=name, exclude_id=form.instance.pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["similar"] = self.similar(context["form"])
        context["similar_detail_url"] = f"{self.url_prefix}-detail"
        return context

    def after_save(self, form) -> None:
        record = self.object
        candidates = self.find_similar(
            user=self.request.user, company=record.company, name=record.name, exclude_id=record.pk
        )
        warn_similar(self.request, candidates=candidates, url_name=f"{self.url_prefix}-detail")


# --- Items ------------------------------------------------------------------------------------------


class ItemPages:
    model = Item
    selector = staticmethod(selectors.items_visible_to)
    url_prefix = "masterdata:item"


class ItemListView(ItemPages, ImportableListMixin, TreeFilterMixin, RecordListView):
    filterset_class = ItemFilter
    filter_fields = ("item_type", "category", "active")
    import_kind = ImportBatch.Kind.ITEM
    tree_filter = "category"
    tree_selector = staticmethod(selectors.categories_visible_to)
    columns = (
        Column(gettext_lazy("Code"), "code", sort="code", link=True),
        Column(gettext_lazy("Name"), "name", sort="name", link=True),
        Column(gettext_lazy("Type"), "get_item_type_display", sort="item_type"),
        Column(gettext_lazy("Category"), "category.name", sort="category__name"),
        Column(gettext_lazy("Base unit"), "base_unit.code"),
        Column(gettext_lazy("Standard price"), "standard_price", sort="standard_price"),
        Column(gettext_lazy("Tax rate"), "tax_rate.name"),
        Column(gettext_lazy("Active"), "active", sort="active"),
    )


class ItemDetailView(ItemPages, MergeMixin, RecordDetailView):
    toggles_active = True
    template_name = "masterdata/item_detail.html"
    merge_kind = MergeRecord.Kind.ITEM
    find_similar = staticmethod(selectors.similar_items)
    fields = (
        "company",
        "code",
        "name",
        "item_type",
        "category",
        "base_unit",
        "purchase_unit",
        "sales_unit",
        "standard_price",
        "tax_rate",
        "reorder_point",
        "reorder_quantity",
        "lead_time_days",
        "barcode",
        "lot_tracked",
        "description",
        "active",
    )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["conversions"] = self.object.unit_conversions.select_related("from_unit", "to_unit")
        return context


class ItemMergeView(MergeView, ItemDetailView):
    merge = staticmethod(services.merge_items)


class ItemFormMixin(SimilarNameFormMixin):
    form_class = ItemForm
    template_name = "masterdata/record_form.html"
    find_similar = staticmethod(selectors.similar_items)

    def factors(self, form) -> dict:
        return {name: form.cleaned_data[name] for name in ("purchase_factor", "sales_factor")}


class ItemCreateView(ItemPages, ItemFormMixin, RecordCreateView):
    def save(self, form) -> Item:
        return services.create_item(
            actor=self.request.user,
            company=form.cleaned_data["company"],
            **self.factors(form),
            **form.service_fields(services.ITEM_FIELDS),
        )


class ItemEditView(ItemPages, ItemFormMixin, RecordEditView):
    def save(self, form) -> Item:
        return services.update_item(
            actor=self.request.user, item=self.object, **self.factors(form), **form.service_fields(services.ITEM_FIELDS)
        )


# --- Partners ---------------------------------------------------------------------------------------


class PartnerPages:
    model = Partner
    selector = staticmethod(selectors.partners_visible_to)
    url_prefix = "masterdata:partner"


class PartnerListView(PartnerPages, ImportableListMixin, RecordListView):
    filterset_class = PartnerFilter
    filter_fields = ("is_customer", "is_supplier", "active")
    import_kind = ImportBatch.Kind.PARTNER
    columns = (
        Column(gettext_lazy("Code"), "code", sort="code", link=True),
        Column(gettext_lazy("Name"), "name", sort="name", link=True),
        Column(gettext_lazy("Customer"), "is_customer", sort="is_customer"),
        Column(gettext_lazy("Supplier"), "is_supplier", sort="is_supplier"),
        Column(gettext_lazy("Tax ID"), "tax_id", sort="tax_id"),
        Column(gettext_lazy("Payment terms"), "payment_terms.name"),
        Column(gettext_lazy("Owner"), "owner.username", sort="owner__username"),
        Column(gettext_lazy("Active"), "active", sort="active"),
    )


class PartnerDetailView(PartnerPages, MergeMixin, RecordDetailView):
    toggles_active = True
    template_name = "masterdata/partner_detail.html"
    merge_kind = MergeRecord.Kind.PARTNER
    find_similar = staticmethod(selectors.similar_partners)
    fields = (
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
        "active",
    )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["addresses"] = self.object.addresses.all()
        context["contacts"] = self.object.contacts.all()
        return context


class PartnerMergeView(MergeView, PartnerDetailView):
    merge = staticmethod(services.merge_partners)


class PartnerFormMixin(SimilarNameFormMixin):
    """The partner with its addresses and contacts, saved together or not at all."""

    form_class = PartnerForm
    template_name = "masterdata/partner_form.html"
    find_similar = staticmethod(selectors.similar_partners)

    def formsets(self) -> tuple:
        if not hasattr(self, "_formsets"):
            data = self.request.POST if self.request.method == "POST" else None
            partner = self.object or Partner()
            self._formsets = (
                AddressFormSet(data, instance=partner, prefix="addresses"),
                ContactFormSet(data, instance=partner, prefix="contacts"),
            )
        return self._formsets

    def post(self, request, *args, **kwargs):
        self.object = self.get_object() if self.kwargs.get("pk") else None
        form = self.get_form()
        valid = [form.is_valid(), *(formset.is_valid() for formset in self.formsets())]
        return self.form_valid(form) if all(valid) else self.form_invalid(form)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["address_formset"], context["contact_formset"] = self.formsets()
        return context

    def save_partner(self, form) -> Partner:
        raise NotImplementedError

    def save(self, form) -> Partner:
        addresses, contacts = self.formsets()
        with transaction.atomic():
            partner = self.save_partner(form)
            services.replace_partner_addresses(
                actor=self.request.user, partner=partner, addresses=formset_rows(addresses, ADDRESS_FIELDS)
            )
            services.replace_partner_contacts(
                actor=self.request.user, partner=partner, contacts=formset_rows(contacts, CONTACT_FIELDS)
            )
        return partner


class PartnerCreateView(PartnerPages, PartnerFormMixin, RecordCreateView):
    def save_partner(self, form) -> Partner:
        fields = form.service_fields(services.PARTNER_FIELDS)
        if fields.get("currency") is None:
            fields.pop("currency", None)  # the company's base currency
        return services.create_partner(actor=self.request.user, company=form.cleaned_data["company"], **fields)


class PartnerEditView(PartnerPages, PartnerFormMixin, RecordEditView):
    def save_partner(self, form) -> Partner:
        return services.update_partner(
            actor=self.request.user, partner=self.object, **form.service_fields(services.PARTNER_FIELDS)
        )


# --- Warehouses, locations, item categories ---------------------------------------------------------


class WarehousePages:
    model = Warehouse
    selector = staticmethod(selectors.warehouses_visible_to)
    url_prefix = "masterdata:warehouse"


class WarehouseListView(WarehousePages, ImportableListMixin, RecordListView):
    filterset_class = WarehouseFilter
    filter_fields = ("active",)
    import_kind = ImportBatch.Kind.WAREHOUSE
    columns = (
        Column(gettext_lazy("Code"), "code", sort="code", link=True),
        Column(gettext_lazy("Name"), "name", sort="name", link=True),
        Column(gettext_lazy("Company"), "company.name", sort="company__name"),
        Column(gettext_lazy("Address"), "address"),
        Column(gettext_lazy("Active"), "active", sort="active"),
    )


class WarehouseDetailView(WarehousePages, RecordDetailView):
    toggles_active = True
    template_name = "masterdata/warehouse_detail.html"
    fields = ("company", "code", "name", "address", "active")
    shown_locations = 500

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        locations = selectors.locations_visible_to(self.request.user).filter(warehouse=self.object).order_by("path")
        context["locations"] = locations[: self.shown_locations]
        context["location_count"] = locations.count()
        context["locations_url"] = reverse("masterdata:location-list") + f"?warehouse={self.object.pk}"
        return context


class WarehouseFormMixin:
    form_class = WarehouseForm

    def save(self, form) -> Warehouse:
        return services.save_warehouse(actor=self.request.user, warehouse=form.instance)


class WarehouseCreateView(WarehousePages, WarehouseFormMixin, RecordCreateView):
    pass


class WarehouseEditView(WarehousePages, WarehouseFormMixin, RecordEditView):
    pass


class LocationPages:
    model = Location
    selector = staticmethod(selectors.locations_visible_to)
    url_prefix = "masterdata:location"


class LocationListView(LocationPages, ImportableListMixin, RecordListView):
    filterset_class = LocationFilter
    filter_fields = ("warehouse", "kind", "active")
    import_kind = ImportBatch.Kind.LOCATION
    default_sort = "warehouse__code,path"
    tree = True
    columns = (
        Column(gettext_lazy("Warehouse"), "warehouse.code", sort="warehouse__code,path"),
        Column(gettext_lazy("Code"), "code", sort="code", link=True),
        Column(gettext_lazy("Name"), "name", sort="name"),
        Column(gettext_lazy("Kind"), "get_kind_display", sort="kind"),
        Column(gettext_lazy("Parent"), "parent.code"),
        Column(gettext_lazy("Active"), "active", sort="active"),
    )

    def limit_filters(self, form) -> None:
        super().limit_filters(form)
        form.fields["warehouse"].queryset = selectors.warehouses_visible_to(self.request.user)


class LocationDetailView(LocationPages, RecordDetailView):
    toggles_active = True
    fields = ("warehouse", "parent", "kind", "code", "name", "active")


class LocationFormMixin:
    form_class = LocationForm

    def save(self, form) -> Location:
        return services.save_location(actor=self.request.user, location=form.instance)


class LocationCreateView(LocationPages, LocationFormMixin, RecordCreateView):
    pass


class LocationEditView(LocationPages, LocationFormMixin, RecordEditView):
    pass


class CategoryPages:
    model = ItemCategory
    selector = staticmethod(selectors.categories_visible_to)
    url_prefix = "masterdata:category"


class CategoryListView(CategoryPages, RecordListView):
    filterset_class = ItemCategoryFilter
    filter_fields = ("active",)
    default_sort = "path"
    tree = True
    columns = (
        Column(gettext_lazy("Name"), "name", sort="name", link=True),
        Column(gettext_lazy("Code"), "code", sort="code", link=True),
        Column(gettext_lazy("Parent"), "parent.name"),
        Column(gettext_lazy("Company"), "company.name", sort="company__name"),
        Column(gettext_lazy("Active"), "active", sort="active"),
    )


class CategoryDetailView(CategoryPages, RecordDetailView):
    toggles_active = True
    fields = ("company", "parent", "code", "name", "active")


class CategoryFormMixin:
    form_class = CategoryForm

    def save(self, form) -> ItemCategory:
        return services.save_category(actor=self.request.user, category=form.instance)


class CategoryCreateView(CategoryPages, CategoryFormMixin, RecordCreateView):
    pass


class CategoryEditView(CategoryPages, CategoryFormMixin, RecordEditView):
    pass


# --- Reference data ---------------------------------------------------------------------------------


def search_filter(model: type[models.Model], search_fields: tuple[str, ...]) -> type[SearchFilterSet]:
    fields = ["active"] if any(f.name == "active" for f in model._meta.fields) else []
    meta = type("Meta", (), {"model": model, "fields": fields})
    return type(f"{model.__name__}Filter", (SearchFilterSet,), {"search_fields": search_fields, "Meta": meta})


class ReferenceFormMixin:
    def save(self, form) -> models.Model:
        return services.save_reference(actor=self.request.user, instance=form.instance)


class ReferenceCreateView(ReferenceFormMixin, RecordCreateView):
    pass


class ReferenceEditView(ReferenceFormMixin, RecordEditView):
    pass


@dataclass(frozen=True)
class ReferencePages:
    """The list, detail, create and edit pages of one kind of reference data (see urls.py)."""

    slug: str  # the pages' path: /masterdata/<slug>/
    name: str  # URL names: masterdata:<name>-list, -detail, ...
    model: type[models.Model]
    selector: Callable
    form_class: type[forms.ModelForm]
    columns: tuple[Column, ...]
    fields: tuple[str, ...]
    search: tuple[str, ...] = ("code", "name")
    default_sort: str = "code"

    @property
    def toggles_active(self) -> bool:
        return any(f.name == "active" for f in self.model._meta.fields)

    def common(self) -> dict:
        return {"model": self.model, "selector": self.selector, "url_prefix": f"masterdata:{self.name}"}

    def list_view(self):
        return RecordListView.as_view(
            **self.common(),
            columns=self.columns,
            filterset_class=search_filter(self.model, self.search),
            filter_fields=("active",) if self.toggles_active else (),
            default_sort=self.default_sort,
        )

    def detail_view(self):
        return RecordDetailView.as_view(**self.common(), fields=self.fields, toggles_active=self.toggles_active)

    def create_view(self):
        return ReferenceCreateView.as_view(**self.common(), form_class=self.form_class)

    def edit_view(self):
        return ReferenceEditView.as_view(**self.common(), form_class=self.form_class)

    def active_view(self):
        return SetActiveView.as_view(**self.common()) if self.toggles_active else None


# --- Import -----------------------------------------------------------------------------------------


class ImportPermissionMixin(PermissionRequiredMixin):
    kind = ""

    def get_permission_required(self) -> tuple[str, ...]:
        return (IMPORT_PERMISSIONS[self.kind],)


class ImportView(LoginRequiredMixin, ImportPermissionMixin, FormView):
    """Upload a file and see what it would do; nothing is written until the preview is committed."""

    template_name = "masterdata/import.html"
    form_class = ImportForm

    def get(self, request, *args, **kwargs):
        if request.GET.get("template") == "csv":
            headers = [column for column, _label, _required in importing.template_columns(self.kind)]
            return file_response(
                csv_bytes(headers, []), content_type="text/csv; charset=utf-8", filename=f"{self.kind}-template.csv"
            )
        return super().get(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict:
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            kind=self.kind,
            kind_label=ImportBatch.Kind(self.kind).label,
            columns=importing.template_columns(self.kind),
        )
        return context

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        try:
            batch, report = importing.upload_batch(
                actor=self.request.user,
                company=form.cleaned_data["company"],
                kind=self.kind,
                # One byte more than allowed is enough for the importer to refuse an oversized file.
                content=upload.read(settings.IMPORT_MAX_BYTES + 1),
                filename=upload.name,
            )
        except DomainError as error:
            form.add_error("file", error.message)
            return self.form_invalid(form)
        return render(
            self.request,
            "masterdata/import_preview.html",
            {
                "batch": batch,
                "report": report,
                "kind_label": ImportBatch.Kind(self.kind).label,
                "import_url": reverse(f"masterdata:import-{self.kind}"),
            },
        )


class ImportCommitView(LoginRequiredMixin, View):
    """Commit a previewed batch, all or nothing."""

    http_method_names = ["post"]

    def post(self, request, pk: int):
        batch = get_object_or_404(selectors.import_batches_visible_to(request.user), pk=pk)
        if not request.user.has_perm(IMPORT_PERMISSIONS[batch.kind]):
            raise PermissionDenied
        context = {"batch": batch, "kind_label": batch.get_kind_display(), "import_url": self.import_url(batch)}
        try:
            report = importing.commit_batch(actor=request.user, batch=batch)
        except DomainError as error:
            messages.error(request, error.message)
            if error.details.get("errors"):  # the file no longer passes: show why, as in the preview
                return render(request, "masterdata/import_preview.html", {**context, "report": error.details})
            return redirect(context["import_url"])
        return render(request, "masterdata/import_result.html", {**context, "report": report})

    @staticmethod
    def import_url(batch: ImportBatch) -> str:
        return reverse(f"masterdata:import-{batch.kind}")


REFERENCE_PAGES = (
    ReferencePages(
        slug="companies",
        name="company",
        model=Company,
        selector=selectors.companies_visible_to,
        form_class=CompanyForm,
        columns=(
            Column(gettext_lazy("Code"), "code", sort="code", link=True),
            Column(gettext_lazy("Name"), "name", sort="name", link=True),
            Column(gettext_lazy("Base currency"), "base_currency.code"),
            Column(gettext_lazy("Tax ID"), "tax_id"),
            Column(gettext_lazy("Active"), "active", sort="active"),
        ),
        fields=("code", "name", "base_currency", "tax_id", "address", "phone", "active"),
        search=("code", "name", "tax_id"),
    ),
    ReferencePages(
        slug="currencies",
        name="currency",
        model=Currency,
        selector=selectors.currencies_visible_to,
        form_class=CurrencyForm,
        columns=(
            Column(gettext_lazy("Code"), "code", sort="code", link=True),
            Column(gettext_lazy("Name"), "name", sort="name", link=True),
            Column(gettext_lazy("Symbol"), "symbol"),
            Column(gettext_lazy("Decimal places"), "decimal_places"),
            Column(gettext_lazy("Active"), "active", sort="active"),
        ),
        fields=("code", "name", "symbol", "decimal_places", "active"),
    ),
    ReferencePages(
        slug="exchange-rates",
        name="exchange-rate",
        model=ExchangeRate,
        selector=selectors.exchange_rates_visible_to,
        form_class=ExchangeRateForm,
        columns=(
            Column(gettext_lazy("Currency"), "currency.code", sort="currency__code", link=True),
            Column(gettext_lazy("Quote currency"), "quote_currency.code", sort="quote_currency__code"),
            Column(gettext_lazy("Rate date"), "rate_date", sort="rate_date", link=True),
            Column(gettext_lazy("Rate"), "rate", sort="rate"),
        ),
        fields=("currency", "quote_currency", "rate_date", "rate"),
        search=("currency__code", "quote_currency__code"),
        default_sort="-rate_date",
    ),
    ReferencePages(
        slug="units",
        name="unit",
        model=UnitOfMeasure,
        selector=selectors.units_visible_to,
        form_class=UnitForm,
        columns=(
            Column(gettext_lazy("Code"), "code", sort="code", link=True),
            Column(gettext_lazy("Name"), "name", sort="name", link=True),
            Column(gettext_lazy("Active"), "active", sort="active"),
        ),
        fields=("code", "name", "active"),
    ),
    ReferencePages(
        slug="unit-conversions",
        name="unit-conversion",
        model=UnitConversion,
        selector=selectors.unit_conversions_visible_to,
        form_class=UnitConversionForm,
        columns=(
            Column(gettext_lazy("From unit"), "from_unit.code", sort="from_unit__code", link=True),
            Column(gettext_lazy("To unit"), "to_unit.code", sort="to_unit__code"),
            Column(gettext_lazy("Factor"), "factor", sort="factor"),
            Column(gettext_lazy("Item"), "item.code", sort="item__code"),
        ),
        fields=("from_unit", "to_unit", "factor", "item"),
        search=("from_unit__code", "to_unit__code", "item__code"),
        default_sort="from_unit__code",
    ),
    ReferencePages(
        slug="tax-rates",
        name="tax-rate",
        model=TaxRate,
        selector=selectors.tax_rates_visible_to,
        form_class=TaxRateForm,
        columns=(
            Column(gettext_lazy("Code"), "code", sort="code", link=True),
            Column(gettext_lazy("Name"), "name", sort="name", link=True),
            Column(gettext_lazy("Rate (%)"), "rate", sort="rate"),
            Column(gettext_lazy("Active"), "active", sort="active"),
        ),
        fields=("code", "name", "rate", "active"),
        default_sort="-rate",
    ),
    ReferencePages(
        slug="payment-terms",
        name="payment-terms",
        model=PaymentTerms,
        selector=selectors.payment_terms_visible_to,
        form_class=PaymentTermsForm,
        columns=(
            Column(gettext_lazy("Code"), "code", sort="code", link=True),
            Column(gettext_lazy("Name"), "name", sort="name", link=True),
            Column(gettext_lazy("Due in days"), "due_days", sort="due_days"),
            Column(gettext_lazy("Active"), "active", sort="active"),
        ),
        fields=("code", "name", "due_days", "active"),
        default_sort="due_days",
    ),
)
