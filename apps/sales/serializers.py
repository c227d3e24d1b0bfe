"""The API's view of sales: documents with their lines, action bodies, lookups and reports.

Foreign keys are chosen among the rows the requesting user may see (a salesperson's customers, a
keeper's warehouses); rules and writes live in the services, which report a wrong line as
`lines.<n>.<field>`.
"""

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from apps.core.access import scoped
from apps.core.serializers import LinesSerializer, PreloadedRelatedField, ScopedRelatedField
from apps.inventory.serializers import (
    AMOUNT,
    MAX_LINES,
    QUANTITY,
    LocationSummarySerializer,
    existing_line_id,
    immutable,
    lot_detail,
    visible_lot,
)
from apps.masterdata.models import Company, Currency, CustomerGroup, Item, Partner, Warehouse
from apps.masterdata.selectors import ACCESS_COMPANY
from apps.masterdata.serializers import (
    MasterDataSerializer,
    SummarySerializer,
    UserSummarySerializer,
    VisibleRelatedField,
    chosen_company,
    summary,
)

from . import selectors
from .models import (
    CreditNote,
    CreditNoteLine,
    CustomerInvoice,
    CustomerReceipt,
    Delivery,
    DeliveryLine,
    InvoiceLine,
    PriceList,
    PriceListLine,
    Quotation,
    QuotationLine,
    ReceivableAllocation,
    SalesOrder,
    SalesOrderLine,
    SalesReturn,
    SalesReturnLine,
)


def customer_groups_visible_to(user) -> QuerySet[CustomerGroup]:
    return scoped(CustomerGroup.objects.all(), user=user, perm=ACCESS_COMPANY, scope_model=Company, through="company")


def ship_from_warehouses(user) -> QuerySet[Warehouse]:
    """Any warehouse of the user's companies: a salesperson names where an order ships from without keeping it."""
    return scoped(
        Warehouse.objects.select_related("company"),
        user=user,
        perm=ACCESS_COMPANY,
        scope_model=Company,
        through="company",
    )


def order_lines_to_ship_visible_to(user) -> QuerySet[SalesOrderLine]:
    return SalesOrderLine.objects.filter(order__in=selectors.orders_to_ship_visible_to(user).values("pk"))


def order_lines_visible_to(user) -> QuerySet[SalesOrderLine]:
    return SalesOrderLine.objects.filter(order__in=selectors.orders_visible_to(user).values("pk"))


def delivery_lines_visible_to(user) -> QuerySet[DeliveryLine]:
    return DeliveryLine.objects.filter(delivery__in=selectors.deliveries_visible_to(user).values("pk"))


def invoice_lines_visible_to(user) -> QuerySet[InvoiceLine]:
    return InvoiceLine.objects.filter(invoice__in=selectors.invoices_visible_to(user).values("pk"))


def code_summary(source: str) -> serializers.CharField:
    return serializers.CharField(source=f"{source}.code", read_only=True)


class SalesDocumentSerializer(MasterDataSerializer):
    """What every sales document answers: number, company, status, customer, who and when."""

    company_detail = summary("company")
    customer_detail = summary("customer")
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
        "customer",
        "customer_detail",
        "created_by_detail",
        "created_at",
        "modified_at",
    ]
    READ_ONLY = ["number", "status", "created_at", "modified_at"]

    def get_validators(self) -> list:
        return []  # numbers are given by the services; the (company, number) constraint is theirs to keep

    def get_fields(self):
        fields = super().get_fields()
        if "company" in fields and not fields["company"].read_only:
            fields["company"].required = False
            fields["company"].help_text = _("Defaults to the customer's company.")
        return fields

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if self.instance is not None:
            for name in ("company", "customer", "warehouse", "currency"):
                if name in attrs and attrs[name] is not None and attrs[name].pk != getattr(self.instance, f"{name}_id"):
                    raise immutable(name, _("This cannot change on a saved document; cancel it and enter a new one."))
        elif "company" in self.fields and not self.fields["company"].read_only and attrs.get("company") is None:
            customer = attrs.get("customer")
            attrs["company"] = customer.company if customer is not None else chosen_company(self.user, None)
        return attrs


