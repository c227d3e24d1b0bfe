"""The API's view of purchasing: documents with their lines, the bodies of their actions, and reports.

Foreign keys are chosen among the rows the requesting user may see (an order line through its
order's scope, a receipt line through its receipt's); rules and writes live in the services, which
report a wrong line as `lines.<n>.<field>`.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from apps.core.serializers import ScopedRelatedField
from apps.inventory.serializers import (
    AMOUNT,
    MAX_LINES,
    QUANTITY,
    DocumentSerializer,
    existing_line_id,
    immutable,
    lot_detail,
)
from apps.masterdata.models import Company, Item, Partner, Warehouse
from apps.masterdata.serializers import MasterDataSerializer, SummarySerializer, VisibleRelatedField, summary

from . import selectors
from .models import (
    GoodsReceipt,
    GoodsReceiptLine,
    PayableAllocation,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseRequisition,
    PurchaseReturn,
    PurchaseReturnLine,
    RequisitionLine,
    SupplierBill,
    SupplierBillLine,
    SupplierPayment,
)


def order_lines_visible_to(user):
    return PurchaseOrderLine.objects.filter(order__in=selectors.orders_visible_to(user).values("pk")).select_related(
        "order", "item"
    )


def receipt_lines_visible_to(user):
    return GoodsReceiptLine.objects.filter(receipt__in=selectors.receipts_visible_to(user).values("pk")).select_related(
        "receipt", "item", "order_line__order", "location"
    )


def bills_to_allocate(user):
    return selectors.bills_visible_to(user)


def requisition_lines_visible_to(user):
    return RequisitionLine.objects.filter(
        requisition__in=selectors.requisitions_visible_to(user).values("pk")
    ).select_related("requisition", "item", "suggested_supplier")


def order_line_field(**kwargs) -> ScopedRelatedField:
    return ScopedRelatedField(visible=order_lines_visible_to, **kwargs)


def receipt_line_field(**kwargs) -> ScopedRelatedField:
    return ScopedRelatedField(visible=receipt_lines_visible_to, **kwargs)


class DocumentReference(serializers.Serializer):
    """A purchasing document in a flow: enough to show and fetch it."""

    id = serializers.IntegerField(read_only=True)
    number = serializers.CharField(read_only=True)
    status = serializers.CharField(read_only=True)


class FlowSerializer(serializers.Serializer):
    requisitions = DocumentReference(many=True, read_only=True)
    orders = DocumentReference(many=True, read_only=True)
    receipts = DocumentReference(many=True, read_only=True)
    bills = DocumentReference(many=True, read_only=True)
    payments = DocumentReference(many=True, read_only=True)
    returns = DocumentReference(many=True, read_only=True)


class CompanyFromWarehouse:
    """A document whose company is its warehouse's; the warehouse is chosen once and never changes."""

    def validate(self, attrs):
        attrs = super().validate(attrs)
        warehouse = attrs.get("warehouse")
        if self.instance is not None and warehouse is not None and warehouse.pk != self.instance.warehouse_id:
            raise immutable(
                "warehouse", _("A document cannot move to another warehouse; cancel it and enter a new one.")
            )
        return attrs


class FixedSupplier:
    def validate(self, attrs):
        attrs = super().validate(attrs)
        supplier = attrs.get("supplier")
        if self.instance is not None and supplier is not None and supplier.pk != self.instance.supplier_id:
            raise immutable("supplier", _("A document cannot move to another supplier."))
        return attrs


# --- Requisitions -------------------------------------------------------------------------------


class RequisitionLineSerializer(MasterDataSerializer):
    id = existing_line_id()
    item_detail = summary("item")
    suggested_supplier_detail = SummarySerializer(source="suggested_supplier", read_only=True, allow_null=True)

    class Meta:
        model = RequisitionLine
        fields = [
            "id",
            "item",
            "item_detail",
            "quantity",
            "ordered_quantity",
            "needed_by",
            "suggested_supplier",
            "suggested_supplier_detail",
            "estimated_price",
        ]
        read_only_fields = ["ordered_quantity"]
        extra_kwargs = {"estimated_price": {"required": False, "min_value": 0}}


