"""Stock over REST: documents read through their warehouse-scoped selectors and change only through
the services; the ledger, balances, lots and reports are read-only views of the same selectors."""

from collections.abc import Callable
from decimal import Decimal

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response

from apps.core.api import ErpModelViewSet, ErpReadOnlyViewSet, ErpViewMixin, HistoryAction
from apps.core.money import round_amount
from apps.core.serializers import CancelSerializer
from apps.finance.selectors import pending_event_count
from apps.masterdata.models import Item
from apps.masterdata.selectors import locations_visible_to
from apps.masterdata.serializers import chosen_company

from . import filters, selectors, services
from .models import StockAdjustmentLine, StockBalance, StockCountLine, StockTransferLine
from .serializers import (
    AdjustmentListSerializer,
    AdjustmentSerializer,
    CompanyQuerySerializer,
    CountEntriesSerializer,
    CountListSerializer,
    CountSerializer,
    ItemLedgerQuerySerializer,
    ItemLedgerSerializer,
    LotSerializer,
    LotTraceSerializer,
    OnHandQuerySerializer,
    OnHandRowSerializer,
    ReceiveSerializer,
    ReorderRowSerializer,
    StockBalanceSerializer,
    StockMoveSerializer,
    TransferListSerializer,
    TransferSerializer,
    ValuationSerializer,
)

DOCUMENT_ORDERING = ["document_date", "number", "id", "status", "created_at"]


def validated(serializer_class, data, context):
    serializer = serializer_class(data=data, context=context)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class DocumentResource(ErpModelViewSet):
    """A stock document: list without lines, read and write with them; actions answer the document."""

    filter_backends = [DjangoFilterBackend, OrderingFilter]
    ordering_fields = DOCUMENT_ORDERING
    list_serializer_class: type
    visible: Callable[..., QuerySet]
    line_prefetch: Prefetch

    def get_queryset(self):
        queryset = self.visible(self.request.user)
        return queryset if self.action == "list" else queryset.prefetch_related(self.line_prefetch)

    def get_serializer_class(self):
        return self.list_serializer_class if self.action == "list" else self.serializer_class

    def fresh(self, document):
        """The document as the selector reads it, lines included (services return what they locked)."""
        return self.get_queryset().get(pk=document.pk)

    def answer(self, document) -> Response:
        return Response(self.get_serializer(self.fresh(document)).data)

    def reason(self, request) -> str:
        return validated(CancelSerializer, request.data, self.get_serializer_context())["reason"]


def editable_lines(lines, fields: tuple[str, ...]) -> list[dict]:
    """A draft's current lines as service input, for an update that does not send them."""
    return [{"id": line.pk, **{name: getattr(line, name) for name in fields}} for line in lines]


class AdjustmentViewSet(DocumentResource):
    """Stock adjustments: stock found or lost, posted against the inventory-adjustment account.

    Positive quantities add stock (at `unit_cost`, or the moving average), negative ones remove it.
    """

    serializer_class = AdjustmentSerializer
    list_serializer_class = AdjustmentListSerializer
    filterset_class = filters.StockAdjustmentFilter
    visible = staticmethod(selectors.adjustments_visible_to)
    line_prefetch = Prefetch("lines", StockAdjustmentLine.objects.select_related("item", "location"))
    action_permissions = {
        "post_adjustment": ["inventory.change_stockadjustment"],
        "cancel": ["inventory.change_stockadjustment"],
    }

    def perform_create(self, serializer):
        data = serializer.validated_data
        adjustment = services.create_adjustment(
            actor=self.request.user,
            company=data["warehouse"].company,
            warehouse=data["warehouse"],
            reason=data["reason"],
            document_date=data["document_date"],
            lines=[dict(line) for line in data["lines"]],
        )
        serializer.instance = self.fresh(adjustment)

    def perform_update(self, serializer):
        data, adjustment = serializer.validated_data, serializer.instance
        lines = data.get("lines")
        if lines is None:
            lines = editable_lines(adjustment.lines.all(), services.adjustments.LINE_FIELDS)
        adjustment = services.update_adjustment(
            actor=self.request.user,
            adjustment=adjustment,
            reason=data.get("reason", adjustment.reason),
            document_date=data.get("document_date", adjustment.document_date),
            lines=[dict(line) for line in lines],
        )
        serializer.instance = self.fresh(adjustment)

    @extend_schema(request=None, responses=AdjustmentSerializer)
    @action(detail=True, methods=["post"], url_path="post", url_name="post")
    def post_adjustment(self, request, *args, **kwargs):
        """Write the stock moves on the document date and send the value to the books."""
        adjustment = services.post_adjustment(actor=request.user, adjustment=self.get_object())
        return self.answer(adjustment)

    @extend_schema(request=CancelSerializer, responses=AdjustmentSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, *args, **kwargs):
        """Cancel a draft, or reverse a posted adjustment on today's date."""
        adjustment = services.cancel_adjustment(
            actor=request.user, adjustment=self.get_object(), reason=self.reason(request)
        )
        return self.answer(adjustment)