# --- Price lists --------------------------------------------------------------------------------


class PriceListLineSerializer(MasterDataSerializer):
    id = existing_line_id()
    item_detail = summary("item")

    class Meta:
        model = PriceListLine
        fields = ["id", "item", "item_detail", "min_quantity", "price", "floor_price"]
        extra_kwargs = {"min_quantity": {"required": False}}


class PriceListSerializer(MasterDataSerializer):
    company_detail = summary("company")
    customer_detail = SummarySerializer(source="customer", read_only=True, allow_null=True)
    currency_code = code_summary("currency")
    customer_group = ScopedRelatedField(visible=customer_groups_visible_to, required=False, allow_null=True)
    lines = PriceListLineSerializer(many=True, max_length=MAX_LINES)

    class Meta:
        model = PriceList
        fields = [
            "id",
            "company",
            "company_detail",
            "name",
            "currency",
            "currency_code",
            "customer",
            "customer_detail",
            "customer_group",
            "valid_from",
            "valid_until",
            "priority",
            "active",
            "lines",
        ]
        extra_kwargs = {"company": {"required": False}}

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if self.instance is None:
            attrs["company"] = chosen_company(self.user, attrs.get("company"))
        elif "company" in attrs and attrs["company"].pk != self.instance.company_id:
            raise immutable("company", _("A record cannot move to another company."))
        return attrs


class PriceListListSerializer(PriceListSerializer):
    class Meta(PriceListSerializer.Meta):
        fields = [name for name in PriceListSerializer.Meta.fields if name != "lines"]


# --- Quotations and orders ----------------------------------------------------------------------

PRICED_LINE_FIELDS = [
    "id",
    "item",
    "item_detail",
    "description",
    "quantity",
    "unit",
    "unit_code",
    "factor",
    "base_quantity",
    "list_price",
    "floor_price",
    "price",
    "discount_percent",
    "tax_rate",
    "net_amount",
    "tax_amount",
]
PRICED_LINE_READ_ONLY = ["factor", "base_quantity", "list_price", "floor_price", "net_amount", "tax_amount"]
PRICED_LINE_INPUT = ("id", "item", "description", "quantity", "unit", "price", "discount_percent", "tax_rate")


class LineRelatedField(PreloadedRelatedField, VisibleRelatedField):
    """A line's item or unit, read for all the document's lines in one query."""


class PricedLineSerializer(MasterDataSerializer):
    serializer_related_field = LineRelatedField

    id = existing_line_id()
    item_detail = summary("item")
    unit_code = code_summary("unit")

    class Meta:
        list_serializer_class = LinesSerializer
        fields = PRICED_LINE_FIELDS
        read_only_fields = PRICED_LINE_READ_ONLY
        extra_kwargs = {
            "unit": {"required": False, "help_text": _("Defaults to the item's sales unit.")},
            "price": {"required": False, "help_text": _("Per unit before tax; defaults from the price lists.")},
            "discount_percent": {"required": False},
            "tax_rate": {"required": False, "help_text": _("Defaults to the item's tax rate.")},
        }


class QuotationLineSerializer(PricedLineSerializer):
    class Meta(PricedLineSerializer.Meta):
        model = QuotationLine


class SalesOrderLineSerializer(PricedLineSerializer):
    open_quantity = serializers.DecimalField(**QUANTITY, read_only=True, help_text=_("Still to deliver (base unit)."))

    class Meta(PricedLineSerializer.Meta):
        model = SalesOrderLine
        fields = [
            *PRICED_LINE_FIELDS,
            "warehouse",
            "reserved_quantity",
            "delivered_quantity",
            "invoiced_quantity",
            "open_quantity",
            "closed_short",
        ]
        read_only_fields = [
            *PRICED_LINE_READ_ONLY,
            "warehouse",
            "reserved_quantity",
            "delivered_quantity",
            "invoiced_quantity",
            "closed_short",
        ]


