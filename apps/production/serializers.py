"""The API's view of production: BOMs with lines, work orders with components and their flow,
material issues and outputs. Foreign keys are chosen among the rows the user may see."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from apps.core.serializers import ScopedRelatedField
from apps.inventory.serializers import MAX_LINES, DocumentSerializer, lot_detail, visible_lot
from apps.masterdata.serializers import MasterDataSerializer, summary
from apps.sales.models import SalesOrderLine
from apps.sales.selectors import orders_visible_to

from . import selectors
from .models import (
    BillOfMaterials,
    BomLine,
    MaterialIssue,
    MaterialIssueLine,
    ProductionOutput,
    WorkOrder,
    WorkOrderComponent,
)

QUANTITY = {"max_digits": 18, "decimal_places": 6}


def sales_order_lines_visible_to(user):
    return SalesOrderLine.objects.filter(order__in=orders_visible_to(user))


class BomLineSerializer(MasterDataSerializer):
    component_detail = summary("component")
    unit_code = serializers.CharField(source="unit.code", read_only=True)

    class Meta:
        model = BomLine
        fields = [
            "id",
            "component",
            "component_detail",
            "quantity",
            "unit",
            "unit_code",
            "base_quantity",
            "scrap_percent",
        ]
        read_only_fields = ["id", "base_quantity"]
        extra_kwargs = {"unit": {"required": False}}


class BomListSerializer(MasterDataSerializer):
    company_detail = summary("company")
    item_detail = summary("item")

    class Meta:
        model = BillOfMaterials
        fields = [
            "id",
            "company",
            "company_detail",
            "item",
            "item_detail",
            "version",
            "output_quantity",
            "valid_from",
            "valid_to",
            "is_active",
            "notes",
            "created_at",
            "modified_at",
        ]
        read_only_fields = ["company", "is_active", "created_at", "modified_at"]


class BomSerializer(BomListSerializer):
    lines = BomLineSerializer(many=True, max_length=MAX_LINES)
    activate = serializers.BooleanField(
        write_only=True, required=False, default=False, help_text=_("Make this version the item's active one")
    )

    class Meta(BomListSerializer.Meta):
        fields = [*BomListSerializer.Meta.fields, "lines", "activate"]


class CostRowSerializer(serializers.Serializer):
    level = serializers.IntegerField()
    item = serializers.IntegerField(source="item_id")
    code = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.CharField()
    quantity_per_unit = serializers.DecimalField(**QUANTITY)
    average_cost = serializers.DecimalField(**QUANTITY)
    material_cost = serializers.DecimalField(max_digits=18, decimal_places=2)
    rolled_cost = serializers.DecimalField(max_digits=18, decimal_places=2)
    has_bom = serializers.BooleanField()


class CostRollupSerializer(serializers.Serializer):
    material_cost = serializers.DecimalField(
        max_digits=18, decimal_places=2, help_text=_("Level-one components at moving average, per unit")
    )
    rolled_cost = serializers.DecimalField(
        max_digits=18, decimal_places=2, help_text=_("Made components rolled up from their own BOMs, per unit")
    )
    rows = CostRowSerializer(many=True, source="flat")


class ComponentSerializer(serializers.ModelSerializer):
    item_detail = summary("item")
    open_quantity = serializers.DecimalField(read_only=True, **QUANTITY)
    shortage = serializers.DecimalField(read_only=True, **QUANTITY)

    class Meta:
        model = WorkOrderComponent
        fields = [
            "id",
            "item",
            "item_detail",
            "required_quantity",
            "reserved_quantity",
            "issued_quantity",
            "issued_value",
            "open_quantity",
            "shortage",
        ]
        read_only_fields = fields


class DocumentLinkSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    status = serializers.CharField()


class WorkOrderListSerializer(DocumentSerializer):
    item_detail = summary("item")
    warehouse_detail = summary("warehouse")
    bom = ScopedRelatedField(visible=selectors.boms_visible_to, required=False, allow_null=True)
    sales_order_line = ScopedRelatedField(visible=sales_order_lines_visible_to, required=False, allow_null=True)

    class Meta:
        model = WorkOrder
        fields = [
            *DocumentSerializer.DOCUMENT_FIELDS,
            "item",
            "item_detail",
            "quantity",
            "bom",
            "warehouse",
            "warehouse_detail",
            "output_location",
            "due_date",
            "source",
            "sales_order_line",
            "backflush",
            "released_at",
            "output_quantity",
            "scrap_quantity",
            "issued_cost",
            "output_value",
            "variance",
            "note",
        ]
        read_only_fields = [
            *DocumentSerializer.READ_ONLY,
            "document_date",
            "source",
            "released_at",
            "output_quantity",
            "scrap_quantity",
            "issued_cost",
            "output_value",
            "variance",
        ]


class WorkOrderSerializer(WorkOrderListSerializer):
    components = ComponentSerializer(many=True, read_only=True)
    issues = DocumentLinkSerializer(many=True, read_only=True)
    outputs = DocumentLinkSerializer(many=True, read_only=True)

    class Meta(WorkOrderListSerializer.Meta):
        fields = [*WorkOrderListSerializer.Meta.fields, "components", "issues", "outputs"]

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if self.instance is not None and "item" in attrs and attrs["item"].pk != self.instance.item_id:
            raise serializers.ValidationError({"item": [_("A work order's item cannot change.")]})
        return attrs


class IssueLineInputSerializer(MasterDataSerializer):
    lot = visible_lot(required=False, allow_null=True, help_text=_("Required for a lot-tracked component"))

    class Meta:
        model = MaterialIssueLine
        fields = ["item", "quantity", "from_location", "lot"]
        extra_kwargs = {
            "from_location": {
                "required": False,
                "allow_null": True,
                "help_text": _("Empty: where the component is reserved"),
            }
        }


class IssueInputSerializer(serializers.Serializer):
    lines = IssueLineInputSerializer(many=True, max_length=MAX_LINES)
    posting_date = serializers.DateField(required=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=200)


class OutputInputSerializer(MasterDataSerializer):
    lot_number = serializers.CharField(required=False, allow_blank=True, max_length=60)
    expiry_date = serializers.DateField(required=False, allow_null=True)

    class Meta:
        model = ProductionOutput
        fields = ["quantity", "scrap_quantity", "scrap_reason", "lot_number", "expiry_date", "location", "posting_date"]
        extra_kwargs = {"location": {"required": False, "allow_null": True}, "posting_date": {"required": False}}


class IssueLineSerializer(serializers.ModelSerializer):
    item_detail = summary("item")
    from_location_detail = summary("from_location")
    lot_detail = lot_detail()

    class Meta:
        model = MaterialIssueLine
        fields = [
            "id",
            "item",
            "item_detail",
            "quantity",
            "from_location",
            "from_location_detail",
            "lot",
            "lot_detail",
            "unit_cost",
            "value",
        ]
        read_only_fields = fields


class MaterialIssueListSerializer(DocumentSerializer):
    work_order_number = serializers.CharField(source="work_order.number", read_only=True)
    warehouse_detail = summary("warehouse")

    class Meta:
        model = MaterialIssue
        fields = [
            *DocumentSerializer.DOCUMENT_FIELDS,
            "work_order",
            "work_order_number",
            "warehouse",
            "warehouse_detail",
            "posting_date",
            "backflushed",
            "total_value",
            "note",
        ]
        read_only_fields = fields


class MaterialIssueSerializer(MaterialIssueListSerializer):
    lines = IssueLineSerializer(many=True, read_only=True)

    class Meta(MaterialIssueListSerializer.Meta):
        fields = [*MaterialIssueListSerializer.Meta.fields, "lines"]
        read_only_fields = fields


class GenealogySerializer(serializers.Serializer):
    component_lot = serializers.IntegerField(source="component_lot_id")
    component_lot_number = serializers.CharField(source="component_lot.number")
    component_item = serializers.CharField(source="component_lot.item.code")
    quantity = serializers.DecimalField(**QUANTITY)


class ProductionOutputSerializer(DocumentSerializer):
    work_order_number = serializers.CharField(source="work_order.number", read_only=True)
    item_detail = summary("item")
    location_detail = summary("location")
    lot_detail = lot_detail()
    genealogy = GenealogySerializer(many=True, read_only=True)

    class Meta:
        model = ProductionOutput
        fields = [
            *DocumentSerializer.DOCUMENT_FIELDS,
            "work_order",
            "work_order_number",
            "item",
            "item_detail",
            "warehouse",
            "location",
            "location_detail",
            "quantity",
            "scrap_quantity",
            "scrap_reason",
            "lot",
            "lot_detail",
            "posting_date",
            "unit_cost",
            "value",
            "genealogy",
        ]
        read_only_fields = fields