class TransferViewSet(DocumentResource):
    """Internal transfers. Within a warehouse `complete` moves the stock at once; between warehouses it
    ships the stock into transit and `receive` brings it in. Visible from either warehouse."""

    serializer_class = TransferSerializer
    list_serializer_class = TransferListSerializer
    filterset_class = filters.StockTransferFilter
    visible = staticmethod(selectors.transfers_visible_to)
    line_prefetch = Prefetch(
        "lines",
        StockTransferLine.objects.select_related("item", "from_location__warehouse", "to_location__warehouse", "lot"),
    )
    action_permissions = {
        "complete": ["inventory.change_stocktransfer"],
        "receive": ["inventory.change_stocktransfer"],
        "cancel": ["inventory.change_stocktransfer"],
    }

    def perform_create(self, serializer):
        data = serializer.validated_data
        transfer = services.create_transfer(
            actor=self.request.user,
            company=data["from_warehouse"].company,
            from_warehouse=data["from_warehouse"],
            to_warehouse=data["to_warehouse"],
            document_date=data["document_date"],
            note=data.get("note", ""),
            lines=[dict(line) for line in data["lines"]],
        )
        serializer.instance = self.fresh(transfer)

    def perform_update(self, serializer):
        data, transfer = serializer.validated_data, serializer.instance
        lines = data.get("lines")
        if lines is None:
            lines = editable_lines(transfer.lines.all(), services.transfers.LINE_FIELDS)
        transfer = services.update_transfer(
            actor=self.request.user,
            transfer=transfer,
            document_date=data.get("document_date", transfer.document_date),
            note=data.get("note", transfer.note),
            lines=[dict(line) for line in lines],
        )
        serializer.instance = self.fresh(transfer)

    @extend_schema(request=None, responses=TransferSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, *args, **kwargs):
        """Move the stock (same warehouse: done) or ship it into transit (between warehouses)."""
        transfer = services.complete_transfer(actor=request.user, transfer=self.get_object())
        return self.answer(transfer)

    @extend_schema(request=ReceiveSerializer, responses=TransferSerializer)
    @action(detail=True, methods=["post"])
    def receive(self, request, *args, **kwargs):
        """Bring a transfer in transit into the receiving warehouse's locations."""
        options = validated(ReceiveSerializer, request.data, self.get_serializer_context())
        transfer = services.receive_transfer(
            actor=request.user, transfer=self.get_object(), received_date=options.get("received_date")
        )
        return self.answer(transfer)

    @extend_schema(request=CancelSerializer, responses=TransferSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, *args, **kwargs):
        """Cancel a draft, or send a transfer in transit back where it came from."""
        transfer = services.cancel_transfer(actor=request.user, transfer=self.get_object(), reason=self.reason(request))
        return self.answer(transfer)