class QuotationListSerializer(SalesDocumentSerializer):
    currency_code = code_summary("currency")
    salesperson_detail = UserSummarySerializer(source="salesperson", read_only=True, allow_null=True)

    class Meta:
        model = Quotation
        fields = [
            *SalesDocumentSerializer.DOCUMENT_FIELDS,
            "currency",
            "currency_code",
            "exchange_rate",
            "valid_until",
            "salesperson_detail",
            "lost_reason",
            "subtotal",
            "tax_total",
            "total",
        ]
        read_only_fields = [*SalesDocumentSerializer.READ_ONLY, "salesperson", "lost_reason"]
        extra_kwargs = {"currency": {"required": False}, "exchange_rate": {"required": False}}


class QuotationSerializer(QuotationListSerializer):
    lines = QuotationLineSerializer(many=True, max_length=MAX_LINES)
    orders = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta(QuotationListSerializer.Meta):
        fields = [*QuotationListSerializer.Meta.fields, "lines", "orders"]


class SalesOrderListSerializer(SalesDocumentSerializer):
    warehouse = ScopedRelatedField(visible=ship_from_warehouses, help_text=_("Where the order ships from."))
    warehouse_detail = summary("warehouse")
    currency_code = code_summary("currency")
    salesperson_detail = UserSummarySerializer(source="salesperson", read_only=True, allow_null=True)

    class Meta:
        model = SalesOrder
        fields = [
            *SalesDocumentSerializer.DOCUMENT_FIELDS,
            "warehouse",
            "warehouse_detail",
            "currency",
            "currency_code",
            "exchange_rate",
            "payment_terms",
            "requested_date",
            "salesperson_detail",
            "quotation",
            "customer_reference",
            "note",
            "subtotal",
            "tax_total",
            "total",
            "base_total",
            "credit_check",
        ]
        read_only_fields = [*SalesDocumentSerializer.READ_ONLY, "quotation", "base_total", "credit_check"]
        extra_kwargs = {
            "currency": {"required": False, "help_text": _("Defaults to the customer's currency.")},
            "exchange_rate": {"required": False},
            "payment_terms": {"required": False},
        }


class SalesOrderSerializer(SalesOrderListSerializer):
    lines = SalesOrderLineSerializer(many=True, max_length=MAX_LINES)

    class Meta(SalesOrderListSerializer.Meta):
        fields = [*SalesOrderListSerializer.Meta.fields, "lines"]


class AcceptQuotationSerializer(serializers.Serializer):
    warehouse = ScopedRelatedField(visible=ship_from_warehouses, help_text=_("Where the order ships from."))
    document_date = serializers.DateField(required=False, help_text=_("The order's date; defaults to today."))


# --- Deliveries ---------------------------------------------------------------------------------


class DeliveryLineSerializer(MasterDataSerializer):
    order_line = ScopedRelatedField(visible=order_lines_to_ship_visible_to)
    item_detail = summary("item")
    location_detail = LocationSummarySerializer(source="location", read_only=True)
    lot = visible_lot(required=False, allow_null=True, help_text=_("Required for a lot-tracked item."))
    lot_detail = lot_detail()

    class Meta:
        model = DeliveryLine
        fields = [
            "id",
            "order_line",
            "item",
            "item_detail",
            "location",
            "location_detail",
            "lot",
            "lot_detail",
            "quantity",
            "unit_cost",
            "cost",
            "invoiced_quantity",
            "returned_quantity",
        ]
        read_only_fields = ["id", "item", "unit_cost", "cost", "invoiced_quantity", "returned_quantity"]


class DeliveryListSerializer(SalesDocumentSerializer):
    order = ScopedRelatedField(visible=selectors.orders_to_ship_visible_to)
    order_number = serializers.CharField(source="order.number", read_only=True)
    warehouse_detail = summary("warehouse")

    class Meta:
        model = Delivery
        fields = [
            *SalesDocumentSerializer.DOCUMENT_FIELDS,
            "order",
            "order_number",
            "warehouse",
            "warehouse_detail",
            "shipping_address",
            "total_cost",
        ]
        read_only_fields = [*SalesDocumentSerializer.READ_ONLY, "company", "customer", "warehouse", "total_cost"]


