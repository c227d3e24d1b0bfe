"""The API's view of master data: input shape, foreign keys chosen among the rows the user may see,
and output with a short summary of each related record. Rules and writes live in services."""

import copy

from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from apps.core.api import ErrorSerializer

from . import selectors
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


def _active_users(user):
    return get_user_model().objects.filter(is_active=True)


VISIBLE_ROWS = {
    Company: selectors.companies_visible_to,
    Currency: selectors.currencies_visible_to,
    UnitOfMeasure: selectors.units_visible_to,
    TaxRate: selectors.tax_rates_visible_to,
    PaymentTerms: selectors.payment_terms_visible_to,
    ItemCategory: selectors.categories_visible_to,
    Item: selectors.items_visible_to,
    Partner: selectors.partners_visible_to,
    Warehouse: selectors.warehouses_visible_to,
    Location: selectors.locations_visible_to,
    get_user_model(): _active_users,
}


class VisibleRelatedField(serializers.PrimaryKeyRelatedField):
    """A foreign key written by id, chosen among the rows the requesting user may see.

    A row outside the user's scope reads exactly like a missing one, so its existence does not leak.
    """

    def get_queryset(self):
        return VISIBLE_ROWS[self.queryset.model](self.context["request"].user)


def not_found(pk) -> serializers.ValidationError:
    """The error a foreign key gets for a row the user may not use here: the same as for a missing row."""
    message = VisibleRelatedField.default_error_messages["does_not_exist"].format(pk_value=pk)
    return serializers.ValidationError(message, code="does_not_exist")


def chosen_company(user, company: Company | None) -> Company:
    """The company named in the input, else the user's only company."""
    company = company or selectors.default_company_for(user)
    if company is None:
        raise serializers.ValidationError(
            {"company": [serializers.ErrorDetail(_("Choose the company."), code="required")]}
        )
    return company


class NullableLikeItsForeignKey:
    """A nested summary of a foreign key is null, and documented as such, when the foreign key may be empty."""

    def bind(self, field_name: str, parent) -> None:
        super().bind(field_name, parent)
        model = getattr(getattr(parent, "Meta", None), "model", None)
        if model is None or "." in self.source:
            return
        try:
            self.allow_null = self.allow_null or model._meta.get_field(self.source).null
        except FieldDoesNotExist:
            return


class SummarySerializer(NullableLikeItsForeignKey, serializers.Serializer):
    """A related record in a response: enough to show it without fetching it."""

    id = serializers.IntegerField(read_only=True)
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)


