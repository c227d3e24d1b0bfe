"""Purchasing over REST: documents read through their scoped selectors and changed only through the
services; actions are POST sub-resources (`orders/{id}/submit/`), reports are read-only."""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core.api import ErpViewMixin
from apps.core.serializers import CancelSerializer
from apps.finance.selectors import pending_event_count
from apps.inventory.api import DocumentResource, editable_lines, validated
from apps.inventory.selectors import below_reorder_point
from apps.masterdata.serializers import chosen_company

from . import filters, selectors, services
from .models import (
    GoodsReceiptLine,
    PayableAllocation,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseReturnLine,
    RequisitionLine,
    SupplierBillLine,
)
from .serializers import (
    AgeingQuerySerializer,
    AgeingSerializer,
    AllocationsSerializer,
    BillListSerializer,
    BillSerializer,
    CloseLineSerializer,
    CompanyQuerySerializer,
    ConvertSerializer,
    FlowSerializer,
    GrniSerializer,
    OpenLineRowSerializer,
    OpenLinesQuerySerializer,
    OrderListSerializer,
    OrderSerializer,
    PaymentListSerializer,
    PaymentSerializer,
    PurchasesQuerySerializer,
    PurchasesRowSerializer,
    ReceiptListSerializer,
    ReceiptSerializer,
    ReorderRequisitionSerializer,
    RequisitionListSerializer,
    RequisitionSerializer,
    ReturnListSerializer,
    ReturnSerializer,
)

REQUISITION_LINE_FIELDS = ("item", "quantity", "needed_by", "suggested_supplier", "estimated_price")
ORDER_LINE_FIELDS = ("item", "description", "quantity", "unit", "price", "tax_rate", "expected_date", "warehouse")
RECEIPT_LINE_FIELDS = ("order_line", "quantity", "location", "lot_number", "expiry_date")
BILL_LINE_FIELDS = ("receipt_line", "order_line", "quantity", "price", "tax_rate")


def rows(lines) -> list[dict]:
    return [dict(line) for line in lines]


class PurchasingResource(DocumentResource):
    """A purchasing document; `flow` answers the documents before and after it."""

    def allocations(self, request) -> list[dict]:
        return rows(
            validated(AllocationsSerializer, request.data, self.get_serializer_context()).get("allocations", [])
        )

    @extend_schema(responses=FlowSerializer)
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def flow(self, request, *args, **kwargs):
        """Requisitions → orders → receipts → bills → payments, and returns, around this document."""
        return Response(FlowSerializer(selectors.flow_of(self.get_object())).data)