class DeliverySerializer(DeliveryListSerializer):
    lines = DeliveryLineSerializer(
        many=True,
        required=False,
        max_length=MAX_LINES,
        help_text=_("Leave out to deliver everything open, picked as suggested (reserved stock, earliest lots)."),
    )

    class Meta(DeliveryListSerializer.Meta):
        fields = [*DeliveryListSerializer.Meta.fields, "lines"]


class PickSerializer(serializers.Serializer):
    order_line = serializers.IntegerField(source="order_line.pk", read_only=True)
    item = serializers.IntegerField(source="order_line.item_id", read_only=True)
    location = serializers.IntegerField(source="location.pk", read_only=True)
    location_detail = LocationSummarySerializer(source="location", read_only=True)
    lot = serializers.IntegerField(source="lot.pk", read_only=True, allow_null=True, default=None)
    lot_detail = lot_detail()
    quantity = serializers.DecimalField(**QUANTITY, read_only=True)


# --- Invoices and credit notes ------------------------------------------------------------------


class InvoiceLineSerializer(MasterDataSerializer):
    delivery_line = ScopedRelatedField(visible=delivery_lines_visible_to, required=False, allow_null=True)
    order_line = ScopedRelatedField(
        visible=order_lines_visible_to,
        required=False,
        allow_null=True,
        help_text=_("For services, which are invoiced from the order."),
    )
    item_detail = summary("item")
    quantity = serializers.DecimalField(
        **QUANTITY, required=False, help_text=_("Defaults to everything not yet invoiced.")
    )

    class Meta:
        model = InvoiceLine
        fields = [
            "id",
            "delivery_line",
            "order_line",
            "item",
            "item_detail",
            "quantity",
            "price",
            "tax_rate",
            "net_amount",
            "tax_amount",
            "credited_quantity",
        ]
        read_only_fields = ["id", "item", "price", "tax_rate", "net_amount", "tax_amount", "credited_quantity"]


class ReceivableAllocationSerializer(serializers.ModelSerializer):
    invoice_number = serializers.CharField(source="invoice.number", read_only=True)

    class Meta:
        model = ReceivableAllocation
        fields = ["id", "invoice", "invoice_number", "receipt", "credit_note", "amount", "allocated_on", "reversed"]
        read_only_fields = fields


class InvoiceListSerializer(SalesDocumentSerializer):
    currency_code = code_summary("currency")
    salesperson_detail = UserSummarySerializer(source="salesperson", read_only=True, allow_null=True)

    class Meta:
        model = CustomerInvoice
        fields = [
            *SalesDocumentSerializer.DOCUMENT_FIELDS,
            "currency",
            "currency_code",
            "exchange_rate",
            "due_date",
            "salesperson_detail",
            "subtotal",
            "tax_total",
            "total",
            "base_total",
            "open_amount",
        ]
        read_only_fields = [
            *SalesDocumentSerializer.READ_ONLY,
            "currency",
            "subtotal",
            "tax_total",
            "total",
            "base_total",
            "open_amount",
        ]
        extra_kwargs = {"due_date": {"required": False}, "exchange_rate": {"required": False}}


class InvoiceSerializer(InvoiceListSerializer):
    deliveries = ScopedRelatedField(
        visible=selectors.deliveries_visible_to,
        many=True,
        write_only=True,
        required=False,
        help_text=_("Invoice everything still to invoice on these shipped deliveries of the customer."),
    )
    lines = InvoiceLineSerializer(many=True, required=False, max_length=MAX_LINES)
    allocations = ReceivableAllocationSerializer(many=True, read_only=True)

    class Meta(InvoiceListSerializer.Meta):
        fields = [*InvoiceListSerializer.Meta.fields, "deliveries", "lines", "allocations"]

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if self.instance is None and not attrs.get("lines") and not attrs.get("deliveries"):
            raise serializers.ValidationError(
                {"lines": [serializers.ErrorDetail(_("Name the deliveries or the lines to invoice."), code="required")]}
            )
        return attrs


