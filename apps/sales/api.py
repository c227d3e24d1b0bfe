"""Sales over REST: documents read through their customer- and warehouse-scoped selectors and changed
only through the services; actions are POST sub-resources that answer the document."""

from decimal import Decimal

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response

from apps.core.api import ErpModelViewSet, ErpViewMixin
from apps.core.money import ZERO
from apps.core.serializers import CancelSerializer
from apps.inventory.api import DocumentResource, editable_lines, validated
from apps.masterdata.selectors import document_rate, items_visible_to
from apps.masterdata.serializers import chosen_company

from . import filters, selectors, services
from .models import (
    CreditNoteLine,
    DeliveryLine,
    InvoiceLine,
    PriceListLine,
    QuotationLine,
    ReceivableAllocation,
    SalesOrder,
    SalesOrderLine,
    SalesReturnLine,
)
from .serializers import (
    AcceptQuotationSerializer,
    AvailabilityQuerySerializer,
    AvailabilitySerializer,
    CreditNoteListSerializer,
    CreditNoteSerializer,
    CreditPositionSerializer,
    CreditQuerySerializer,
    CustomerReceiptListSerializer,
    CustomerReceiptSerializer,
    CustomerStatementQuerySerializer,
    CustomerStatementSerializer,
    DeliveryListSerializer,
    DeliverySerializer,
    InvoiceListSerializer,
    InvoiceSerializer,
    MarginQuerySerializer,
    MarginRowSerializer,
    OpenOrderLineSerializer,
    PickSerializer,
    PriceListListSerializer,
    PriceListSerializer,
    PriceQuerySerializer,
    PriceSerializer,
    QuotationListSerializer,
    QuotationSerializer,
    ReceivableAllocationsSerializer,
    ReceivablesAgeingQuerySerializer,
    ReceivablesAgeingSerializer,
    SalesOrderListSerializer,
    SalesOrderSerializer,
    SalesReturnListSerializer,
    SalesReturnSerializer,
    ShippableRowSerializer,
)

PRICED_LINE_FIELDS = ("item", "description", "quantity", "unit", "price", "discount_percent", "tax_rate")


class PriceListViewSet(ErpModelViewSet):
    """Prices for a customer, a customer group or everyone, with quantity breaks and validity dates.

    The most specific valid list wins: the customer's own, then its group's, then the general one."""

    serializer_class = PriceListSerializer
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_class = filters.PriceListFilter
    ordering_fields = ["name", "priority", "valid_from", "id"]
    ordering = ["priority", "name"]

    def get_queryset(self):
        queryset = selectors.price_lists_visible_to(self.request.user).select_related("company")
        if self.action == "list":
            return queryset
        return queryset.prefetch_related(Prefetch("lines", PriceListLine.objects.select_related("item")))

    def get_serializer_class(self):
        return PriceListListSerializer if self.action == "list" else PriceListSerializer

    def save(self, serializer, price_list=None):
        data = serializer.validated_data
        current = price_list or serializer.instance
        lines = data.get("lines")
        if lines is None:
            lines = editable_lines(current.lines.all(), ("item", "min_quantity", "price", "floor_price"))

        def value(name, default=None):
            return data[name] if name in data else getattr(current, name, default)

        saved = services.save_price_list(
            actor=self.request.user,
            price_list=current,
            company=data.get("company") or current.company,
            name=value("name"),
            currency=value("currency"),
            customer=value("customer"),
            customer_group=value("customer_group"),
            valid_from=value("valid_from"),
            valid_until=value("valid_until"),
            priority=value("priority", 100),
            active=value("active", True),
            lines=[dict(line) for line in lines],
        )
        serializer.instance = self.get_queryset().get(pk=saved.pk)

    def perform_create(self, serializer):
        data = serializer.validated_data
        saved = services.save_price_list(
            actor=self.request.user,
            company=data["company"],
            name=data["name"],
            currency=data["currency"],
            customer=data.get("customer"),
            customer_group=data.get("customer_group"),
            valid_from=data.get("valid_from"),
            valid_until=data.get("valid_until"),
            priority=data.get("priority", 100),
            active=data.get("active", True),
            lines=[dict(line) for line in data["lines"]],
        )
        serializer.instance = self.get_queryset().get(pk=saved.pk)

    def perform_update(self, serializer):
        self.save(serializer, serializer.instance)