class RequisitionViewSet(PurchasingResource):
    """Internal requests to buy: submitted for approval, then converted into draft orders per supplier."""

    serializer_class = RequisitionSerializer
    list_serializer_class = RequisitionListSerializer
    filterset_class = filters.RequisitionFilter
    visible = staticmethod(selectors.requisitions_visible_to)
    line_prefetch = Prefetch("lines", RequisitionLine.objects.select_related("item", "suggested_supplier"))
    action_permissions = {
        "submit": ["purchasing.change_purchaserequisition"],
        "cancel": ["purchasing.change_purchaserequisition"],
        "convert": ["purchasing.change_purchaserequisition", "purchasing.add_purchaseorder"],
        "from_reorder": ["purchasing.add_purchaserequisition", "inventory.view_stockbalance"],
        "flow": ["purchasing.view_purchaserequisition"],
    }

    def perform_create(self, serializer):
        data = serializer.validated_data
        requisition = services.create_requisition(
            actor=self.request.user,
            company=data["warehouse"].company,
            warehouse=data["warehouse"],
            document_date=data["document_date"],
            needed_by=data["needed_by"],
            reason=data["reason"],
            lines=rows(data["lines"]),
        )
        serializer.instance = self.fresh(requisition)

    def perform_update(self, serializer):
        data, requisition = serializer.validated_data, serializer.instance
        lines = data.get("lines")
        if lines is None:
            lines = editable_lines(requisition.lines.all(), REQUISITION_LINE_FIELDS)
        requisition = services.update_requisition(
            actor=self.request.user,
            requisition=requisition,
            needed_by=data.get("needed_by", requisition.needed_by),
            reason=data.get("reason", requisition.reason),
            lines=rows(lines),
        )
        serializer.instance = self.fresh(requisition)

    @extend_schema(request=None, responses=RequisitionSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, *args, **kwargs):
        """Send for approval when a rule catches it; otherwise it is approved at once."""
        return self.answer(services.submit_requisition(actor=request.user, requisition=self.get_object()))

    @extend_schema(request=CancelSerializer, responses=RequisitionSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, *args, **kwargs):
        """Cancel (or, when partly ordered, close) the requisition."""
        requisition = services.cancel_requisition(
            actor=request.user, requisition=self.get_object(), reason=self.reason(request)
        )
        return self.answer(requisition)

    @extend_schema(request=ConvertSerializer, responses=OrderListSerializer(many=True))
    @action(detail=True, methods=["post"])
    def convert(self, request, *args, **kwargs):
        """Order an approved requisition, whole or in part: one draft order per supplier."""
        requisition = self.get_object()
        body = validated(ConvertSerializer, request.data, self.get_serializer_context())
        lines = body.get("lines")
        if lines is None:
            lines = [{"line": line} for line in requisition.lines.all() if line.open_quantity > 0]
        orders = services.convert_to_orders(
            actor=request.user,
            requisition=requisition,
            lines=rows(lines),
            document_date=body.get("document_date") or timezone.localdate(),
        )
        visible = selectors.orders_visible_to(request.user).filter(pk__in=[order.pk for order in orders])
        return Response(OrderListSerializer(visible, many=True, context=self.get_serializer_context()).data, status=201)

    @extend_schema(request=ReorderRequisitionSerializer, responses=RequisitionSerializer)
    @action(detail=False, methods=["post"], url_path="from-reorder")
    def from_reorder(self, request, *args, **kwargs):
        """One draft requisition for the warehouse from the items below their reorder point."""
        body = validated(ReorderRequisitionSerializer, request.data, self.get_serializer_context())
        warehouse = body["warehouse"]
        suggestions = below_reorder_point(request.user, company=warehouse.company)
        if body.get("items"):
            suggestions = suggestions.filter(pk__in=[item.pk for item in body["items"]])
        requisition = services.requisition_from_reorder(
            actor=request.user,
            company=warehouse.company,
            warehouse=warehouse,
            items=[(item, item.suggested_quantity) for item in suggestions],
            document_date=body.get("document_date") or timezone.localdate(),
            needed_by=body["needed_by"],
        )
        return Response(self.get_serializer(self.fresh(requisition)).data, status=201)