class CountViewSet(DocumentResource):
    """Stock counts: `start` freezes the locations and records what the ledger expects, `record` enters
    what was found, `confirm` posts the differences. A count is created, then acted on (not edited)."""

    http_method_names = ["get", "post", "head", "options"]
    serializer_class = CountSerializer
    list_serializer_class = CountListSerializer
    filterset_class = filters.StockCountFilter
    visible = staticmethod(selectors.counts_visible_to)
    line_prefetch = Prefetch("lines", StockCountLine.objects.select_related("item", "location", "lot"))
    action_permissions = {name: ["inventory.change_stockcount"] for name in ("start", "record", "confirm", "cancel")}

    def get_queryset(self):
        return super().get_queryset().prefetch_related("locations")

    def perform_create(self, serializer):
        data = serializer.validated_data
        count = services.create_count(
            actor=self.request.user,
            company=data["warehouse"].company,
            warehouse=data["warehouse"],
            document_date=data["document_date"],
            locations=data.get("locations", []),
            note=data.get("note", ""),
        )
        serializer.instance = self.fresh(count)

    @extend_schema(request=None, responses=CountSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request, *args, **kwargs):
        """Freeze the locations (no stock moves in or out until the count ends) and record the expected stock."""
        return self.answer(services.start_count(actor=request.user, count=self.get_object()))

    @extend_schema(request=CountEntriesSerializer, responses=CountSerializer)
    @action(detail=True, methods=["post"])
    def record(self, request, *args, **kwargs):
        """Enter counted quantities, by line or (for stock not expected) by item and location."""
        count = self.get_object()
        entries = validated(CountEntriesSerializer, request.data, self.get_serializer_context())["entries"]
        count = services.record_counts(actor=request.user, count=count, entries=[dict(entry) for entry in entries])
        return self.answer(count)

    @extend_schema(request=None, responses=CountSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, *args, **kwargs):
        """Post every difference at moving-average cost and lift the freeze."""
        return self.answer(services.confirm_count(actor=request.user, count=self.get_object()))

    @extend_schema(request=CancelSerializer, responses=CountSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, *args, **kwargs):
        """Cancel the count and lift the freeze; nothing is posted."""
        count = services.cancel_count(actor=request.user, count=self.get_object(), reason=self.reason(request))
        return self.answer(count)


# --- Read-only: balances, the ledger, lots ------------------------------------------------------


class BalanceViewSet(ErpReadOnlyViewSet):
    """Stock on hand now, per item, location and lot, with what is reserved and available."""

    serializer_class = StockBalanceSerializer
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_class = filters.StockBalanceFilter
    ordering_fields = ["item__code", "location__path", "on_hand", "value", "id"]
    ordering = ["item__code", "location__path", "lot_id"]

    def get_queryset(self):
        return selectors.stock_on_hand(self.request.user)


class MoveViewSet(ErpReadOnlyViewSet):
    """The stock ledger: every movement of quantity, never changed (a cancellation adds reversing moves)."""

    serializer_class = StockMoveSerializer
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_class = filters.StockMoveFilter
    ordering_fields = ["move_date", "id", "quantity", "value"]
    ordering = ["-move_date", "-id"]

    def get_queryset(self):
        return selectors.moves_visible_to(self.request.user)


class LotViewSet(HistoryAction, ErpReadOnlyViewSet):
    """Lots of lot-tracked items, with the trace of each from its receipt to every issue."""

    serializer_class = LotSerializer
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_class = filters.LotFilter
    ordering_fields = ["number", "expiry_date", "created_at", "id"]
    ordering = ["item__code", "expiry_date", "number"]
    action_permissions = {"trace": ["inventory.view_lot", "inventory.view_stockmove"]}

    def get_queryset(self):
        return selectors.lots_visible_to(self.request.user)

    @extend_schema(responses=LotTraceSerializer)
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def trace(self, request, *args, **kwargs):
        """Every move of the lot in the warehouses you may see, oldest first."""
        lot = self.get_object()
        moves = selectors.lot_trace_visible_to(request.user, lot=lot)
        return Response(LotTraceSerializer({"lot": lot, "moves": moves}, context=self.get_serializer_context()).data)


# --- Reports ------------------------------------------------------------------------------------