class UserSummarySerializer(NullableLikeItsForeignKey, serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
    name = serializers.CharField(source="get_full_name", read_only=True)


def summary(source: str) -> SummarySerializer:
    return SummarySerializer(source=source, read_only=True)


class MasterDataSerializer(serializers.ModelSerializer):
    serializer_related_field = VisibleRelatedField

    def get_fields(self):
        """The fields ModelSerializer builds from the model and Meta, built once per serializer class and copied
        for each serializer, as DRF copies the declared ones: building a document's takes milliseconds, on
        every request. Overrides adjust their own copy."""
        built = type(self).__dict__.get("_built_fields")
        if built is None:
            built = super().get_fields()
            type(self)._built_fields = built
        return copy.deepcopy(built)

    @property
    def user(self):
        return self.context["request"].user


class CompanyOwnedSerializer(MasterDataSerializer):
    """A record of one company: the company is set on create (defaulting to the user's only company)
    and never changes; related records named by id must belong to the same company."""

    company_detail = summary("company")
    same_company_fields: tuple[str, ...] = ()

    def get_fields(self):
        fields = super().get_fields()
        fields["company"].required = False
        fields["company"].help_text = _("Required unless you can see exactly one company; cannot change later.")
        return fields

    def validate(self, attrs):
        attrs = super().validate(attrs)
        company = attrs.get("company")
        if self.instance is None:
            company = attrs["company"] = chosen_company(self.user, company)
        elif company is not None and company.pk != self.instance.company_id:
            raise serializers.ValidationError(
                {"company": [serializers.ErrorDetail(_("A record cannot move to another company."), code="immutable")]}
            )
        company_id = company.pk if company is not None else self.instance.company_id
        errors = {
            name: not_found(attrs[name].pk).detail
            for name in self.same_company_fields
            if attrs.get(name) is not None and attrs[name].company_id != company_id
        }
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


# --- Reference data -------------------------------------------------------------------------


class CurrencySerializer(MasterDataSerializer):
    class Meta:
        model = Currency
        fields = ["id", "code", "name", "symbol", "decimal_places", "active"]
        extra_kwargs = {"decimal_places": {"max_value": 4}}


class ExchangeRateSerializer(MasterDataSerializer):
    currency_detail = summary("currency")
    quote_currency_detail = summary("quote_currency")

    class Meta:
        model = ExchangeRate
        fields = ["id", "currency", "currency_detail", "quote_currency", "quote_currency_detail", "rate_date", "rate"]

    def validate_rate(self, value):
        if value <= 0:
            raise serializers.ValidationError(_("The rate must be greater than zero."), code="min_value")
        return value

    def validate(self, attrs):
        attrs = super().validate(attrs)
        currency = attrs.get("currency", getattr(self.instance, "currency", None))
        if currency is not None and currency == attrs.get(
            "quote_currency", getattr(self.instance, "quote_currency", None)
        ):
            raise serializers.ValidationError(
                {"quote_currency": [_("Quote a currency against another currency.")]}, code="invalid"
            )
        return attrs


class UnitSerializer(MasterDataSerializer):
    class Meta:
        model = UnitOfMeasure
        fields = ["id", "code", "name", "active"]


class UnitConversionSerializer(MasterDataSerializer):
    item_detail = summary("item")
    from_unit_detail = summary("from_unit")
    to_unit_detail = summary("to_unit")

    class Meta:
        model = UnitConversion
        fields = ["id", "item", "item_detail", "from_unit", "from_unit_detail", "to_unit", "to_unit_detail", "factor"]

    def validate_factor(self, value):
        if value <= 0:
            raise serializers.ValidationError(_("The conversion factor must be greater than zero."), code="min_value")
        return value

    def validate(self, attrs):
        attrs = super().validate(attrs)
        from_unit = attrs.get("from_unit", getattr(self.instance, "from_unit", None))
        if from_unit is not None and from_unit == attrs.get("to_unit", getattr(self.instance, "to_unit", None)):
            raise serializers.ValidationError({"to_unit": [_("Convert between two different units.")]}, code="invalid")
        return attrs


class TaxRateSerializer(MasterDataSerializer):
    class Meta:
        model = TaxRate
        fields = ["id", "code", "name", "rate", "active"]
        extra_kwargs = {"rate": {"min_value": 0, "max_value": 100}}


class PaymentTermsSerializer(MasterDataSerializer):
    class Meta:
        model = PaymentTerms
        fields = ["id", "code", "name", "due_days", "active"]


class CompanySerializer(MasterDataSerializer):
    base_currency_detail = summary("base_currency")

    class Meta:
        model = Company
        fields = ["id", "code", "name", "base_currency", "base_currency_detail", "tax_id", "address", "phone", "active"]


# --- Items and categories -------------------------------------------------------------------


class ItemCategorySerializer(CompanyOwnedSerializer):
    parent_detail = summary("parent")
    same_company_fields = ("parent",)

    class Meta:
        model = ItemCategory
        fields = ["id", "company", "company_detail", "code", "name", "parent", "parent_detail", "path", "active"]
        read_only_fields = ["path", "active"]
        validators = []  # uniqueness is checked by the service, after it normalises the code


class ItemSerializer(CompanyOwnedSerializer):
    category_detail = summary("category")
    base_unit_detail = summary("base_unit")
    purchase_unit_detail = summary("purchase_unit")
    sales_unit_detail = summary("sales_unit")
    tax_rate_detail = summary("tax_rate")
    purchase_factor = serializers.DecimalField(
        max_digits=18,
        decimal_places=6,
        required=False,
        write_only=True,
        help_text=_("How many base units make one purchase unit, when no conversion is known yet."),
    )
    sales_factor = serializers.DecimalField(
        max_digits=18,
        decimal_places=6,
        required=False,
        write_only=True,
        help_text=_("How many base units make one sales unit, when no conversion is known yet."),
    )
    same_company_fields = ("category",)

    class Meta:
        model = Item
        fields = [
            "id",
            "company",
            "company_detail",
            "code",
            "name",
            "item_type",
            "category",
            "category_detail",
            "base_unit",
            "base_unit_detail",
            "purchase_unit",
            "purchase_unit_detail",
            "purchase_factor",
            "sales_unit",
            "sales_unit_detail",
            "sales_factor",
            "standard_price",
            "tax_rate",
            "tax_rate_detail",
            "reorder_point",
            "reorder_quantity",
            "lead_time_days",
            "barcode",
            "lot_tracked",
            "description",
            "active",
        ]
        read_only_fields = ["active"]
        validators = []  # uniqueness is checked by the service, after it normalises the code
        extra_kwargs = {
            "code": {"required": False, "allow_blank": True, "help_text": _("Left blank, the next item code.")},
            "standard_price": {"min_value": 0},
            "reorder_point": {"min_value": 0},
            "reorder_quantity": {"min_value": 0},
        }


# --- Partners -------------------------------------------------------------------------------


class PartnerAddressSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(required=False, help_text=_("Give the id to change an address in place."))

    class Meta:
        model = PartnerAddress
        fields = ["id", "kind", "line", "city", "province", "postal_code", "country", "is_default"]


class PartnerContactSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(required=False, help_text=_("Give the id to change a contact in place."))

    class Meta:
        model = PartnerContact
        fields = ["id", "name", "title", "phone", "email", "is_primary"]


class PartnerSerializer(CompanyOwnedSerializer):
    payment_terms_detail = summary("payment_terms")
    currency_detail = summary("currency")
    owner_detail = UserSummarySerializer(source="owner", read_only=True)
    addresses = PartnerAddressSerializer(
        many=True, required=False, help_text=_("When given, the partner's addresses become exactly these.")
    )
    contacts = PartnerContactSerializer(
        many=True, required=False, help_text=_("When given, the partner's contacts become exactly these.")
    )

    class Meta:
        model = Partner
        fields = [
            "id",
            "company",
            "company_detail",
            "code",
            "name",
            "is_customer",
            "is_supplier",
            "tax_id_kind",
            "tax_id",
            "payment_terms",
            "payment_terms_detail",
            "credit_limit",
            "currency",
            "currency_detail",
            "owner",
            "owner_detail",
            "phone",
            "email",
            "notes",
            "active",
            "addresses",
            "contacts",
        ]
        read_only_fields = ["active"]
        validators = []  # uniqueness and the tax ID are checked by the service, after it normalises them
        extra_kwargs = {
            "code": {"required": False, "allow_blank": True, "help_text": _("Left blank, the next partner code.")},
            "credit_limit": {"min_value": 0},
        }

    def validate(self, attrs):
        attrs = super().validate(attrs)
        owner = attrs.get("owner")
        company = attrs.get("company") or self.instance.company
        if owner is not None and not selectors.companies_visible_to(owner).filter(pk=company.pk).exists():
            raise serializers.ValidationError({"owner": not_found(owner.pk).detail})
        return attrs


class DuplicateCandidateSerializer(serializers.Serializer):
    """A record whose name looks like the one entered: maybe the same customer entered twice."""

    id = serializers.IntegerField(read_only=True)
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    active = serializers.BooleanField(read_only=True)


class SavedPartnerSerializer(PartnerSerializer):
    """A partner as created or changed, with the partners whose names look the same."""

    duplicate_candidates = DuplicateCandidateSerializer(many=True, read_only=True)

    class Meta(PartnerSerializer.Meta):
        fields = [*PartnerSerializer.Meta.fields, "duplicate_candidates"]


# --- Warehouses and locations ---------------------------------------------------------------


class WarehouseSerializer(CompanyOwnedSerializer):
    class Meta:
        model = Warehouse
        fields = ["id", "company", "company_detail", "code", "name", "address", "active"]
        read_only_fields = ["active"]
        validators = []  # uniqueness is checked on save, after the code is normalised


class LocationSerializer(MasterDataSerializer):
    warehouse_detail = summary("warehouse")
    parent_detail = summary("parent")

    class Meta:
        model = Location
        fields = [
            "id",
            "warehouse",
            "warehouse_detail",
            "parent",
            "parent_detail",
            "kind",
            "code",
            "name",
            "path",
            "active",
        ]
        read_only_fields = ["path", "active"]
        validators = []  # uniqueness is checked on save, after the code is normalised
        extra_kwargs = {"warehouse": {"help_text": _("Set on create; a location never moves to another warehouse.")}}

    def validate(self, attrs):
        attrs = super().validate(attrs)
        warehouse = attrs.get("warehouse")
        if self.instance is not None and warehouse is not None and warehouse.pk != self.instance.warehouse_id:
            raise serializers.ValidationError(
                {
                    "warehouse": [
                        serializers.ErrorDetail(_("A location cannot move to another warehouse."), code="immutable")
                    ]
                }
            )
        return attrs


# --- Actions --------------------------------------------------------------------------------


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", help_text=_("Kept in the history."))


class MergeSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text=_("Why the two records are one; kept with the merge."))