class OrderViewSet(PurchasingResource):
    """Purchase orders: quantities in the purchase unit (converted to the stock unit), priced, taxed;
    `submit` confirms them or sends them for approval by rule."""

    serializer_class = OrderSerializer
    list_serializer_class = OrderListSerializer
    filterset_class = filters.OrderFilter
    visible = staticmethod(selectors.orders_visible_to)
    line_prefetch = Prefetch(
        "lines", PurchaseOrderLine.objects.select_related("item", "unit", "warehouse", "tax_rate", "order")
    )
    action_permissions = {
        name: ["purchasing.change_purchaseorder"] for name in ("submit", "cancel", "close", "close_line")
    } | {"flow": ["purchasing.view_purchaseorder"]}

    def perform_create(self, serializer):
        data = serializer.validated_data
        order = services.create_order(
            actor=self.request.user,
            company=data["warehouse"].company,
            supplier=data["supplier"],
            warehouse=data["warehouse"],
            document_date=data["document_date"],
            expected_date=data["expected_date"],
            lines=rows(data["lines"]),
            currency=data.get("currency"),
            exchange_rate=data.get("exchange_rate"),
            payment_terms=data.get("payment_terms"),
            supplier_reference=data.get("supplier_reference", ""),
            note=data.get("note", ""),
        )
        serializer.instance = self.fresh(order)

    def perform_update(self, serializer):
        data, order = serializer.validated_data, serializer.instance
        lines = data.get("lines")
        if lines is None:
            lines = editable_lines(order.lines.all(), ORDER_LINE_FIELDS)
        order = services.update_order(
            actor=self.request.user,
            order=order,
            document_date=data.get("document_date", order.document_date),
            expected_date=data.get("expected_date", order.expected_date),
            lines=rows(lines),
            exchange_rate=data.get("exchange_rate", order.exchange_rate),
            payment_terms=data.get("payment_terms", order.payment_terms),
            supplier_reference=data.get("supplier_reference", order.supplier_reference),
            note=data.get("note", order.note),
        )
        serializer.instance = self.fresh(order)

    @extend_schema(request=None, responses=OrderSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, *args, **kwargs):
        """Confirm the order, or send it for approval when a rule catches it."""
        return self.answer(services.confirm_order(actor=request.user, order=self.get_object()))

    @extend_schema(request=CancelSerializer, responses=OrderSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, *args, **kwargs):
        """Cancel what is not received (an order with receipts is closed short instead)."""
        order = services.cancel_order(actor=request.user, order=self.get_object(), reason=self.reason(request))
        return self.answer(order)

    @extend_schema(request=CancelSerializer, responses=OrderSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, *args, **kwargs):
        """Nothing more will come: close a confirmed or (partly) received order."""
        order = services.close_order(actor=request.user, order=self.get_object(), reason=self.reason(request))
        return self.answer(order)

    @extend_schema(request=CloseLineSerializer, responses=OrderSerializer)
    @action(detail=True, methods=["post"], url_path="close-line")
    def close_line(self, request, *args, **kwargs):
        """Stop expecting the rest of one line; what was received stays."""
        order: PurchaseOrder = self.get_object()
        body = validated(CloseLineSerializer, request.data, self.get_serializer_context())
        line = get_object_or_404(order.lines.all(), pk=body["line"])
        services.close_line_short(actor=request.user, line=line, reason=body["reason"])
        return self.answer(order)


class ReceiptViewSet(PurchasingResource):
    """Goods receipts from open order lines: `post` brings the stock in at the order price."""

    serializer_class = ReceiptSerializer
    list_serializer_class = ReceiptListSerializer
    filterset_class = filters.ReceiptFilter
    visible = staticmethod(selectors.receipts_visible_to)
    line_prefetch = Prefetch(
        "lines", GoodsReceiptLine.objects.select_related("item", "location", "lot", "order_line__order")
    )
    action_permissions = {
        "post_receipt": ["purchasing.change_goodsreceipt"],
        "cancel": ["purchasing.change_goodsreceipt"],
        "flow": ["purchasing.view_goodsreceipt"],
    }

    def perform_create(self, serializer):
        data = serializer.validated_data
        receipt = services.create_receipt(
            actor=self.request.user,
            company=data["warehouse"].company,
            supplier=data["supplier"],
            warehouse=data["warehouse"],
            document_date=data["document_date"],
            lines=rows(data["lines"]),
            delivery_note=data.get("delivery_note", ""),
        )
        serializer.instance = self.fresh(receipt)

    def perform_update(self, serializer):
        data, receipt = serializer.validated_data, serializer.instance
        lines = data.get("lines")
        if lines is None:
            lines = editable_lines(receipt.lines.all(), RECEIPT_LINE_FIELDS)
        receipt = services.update_receipt(
            actor=self.request.user,
            receipt=receipt,
            document_date=data.get("document_date", receipt.document_date),
            lines=rows(lines),
            delivery_note=data.get("delivery_note", receipt.delivery_note),
        )
        serializer.instance = self.fresh(receipt)

    @extend_schema(request=None, responses=ReceiptSerializer)
    @action(detail=True, methods=["post"], url_path="post", url_name="post")
    def post_receipt(self, request, *args, **kwargs):
        """Stock in at the order price; the order's progress follows; Dr Inventory / Cr GRNI is sent to the books."""
        return self.answer(services.post_receipt(actor=request.user, receipt=self.get_object()))

    @extend_schema(request=CancelSerializer, responses=ReceiptSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, *args, **kwargs):
        """Cancel a draft, or reverse a posted receipt nothing was billed or returned against."""
        receipt = services.cancel_receipt(actor=request.user, receipt=self.get_object(), reason=self.reason(request))
        return self.answer(receipt)