class RequisitionListSerializer(CompanyFromWarehouse, DocumentSerializer):
    warehouse_detail = summary("warehouse")

    class Meta:
        model = PurchaseRequisition
        fields = [*DocumentSerializer.DOCUMENT_FIELDS, "warehouse", "warehouse_detail", "needed_by", "reason"]
        read_only_fields = DocumentSerializer.READ_ONLY


class RequisitionSerializer(RequisitionListSerializer):
    lines = RequisitionLineSerializer(many=True, max_length=MAX_LINES)

    class Meta(RequisitionListSerializer.Meta):
        fields = [*RequisitionListSerializer.Meta.fields, "lines"]


class ConvertLineSerializer(serializers.Serializer):
    line = ScopedRelatedField(visible=requisition_lines_visible_to, help_text=_("A line of this requisition."))
    supplier = VisibleRelatedField(
        queryset=Partner.objects.all(), required=False, help_text=_("Defaults to the line's suggested supplier.")
    )
    quantity = serializers.DecimalField(
        **QUANTITY, required=False, help_text=_("In the base unit; defaults to what is still open.")
    )
    price = serializers.DecimalField(
        **QUANTITY, required=False, min_value=0, help_text=_("Per base unit; defaults to the estimate.")
    )


class ConvertSerializer(serializers.Serializer):
    document_date = serializers.DateField(required=False, help_text=_("Of the orders; defaults to today."))
    lines = ConvertLineSerializer(
        many=True, required=False, max_length=MAX_LINES, help_text=_("Leave out to order every open line.")
    )


class ReorderRequisitionSerializer(serializers.Serializer):
    warehouse = VisibleRelatedField(queryset=Warehouse.objects.all())
    needed_by = serializers.DateField()
    document_date = serializers.DateField(required=False, help_text=_("Defaults to today."))
    items = VisibleRelatedField(
        queryset=Item.objects.all(),
        many=True,
        required=False,
        help_text=_("Only these of the items below their reorder point; leave out for all of them."),
    )


# --- Purchase orders ----------------------------------------------------------------------------


class OrderLineSerializer(MasterDataSerializer):
    id = existing_line_id()
    item_detail = summary("item")
    unit_detail = summary("unit")
    warehouse_detail = summary("warehouse")
    open_quantity = serializers.DecimalField(**QUANTITY, read_only=True, help_text=_("Still to receive, base unit."))

    class Meta:
        model = PurchaseOrderLine
        fields = [
            "id",
            "item",
            "item_detail",
            "description",
            "quantity",
            "unit",
            "unit_detail",
            "factor",
            "base_quantity",
            "price",
            "tax_rate",
            "net_amount",
            "tax_amount",
            "expected_date",
            "warehouse",
            "warehouse_detail",
            "received_quantity",
            "billed_quantity",
            "open_quantity",
            "closed_short",
            "requisition_line",
        ]
        read_only_fields = [
            "factor",
            "base_quantity",
            "net_amount",
            "tax_amount",
            "received_quantity",
            "billed_quantity",
            "closed_short",
            "requisition_line",
        ]
        extra_kwargs = {
            "unit": {"required": False, "help_text": _("Defaults to the item's purchase unit.")},
            "tax_rate": {"required": False, "help_text": _("Defaults to the item's tax rate.")},
            "warehouse": {"required": False, "help_text": _("Defaults to the order's warehouse.")},
            "price": {"min_value": 0},
        }


class OrderListSerializer(FixedSupplier, CompanyFromWarehouse, DocumentSerializer):
    supplier_detail = summary("supplier")
    warehouse_detail = summary("warehouse")
    currency_code = serializers.CharField(source="currency.code", read_only=True)

    class Meta:
        model = PurchaseOrder
        fields = [
            *DocumentSerializer.DOCUMENT_FIELDS,
            "supplier",
            "supplier_detail",
            "warehouse",
            "warehouse_detail",
            "currency",
            "currency_code",
            "exchange_rate",
            "payment_terms",
            "expected_date",
            "supplier_reference",
            "note",
            "subtotal",
            "tax_total",
            "total",
            "base_total",
        ]
        read_only_fields = [*DocumentSerializer.READ_ONLY, "subtotal", "tax_total", "total", "base_total"]
        extra_kwargs = {
            "currency": {"required": False, "help_text": _("Defaults to the supplier's, else the base currency.")},
            "exchange_rate": {"required": False, "help_text": _("Defaults to the rate on the document date.")},
        }