class PartnerMergeSerializer(MergeSerializer):
    into = VisibleRelatedField(queryset=Partner.objects.all(), help_text=_("The partner that is kept."))


class ItemMergeSerializer(MergeSerializer):
    into = VisibleRelatedField(queryset=Item.objects.all(), help_text=_("The item that is kept."))


class SimilarQuerySerializer(serializers.Serializer):
    name = serializers.CharField(help_text=_("The name as typed so far."))
    company = VisibleRelatedField(
        queryset=Company.objects.all(),
        required=False,
        help_text=_("Required unless you can see exactly one company."),
    )
    exclude = serializers.IntegerField(required=False, help_text=_("The record being edited, left out."))


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=_("CSV (UTF-8, UTF-8 with BOM or GBK) or XLSX."))
    company = VisibleRelatedField(
        queryset=Company.objects.all(),
        required=False,
        help_text=_("Required unless you can see exactly one company."),
    )


class ImportOptionsSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField(
        required=False, default=True, help_text=_("true (default): check and preview only; false: write all rows.")
    )


class ExportOptionsSerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=["csv", "xlsx"], required=False, default="csv")


class RowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(read_only=True, help_text=_("The row number in the file (the header is row 1)."))
    column = serializers.CharField(read_only=True)
    message = serializers.CharField(read_only=True)
    code = serializers.CharField(read_only=True)