class BillViewSet(PurchasingResource):
    """Supplier bills from received lines, matched three ways when posted."""

    serializer_class = BillSerializer
    list_serializer_class = BillListSerializer
    filterset_class = filters.BillFilter
    visible = staticmethod(selectors.bills_visible_to)
    line_prefetch = Prefetch("lines", SupplierBillLine.objects.select_related("item", "tax_rate"))
    action_permissions = {
        "post_bill": ["purchasing.change_supplierbill"],
        "cancel": ["purchasing.change_supplierbill"],
        "flow": ["purchasing.view_supplierbill"],
    }

    def perform_create(self, serializer):
        data = serializer.validated_data
        bill = services.create_bill(
            actor=self.request.user,
            company=data["supplier"].company,
            supplier=data["supplier"],
            supplier_invoice_number=data["supplier_invoice_number"],
            document_date=data["document_date"],
            lines=rows(data["lines"]),
            due_date=data.get("due_date"),
            currency=data.get("currency"),
            exchange_rate=data.get("exchange_rate"),
        )
        serializer.instance = self.fresh(bill)

    def perform_update(self, serializer):
        data, bill = serializer.validated_data, serializer.instance
        lines = data.get("lines")
        if lines is None:
            lines = editable_lines(bill.lines.all(), BILL_LINE_FIELDS)
        bill = services.update_bill(
            actor=self.request.user,
            bill=bill,
            supplier_invoice_number=data.get("supplier_invoice_number", bill.supplier_invoice_number),
            document_date=data.get("document_date", bill.document_date),
            due_date=data.get("due_date", bill.due_date),
            lines=rows(lines),
            exchange_rate=data.get("exchange_rate", bill.exchange_rate),
        )
        serializer.instance = self.fresh(bill)

    @extend_schema(request=None, responses=BillSerializer)
    @action(detail=True, methods=["post"], url_path="post", url_name="post")
    def post_bill(self, request, *args, **kwargs):
        """Match against order and receipts, then post (or, beyond tolerance, refuse or send for approval)."""
        return self.answer(services.post_bill(actor=request.user, bill=self.get_object()))

    @extend_schema(request=CancelSerializer, responses=BillSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, *args, **kwargs):
        """Cancel a draft, or reverse an unpaid posted bill on today's date."""
        return self.answer(
            services.cancel_bill(actor=request.user, bill=self.get_object(), reason=self.reason(request))
        )


