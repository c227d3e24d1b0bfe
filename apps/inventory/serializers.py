"""The API's view of stock: documents with their lines, the ledger, balances, lots and reports.

Foreign keys are chosen among the rows the requesting user may see; rules and writes live in the
services, which report a wrong line as `lines.<n>.<field>`.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from apps.core.serializers import ScopedRelatedField, SourceType
from apps.masterdata.models import Company, Item, Location, Warehouse
from apps.masterdata.serializers import (
    MasterDataSerializer,
    SummarySerializer,
    UserSummarySerializer,
    VisibleRelatedField,
    summary,
)

from . import selectors
from .models import (
    Lot,
    StockAdjustment,
    StockAdjustmentLine,
    StockBalance,
    StockCount,
    StockCountLine,
    StockMove,
    StockTransfer,
    StockTransferLine,
)

MAX_LINES = 1000
QUANTITY = {"max_digits": 18, "decimal_places": 6}
AMOUNT = {"max_digits": 18, "decimal_places": 2}


def immutable(field: str, message: str) -> serializers.ValidationError:
    return serializers.ValidationError({field: [serializers.ErrorDetail(message, code="immutable")]})


class LotSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    number = serializers.CharField(read_only=True)
    expiry_date = serializers.DateField(read_only=True, allow_null=True)


class LocationSummarySerializer(SummarySerializer):
    """A location with its warehouse, for rows that cross warehouses (moves, transfers)."""

    warehouse = serializers.IntegerField(source="warehouse_id", read_only=True)
    warehouse_code = serializers.CharField(source="warehouse.code", read_only=True)


def lot_detail(source: str = "lot") -> LotSummarySerializer:
    return LotSummarySerializer(source=source, read_only=True, allow_null=True)


def visible_lot(**kwargs) -> ScopedRelatedField:
    return ScopedRelatedField(visible=selectors.lots_visible_to, **kwargs)


class DocumentSerializer(MasterDataSerializer):
    company_detail = summary("company")
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    created_by_detail = UserSummarySerializer(source="created_by", read_only=True)

    DOCUMENT_FIELDS = [
        "id",
        "number",
        "company",
        "company_detail",
        "status",
        "status_label",
        "document_date",
        "created_by_detail",
        "created_at",
        "modified_at",
    ]
    READ_ONLY = ["number", "company", "status", "created_at", "modified_at"]


def existing_line_id() -> serializers.IntegerField:
    return serializers.IntegerField(
        required=False, help_text=_("Give a line's id to change it in place; lines left out are removed.")
    )


# --- Adjustments --------------------------------------------------------------------------------


class AdjustmentLineSerializer(MasterDataSerializer):
    id = existing_line_id()
    item_detail = summary("item")
    location_detail = summary("location")

    class Meta:
        model = StockAdjustmentLine
        fields = [
            "id",
            "item",
            "item_detail",
            "location",
            "location_detail",
            "lot_number",
            "expiry_date",
            "quantity",
            "unit_cost",
            "value",
        ]
        read_only_fields = ["value"]
        extra_kwargs = {"unit_cost": {"min_value": 0}}


class AdjustmentListSerializer(DocumentSerializer):
    warehouse_detail = summary("warehouse")

    class Meta:
        model = StockAdjustment
        fields = [*DocumentSerializer.DOCUMENT_FIELDS, "warehouse", "warehouse_detail", "reason", "total_value"]
        read_only_fields = [*DocumentSerializer.READ_ONLY, "total_value"]


class AdjustmentSerializer(AdjustmentListSerializer):
    lines = AdjustmentLineSerializer(many=True, max_length=MAX_LINES)

    class Meta(AdjustmentListSerializer.Meta):
        fields = [*AdjustmentListSerializer.Meta.fields, "lines"]

    def validate(self, attrs):
        attrs = super().validate(attrs)
        warehouse = attrs.get("warehouse")
        if self.instance is not None and warehouse is not None and warehouse.pk != self.instance.warehouse_id:
            raise immutable("warehouse", _("An adjustment cannot move to another warehouse."))
        return attrs


# --- Transfers ----------------------------------------------------------------------------------


class TransferLineSerializer(MasterDataSerializer):
    id = existing_line_id()
    item_detail = summary("item")
    from_location_detail = LocationSummarySerializer(source="from_location", read_only=True)
    to_location_detail = LocationSummarySerializer(source="to_location", read_only=True)
    lot = visible_lot(required=False, allow_null=True, help_text=_("Required for a lot-tracked item."))
    lot_detail = lot_detail()

    class Meta:
        model = StockTransferLine
        fields = [
            "id",
            "item",
            "item_detail",
            "from_location",
            "from_location_detail",
            "to_location",
            "to_location_detail",
            "lot",
            "lot_detail",
            "quantity",
        ]


class TransferListSerializer(DocumentSerializer):
    from_warehouse_detail = summary("from_warehouse")
    to_warehouse_detail = summary("to_warehouse")
    crosses_warehouses = serializers.BooleanField(
        read_only=True, help_text=_("Between warehouses the stock travels through transit: complete ships, receive.")
    )

    class Meta:
        model = StockTransfer
        fields = [
            *DocumentSerializer.DOCUMENT_FIELDS,
            "from_warehouse",
            "from_warehouse_detail",
            "to_warehouse",
            "to_warehouse_detail",
            "crosses_warehouses",
            "shipped_date",
            "received_date",
            "note",
        ]
        read_only_fields = [*DocumentSerializer.READ_ONLY, "shipped_date", "received_date"]


class TransferSerializer(TransferListSerializer):
    lines = TransferLineSerializer(many=True, max_length=MAX_LINES)

    class Meta(TransferListSerializer.Meta):
        fields = [*TransferListSerializer.Meta.fields, "lines"]

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if self.instance is not None:
            for name in ("from_warehouse", "to_warehouse"):
                if name in attrs and attrs[name].pk != getattr(self.instance, f"{name}_id"):
                    raise immutable(name, _("A transfer's warehouses cannot change; cancel it and enter a new one."))
        return attrs


# --- Counts -------------------------------------------------------------------------------------


class CountLineSerializer(serializers.ModelSerializer):
    item_detail = summary("item")
    location_detail = summary("location")
    lot_detail = lot_detail()
    difference = serializers.DecimalField(**QUANTITY, read_only=True, allow_null=True)

    class Meta:
        model = StockCountLine
        fields = [
            "id",
            "item",
            "item_detail",
            "location",
            "location_detail",
            "lot",
            "lot_detail",
            "expected_quantity",
            "counted_quantity",
            "difference",
        ]
        read_only_fields = fields


class CountListSerializer(DocumentSerializer):
    warehouse_detail = summary("warehouse")

    class Meta:
        model = StockCount
        fields = [
            *DocumentSerializer.DOCUMENT_FIELDS,
            "warehouse",
            "warehouse_detail",
            "locations",
            "note",
            "started_at",
            "difference_value",
        ]
        read_only_fields = [*DocumentSerializer.READ_ONLY, "started_at", "difference_value"]
        extra_kwargs = {"locations": {"required": False}}


class CountSerializer(CountListSerializer):
    lines = CountLineSerializer(
        many=True, read_only=True, help_text=_("The expected quantities, recorded when counting starts.")
    )

    class Meta(CountListSerializer.Meta):
        fields = [*CountListSerializer.Meta.fields, "lines"]


class CountEntrySerializer(serializers.Serializer):
    """A counted quantity: for an expected line (`line`), or for stock found that was not expected."""

    line = serializers.IntegerField(required=False, min_value=1, help_text=_("An expected line of the count."))
    item = VisibleRelatedField(queryset=Item.objects.all(), required=False, help_text=_("Stock not expected."))
    location = VisibleRelatedField(queryset=Location.objects.all(), required=False)
    lot_number = serializers.CharField(max_length=60, required=False, allow_blank=True)
    expiry_date = serializers.DateField(required=False, allow_null=True)
    counted_quantity = serializers.DecimalField(**QUANTITY, min_value=0)

    def validate(self, attrs):
        if not attrs.get("line") and not (attrs.get("item") and attrs.get("location")):
            raise serializers.ValidationError(
                {"line": [serializers.ErrorDetail(_("Name the line, or the item and location."), code="required")]}
            )
        return attrs


class CountEntriesSerializer(serializers.Serializer):
    entries = CountEntrySerializer(many=True, allow_empty=False, max_length=10 * MAX_LINES)


# --- Actions ------------------------------------------------------------------------------------


class ReceiveSerializer(serializers.Serializer):
    received_date = serializers.DateField(required=False, help_text=_("Defaults to today."))


# --- Stock, ledger and lots ---------------------------------------------------------------------


class StockBalanceSerializer(serializers.ModelSerializer):
    item_detail = summary("item")
    warehouse_detail = summary("warehouse")
    location_detail = summary("location")
    lot_detail = lot_detail()
    available = serializers.DecimalField(**QUANTITY, read_only=True, help_text=_("On hand minus reserved."))

    class Meta:
        model = StockBalance
        fields = [
            "id",
            "company",
            "item",
            "item_detail",
            "warehouse",
            "warehouse_detail",
            "location",
            "location_detail",
            "lot",
            "lot_detail",
            "on_hand",
            "reserved",
            "available",
            "value",
        ]
        read_only_fields = fields


class StockMoveSerializer(SourceType, serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    item_detail = summary("item")
    from_location_detail = LocationSummarySerializer(source="from_location", read_only=True, allow_null=True)
    to_location_detail = LocationSummarySerializer(source="to_location", read_only=True, allow_null=True)
    lot_detail = lot_detail()
    source_type = serializers.SerializerMethodField(help_text=_("The source document's kind, as app_label.model"))
    posted_by_detail = UserSummarySerializer(source="posted_by", read_only=True)

    class Meta:
        model = StockMove
        fields = [
            "id",
            "kind",
            "kind_label",
            "move_date",
            "item",
            "item_detail",
            "from_location",
            "from_location_detail",
            "to_location",
            "to_location_detail",
            "lot",
            "lot_detail",
            "quantity",
            "unit_cost",
            "value",
            "source_type",
            "source_id",
            "source_number",
            "reverses",
            "posted_at",
            "posted_by_detail",
        ]
        read_only_fields = fields


class LotSerializer(serializers.ModelSerializer):
    item_detail = summary("item")

    class Meta:
        model = Lot
        fields = ["id", "company", "item", "item_detail", "number", "expiry_date", "created_at"]
        read_only_fields = fields


class LotTraceSerializer(serializers.Serializer):
    lot = LotSerializer(read_only=True)
    moves = StockMoveSerializer(many=True, read_only=True, help_text=_("From its receipt to every issue."))


# --- Reports ------------------------------------------------------------------------------------


class OnHandQuerySerializer(serializers.Serializer):
    as_of = serializers.DateField(required=False, help_text=_("End of this day; defaults to today."))
    warehouse = VisibleRelatedField(queryset=Warehouse.objects.all(), required=False)
    item = VisibleRelatedField(queryset=Item.objects.all(), required=False)


class OnHandRowSerializer(serializers.Serializer):
    item = serializers.IntegerField(source="item.pk", read_only=True)
    item_detail = SummarySerializer(source="item", read_only=True)
    location = serializers.IntegerField(source="location.pk", read_only=True)
    location_detail = LocationSummarySerializer(source="location", read_only=True)
    on_hand = serializers.DecimalField(**QUANTITY, read_only=True)


class ItemLedgerQuerySerializer(serializers.Serializer):
    item = VisibleRelatedField(queryset=Item.objects.all())
    warehouse = VisibleRelatedField(
        queryset=Warehouse.objects.all(), required=False, help_text=_("Leave out for every warehouse you may see.")
    )
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)

    def validate(self, attrs):
        if attrs.get("start") and attrs.get("end") and attrs["start"] > attrs["end"]:
            raise serializers.ValidationError(
                {"end": [serializers.ErrorDetail(_("The end is before the start."), code="invalid")]}
            )
        return attrs


class ItemLedgerLineSerializer(SourceType, serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    move_date = serializers.DateField(read_only=True)
    kind = serializers.CharField(read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    from_location_detail = LocationSummarySerializer(source="from_location", read_only=True, allow_null=True)
    to_location_detail = LocationSummarySerializer(source="to_location", read_only=True, allow_null=True)
    lot_detail = lot_detail()
    unit_cost = serializers.DecimalField(**QUANTITY, read_only=True)
    quantity_change = serializers.DecimalField(**QUANTITY, read_only=True, help_text=_("In positive, out negative."))
    value_change = serializers.DecimalField(**AMOUNT, read_only=True)
    running_quantity = serializers.DecimalField(**QUANTITY, read_only=True)
    running_value = serializers.DecimalField(**AMOUNT, read_only=True)
    source_type = serializers.SerializerMethodField()
    source_id = serializers.IntegerField(read_only=True)
    source_number = serializers.CharField(read_only=True)


class PageSerializer(serializers.Serializer):
    count = serializers.IntegerField(read_only=True)
    next = serializers.URLField(read_only=True, allow_null=True)
    previous = serializers.URLField(read_only=True, allow_null=True)


class ItemLedgerSerializer(PageSerializer):
    item = SummarySerializer(read_only=True)
    warehouse = serializers.IntegerField(read_only=True, allow_null=True)
    start = serializers.DateField(read_only=True, allow_null=True)
    end = serializers.DateField(read_only=True, allow_null=True)
    opening_quantity = serializers.DecimalField(**QUANTITY, read_only=True)
    opening_value = serializers.DecimalField(**AMOUNT, read_only=True)
    pending_events = serializers.IntegerField(
        read_only=True, help_text=_("Events of the company not yet posted to the books.")
    )
    results = ItemLedgerLineSerializer(many=True, read_only=True)


class CompanyQuerySerializer(serializers.Serializer):
    company = VisibleRelatedField(
        queryset=Company.objects.all(), required=False, help_text=_("Required unless you can see exactly one company.")
    )


class ValuationRowSerializer(serializers.Serializer):
    category = serializers.IntegerField(source="item__category_id", read_only=True, allow_null=True)
    category_name = serializers.CharField(source="item__category__name", read_only=True, allow_null=True)
    warehouse = serializers.IntegerField(source="warehouse_id", read_only=True)
    warehouse_code = serializers.CharField(source="warehouse__code", read_only=True)
    warehouse_name = serializers.CharField(source="warehouse__name", read_only=True)
    quantity = serializers.DecimalField(**QUANTITY, read_only=True)
    value = serializers.DecimalField(**AMOUNT, read_only=True)


class ValuationSerializer(serializers.Serializer):
    company = SummarySerializer(read_only=True)
    rows = ValuationRowSerializer(many=True, read_only=True)
    total_value = serializers.DecimalField(**AMOUNT, read_only=True)
    pending_events = serializers.IntegerField(
        read_only=True, help_text=_("Events of the company not yet posted to the books.")
    )


class ReorderRowSerializer(serializers.ModelSerializer):
    category_detail = summary("category")
    base_unit_detail = summary("base_unit")
    available = serializers.DecimalField(**QUANTITY, read_only=True)
    suggested_quantity = serializers.DecimalField(
        **QUANTITY, read_only=True, help_text=_("Up to the reorder point, at least the reorder quantity.")
    )

    class Meta:
        model = Item
        fields = [
            "id",
            "code",
            "name",
            "category",
            "category_detail",
            "base_unit",
            "base_unit_detail",
            "reorder_point",
            "reorder_quantity",
            "lead_time_days",
            "available",
            "suggested_quantity",
        ]
        read_only_fields = fields