class CreditNoteLineSerializer(serializers.ModelSerializer):
    invoice_line = ScopedRelatedField(visible=invoice_lines_visible_to)
    item = serializers.IntegerField(source="invoice_line.item_id", read_only=True)

    class Meta:
        model = CreditNoteLine
        fields = ["id", "invoice_line", "item", "quantity", "net_amount", "tax_amount"]
        read_only_fields = ["id", "net_amount", "tax_amount"]


class CreditNoteListSerializer(SalesDocumentSerializer):
    invoice = ScopedRelatedField(visible=selectors.invoices_visible_to)
    invoice_number = serializers.CharField(source="invoice.number", read_only=True)

    class Meta:
        model = CreditNote
        fields = [
            *SalesDocumentSerializer.DOCUMENT_FIELDS,
            "invoice",
            "invoice_number",
            "sales_return",
            "reason",
            "total",
            "base_total",
            "open_amount",
        ]
        read_only_fields = [
            *SalesDocumentSerializer.READ_ONLY,
            "company",
            "customer",
            "sales_return",
            "total",
            "base_total",
            "open_amount",
        ]


class CreditNoteSerializer(CreditNoteListSerializer):
    lines = CreditNoteLineSerializer(many=True, max_length=MAX_LINES)
    allocations = ReceivableAllocationSerializer(many=True, read_only=True)

    class Meta(CreditNoteListSerializer.Meta):
        fields = [*CreditNoteListSerializer.Meta.fields, "lines", "allocations"]


# --- Receipts -----------------------------------------------------------------------------------


class ReceivableAllocationInputSerializer(serializers.Serializer):
    invoice = ScopedRelatedField(visible=selectors.invoices_visible_to)
    amount = serializers.DecimalField(**AMOUNT)


class ReceivableAllocationsSerializer(serializers.Serializer):
    allocations = ReceivableAllocationInputSerializer(many=True, required=False, max_length=MAX_LINES)


class CustomerReceiptListSerializer(SalesDocumentSerializer):
    class Meta:
        model = CustomerReceipt
        fields = [*SalesDocumentSerializer.DOCUMENT_FIELDS, "amount", "reference", "unallocated_amount"]
        read_only_fields = [*SalesDocumentSerializer.READ_ONLY, "unallocated_amount"]


class CustomerReceiptSerializer(CustomerReceiptListSerializer):
    allocations = ReceivableAllocationSerializer(many=True, read_only=True)

    class Meta(CustomerReceiptListSerializer.Meta):
        fields = [*CustomerReceiptListSerializer.Meta.fields, "allocations"]


# --- Returns ------------------------------------------------------------------------------------


class SalesReturnLineSerializer(MasterDataSerializer):
    delivery_line = ScopedRelatedField(visible=delivery_lines_visible_to)
    item_detail = summary("item")
    location_detail = LocationSummarySerializer(source="location", read_only=True)

    class Meta:
        model = SalesReturnLine
        fields = ["id", "delivery_line", "item", "item_detail", "quantity", "location", "location_detail", "cost"]
        read_only_fields = ["id", "item", "cost"]
        extra_kwargs = {"location": {"required": False, "help_text": _("Defaults to where it was picked from.")}}


class SalesReturnListSerializer(SalesDocumentSerializer):
    warehouse_detail = summary("warehouse")

    class Meta:
        model = SalesReturn
        fields = [
            *SalesDocumentSerializer.DOCUMENT_FIELDS,
            "warehouse",
            "warehouse_detail",
            "reason",
            "total_cost",
        ]
        read_only_fields = [*SalesDocumentSerializer.READ_ONLY, "total_cost"]


class SalesReturnSerializer(SalesReturnListSerializer):
    lines = SalesReturnLineSerializer(many=True, max_length=MAX_LINES)
    credit_notes = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta(SalesReturnListSerializer.Meta):
        fields = [*SalesReturnListSerializer.Meta.fields, "lines", "credit_notes"]