class PaymentViewSet(PurchasingResource):
    """Payments to a supplier: `post` pays (Dr AP / Cr bank) and settles the bills named; the rest
    stays a prepayment that `allocate` uses later. A payment is created, then acted on (not edited)."""

    http_method_names = ["get", "post", "head", "options"]
    serializer_class = PaymentSerializer
    list_serializer_class = PaymentListSerializer
    filterset_class = filters.PaymentFilter
    visible = staticmethod(selectors.payments_visible_to)
    line_prefetch = Prefetch("allocations", PayableAllocation.objects.select_related("bill"))
    action_permissions = {
        name: ["purchasing.change_supplierpayment"] for name in ("post_payment", "allocate", "cancel")
    } | {"flow": ["purchasing.view_supplierpayment"]}

    def perform_create(self, serializer):
        data = serializer.validated_data
        payment = services.create_payment(
            actor=self.request.user,
            company=data["supplier"].company,
            supplier=data["supplier"],
            document_date=data["document_date"],
            amount=data["amount"],
            reference=data.get("reference", ""),
        )
        serializer.instance = self.fresh(payment)

    @extend_schema(request=AllocationsSerializer, responses=PaymentSerializer)
    @action(detail=True, methods=["post"], url_path="post", url_name="post")
    def post_payment(self, request, *args, **kwargs):
        """Pay, settling the bills named in `allocations` (partly or wholly)."""
        payment = services.post_payment(
            actor=request.user, payment=self.get_object(), allocations=self.allocations(request)
        )
        return self.answer(payment)

    @extend_schema(request=AllocationsSerializer, responses=PaymentSerializer)
    @action(detail=True, methods=["post"])
    def allocate(self, request, *args, **kwargs):
        """Use a posted payment's prepayment against bills."""
        payment = services.allocate_payment(
            actor=request.user, payment=self.get_object(), allocations=self.allocations(request)
        )
        return self.answer(payment)

    @extend_schema(request=CancelSerializer, responses=PaymentSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, *args, **kwargs):
        """Undo the payment on today's date; its bills open again."""
        payment = services.cancel_payment(actor=request.user, payment=self.get_object(), reason=self.reason(request))
        return self.answer(payment)


class ReturnViewSet(PurchasingResource):
    """Goods sent back to the supplier at their receipt's cost, with a debit note for what was billed.
    A return is created, then posted or cancelled (not edited)."""

    http_method_names = ["get", "post", "head", "options"]
    serializer_class = ReturnSerializer
    list_serializer_class = ReturnListSerializer
    filterset_class = filters.ReturnFilter
    visible = staticmethod(selectors.returns_visible_to)
    line_prefetch = Prefetch("lines", PurchaseReturnLine.objects.select_related("item", "location"))
    action_permissions = {name: ["purchasing.change_purchasereturn"] for name in ("post_return", "cancel", "apply")} | {
        "flow": ["purchasing.view_purchasereturn"]
    }

    def perform_create(self, serializer):
        data = serializer.validated_data
        purchase_return = services.create_return(
            actor=self.request.user,
            company=data["warehouse"].company,
            supplier=data["supplier"],
            warehouse=data["warehouse"],
            document_date=data["document_date"],
            reason=data["reason"],
            lines=rows(data["lines"]),
        )
        serializer.instance = self.fresh(purchase_return)

    @extend_schema(request=None, responses=ReturnSerializer)
    @action(detail=True, methods=["post"], url_path="post", url_name="post")
    def post_return(self, request, *args, **kwargs):
        """Stock out at the receipt's cost; the debit note settles the returned goods' open bills first."""
        return self.answer(services.post_return(actor=request.user, purchase_return=self.get_object()))

    @extend_schema(request=CancelSerializer, responses=ReturnSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, *args, **kwargs):
        """Drop a draft return."""
        purchase_return = services.cancel_draft_return(
            actor=request.user, purchase_return=self.get_object(), reason=self.reason(request)
        )
        return self.answer(purchase_return)

    @extend_schema(request=AllocationsSerializer, responses=ReturnSerializer)
    @action(detail=True, methods=["post"])
    def apply(self, request, *args, **kwargs):
        """Use what the debit note leaves open against the supplier's bills."""
        purchase_return = services.apply_debit_note(
            actor=request.user, debit_note=self.get_object(), allocations=self.allocations(request)
        )
        return self.answer(purchase_return)


# --- Reports ------------------------------------------------------------------------------------


def control_figures(company, role: str, subledger_total) -> dict:
    row = selectors.control_account(company=company, role=role)
    return {
        "company": company,
        "subledger_total": subledger_total,
        "ledger_balance": row.ledger_balance if row else None,
        "difference": row.ledger_balance - subledger_total if row else None,
        "pending_events": pending_event_count(company=company),
    }