class OrderSerializer(OrderListSerializer):
    lines = OrderLineSerializer(many=True, max_length=MAX_LINES)

    class Meta(OrderListSerializer.Meta):
        fields = [*OrderListSerializer.Meta.fields, "lines"]


class CloseLineSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text=_("A line of this order."))
    # The reason becomes the history's change reason, which holds 100 characters.
    reason = serializers.CharField(max_length=100, help_text=_("Why; kept in the history."))


# --- Goods receipts -----------------------------------------------------------------------------


class ReceiptLineSerializer(MasterDataSerializer):
    id = existing_line_id()
    order_line = order_line_field(help_text=_("An open line of a confirmed order of the supplier."))
    order_number = serializers.CharField(source="order_line.order.number", read_only=True)
    item_detail = summary("item")
    location_detail = summary("location")
    lot_detail = lot_detail()

    class Meta:
        model = GoodsReceiptLine
        fields = [
            "id",
            "order_line",
            "order_number",
            "item",
            "item_detail",
            "quantity",
            "location",
            "location_detail",
            "lot_number",
            "expiry_date",
            "lot",
            "lot_detail",
            "unit_cost",
            "value",
            "billed_quantity",
            "returned_quantity",
        ]
        read_only_fields = ["item", "lot", "unit_cost", "value", "billed_quantity", "returned_quantity"]


class ReceiptListSerializer(FixedSupplier, CompanyFromWarehouse, DocumentSerializer):
    supplier_detail = summary("supplier")
    warehouse_detail = summary("warehouse")

    class Meta:
        model = GoodsReceipt
        fields = [
            *DocumentSerializer.DOCUMENT_FIELDS,
            "supplier",
            "supplier_detail",
            "warehouse",
            "warehouse_detail",
            "delivery_note",
            "total_value",
        ]
        read_only_fields = [*DocumentSerializer.READ_ONLY, "total_value"]
        extra_kwargs = {"supplier": {"required": False, "help_text": _("Defaults to the first line's order's.")}}


class ReceiptSerializer(ReceiptListSerializer):
    lines = ReceiptLineSerializer(many=True, max_length=MAX_LINES)

    class Meta(ReceiptListSerializer.Meta):
        fields = [*ReceiptListSerializer.Meta.fields, "lines"]

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if self.instance is None and "supplier" not in attrs and attrs.get("lines"):
            attrs["supplier"] = attrs["lines"][0]["order_line"].order.supplier
        return attrs


# --- Supplier bills -----------------------------------------------------------------------------


class BillLineSerializer(MasterDataSerializer):
    receipt_line = receipt_line_field(
        required=False, allow_null=True, help_text=_("The received line billed (stock items).")
    )
    order_line = order_line_field(required=False, help_text=_("For services only: the order line billed."))
    item_detail = summary("item")

    class Meta:
        model = SupplierBillLine
        fields = [
            "id",
            "receipt_line",
            "order_line",
            "item",
            "item_detail",
            "quantity",
            "price",
            "tax_rate",
            "net_amount",
            "tax_amount",
            "grni_amount",
            "price_difference",
        ]
        read_only_fields = ["id", "item", "net_amount", "tax_amount", "grni_amount", "price_difference"]
        extra_kwargs = {
            "price": {"required": False, "help_text": _("Per base unit; defaults to the order's.")},
            "tax_rate": {"required": False, "help_text": _("Defaults to the order line's.")},
        }


class AllocationReadSerializer(serializers.ModelSerializer):
    bill_number = serializers.CharField(source="bill.number", read_only=True)

    class Meta:
        model = PayableAllocation
        fields = ["id", "bill", "bill_number", "payment", "debit_note", "amount", "allocated_on", "reversed"]
        read_only_fields = fields