# --- Order form lookups -------------------------------------------------------------------------


class AvailabilityQuerySerializer(serializers.Serializer):
    warehouse = ScopedRelatedField(visible=ship_from_warehouses)
    items = serializers.CharField(help_text=_("Item ids, comma-separated."))

    def validate_items(self, value: str) -> list[int]:
        try:
            ids = sorted({int(part) for part in value.split(",") if part.strip()})
        except ValueError as error:
            raise serializers.ValidationError(_("Give item ids separated by commas."), code="invalid") from error
        if not ids or len(ids) > MAX_LINES:
            raise serializers.ValidationError(_("Give between 1 and 1000 item ids."), code="invalid")
        return ids


class AvailabilityRowSerializer(serializers.Serializer):
    item = serializers.IntegerField(read_only=True)
    available = serializers.DecimalField(**QUANTITY, read_only=True, help_text=_("On hand minus reserved."))


class AvailabilitySerializer(serializers.Serializer):
    warehouse = serializers.IntegerField(read_only=True)
    items = AvailabilityRowSerializer(many=True, read_only=True)


class CreditQuerySerializer(serializers.Serializer):
    customer = VisibleRelatedField(queryset=Partner.objects.all())
    adding = serializers.DecimalField(
        **AMOUNT, required=False, help_text=_("The order being entered, in base currency.")
    )


class CreditPositionSerializer(serializers.Serializer):
    customer = serializers.IntegerField(read_only=True)
    limit = serializers.DecimalField(**AMOUNT, read_only=True, allow_null=True)
    receivables = serializers.DecimalField(**AMOUNT, read_only=True)
    open_orders = serializers.DecimalField(**AMOUNT, read_only=True)
    this_order = serializers.DecimalField(**AMOUNT, read_only=True)
    exposure = serializers.DecimalField(**AMOUNT, read_only=True)
    available = serializers.DecimalField(**AMOUNT, read_only=True, allow_null=True)
    exceeded = serializers.BooleanField(read_only=True)


class PriceQuerySerializer(serializers.Serializer):
    customer = VisibleRelatedField(queryset=Partner.objects.all())
    item = VisibleRelatedField(queryset=Item.objects.all())
    quantity = serializers.DecimalField(**QUANTITY, required=False, min_value=0, help_text=_("In the base unit."))
    currency = VisibleRelatedField(queryset=Currency.objects.all(), required=False)
    on_date = serializers.DateField(required=False)


class PriceSerializer(serializers.Serializer):
    price = serializers.DecimalField(**QUANTITY, read_only=True, help_text=_("Per base unit, before tax."))
    floor = serializers.DecimalField(**QUANTITY, read_only=True, allow_null=True)
    source = serializers.CharField(read_only=True)


# --- Reports ------------------------------------------------------------------------------------


class CompanyQuerySerializer(serializers.Serializer):
    company = VisibleRelatedField(
        queryset=Company.objects.all(), required=False, help_text=_("Required unless you can see exactly one company.")
    )


class ReceivablesAgeingQuerySerializer(CompanyQuerySerializer):
    as_of = serializers.DateField(required=False, help_text=_("Defaults to today."))


class PeriodQuerySerializer(CompanyQuerySerializer):
    start = serializers.DateField(required=False, help_text=_("Defaults to the first of this month."))
    end = serializers.DateField(required=False, help_text=_("Defaults to today."))

    def validate(self, attrs):
        if attrs.get("start") and attrs.get("end") and attrs["start"] > attrs["end"]:
            raise serializers.ValidationError(
                {"end": [serializers.ErrorDetail(_("The end is before the start."), code="invalid")]}
            )
        return attrs


class MarginQuerySerializer(PeriodQuerySerializer):
    group_by = serializers.ChoiceField(choices=["customer", "item", "salesperson", "month"], default="customer")


class CustomerStatementQuerySerializer(PeriodQuerySerializer):
    customer = VisibleRelatedField(queryset=Partner.objects.all())