class PurchasingReportViewSet(ErpViewMixin, viewsets.GenericViewSet):
    """Open and late order lines, goods received not invoiced, AP ageing, purchases by supplier, item
    or month. GRNI and ageing stand beside their control account's balance in the books."""

    queryset = PurchaseOrder.objects.none()
    filter_backends: list = []
    action_permissions = {
        "open_lines": ["purchasing.view_purchaseorder"],
        "grni": ["purchasing.view_goodsreceipt", "purchasing.view_supplierbill"],
        "ap_ageing": ["purchasing.view_supplierbill", "purchasing.view_supplierpayment"],
        "purchases": ["purchasing.view_supplierbill"],
    }

    def query(self, serializer_class) -> dict:
        return validated(serializer_class, self.request.query_params, self.get_serializer_context())

    def company(self, query: dict):
        return chosen_company(self.request.user, query.get("company"))

    @extend_schema(parameters=[OpenLinesQuerySerializer], responses=OpenLineRowSerializer(many=True))
    @action(detail=False, methods=["get"], url_path="open-lines")
    def open_lines(self, request):
        """Order lines still expected, soonest first; `late=true` keeps those past their expected date."""
        query = self.query(OpenLinesQuerySerializer)
        lines = (
            selectors.late_order_lines(request.user)
            if query["late"]
            else selectors.open_order_lines_visible_to(request.user)
        )
        if query.get("supplier"):
            lines = lines.filter(order__supplier=query["supplier"])
        return self.get_paginated_response(OpenLineRowSerializer(self.paginate_queryset(lines), many=True).data)

    @extend_schema(parameters=[CompanyQuerySerializer], responses=GrniSerializer)
    @action(detail=False, methods=["get"])
    def grni(self, request):
        """Each receipt line's value not yet cleared by bills or returns, and the GRNI account beside it."""
        company = self.company(self.query(CompanyQuerySerializer))
        body = control_figures(company, "grni", selectors.grni_total(company=company))
        body["rows"] = selectors.grni_lines(request.user, company=company)
        return Response(GrniSerializer(body).data)

    @extend_schema(parameters=[AgeingQuerySerializer], responses=AgeingSerializer)
    @action(detail=False, methods=["get"], url_path="ap-ageing")
    def ap_ageing(self, request):
        """Open bills per supplier by days overdue, less unapplied payments and debit notes; the AP
        control account beside the subledger total."""
        query = self.query(AgeingQuerySerializer)
        company = self.company(query)
        as_of = query.get("as_of") or timezone.localdate()
        body = control_figures(company, "ap", selectors.payables_total(company=company))
        body.update(as_of=as_of, rows=selectors.ap_ageing(request.user, company=company, as_of=as_of))
        return Response(AgeingSerializer(body).data)

    @extend_schema(parameters=[PurchasesQuerySerializer], responses=PurchasesRowSerializer(many=True))
    @action(detail=False, methods=["get"], pagination_class=None)
    def purchases(self, request):
        """Net purchases in base currency from posted bills, grouped by supplier, item or month."""
        query = self.query(PurchasesQuerySerializer)
        company = self.company(query)
        found = selectors.purchases_by(
            request.user, company=company, group_by=query["group_by"], start=query["start"], end=query["end"]
        )
        return Response(PurchasesRowSerializer([purchase_row(row) for row in found], many=True).data)


def purchase_row(row: dict) -> dict:
    """A `purchases_by` row as code, name, quantity and amount, whatever it was grouped by."""
    if "month" in row:
        return {"code": f"{row['month']:%Y-%m}", "name": "", "quantity": row["quantity"], "amount": row["amount"]}
    code = row.get("bill__supplier__code", row.get("item__code"))
    name = row.get("bill__supplier__name", row.get("item__name"))
    return {"code": code, "name": name, "quantity": row["quantity"], "amount": row["amount"]}