class BillListSerializer(FixedSupplier, DocumentSerializer):
    supplier_detail = summary("supplier")
    currency_code = serializers.CharField(source="currency.code", read_only=True)

    class Meta:
        model = SupplierBill
        fields = [
            *DocumentSerializer.DOCUMENT_FIELDS,
            "supplier",
            "supplier_detail",
            "supplier_invoice_number",
            "currency",
            "currency_code",
            "exchange_rate",
            "due_date",
            "subtotal",
            "tax_total",
            "total",
            "base_total",
            "open_amount",
            "match_exceptions",
        ]
        read_only_fields = [
            *DocumentSerializer.READ_ONLY,
            "subtotal",
            "tax_total",
            "total",
            "base_total",
            "open_amount",
            "match_exceptions",
        ]
        extra_kwargs = {
            "currency": {"required": False, "help_text": _("Defaults to the first line's order's.")},
            "exchange_rate": {"required": False},
            "due_date": {"required": False, "help_text": _("Defaults to the supplier's payment terms.")},
        }


class BillSerializer(BillListSerializer):
    lines = BillLineSerializer(many=True, max_length=MAX_LINES)

    class Meta(BillListSerializer.Meta):
        fields = [*BillListSerializer.Meta.fields, "lines"]


# --- Payments -----------------------------------------------------------------------------------


class AllocationSerializer(serializers.Serializer):
    bill = ScopedRelatedField(visible=bills_to_allocate, help_text=_("A posted bill of the same supplier."))
    amount = serializers.DecimalField(**AMOUNT, min_value=0)


class AllocationsSerializer(serializers.Serializer):
    allocations = AllocationSerializer(many=True, required=False, max_length=MAX_LINES)


class PaymentListSerializer(FixedSupplier, DocumentSerializer):
    supplier_detail = summary("supplier")

    class Meta:
        model = SupplierPayment
        fields = [
            *DocumentSerializer.DOCUMENT_FIELDS,
            "supplier",
            "supplier_detail",
            "amount",
            "reference",
            "unallocated_amount",
        ]
        read_only_fields = [*DocumentSerializer.READ_ONLY, "unallocated_amount"]


class PaymentSerializer(PaymentListSerializer):
    allocations = AllocationReadSerializer(many=True, read_only=True)

    class Meta(PaymentListSerializer.Meta):
        fields = [*PaymentListSerializer.Meta.fields, "allocations"]


# --- Returns ------------------------------------------------------------------------------------


class ReturnLineSerializer(MasterDataSerializer):
    receipt_line = receipt_line_field(help_text=_("A posted receipt line of the supplier."))
    item_detail = summary("item")
    location_detail = summary("location")

    class Meta:
        model = PurchaseReturnLine
        fields = [
            "id",
            "receipt_line",
            "item",
            "item_detail",
            "quantity",
            "location",
            "location_detail",
            "value",
            "debit_amount",
        ]
        read_only_fields = ["id", "item", "value", "debit_amount"]
        extra_kwargs = {"location": {"required": False, "help_text": _("Defaults to the receipt line's.")}}


class ReturnListSerializer(FixedSupplier, CompanyFromWarehouse, DocumentSerializer):
    supplier_detail = summary("supplier")
    warehouse_detail = summary("warehouse")

    class Meta:
        model = PurchaseReturn
        fields = [
            *DocumentSerializer.DOCUMENT_FIELDS,
            "supplier",
            "supplier_detail",
            "warehouse",
            "warehouse_detail",
            "reason",
            "total_value",
            "debit_amount",
            "open_amount",
        ]
        read_only_fields = [*DocumentSerializer.READ_ONLY, "total_value", "debit_amount", "open_amount"]


class ReturnSerializer(ReturnListSerializer):
    lines = ReturnLineSerializer(many=True, max_length=MAX_LINES)

    class Meta(ReturnListSerializer.Meta):
        fields = [*ReturnListSerializer.Meta.fields, "lines"]


# --- Reports ------------------------------------------------------------------------------------


