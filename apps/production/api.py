"""Production over REST: BOMs, work orders with their actions, material issues and outputs, read
through the warehouse-scoped selectors and changed only through the services."""

from django.db.models import Prefetch
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response

from apps.core.api import ErpModelViewSet, ErpReadOnlyViewSet, HistoryAction
from apps.core.serializers import CancelSerializer
from apps.inventory.api import DocumentResource, editable_lines, validated

from . import filters, selectors, services
from .models import BomLine, LotGenealogy, MaterialIssueLine, WorkOrderComponent
from .serializers import (
    BomListSerializer,
    BomSerializer,
    CostRollupSerializer,
    IssueInputSerializer,
    MaterialIssueListSerializer,
    MaterialIssueSerializer,
    OutputInputSerializer,
    ProductionOutputSerializer,
    WorkOrderListSerializer,
    WorkOrderSerializer,
)

CHANGE_WORK_ORDER = ["production.change_workorder"]
BOM_LINE_FIELDS = ("component", "quantity", "unit", "scrap_percent")


class BomViewSet(ErpModelViewSet):
    """Bills of materials: versions of what an item is made of (lines in any unit, kept in base units
    too), one active version per item, validity dates; a cycle is refused with its path named."""

    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_class = filters.BomFilter
    ordering_fields = ["version", "id", "modified_at"]
    ordering = ["item__code", "version"]
    action_permissions = {
        "activate": ["production.change_billofmaterials"],
        "deactivate": ["production.change_billofmaterials"],
    }

    def get_queryset(self):
        queryset = selectors.boms_visible_to(self.request.user)
        if self.action == "list":
            return queryset
        return queryset.prefetch_related(
            Prefetch("lines", BomLine.objects.select_related("component", "unit").order_by("id"))
        )

    def get_serializer_class(self):
        return BomListSerializer if self.action == "list" else BomSerializer

    def fresh(self, bom):
        return self.get_queryset().get(pk=bom.pk)

    def perform_create(self, serializer):
        data = serializer.validated_data
        bom = services.create_bom(
            actor=self.request.user,
            company=data["item"].company,
            item=data["item"],
            version=data["version"],
            output_quantity=data.get("output_quantity", 1),
            valid_from=data.get("valid_from"),
            valid_to=data.get("valid_to"),
            notes=data.get("notes", ""),
            lines=[dict(line) for line in data["lines"]],
            activate=data.get("activate", False),
        )
        serializer.instance = self.fresh(bom)

    def perform_update(self, serializer):
        data, bom = serializer.validated_data, serializer.instance
        lines = data.get("lines")
        if lines is None:
            lines = editable_lines(bom.lines.all(), BOM_LINE_FIELDS)
        saved = services.update_bom(
            actor=self.request.user,
            bom=bom,
            version=data.get("version", bom.version),
            output_quantity=data.get("output_quantity", bom.output_quantity),
            valid_from=data.get("valid_from", bom.valid_from),
            valid_to=data.get("valid_to", bom.valid_to),
            notes=data.get("notes", bom.notes),
            lines=[dict(line) for line in lines],
        )
        serializer.instance = self.fresh(saved)

    @extend_schema(request=None, responses=BomSerializer)
    @action(detail=True, methods=["post"])
    def activate(self, request, *args, **kwargs):
        """Make this version the item's active one (the previous one steps down)."""
        bom = services.activate_bom(actor=request.user, bom=self.get_object())
        return Response(BomSerializer(self.fresh(bom), context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses=BomSerializer)
    @action(detail=True, methods=["post"])
    def deactivate(self, request, *args, **kwargs):
        bom = services.deactivate_bom(actor=request.user, bom=self.get_object())
        return Response(BomSerializer(self.fresh(bom), context=self.get_serializer_context()).data)

    @extend_schema(responses=CostRollupSerializer)
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def cost(self, request, *args, **kwargs):
        """Material cost per unit at moving average, level by level."""
        return Response(CostRollupSerializer(selectors.cost_rollup(self.get_object())).data)


class WorkOrderViewSet(DocumentResource):
    """Work orders: draft → released (BOM frozen, components reserved) → in progress → done → closed,
    or cancelled (reservations released). Issue and output are actions that answer the new document."""

    serializer_class = WorkOrderSerializer
    list_serializer_class = WorkOrderListSerializer
    filterset_class = filters.WorkOrderFilter
    visible = staticmethod(selectors.work_orders_visible_to)
    line_prefetch = Prefetch("components", WorkOrderComponent.objects.select_related("item").order_by("id"))
    action_permissions = {
        "release": CHANGE_WORK_ORDER,
        "start": CHANGE_WORK_ORDER,
        "complete": CHANGE_WORK_ORDER,
        "close": CHANGE_WORK_ORDER,
        "cancel": CHANGE_WORK_ORDER,
        "issue": ["production.add_materialissue"],
        "output": ["production.add_productionoutput"],
    }

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "list":
            return queryset
        return queryset.prefetch_related("issues", "outputs")

    def perform_create(self, serializer):
        data = serializer.validated_data
        work_order = services.create_work_order(
            actor=self.request.user,
            company=data["warehouse"].company,
            item=data["item"],
            quantity=data["quantity"],
            due_date=data["due_date"],
            warehouse=data["warehouse"],
            sales_order_line=data.get("sales_order_line"),
            bom=data.get("bom"),
            backflush=data.get("backflush", False),
            output_location=data.get("output_location"),
            note=data.get("note", ""),
        )
        serializer.instance = self.fresh(work_order)

    def perform_update(self, serializer):
        data, work_order = serializer.validated_data, serializer.instance
        saved = services.update_work_order(
            actor=self.request.user,
            work_order=work_order,
            quantity=data.get("quantity", work_order.quantity),
            due_date=data.get("due_date", work_order.due_date),
            warehouse=data.get("warehouse", work_order.warehouse),
            bom=data.get("bom", work_order.bom),
            backflush=data.get("backflush", work_order.backflush),
            output_location=data.get("output_location", work_order.output_location),
            note=data.get("note", work_order.note),
        )
        serializer.instance = self.fresh(saved)

    @extend_schema(request=None, responses=WorkOrderSerializer)
    @action(detail=True, methods=["post"])
    def release(self, request, *args, **kwargs):
        """Freeze the active BOM version valid today and reserve the components."""
        return self.answer(services.release_work_order(actor=request.user, work_order=self.get_object()))

    @extend_schema(request=None, responses=WorkOrderSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request, *args, **kwargs):
        return self.answer(services.start_work_order(actor=request.user, work_order=self.get_object()))

    @extend_schema(request=None, responses=WorkOrderSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, *args, **kwargs):
        """Production ended: the reservations still held go back to stock."""
        return self.answer(services.complete_work_order(actor=request.user, work_order=self.get_object()))

    @extend_schema(request=None, responses=WorkOrderSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, *args, **kwargs):
        """Post what is left in WIP (issued cost − output value) to production variance."""
        return self.answer(services.close_work_order(actor=request.user, work_order=self.get_object()))

    @extend_schema(request=CancelSerializer, responses=WorkOrderSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, *args, **kwargs):
        work_order = services.cancel_work_order(
            actor=request.user, work_order=self.get_object(), reason=self.reason(request)
        )
        return self.answer(work_order)

    @extend_schema(request=IssueInputSerializer, responses={201: MaterialIssueSerializer})
    @action(detail=True, methods=["post"])
    def issue(self, request, *args, **kwargs):
        """Issue components to the order at moving-average cost (Dr WIP / Cr Inventory)."""
        work_order = self.get_object()  # out of scope is 404 before the body is looked at
        data = validated(IssueInputSerializer, request.data, self.get_serializer_context())
        issue = services.issue_materials(
            actor=request.user,
            work_order=work_order,
            lines=[
                services.IssueLine(line["item"], line["quantity"], line.get("from_location"), line.get("lot"))
                for line in data["lines"]
            ],
            posting_date=data.get("posting_date"),
            note=data.get("note", ""),
        )
        issue = MaterialIssueViewSet.read(request.user).get(pk=issue.pk)
        return Response(MaterialIssueSerializer(issue, context=self.get_serializer_context()).data, status=201)

    @extend_schema(request=OutputInputSerializer, responses={201: ProductionOutputSerializer})
    @action(detail=True, methods=["post"])
    def output(self, request, *args, **kwargs):
        """Report good and scrapped quantities; good ones enter stock at the order's cost per unit."""
        work_order = self.get_object()  # out of scope is 404 before the body is looked at
        data = validated(OutputInputSerializer, request.data, self.get_serializer_context())
        output = services.post_output(
            actor=request.user,
            work_order=work_order,
            quantity=data.get("quantity"),
            scrap_quantity=data.get("scrap_quantity") or 0,
            scrap_reason=data.get("scrap_reason", ""),
            lot_number=data.get("lot_number", ""),
            expiry_date=data.get("expiry_date"),
            location=data.get("location"),
            posting_date=data.get("posting_date"),
        )
        output = OutputViewSet.read(request.user).get(pk=output.pk)
        return Response(ProductionOutputSerializer(output, context=self.get_serializer_context()).data, status=201)


class MaterialIssueViewSet(HistoryAction, ErpReadOnlyViewSet):
    """Material issues (manual or backflushed), each line with its lot, location and cost."""

    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_class = filters.MaterialIssueFilter
    ordering_fields = ["document_date", "number", "id"]
    ordering = ["-document_date", "-id"]

    @staticmethod
    def read(user):
        return selectors.issues_visible_to(user).prefetch_related(
            Prefetch("lines", MaterialIssueLine.objects.select_related("item", "from_location", "lot"))
        )

    def get_queryset(self):
        return selectors.issues_visible_to(self.request.user) if self.action == "list" else self.read(self.request.user)

    def get_serializer_class(self):
        return MaterialIssueListSerializer if self.action == "list" else MaterialIssueSerializer


class OutputViewSet(HistoryAction, ErpReadOnlyViewSet):
    """Production outputs: good and scrapped quantities, the output lot and the component lots in it."""

    serializer_class = ProductionOutputSerializer
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_class = filters.ProductionOutputFilter
    ordering_fields = ["document_date", "number", "id"]
    ordering = ["-document_date", "-id"]

    @staticmethod
    def read(user):
        return selectors.outputs_visible_to(user).prefetch_related(
            Prefetch("genealogy", LotGenealogy.objects.select_related("component_lot__item"))
        )

    def get_queryset(self):
        return self.read(self.request.user)