class QuotationViewSet(DocumentResource):
    """Quotations: draft → sent → accepted (a draft order) or lost; sent ones expire after their validity."""

    serializer_class = QuotationSerializer
    list_serializer_class = QuotationListSerializer
    filterset_class = filters.QuotationFilter
    visible = staticmethod(selectors.quotations_visible_to)
    line_prefetch = Prefetch("lines", QuotationLine.objects.select_related("item", "unit"))
    action_permissions = {
        "send": ["sales.change_quotation"],
        "accept": ["sales.change_quotation", "sales.add_salesorder"],
        "lose": ["sales.change_quotation"],
    }

    def get_queryset(self):
        queryset = super().get_queryset()
        return queryset if self.action == "list" else queryset.prefetch_related("orders")

    def perform_create(self, serializer):
        data = serializer.validated_data
        quotation = services.create_quotation(
            actor=self.request.user,
            company=data["company"],
            customer=data["customer"],
            document_date=data["document_date"],
            valid_until=data["valid_until"],
            currency=data.get("currency"),
            exchange_rate=data.get("exchange_rate"),
            lines=[dict(line) for line in data["lines"]],
        )
        serializer.instance = self.fresh(quotation)

    def perform_update(self, serializer):
        data, quotation = serializer.validated_data, serializer.instance
        lines = data.get("lines")
        if lines is None:
            lines = editable_lines(quotation.lines.all(), PRICED_LINE_FIELDS)
        quotation = services.update_quotation(
            actor=self.request.user,
            quotation=quotation,
            document_date=data.get("document_date", quotation.document_date),
            valid_until=data.get("valid_until", quotation.valid_until),
            lines=[dict(line) for line in lines],
        )
        serializer.instance = self.fresh(quotation)

    @extend_schema(request=None, responses=QuotationSerializer)
    @action(detail=True, methods=["post"])
    def send(self, request, *args, **kwargs):
        """Mark the quotation as sent to the customer."""
        return self.answer(services.send_quotation(actor=request.user, quotation=self.get_object()))

    @extend_schema(request=AcceptQuotationSerializer, responses=SalesOrderSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, *args, **kwargs):
        """The customer said yes: answers the new draft sales order, with the quotation's lines and prices."""
        quotation = self.get_object()  # another company's quotation is not found, whatever the input
        options = validated(AcceptQuotationSerializer, request.data, self.get_serializer_context())
        order = services.accept_quotation(
            actor=request.user,
            quotation=quotation,
            warehouse=options["warehouse"],
            document_date=options.get("document_date") or timezone.localdate(),
        )
        order = selectors.orders_visible_to(request.user).prefetch_related(OrderViewSet.line_prefetch).get(pk=order.pk)
        return Response(SalesOrderSerializer(order, context=self.get_serializer_context()).data, status=201)

    @extend_schema(request=CancelSerializer, responses=QuotationSerializer)
    @action(detail=True, methods=["post"])
    def lose(self, request, *args, **kwargs):
        """The customer said no; the reason is kept."""
        quotation = services.lose_quotation(
            actor=request.user, quotation=self.get_object(), reason=self.reason(request)
        )
        return self.answer(quotation)


# Order actions whose service starts by locking and re-reading the order.
LOCKING_ACTIONS = frozenset({"confirm", "cancel", "close", "reserve"})