class OpenOrderLineSerializer(serializers.Serializer):
    order = serializers.IntegerField(source="order_id", read_only=True)
    order_number = serializers.CharField(source="order.number", read_only=True)
    customer_detail = SummarySerializer(source="order.customer", read_only=True)
    requested_date = serializers.DateField(source="order.requested_date", read_only=True, allow_null=True)
    item_detail = SummarySerializer(source="item", read_only=True)
    warehouse = serializers.IntegerField(source="warehouse_id", read_only=True)
    ordered = serializers.DecimalField(source="base_quantity", **QUANTITY, read_only=True)
    delivered = serializers.DecimalField(source="delivered_quantity", **QUANTITY, read_only=True)
    reserved = serializers.DecimalField(source="reserved_quantity", **QUANTITY, read_only=True)
    open_quantity = serializers.DecimalField(**QUANTITY, read_only=True)
    backorder = serializers.SerializerMethodField(help_text=_("Partly delivered already."))

    def get_backorder(self, line) -> bool:
        return line.delivered_quantity > 0


class ShippableRowSerializer(serializers.Serializer):
    line = OpenOrderLineSerializer(read_only=True)
    reserved = serializers.DecimalField(**QUANTITY, read_only=True)
    available = serializers.DecimalField(**QUANTITY, read_only=True)
    can_ship = serializers.DecimalField(**QUANTITY, read_only=True)


class ReceivablesAgeingRowSerializer(serializers.Serializer):
    customer = SummarySerializer(source="partner", read_only=True)
    buckets = serializers.DictField(child=serializers.DecimalField(**AMOUNT), read_only=True)
    unapplied = serializers.DecimalField(**AMOUNT, read_only=True)
    total = serializers.DecimalField(**AMOUNT, read_only=True)


class ReceivablesAgeingSerializer(serializers.Serializer):
    company = SummarySerializer(read_only=True)
    as_of = serializers.DateField(read_only=True)
    rows = ReceivablesAgeingRowSerializer(many=True, read_only=True)
    buckets = serializers.DictField(child=serializers.DecimalField(**AMOUNT), read_only=True)
    total = serializers.DecimalField(**AMOUNT, read_only=True)
    receivables_total = serializers.DecimalField(
        **AMOUNT, read_only=True, help_text=_("The whole subledger (every customer).")
    )
    control_balance = serializers.DecimalField(
        **AMOUNT, read_only=True, allow_null=True, help_text=_("The AR control accounts in the books.")
    )
    difference = serializers.DecimalField(**AMOUNT, read_only=True, allow_null=True)
    pending_events = serializers.IntegerField(read_only=True)


class MarginRowSerializer(serializers.Serializer):
    key = serializers.CharField(read_only=True)
    label = serializers.CharField(read_only=True)
    quantity = serializers.DecimalField(**QUANTITY, read_only=True)
    revenue = serializers.DecimalField(**AMOUNT, read_only=True)
    cost = serializers.DecimalField(**AMOUNT, read_only=True)
    margin = serializers.DecimalField(**AMOUNT, read_only=True)
    margin_percent = serializers.DecimalField(**AMOUNT, read_only=True, allow_null=True)


class CustomerStatementEntrySerializer(serializers.Serializer):
    date = serializers.DateField(read_only=True)
    kind = serializers.SerializerMethodField()
    number = serializers.CharField(source="document.number", read_only=True)
    debit = serializers.DecimalField(**AMOUNT, read_only=True)
    credit = serializers.DecimalField(**AMOUNT, read_only=True)
    balance = serializers.DecimalField(**AMOUNT, read_only=True)

    def get_kind(self, entry) -> str:
        return entry["document"]._meta.model_name


class CustomerStatementSerializer(serializers.Serializer):
    customer = SummarySerializer(read_only=True)
    start = serializers.DateField(read_only=True)
    end = serializers.DateField(read_only=True)
    opening = serializers.DecimalField(**AMOUNT, read_only=True)
    entries = CustomerStatementEntrySerializer(many=True, read_only=True)
    closing = serializers.DecimalField(**AMOUNT, read_only=True)
