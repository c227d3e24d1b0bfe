"""Master data over REST: every resource reads through its `*_visible_to(user)` selector and writes
through the services, so the API obeys the same rules as the browser and the importer."""

from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from apps.core.api import ErpModelViewSet, ErpReadOnlyViewSet
from apps.core.errors import DomainError
from apps.core.exports import FORMATS, file_response
from apps.core.rest import ApiTokenAuthentication

from . import filters, importing, selectors, services
from .models import (
    Company,
    Currency,
    ExchangeRate,
    ImportBatch,
    MergeRecord,
    PaymentTerms,
    TaxRate,
    UnitConversion,
    UnitOfMeasure,
)
from .serializers import (
    CompanySerializer,
    CurrencySerializer,
    DuplicateCandidateSerializer,
    ExchangeRateSerializer,
    ExportOptionsSerializer,
    ImportBatchSerializer,
    ImportOptionsSerializer,
    ImportRejectedSerializer,
    ImportReportSerializer,
    ImportUploadSerializer,
    ItemCategorySerializer,
    ItemMergeSerializer,
    ItemSerializer,
    LocationSerializer,
    MergeRecordSerializer,
    PartnerMergeSerializer,
    PartnerSerializer,
    PaymentTermsSerializer,
    ReasonSerializer,
    SavedPartnerSerializer,
    SimilarQuerySerializer,
    TaxRateSerializer,
    UnitConversionSerializer,
    UnitSerializer,
    WarehouseSerializer,
    chosen_company,
)

# Token first: a missing, wrong or revoked token then answers 401 with `WWW-Authenticate: Token`.
API_AUTHENTICATION = [ApiTokenAuthentication, SessionAuthentication]


def search_filter(model, *, search: tuple[str, ...], fields: list[str]) -> type[filters.SearchFilterSet]:
    """A FilterSet with `q` over `search` and exact filters on `fields`, for the reference data."""
    meta = type("Meta", (), {"model": model, "fields": fields})
    return type(f"{model.__name__}Filter", (filters.SearchFilterSet,), {"search_fields": search, "Meta": meta})


def changed_permissions(model_name: str) -> dict[str, list[str]]:
    change = [f"masterdata.change_{model_name}"]
    return {"activate": change, "deactivate": change}


class VisibleRows:
    """The resource's rows are its selector's rows for the requesting user; anything else is a 404."""

    authentication_classes = API_AUTHENTICATION
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    visible: Callable[..., QuerySet]

    def get_queryset(self):
        return self.visible(self.request.user)


class ReadOnlyResource(VisibleRows, ErpReadOnlyViewSet):
    pass


class Resource(VisibleRows, ErpModelViewSet):
    pass


class PreparedRecordResource(Resource):
    """A resource whose service saves a record prepared from the validated input."""

    def save_record(self, record):
        return services.save_reference(actor=self.request.user, instance=record)

    def perform_create(self, serializer):
        serializer.instance = self.save_record(serializer.Meta.model(**serializer.validated_data))

    def perform_update(self, serializer):
        record = serializer.instance
        for name, value in serializer.validated_data.items():
            setattr(record, name, value)
        serializer.instance = self.save_record(record)


class ActivationActions:
    """Referenced master data is never deleted: it is deactivated, and may come back."""

    @extend_schema(request=ReasonSerializer)
    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None):
        """Deactivate the record: it stays, with its history, but is no longer offered for new documents."""
        return self._set_active(request, active=False)

    @extend_schema(request=ReasonSerializer)
    @action(detail=True, methods=["post"])
    def activate(self, request, pk=None):
        """Make a deactivated record available again."""
        return self._set_active(request, active=True)

    def _set_active(self, request, *, active: bool) -> Response:
        record = self.get_object()
        options = ReasonSerializer(data=request.data)
        options.is_valid(raise_exception=True)
        services.set_active(actor=request.user, record=record, active=active, reason=options.validated_data["reason"])
        return Response(self.get_serializer(record).data)


