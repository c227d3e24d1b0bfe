"""The API's view of planning: runs with their progress, planned orders with their pegging, and the
bodies of starting a run and converting planned orders."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from apps.core.serializers import ScopedRelatedField
from apps.inventory.serializers import QUANTITY
from apps.masterdata.models import Company, Warehouse
from apps.masterdata.serializers import SummarySerializer, UserSummarySerializer, VisibleRelatedField, summary

from . import selectors
from .models import MrpRun, Pegging, PlannedOrder
from .services import MAX_HORIZON_DAYS, check_conversion_size


class RunProgressSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = MrpRun
        fields = [
            "id",
            "status",
            "status_label",
            "progress_percent",
            "progress_message",
            "started_at",
            "finished_at",
            "as_of",
            "error",
        ]
        read_only_fields = fields


class RunSerializer(RunProgressSerializer):
    requested_by = UserSummarySerializer(read_only=True)
    reorder_warehouse_detail = summary("reorder_warehouse")

    class Meta:
        model = MrpRun
        fields = [
            "id",
            "company",
            "requested_by",
            "requested_at",
            "horizon_days",
            "reorder_warehouse",
            "reorder_warehouse_detail",
            *RunProgressSerializer.Meta.fields[1:],
            "plan_date",
            "purchase_count",
            "production_count",
        ]
        read_only_fields = fields


class StartRunSerializer(serializers.Serializer):
    company = VisibleRelatedField(queryset=Company.objects.all(), required=False)
    horizon_days = serializers.IntegerField(
        min_value=1, max_value=MAX_HORIZON_DAYS, help_text=_("Plan the demand due within this many days.")
    )
    reorder_warehouse = VisibleRelatedField(
        queryset=Warehouse.objects.all(),
        required=False,
        help_text=_("Where stock is kept at the items' reorder points; defaults to the company's first warehouse."),
    )


class PlannedDocumentSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    number = serializers.CharField(read_only=True)
    status = serializers.CharField(read_only=True)


class PeggingSerializer(serializers.ModelSerializer):
    demand_label = serializers.CharField(source="get_demand_display", read_only=True)
    sales_order = serializers.SerializerMethodField(help_text=_("The sales order of the line, if the demand is one"))
    work_order = serializers.SerializerMethodField(help_text=_("The work order whose component or BOM needs it"))

    class Meta:
        model = Pegging
        fields = [
            "id",
            "demand",
            "demand_label",
            "demand_date",
            "quantity",
            "sales_order_line",
            "sales_order",
            "work_order_component",
            "work_order",
            "parent",
        ]
        read_only_fields = fields

    def get_sales_order(self, pegging) -> dict | None:
        line = pegging.sales_order_line
        return PlannedDocumentSerializer(line.order).data if line else None

    def get_work_order(self, pegging) -> dict | None:
        component = pegging.work_order_component
        work_order = component.work_order if component else pegging.work_order
        return PlannedDocumentSerializer(work_order).data if work_order else None


class PlannedOrderSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    item_detail = summary("item")
    warehouse_detail = summary("warehouse")
    supplier_detail = SummarySerializer(source="supplier", read_only=True, allow_null=True)
    requisition = serializers.SerializerMethodField(help_text=_("The draft requisition it was converted into"))
    work_order_detail = PlannedDocumentSerializer(source="work_order", read_only=True, allow_null=True)
    quantity = serializers.DecimalField(**QUANTITY, read_only=True)

    class Meta:
        model = PlannedOrder
        fields = [
            "id",
            "run",
            "company",
            "kind",
            "kind_label",
            "status",
            "status_label",
            "item",
            "item_detail",
            "quantity",
            "warehouse",
            "warehouse_detail",
            "need_date",
            "start_date",
            "level",
            "supplier",
            "supplier_detail",
            "bom",
            "requisition_line",
            "requisition",
            "work_order",
            "work_order_detail",
            "converted_at",
            "converted_by",
        ]
        read_only_fields = fields

    def get_requisition(self, order) -> dict | None:
        line = order.requisition_line
        return PlannedDocumentSerializer(line.requisition).data if line else None


class PlannedOrderDetailSerializer(PlannedOrderSerializer):
    peggings = serializers.SerializerMethodField(help_text=_("The demand this order answers, oldest first"))

    class Meta(PlannedOrderSerializer.Meta):
        fields = [*PlannedOrderSerializer.Meta.fields, "peggings"]
        read_only_fields = fields

    def get_peggings(self, order) -> list[dict]:
        return PeggingSerializer(selectors.peggings_of(order), many=True).data


class ConvertPlannedOrdersSerializer(serializers.Serializer):
    planned_orders = ScopedRelatedField(
        visible=selectors.planned_orders_visible_to,
        many=True,
        help_text=_("The planned orders to convert, all from the company's latest run."),
    )
    document_date = serializers.DateField(required=False, help_text=_("Of the requisitions; defaults to today."))

    def to_internal_value(self, data):
        # Counted before each id is looked up, so an oversized list costs no queries.
        ids = data.get("planned_orders") if hasattr(data, "get") else None
        if isinstance(ids, list):
            check_conversion_size(len(ids))
        return super().to_internal_value(data)


class PlanConversionSerializer(serializers.Serializer):
    requisitions = PlannedDocumentSerializer(many=True, read_only=True)
    work_orders = PlannedDocumentSerializer(many=True, read_only=True)