class ImportReportSerializer(serializers.Serializer):
    kind = serializers.CharField(read_only=True)
    rows = serializers.IntegerField(read_only=True)
    created = serializers.IntegerField(read_only=True)
    updated = serializers.IntegerField(read_only=True)
    committed = serializers.BooleanField(read_only=True)
    errors = RowErrorSerializer(many=True, read_only=True)
    preview = serializers.ListField(child=serializers.DictField(), read_only=True)


class ImportRejectionSerializer(ErrorSerializer):
    details = ImportReportSerializer(required=False)


class ImportRejectedSerializer(serializers.Serializer):
    """The error answer of an import: nothing was written; the report says which rows are wrong."""

    error = ImportRejectionSerializer()


class MergeRecordSerializer(serializers.ModelSerializer):
    merged_by_detail = UserSummarySerializer(source="merged_by", read_only=True)

    class Meta:
        model = MergeRecord
        fields = [
            "id",
            "company",
            "kind",
            "merged_id",
            "merged_code",
            "kept_id",
            "kept_code",
            "reason",
            "references",
            "merged_by",
            "merged_by_detail",
            "merged_at",
        ]
        read_only_fields = fields


class ImportBatchSerializer(serializers.ModelSerializer):
    uploaded_by_detail = UserSummarySerializer(source="uploaded_by", read_only=True)

    class Meta:
        model = ImportBatch
        fields = [
            "id",
            "company",
            "kind",
            "filename",
            "status",
            "summary",
            "uploaded_by",
            "uploaded_by_detail",
            "uploaded_at",
            "committed_at",
        ]
        read_only_fields = fields