class ExportFormatNegotiation(DefaultContentNegotiation):
    """On an export `?format=` names the file's format, not the renderer; errors still come as JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class FileActions:
    """Import (dry run, then all-or-nothing commit) and export (the list's rows and filters) of `file_kind`."""

    file_kind: str

    @extend_schema(
        request=ImportUploadSerializer,
        parameters=[ImportOptionsSerializer],
        responses={
            200: OpenApiResponse(
                ImportReportSerializer, description=gettext_lazy("Dry run: checked, nothing written.")
            ),
            201: OpenApiResponse(ImportReportSerializer, description=gettext_lazy("Every row written.")),
            400: OpenApiResponse(
                ImportRejectedSerializer, description=gettext_lazy("Nothing written; errors per row.")
            ),
        },
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        parser_classes=[MultiPartParser],
        pagination_class=None,
        filter_backends=[],
    )
    def import_file(self, request):
        """Check a CSV or XLSX file (`dry_run=true`, the default) or write all its rows (`dry_run=false`).

        A file with any bad row writes nothing and answers 400 with every row's errors in `error.details`.
        """
        upload = ImportUploadSerializer(data=request.data, context=self.get_serializer_context())
        upload.is_valid(raise_exception=True)
        options = ImportOptionsSerializer(data=request.query_params)
        options.is_valid(raise_exception=True)
        file = upload.validated_data["file"]
        report = importing.import_records(
            actor=request.user,
            company=chosen_company(request.user, upload.validated_data.get("company")),
            kind=self.file_kind,
            content=file.read(settings.IMPORT_MAX_BYTES + 1),  # one byte over is enough to refuse it
            filename=file.name,
            commit=not options.validated_data["dry_run"],
        )
        data = ImportReportSerializer(report).data
        if report.errors:
            raise DomainError(
                _("The file has errors; nothing was imported."), code="import_has_errors", details=dict(data)
            )
        return Response(data, status=status.HTTP_201_CREATED if report.committed else status.HTTP_200_OK)

    @extend_schema(
        parameters=[ExportOptionsSerializer],
        filters=True,
        responses={(200, media_type): OpenApiTypes.BINARY for media_type in FORMATS.values()},
    )
    @action(detail=False, methods=["get"], pagination_class=None, content_negotiation_class=ExportFormatNegotiation)
    def export(self, request):
        """The rows of the list, with the same filters, as CSV (UTF-8 with BOM) or XLSX."""
        options = ExportOptionsSerializer(data=request.query_params)
        options.is_valid(raise_exception=True)
        content, content_type, filename = importing.export_records(
            actor=request.user,
            kind=self.file_kind,
            queryset=self.filter_queryset(self.get_queryset()),
            file_format=options.validated_data["format"],
            request=request,
        )
        return file_response(content, content_type=content_type, filename=filename)


class SimilarAction:
    """Records whose names look like the one typed: the warning against entering one customer twice."""

    find_similar: Callable[..., list]

    @extend_schema(parameters=[SimilarQuerySerializer], responses=DuplicateCandidateSerializer(many=True))
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def similar(self, request):
        """Records whose names look like `name` once legal-form suffixes are removed (as you type)."""
        query = SimilarQuerySerializer(data=request.query_params, context=self.get_serializer_context())
        query.is_valid(raise_exception=True)
        records = self.find_similar(
            user=request.user,
            company=chosen_company(request.user, query.validated_data.get("company")),
            name=query.validated_data["name"],
            exclude_id=query.validated_data.get("exclude"),
        )
        return Response(DuplicateCandidateSerializer(records, many=True).data)


# --- Reference data -------------------------------------------------------------------------


class CompanyViewSet(PreparedRecordResource):
    """Companies: each keeps its own items, partners, warehouses and numbering."""

    serializer_class = CompanySerializer
    visible = staticmethod(selectors.companies_visible_to)
    filterset_class = search_filter(Company, search=("code", "name", "tax_id"), fields=["active"])
    ordering_fields = ["code", "name", "id"]


class CurrencyViewSet(PreparedRecordResource):
    """Currencies, shared by every company."""

    serializer_class = CurrencySerializer
    visible = staticmethod(selectors.currencies_visible_to)
    filterset_class = search_filter(Currency, search=("code", "name"), fields=["active"])
    ordering_fields = ["code", "name", "id"]


class ExchangeRateViewSet(PreparedRecordResource):
    """Dated exchange rates: one unit of `currency` is worth `rate` units of `quote_currency`."""

    serializer_class = ExchangeRateSerializer
    visible = staticmethod(selectors.exchange_rates_visible_to)
    filterset_class = search_filter(
        ExchangeRate, search=("currency__code", "quote_currency__code"), fields=["currency", "quote_currency"]
    )
    ordering_fields = ["rate_date", "id"]


class UnitViewSet(PreparedRecordResource):
    """Units of measure, shared by every company."""

    serializer_class = UnitSerializer
    visible = staticmethod(selectors.units_visible_to)
    filterset_class = search_filter(UnitOfMeasure, search=("code", "name"), fields=["active"])
    ordering_fields = ["code", "name", "id"]


class UnitConversionViewSet(PreparedRecordResource):
    """Unit conversions: general ones, and an item's own (e.g. a box of 12 pieces)."""

    serializer_class = UnitConversionSerializer
    visible = staticmethod(selectors.unit_conversions_visible_to)
    filterset_class = search_filter(
        UnitConversion, search=("from_unit__code", "to_unit__code"), fields=["item", "from_unit", "to_unit"]
    )
    ordering_fields = ["id"]
    ordering = ["id"]  # the model has no default order: pages must not overlap


class TaxRateViewSet(PreparedRecordResource):
    """Tax rates (VAT 13 %, 9 %, 6 %, 0 %)."""

    serializer_class = TaxRateSerializer
    visible = staticmethod(selectors.tax_rates_visible_to)
    filterset_class = search_filter(TaxRate, search=("code", "name"), fields=["active"])
    ordering_fields = ["code", "rate", "id"]


class PaymentTermsViewSet(PreparedRecordResource):
    """Payment terms: when an invoice falls due."""

    serializer_class = PaymentTermsSerializer
    visible = staticmethod(selectors.payment_terms_visible_to)
    filterset_class = search_filter(PaymentTerms, search=("code", "name"), fields=["active"])
    ordering_fields = ["code", "due_days", "id"]


# --- Items ----------------------------------------------------------------------------------


class ItemCategoryViewSet(ActivationActions, PreparedRecordResource):
    """Item categories, a tree per company; `category` filters on items include the subcategories."""

    serializer_class = ItemCategorySerializer
    visible = staticmethod(selectors.categories_visible_to)
    filterset_class = filters.ItemCategoryFilter
    ordering_fields = ["code", "name", "path", "id"]
    action_permissions = changed_permissions("itemcategory")

    def save_record(self, record):
        return services.save_category(actor=self.request.user, category=record)


class ItemViewSet(ActivationActions, FileActions, SimilarAction, Resource):
    """Items: stock items, consumables and services, with their units, price, tax rate and reordering."""

    serializer_class = ItemSerializer
    visible = staticmethod(selectors.items_visible_to)
    find_similar = staticmethod(selectors.similar_items)
    filterset_class = filters.ItemFilter
    ordering_fields = ["code", "name", "item_type", "standard_price", "id"]
    file_kind = ImportBatch.Kind.ITEM
    action_permissions = {
        **changed_permissions("item"),
        "merge": ["masterdata.merge_item"],
        "import_file": ["masterdata.import_item"],
    }

    def perform_create(self, serializer):
        fields = dict(serializer.validated_data)
        company = fields.pop("company")
        serializer.instance = services.create_item(actor=self.request.user, company=company, **fields)

    def perform_update(self, serializer):
        fields = dict(serializer.validated_data)
        fields.pop("company", None)
        serializer.instance = services.update_item(actor=self.request.user, item=serializer.instance, **fields)

    @extend_schema(request=ItemMergeSerializer, responses=MergeRecordSerializer)
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        """Merge this item into `into`: every reference is repointed in one transaction, this one deactivated."""
        merged = self.get_object()
        payload = ItemMergeSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        record = services.merge_items(
            actor=request.user,
            merged=merged,
            kept=payload.validated_data["into"],
            reason=payload.validated_data["reason"],
        )
        return Response(MergeRecordSerializer(record).data)


# --- Partners -------------------------------------------------------------------------------

SAVED_PARTNER = OpenApiResponse(
    SavedPartnerSerializer, description=gettext_lazy("With the partners whose names look the same.")
)


@extend_schema_view(
    create=extend_schema(responses={201: SAVED_PARTNER}),
    update=extend_schema(responses={200: SAVED_PARTNER}),
    partial_update=extend_schema(responses={200: SAVED_PARTNER}),
)
class PartnerViewSet(ActivationActions, FileActions, SimilarAction, Resource):
    """Partners: customers and suppliers, with addresses and contacts.

    A salesperson sees the partners they own or were granted.
    """

    serializer_class = PartnerSerializer
    find_similar = staticmethod(selectors.similar_partners)
    filterset_class = filters.PartnerFilter
    ordering_fields = ["code", "name", "id"]
    file_kind = ImportBatch.Kind.PARTNER
    action_permissions = {
        **changed_permissions("partner"),
        "merge": ["masterdata.merge_partner"],
        "import_file": ["masterdata.import_partner"],
    }

    def get_queryset(self):
        return selectors.partners_visible_to(self.request.user).prefetch_related("addresses", "contacts")

    def create(self, request, *args, **kwargs):
        response = super().create(request, *args, **kwargs)
        return self._with_duplicates(response)

    def update(self, request, *args, **kwargs):
        response = super().update(request, *args, **kwargs)
        return self._with_duplicates(response)  # after the ETag, which covers the partner alone

    def _with_duplicates(self, response: Response) -> Response:
        partner = self.saved_partner
        candidates = selectors.similar_partners(
            user=self.request.user, company=partner.company, name=partner.name, exclude_id=partner.pk
        )
        response.data["duplicate_candidates"] = DuplicateCandidateSerializer(candidates, many=True).data
        return response

    def perform_create(self, serializer):
        fields = dict(serializer.validated_data)
        company = fields.pop("company")
        addresses, contacts = fields.pop("addresses", None), fields.pop("contacts", None)
        if "owner" not in fields and not self.request.user.has_perm(selectors.ACCESS_PARTNER):
            fields["owner"] = self.request.user  # else a clerk could not see the partner they just entered
        with transaction.atomic():
            partner = services.create_partner(actor=self.request.user, company=company, **fields)
            self._replace_people(partner, addresses=addresses, contacts=contacts)
        serializer.instance = self.saved_partner = partner

    def perform_update(self, serializer):
        fields = dict(serializer.validated_data)
        fields.pop("company", None)
        addresses, contacts = fields.pop("addresses", None), fields.pop("contacts", None)
        with transaction.atomic():
            partner = services.update_partner(actor=self.request.user, partner=serializer.instance, **fields)
            self._replace_people(partner, addresses=addresses, contacts=contacts)
        serializer.instance = self.saved_partner = partner

    def _replace_people(self, partner, *, addresses: list | None, contacts: list | None) -> None:
        if addresses is not None:
            services.replace_partner_addresses(actor=self.request.user, partner=partner, addresses=addresses)
        if contacts is not None:
            services.replace_partner_contacts(actor=self.request.user, partner=partner, contacts=contacts)

    @extend_schema(request=PartnerMergeSerializer, responses=MergeRecordSerializer)
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        """Merge this partner into `into`: every reference is repointed in one transaction, this one deactivated."""
        merged = self.get_object()
        payload = PartnerMergeSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        record = services.merge_partners(
            actor=request.user,
            merged=merged,
            kept=payload.validated_data["into"],
            reason=payload.validated_data["reason"],
        )
        return Response(MergeRecordSerializer(record).data)


# --- Warehouses and locations ---------------------------------------------------------------


class WarehouseViewSet(ActivationActions, FileActions, PreparedRecordResource):
    """Warehouses; a user sees those they were granted."""

    serializer_class = WarehouseSerializer
    visible = staticmethod(selectors.warehouses_visible_to)
    filterset_class = filters.WarehouseFilter
    ordering_fields = ["code", "name", "id"]
    file_kind = ImportBatch.Kind.WAREHOUSE
    action_permissions = {**changed_permissions("warehouse"), "import_file": ["masterdata.import_warehouse"]}

    def save_record(self, record):
        return services.save_warehouse(actor=self.request.user, warehouse=record)


class LocationViewSet(ActivationActions, FileActions, PreparedRecordResource):
    """Locations inside a warehouse: zones holding bins."""

    serializer_class = LocationSerializer
    visible = staticmethod(selectors.locations_visible_to)
    filterset_class = filters.LocationFilter
    ordering_fields = ["code", "name", "path", "id"]
    file_kind = ImportBatch.Kind.LOCATION
    action_permissions = {**changed_permissions("location"), "import_file": ["masterdata.import_warehouse"]}

    def save_record(self, record):
        return services.save_location(actor=self.request.user, location=record)


# --- Records of what was done ---------------------------------------------------------------


class MergeRecordViewSet(ReadOnlyResource):
    """Merges of duplicate partners and items: who merged which into which, why, and what was repointed."""

    serializer_class = MergeRecordSerializer
    visible = staticmethod(selectors.merge_records_visible_to)
    filterset_class = search_filter(
        MergeRecord, search=("merged_code", "kept_code", "reason"), fields=["kind", "company"]
    )
    ordering_fields = ["merged_at", "id"]


class ImportBatchViewSet(ReadOnlyResource):
    """Uploaded import files with their outcome."""

    serializer_class = ImportBatchSerializer
    visible = staticmethod(selectors.import_batches_visible_to)
    filterset_class = search_filter(ImportBatch, search=("filename",), fields=["kind", "status", "company"])
    ordering_fields = ["uploaded_at", "id"]