class OrderViewSet(DocumentResource):
    """Sales orders. `confirm` checks the credit limit and discounts (beyond the company's rules the order
    waits for approval) and reserves stock per line; what cannot be reserved is a backorder."""

    serializer_class = SalesOrderSerializer
    list_serializer_class = SalesOrderListSerializer
    filterset_class = filters.SalesOrderFilter
    visible = staticmethod(selectors.orders_visible_to)
    line_prefetch = Prefetch("lines", SalesOrderLine.objects.select_related("item", "unit"))
    action_permissions = {
        "confirm": ["sales.change_salesorder"],
        "cancel": ["sales.change_salesorder"],
        "close": ["sales.change_salesorder"],
        "reserve": ["sales.change_salesorder"],
        "picks": ["sales.view_salesorder", "sales.add_delivery"],
        "availability": ["sales.view_salesorder"],
        "credit": ["sales.view_salesorder"],
        "price": ["sales.view_salesorder"],
    }

    def get_queryset(self):
        if self.action in LOCKING_ACTIONS:  # the service re-reads the order, its relations and lines under its lock
            return self.visible(self.request.user).select_related(None)
        return super().get_queryset()

    def fresh(self, document):
        """The order as answered after an action or a write. Read back by key: the scoped read of the
        order, or of the customer a new one is for, already showed the user may see it."""
        related = SalesOrder.objects.select_related(*selectors.ORDER_RELATED)
        return related.prefetch_related(self.line_prefetch).get(pk=document.pk)

    def perform_create(self, serializer):
        data = serializer.validated_data
        order = services.create_order(
            actor=self.request.user,
            company=data["company"],
            customer=data["customer"],
            warehouse=data["warehouse"],
            document_date=data["document_date"],
            currency=data.get("currency"),
            exchange_rate=data.get("exchange_rate"),
            requested_date=data.get("requested_date"),
            customer_reference=data.get("customer_reference", ""),
            note=data.get("note", ""),
            payment_terms=data.get("payment_terms"),
            lines=[dict(line) for line in data["lines"]],
        )
        serializer.instance = self.fresh(order)

    def perform_update(self, serializer):
        data, order = serializer.validated_data, serializer.instance
        lines = data.get("lines")
        if lines is None:
            lines = editable_lines(order.lines.all(), PRICED_LINE_FIELDS)
        order = services.update_order(
            actor=self.request.user,
            order=order,
            document_date=data.get("document_date", order.document_date),
            requested_date=data.get("requested_date", order.requested_date),
            customer_reference=data.get("customer_reference", order.customer_reference),
            note=data.get("note", order.note),
            lines=[dict(line) for line in lines],
        )
        serializer.instance = self.fresh(order)

    @extend_schema(request=None, responses=SalesOrderSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, *args, **kwargs):
        """Confirm (reserving stock), or send for approval when over the credit limit or the discount rules."""
        return self.answer(services.confirm_order(actor=request.user, order=self.get_object()))

    @extend_schema(request=CancelSerializer, responses=SalesOrderSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, *args, **kwargs):
        """Cancel what is not delivered and release the reservations."""
        order = services.cancel_order(actor=request.user, order=self.get_object(), reason=self.reason(request))
        return self.answer(order)

    @extend_schema(request=CancelSerializer, responses=SalesOrderSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, *args, **kwargs):
        """Close the order short: nothing more is delivered, reservations are released."""
        order = services.close_order(actor=request.user, order=self.get_object(), reason=self.reason(request))
        return self.answer(order)

    @extend_schema(request=None, responses=SalesOrderSerializer)
    @action(detail=True, methods=["post"])
    def reserve(self, request, *args, **kwargs):
        """Reserve again for the backordered lines (after new stock arrived)."""
        return self.answer(services.reserve_backorders(actor=request.user, order=self.get_object()))

    @extend_schema(responses=PickSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def picks(self, request, *args, **kwargs):
        """Where to pick each open line from: its reservations, then other stock, earliest-expiring lots first."""
        order = get_object_or_404(selectors.orders_to_ship_visible_to(request.user), pk=kwargs["pk"])
        return Response(PickSerializer(services.suggest_picks(order), many=True).data)

    @extend_schema(parameters=[AvailabilityQuerySerializer], responses=AvailabilitySerializer)
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def availability(self, request):
        """Available to promise (on hand − reserved) per item in a warehouse, for the order form."""
        query = validated(AvailabilityQuerySerializer, request.query_params, self.get_serializer_context())
        warehouse = query["warehouse"]
        item_ids = list(items_visible_to(request.user).filter(pk__in=query["items"]).values_list("pk", flat=True))
        available = selectors.availability(company=warehouse.company, item_ids=item_ids, warehouse_id=warehouse.pk)
        rows = [{"item": item_id, "available": available.get(item_id, ZERO)} for item_id in item_ids]
        return Response(AvailabilitySerializer({"warehouse": warehouse.pk, "items": rows}).data)

    @extend_schema(parameters=[CreditQuerySerializer], responses=CreditPositionSerializer)
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def credit(self, request):
        """The customer's credit position: open receivables + open orders (+ the order being entered) vs limit."""
        query = validated(CreditQuerySerializer, request.query_params, self.get_serializer_context())
        position = selectors.credit_position(customer=query["customer"], adding=query.get("adding") or ZERO)
        body = {
            "customer": query["customer"].pk,
            "limit": position.limit,
            "receivables": position.receivables,
            "open_orders": position.open_orders,
            "this_order": position.this_order,
            "exposure": position.exposure,
            "available": position.available,
            "exceeded": position.exceeded,
        }
        return Response(CreditPositionSerializer(body).data)

    @extend_schema(parameters=[PriceQuerySerializer], responses=PriceSerializer)
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def price(self, request):
        """The price per base unit the customer's lists give the item for a quantity (base unit), in the
        customer's currency unless another is named."""
        query = validated(PriceQuerySerializer, request.query_params, self.get_serializer_context())
        customer, company = query["customer"], query["customer"].company
        currency = query.get("currency") or customer.currency or company.base_currency
        on_date = query.get("on_date") or timezone.localdate()
        price = services.price_for(
            company=company,
            customer=customer,
            item=query["item"],
            base_quantity=query.get("quantity") or Decimal(1),
            currency=currency,
            on_date=on_date,
            rate=document_rate(company, currency, on_date, None),
        )
        return Response(PriceSerializer(price).data)


class DeliveryViewSet(DocumentResource):
    """Deliveries: a draft of picks (or of the suggested picks), shipped by `post` at moving-average cost."""

    http_method_names = ["get", "post", "head", "options"]
    serializer_class = DeliverySerializer
    list_serializer_class = DeliveryListSerializer
    filterset_class = filters.DeliveryFilter
    visible = staticmethod(selectors.deliveries_visible_to)
    line_prefetch = Prefetch("lines", DeliveryLine.objects.select_related("item", "location__warehouse", "lot"))
    action_permissions = {"post_delivery": ["sales.change_delivery"], "cancel": ["sales.change_delivery"]}

    def perform_create(self, serializer):
        data = serializer.validated_data
        lines = data.get("lines")
        delivery = services.create_delivery(
            actor=self.request.user,
            order=data["order"],
            document_date=data["document_date"],
            shipping_address=data.get("shipping_address", ""),
            lines=[dict(line) for line in lines] if lines else None,
        )
        serializer.instance = self.fresh(delivery)

    @extend_schema(request=None, responses=DeliverySerializer)
    @action(detail=True, methods=["post"], url_path="post", url_name="post")
    def post_delivery(self, request, *args, **kwargs):
        """Ship: stock out at moving-average cost, the order's reservations consumed, COGS to the books."""
        return self.answer(services.post_delivery(actor=request.user, delivery=self.get_object()))

    @extend_schema(request=CancelSerializer, responses=DeliverySerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, *args, **kwargs):
        """Cancel a draft, or take back a shipment nothing was invoiced or returned against."""
        delivery = services.cancel_delivery(actor=request.user, delivery=self.get_object(), reason=self.reason(request))
        return self.answer(delivery)


class InvoiceViewSet(DocumentResource):
    """Customer invoices from shipped lines (several deliveries of one customer at once); numbered when posted."""

    http_method_names = ["get", "post", "head", "options"]
    serializer_class = InvoiceSerializer
    list_serializer_class = InvoiceListSerializer
    filterset_class = filters.CustomerInvoiceFilter
    visible = staticmethod(selectors.invoices_visible_to)
    line_prefetch = Prefetch("lines", InvoiceLine.objects.select_related("item"))
    action_permissions = {"post_invoice": ["sales.change_customerinvoice"]}

    def get_queryset(self):
        queryset = super().get_queryset()
        return queryset if self.action == "list" else queryset.prefetch_related("allocations__invoice")

    def perform_create(self, serializer):
        data = serializer.validated_data
        lines = [dict(line) for line in data.get("lines") or []]
        for delivery in data.get("deliveries") or []:
            lines.extend(
                {"delivery_line": line}
                for line in delivery.lines.order_by("id")
                if line.invoiceable_quantity > 0 and delivery.status == delivery.Status.POSTED
            )
        invoice = services.create_invoice(
            actor=self.request.user,
            company=data["company"],
            customer=data["customer"],
            document_date=data["document_date"],
            due_date=data.get("due_date"),
            exchange_rate=data.get("exchange_rate"),
            lines=lines,
        )
        serializer.instance = self.fresh(invoice)

    @extend_schema(request=None, responses=InvoiceSerializer)
    @action(detail=True, methods=["post"], url_path="post", url_name="post")
    def post_invoice(self, request, *args, **kwargs):
        """Number the invoice and post Dr AR / Cr revenue and output VAT."""
        return self.answer(services.post_invoice(actor=request.user, invoice=self.get_object()))


class CreditNoteViewSet(DocumentResource):
    """Credit notes: the only correction of a posted invoice; posting settles the invoice first."""

    http_method_names = ["get", "post", "head", "options"]
    serializer_class = CreditNoteSerializer
    list_serializer_class = CreditNoteListSerializer
    filterset_class = filters.CreditNoteFilter
    visible = staticmethod(selectors.credit_notes_visible_to)
    line_prefetch = Prefetch("lines", CreditNoteLine.objects.select_related("invoice_line"))
    action_permissions = {"post_credit_note": ["sales.change_creditnote"], "apply": ["sales.change_creditnote"]}

    def get_queryset(self):
        queryset = super().get_queryset()
        return queryset if self.action == "list" else queryset.prefetch_related("allocations__invoice")

    def perform_create(self, serializer):
        data = serializer.validated_data
        note = services.create_credit_note(
            actor=self.request.user,
            invoice=data["invoice"],
            document_date=data["document_date"],
            reason=data["reason"],
            lines=[dict(line) for line in data["lines"]],
        )
        serializer.instance = self.fresh(note)

    @extend_schema(request=None, responses=CreditNoteSerializer)
    @action(detail=True, methods=["post"], url_path="post", url_name="post")
    def post_credit_note(self, request, *args, **kwargs):
        """Post Dr revenue and output VAT / Cr AR; what the invoice does not absorb stays as customer credit."""
        return self.answer(services.post_credit_note(actor=request.user, credit_note=self.get_object()))

    @extend_schema(request=ReceivableAllocationsSerializer, responses=CreditNoteSerializer)
    @action(detail=True, methods=["post"])
    def apply(self, request, *args, **kwargs):
        """Use the credit left on the note against other open invoices of the customer."""
        allocations = validated(ReceivableAllocationsSerializer, request.data, self.get_serializer_context())
        note = services.apply_credit_note(
            actor=request.user,
            credit_note=self.get_object(),
            allocations=[dict(a) for a in allocations.get("allocations", [])],
        )
        return self.answer(note)


class ReceiptViewSet(DocumentResource):
    """Customer receipts: posted with allocations across invoices; what is left stays as customer credit."""

    http_method_names = ["get", "post", "head", "options"]
    serializer_class = CustomerReceiptSerializer
    list_serializer_class = CustomerReceiptListSerializer
    filterset_class = filters.CustomerReceiptFilter
    visible = staticmethod(selectors.receipts_visible_to)
    line_prefetch = Prefetch("allocations", ReceivableAllocation.objects.select_related("invoice"))
    action_permissions = {
        "post_receipt": ["sales.change_customerreceipt"],
        "allocate": ["sales.change_customerreceipt"],
        "cancel": ["sales.change_customerreceipt"],
    }

    def perform_create(self, serializer):
        data = serializer.validated_data
        receipt = services.create_receipt(
            actor=self.request.user,
            company=data["company"],
            customer=data["customer"],
            document_date=data["document_date"],
            amount=data["amount"],
            reference=data.get("reference", ""),
        )
        serializer.instance = self.fresh(receipt)

    def allocations(self, request) -> list[dict]:
        body = validated(ReceivableAllocationsSerializer, request.data, self.get_serializer_context())
        return [dict(allocation) for allocation in body.get("allocations", [])]

    @extend_schema(request=ReceivableAllocationsSerializer, responses=CustomerReceiptSerializer)
    @action(detail=True, methods=["post"], url_path="post", url_name="post")
    def post_receipt(self, request, *args, **kwargs):
        """Post Dr bank / Cr AR and settle the invoices named, in the order given."""
        receipt = services.post_receipt(
            actor=request.user, receipt=self.get_object(), allocations=self.allocations(request)
        )
        return self.answer(receipt)

    @extend_schema(request=ReceivableAllocationsSerializer, responses=CustomerReceiptSerializer)
    @action(detail=True, methods=["post"])
    def allocate(self, request, *args, **kwargs):
        """Use the unallocated part of a posted receipt against invoices."""
        receipt = services.allocate_receipt(
            actor=request.user, receipt=self.get_object(), allocations=self.allocations(request)
        )
        return self.answer(receipt)

    @extend_schema(request=CancelSerializer, responses=CustomerReceiptSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, *args, **kwargs):
        """Cancel a draft, or reverse a posted receipt on today's date (its invoices open again)."""
        receipt = services.cancel_receipt(actor=request.user, receipt=self.get_object(), reason=self.reason(request))
        return self.answer(receipt)


class ReturnViewSet(DocumentResource):
    """Sales returns: goods back into stock at their delivered cost; the invoiced part is credited."""

    http_method_names = ["get", "post", "head", "options"]
    serializer_class = SalesReturnSerializer
    list_serializer_class = SalesReturnListSerializer
    filterset_class = filters.SalesReturnFilter
    visible = staticmethod(selectors.returns_visible_to)
    line_prefetch = Prefetch("lines", SalesReturnLine.objects.select_related("item", "location__warehouse"))
    action_permissions = {"post_return": ["sales.change_salesreturn"], "cancel": ["sales.change_salesreturn"]}

    def get_queryset(self):
        queryset = super().get_queryset()
        return queryset if self.action == "list" else queryset.prefetch_related("credit_notes")

    def perform_create(self, serializer):
        data = serializer.validated_data
        sales_return = services.create_return(
            actor=self.request.user,
            company=data["company"],
            customer=data["customer"],
            warehouse=data["warehouse"],
            document_date=data["document_date"],
            reason=data["reason"],
            lines=[dict(line) for line in data["lines"]],
        )
        serializer.instance = self.fresh(sales_return)

    @extend_schema(request=None, responses=SalesReturnSerializer)
    @action(detail=True, methods=["post"], url_path="post", url_name="post")
    def post_return(self, request, *args, **kwargs):
        """Put the goods back at their delivered cost and credit what was invoiced."""
        return self.answer(services.post_return(actor=request.user, sales_return=self.get_object()))

    @extend_schema(request=CancelSerializer, responses=SalesReturnSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, *args, **kwargs):
        """Cancel a draft return."""
        sales_return = services.cancel_draft_return(
            actor=request.user, sales_return=self.get_object(), reason=self.reason(request)
        )
        return self.answer(sales_return)


# --- Reports ------------------------------------------------------------------------------------


class SalesReportViewSet(ErpViewMixin, viewsets.GenericViewSet):
    """Open orders and backorders, what can ship today, AR ageing (against the AR control account),
    sales and margin, and a customer's statement."""

    queryset = SalesOrder.objects.none()
    filter_backends: list = []
    action_permissions = {
        "open_orders": ["sales.view_salesorder"],
        "shippable_today": ["sales.view_salesorder"],
        "ar_ageing": ["sales.view_customerinvoice"],
        "sales_margin": ["sales.view_customerinvoice"],
        "customer_statement": ["sales.view_customerinvoice"],
    }

    def query(self, serializer_class) -> dict:
        return validated(serializer_class, self.request.query_params, self.get_serializer_context())

    def company(self, query: dict):
        return chosen_company(self.request.user, query.get("company"))

    @extend_schema(responses=OpenOrderLineSerializer(many=True))
    @action(detail=False, methods=["get"], url_path="open-orders")
    def open_orders(self, request):
        """Order lines still to deliver; those partly delivered are backorders."""
        lines = self.paginate_queryset(selectors.open_order_lines_visible_to(request.user))
        return self.get_paginated_response(OpenOrderLineSerializer(lines, many=True).data)

    @extend_schema(responses=ShippableRowSerializer(many=True))
    @action(detail=False, methods=["get"], url_path="shippable-today")
    def shippable_today(self, request):
        """Open lines with what is reserved for them and what else is available: what can ship now."""
        rows = self.paginate_queryset(selectors.shippable_today(request.user))
        return self.get_paginated_response(ShippableRowSerializer(rows, many=True).data)

    @extend_schema(parameters=[ReceivablesAgeingQuerySerializer], responses=ReceivablesAgeingSerializer)
    @action(detail=False, methods=["get"], url_path="ar-ageing")
    def ar_ageing(self, request):
        """Open receivables by days overdue per customer, reconciled to the AR control accounts."""
        query = self.query(ReceivablesAgeingQuerySerializer)
        body = selectors.ageing_report(request.user, company=self.company(query), as_of=query.get("as_of"))
        return Response(ReceivablesAgeingSerializer(body).data)

    @extend_schema(parameters=[MarginQuerySerializer], responses=MarginRowSerializer(many=True))
    @action(detail=False, methods=["get"], url_path="sales-margin")
    def sales_margin(self, request):
        """Invoiced revenue, cost of the goods invoiced and gross margin, by customer, item, salesperson or month."""
        query = self.query(MarginQuerySerializer)
        start, end = selectors.period(query.get("start"), query.get("end"))
        rows = selectors.margin_rows(
            request.user, company=self.company(query), group_by=query["group_by"], start=start, end=end
        )
        return self.get_paginated_response(MarginRowSerializer(self.paginate_queryset(rows), many=True).data)

    @extend_schema(parameters=[CustomerStatementQuerySerializer], responses=CustomerStatementSerializer)
    @action(detail=False, methods=["get"], url_path="customer-statement")
    def customer_statement(self, request):
        """Opening balance, the period's invoices, credit notes and receipts, and the closing balance."""
        query = self.query(CustomerStatementQuerySerializer)
        start, end = selectors.period(query.get("start"), query.get("end"))
        statement = selectors.customer_statement(customer=query["customer"], start=start, end=end)
        return Response(CustomerStatementSerializer(statement).data)