class InventoryReportViewSet(ErpViewMixin, viewsets.GenericViewSet):
    """Stock reports; those that show value state how many events are not yet in the books."""

    queryset = StockBalance.objects.none()
    filter_backends: list = []
    action_permissions = {
        "on_hand": ["inventory.view_stockmove"],
        "item_ledger": ["inventory.view_stockmove"],
        "valuation": ["inventory.view_stockbalance", "inventory.view_itemcost"],
        "reorder": ["inventory.view_stockbalance", "masterdata.view_item"],
    }

    def query(self, serializer_class) -> dict:
        return validated(serializer_class, self.request.query_params, self.get_serializer_context())

    def company(self):
        return chosen_company(self.request.user, self.query(CompanyQuerySerializer).get("company"))

    @extend_schema(parameters=[OnHandQuerySerializer], responses=OnHandRowSerializer(many=True))
    @action(detail=False, methods=["get"], url_path="on-hand")
    def on_hand(self, request):
        """Stock on hand per item and location at the end of `as_of`, from the ledger."""
        query = self.query(OnHandQuerySerializer)
        rows = selectors.stock_on_hand_as_of(
            request.user,
            as_of=query.get("as_of") or timezone.localdate(),
            warehouse_id=query["warehouse"].pk if query.get("warehouse") else None,
            item_id=query["item"].pk if query.get("item") else None,
        )
        page = self.paginate_queryset(rows)
        items = Item.objects.in_bulk({row["item_id"] for row in page})
        locations = locations_visible_to(request.user).in_bulk({row["location_id"] for row in page})
        shown = [
            {"item": items[row["item_id"]], "location": locations[row["location_id"]], "on_hand": row["on_hand"]}
            for row in page
            if row["location_id"] in locations  # a transfer's far end, in a warehouse you may not see
        ]
        return self.get_paginated_response(OnHandRowSerializer(shown, many=True).data)

    @extend_schema(parameters=[ItemLedgerQuerySerializer], responses=ItemLedgerSerializer)
    @action(detail=False, methods=["get"], url_path="item-ledger")
    def item_ledger(self, request):
        """An item's moves in and out of a warehouse (or all you may see), with opening and running
        quantity and value. A transfer inside the warehouse changes nothing; one leaving it is an issue."""
        query = self.query(ItemLedgerQuerySerializer)
        item, warehouse = query["item"], query.get("warehouse")
        opening_quantity, opening_value, moves = selectors.item_ledger(
            request.user,
            item=item,
            warehouse_id=warehouse.pk if warehouse else None,
            start=query.get("start"),
            end=query.get("end"),
        )
        page = self.paginate_queryset(moves.select_related("from_location__warehouse", "to_location__warehouse"))
        body = {
            "count": self.paginator.page.paginator.count,
            "next": self.paginator.get_next_link(),
            "previous": self.paginator.get_previous_link(),
            "item": item,
            "warehouse": warehouse.pk if warehouse else None,
            "start": query.get("start"),
            "end": query.get("end"),
            "opening_quantity": opening_quantity,
            "opening_value": opening_value,
            "pending_events": pending_event_count(company=item.company),
            "results": page,
        }
        return Response(ItemLedgerSerializer(body).data)

    @extend_schema(parameters=[CompanyQuerySerializer], responses=ValuationSerializer)
    @action(detail=False, methods=["get"])
    def valuation(self, request):
        """Quantity and value per item category and warehouse."""
        company = self.company()
        rows = selectors.valuation(request.user, company=company)
        body = {
            "company": company,
            "rows": rows,
            "total_value": round_amount(sum((row["value"] for row in rows), Decimal(0))),
            "pending_events": pending_event_count(company=company),
        }
        return Response(ValuationSerializer(body).data)

    @extend_schema(parameters=[CompanyQuerySerializer], responses=ReorderRowSerializer(many=True))
    @action(detail=False, methods=["get"])
    def reorder(self, request):
        """Stock items whose available quantity is below their reorder point, with a suggested quantity."""
        items = selectors.below_reorder_point(request.user, company=self.company())
        return self.get_paginated_response(ReorderRowSerializer(self.paginate_queryset(items), many=True).data)