class CompanyQuerySerializer(serializers.Serializer):
    company = VisibleRelatedField(
        queryset=Company.objects.all(), required=False, help_text=_("Required unless you can see exactly one company.")
    )


class OpenLinesQuerySerializer(serializers.Serializer):
    late = serializers.BooleanField(required=False, default=False, help_text=_("Only lines past their expected date."))
    supplier = VisibleRelatedField(queryset=Partner.objects.all(), required=False)


class OpenLineRowSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    order = serializers.IntegerField(source="order_id", read_only=True)
    order_number = serializers.CharField(source="order.number", read_only=True)
    supplier_detail = SummarySerializer(source="order.supplier", read_only=True)
    item_detail = SummarySerializer(source="item", read_only=True)
    warehouse_detail = SummarySerializer(source="warehouse", read_only=True)
    expected_date = serializers.SerializerMethodField()
    base_quantity = serializers.DecimalField(**QUANTITY, read_only=True)
    received_quantity = serializers.DecimalField(**QUANTITY, read_only=True)
    open_quantity = serializers.DecimalField(**QUANTITY, read_only=True)

    def get_expected_date(self, line) -> str:
        return (line.expected_date or line.order.expected_date).isoformat()


class ControlSerializer(serializers.Serializer):
    """The subledger beside its control account in the books."""

    company = SummarySerializer(read_only=True)
    subledger_total = serializers.DecimalField(**AMOUNT, read_only=True)
    ledger_balance = serializers.DecimalField(**AMOUNT, read_only=True, allow_null=True)
    difference = serializers.DecimalField(**AMOUNT, read_only=True, allow_null=True)
    pending_events = serializers.IntegerField(
        read_only=True, help_text=_("Events of the company not yet posted to the books.")
    )


class GrniRowSerializer(serializers.Serializer):
    receipt = serializers.IntegerField(source="receipt_id", read_only=True)
    receipt_number = serializers.CharField(source="receipt.number", read_only=True)
    receipt_date = serializers.DateField(source="receipt.document_date", read_only=True)
    supplier_detail = SummarySerializer(source="receipt.supplier", read_only=True)
    order_number = serializers.CharField(source="order_line.order.number", read_only=True)
    item_detail = SummarySerializer(source="item", read_only=True)
    quantity = serializers.DecimalField(**QUANTITY, read_only=True)
    billed_quantity = serializers.DecimalField(**QUANTITY, read_only=True)
    value = serializers.DecimalField(**AMOUNT, read_only=True)
    open_value = serializers.DecimalField(**AMOUNT, read_only=True)


class GrniSerializer(ControlSerializer):
    rows = GrniRowSerializer(many=True, read_only=True)


class AgeingRowSerializer(serializers.Serializer):
    supplier_detail = SummarySerializer(source="partner", read_only=True)
    buckets = serializers.DictField(child=serializers.DecimalField(**AMOUNT), read_only=True)
    unapplied = serializers.DecimalField(**AMOUNT, read_only=True)
    total = serializers.DecimalField(**AMOUNT, read_only=True)


class AgeingQuerySerializer(CompanyQuerySerializer):
    as_of = serializers.DateField(required=False, help_text=_("Defaults to today."))


class AgeingSerializer(ControlSerializer):
    as_of = serializers.DateField(read_only=True)
    rows = AgeingRowSerializer(many=True, read_only=True)


class PurchasesQuerySerializer(CompanyQuerySerializer):
    group_by = serializers.ChoiceField(choices=["supplier", "item", "month"], default="supplier")
    start = serializers.DateField(help_text=_("First bill date included."))
    end = serializers.DateField(help_text=_("Last bill date included."))

    def validate(self, attrs):
        if attrs["start"] > attrs["end"]:
            raise serializers.ValidationError(
                {"end": [serializers.ErrorDetail(_("The end is before the start."), code="invalid")]}
            )
        return attrs


class PurchasesRowSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True, help_text=_("Supplier or item code; the month as YYYY-MM."))
    name = serializers.CharField(read_only=True)
    quantity = serializers.DecimalField(**QUANTITY, read_only=True)
    amount = serializers.DecimalField(**AMOUNT, read_only=True, help_text=_("Net, in base currency."))
