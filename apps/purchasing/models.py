from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from apps.core.models import Document
from apps.core.money import AmountField, QuantityField


class PurchasingSettings(models.Model):
    """A company's purchasing tolerances."""

    class ToleranceAction(models.TextChoices):
        BLOCK = "block", _("Refuse the bill")
        APPROVAL = "approval", _("Send the bill for approval")

    company = models.OneToOneField(
        "masterdata.Company", on_delete=models.CASCADE, related_name="purchasing_settings", verbose_name=_("company")
    )
    over_receipt_percent = models.DecimalField(
        _("over-receipt tolerance (%)"), max_digits=5, decimal_places=2, default=Decimal("5")
    )
    price_tolerance_percent = models.DecimalField(
        _("bill price tolerance (%)"), max_digits=5, decimal_places=2, default=Decimal("2")
    )
    quantity_tolerance_percent = models.DecimalField(
        _("bill quantity tolerance (%)"), max_digits=5, decimal_places=2, default=Decimal("0")
    )
    tolerance_action = models.CharField(
        _("beyond tolerance"), max_length=10, choices=ToleranceAction.choices, default=ToleranceAction.APPROVAL
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("purchasing settings")
        verbose_name_plural = _("purchasing settings")

    def __str__(self) -> str:
        return str(self.company)


# --- Requisitions ---------------------------------------------------------------------------------


class PurchaseRequisition(Document):
    """An internal request to buy, approvable, turned into purchase orders in whole or in part."""

    DOCUMENT_TYPE = "purchase_requisition"

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PENDING_APPROVAL = "pending_approval", _("Pending approval")
        APPROVED = "approved", _("Approved")
        PARTIALLY_ORDERED = "partially_ordered", _("Partially ordered")
        ORDERED = "ordered", _("Ordered")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")

    ALLOWED_TRANSITIONS = {
        Status.DRAFT: {Status.PENDING_APPROVAL, Status.APPROVED, Status.CANCELLED},
        Status.PENDING_APPROVAL: {Status.APPROVED, Status.DRAFT},
        Status.APPROVED: {Status.PARTIALLY_ORDERED, Status.ORDERED, Status.CLOSED, Status.CANCELLED, Status.DRAFT},
        Status.PARTIALLY_ORDERED: {Status.ORDERED, Status.CLOSED},
    }
    STATUS_GROUPS = {
        "open": [Status.DRAFT, Status.PENDING_APPROVAL, Status.APPROVED, Status.PARTIALLY_ORDERED],
        "done": [Status.ORDERED, Status.CLOSED],
    }

    warehouse = models.ForeignKey(
        "masterdata.Warehouse", on_delete=models.PROTECT, related_name="+", verbose_name=_("deliver to")
    )
    needed_by = models.DateField(_("needed by"))
    reason = models.CharField(_("reason"), max_length=300)

    history = HistoricalRecords()

    class Meta(Document.Meta):
        verbose_name = _("purchase requisition")
        verbose_name_plural = _("purchase requisitions")


class RequisitionLine(models.Model):
    requisition = models.ForeignKey(PurchaseRequisition, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey("masterdata.Item", on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    quantity = QuantityField(_("quantity"), help_text=_("In the item's base unit"))
    ordered_quantity = QuantityField(_("ordered"), default=0)
    needed_by = models.DateField(_("needed by"), null=True, blank=True)
    suggested_supplier = models.ForeignKey(
        "masterdata.Partner",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("suggested supplier"),
    )
    estimated_price = QuantityField(_("estimated unit price"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("requisition line")
        verbose_name_plural = _("requisition lines")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="requisition_line_quantity_positive"),
            models.CheckConstraint(condition=Q(ordered_quantity__gte=0), name="requisition_line_ordered_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} × {self.quantity}"

    @property
    def open_quantity(self) -> Decimal:
        return max(self.quantity - self.ordered_quantity, Decimal(0))


# --- Purchase orders ------------------------------------------------------------------------------


class PurchaseOrder(Document):
    DOCUMENT_TYPE = "purchase_order"

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PENDING_APPROVAL = "pending_approval", _("Pending approval")
        CONFIRMED = "confirmed", _("Confirmed")
        PARTIALLY_RECEIVED = "partially_received", _("Partially received")
        RECEIVED = "received", _("Received")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")

    ALLOWED_TRANSITIONS = {
        Status.DRAFT: {Status.PENDING_APPROVAL, Status.CONFIRMED, Status.CANCELLED},
        Status.PENDING_APPROVAL: {Status.CONFIRMED, Status.DRAFT},
        Status.CONFIRMED: {Status.PARTIALLY_RECEIVED, Status.RECEIVED, Status.CLOSED, Status.CANCELLED},
        Status.PARTIALLY_RECEIVED: {Status.PARTIALLY_RECEIVED, Status.RECEIVED, Status.CLOSED, Status.CONFIRMED},
        # Back to confirmed when the order's only receipt is cancelled.
        Status.RECEIVED: {Status.CLOSED, Status.PARTIALLY_RECEIVED, Status.CONFIRMED},
    }
    STATUS_GROUPS = {
        "open": [Status.DRAFT, Status.PENDING_APPROVAL, Status.CONFIRMED, Status.PARTIALLY_RECEIVED],
        "done": [Status.RECEIVED, Status.CLOSED],
    }

    supplier = models.ForeignKey(
        "masterdata.Partner", on_delete=models.PROTECT, related_name="+", verbose_name=_("supplier")
    )
    currency = models.ForeignKey(
        "masterdata.Currency", on_delete=models.PROTECT, related_name="+", verbose_name=_("currency")
    )
    exchange_rate = models.DecimalField(_("exchange rate"), max_digits=18, decimal_places=8, default=Decimal(1))
    warehouse = models.ForeignKey(
        "masterdata.Warehouse", on_delete=models.PROTECT, related_name="+", verbose_name=_("deliver to")
    )
    payment_terms = models.ForeignKey(
        "masterdata.PaymentTerms",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("payment terms"),
    )
    expected_date = models.DateField(_("expected on"))
    supplier_reference = models.CharField(_("supplier reference"), max_length=60, blank=True)
    note = models.TextField(_("note"), blank=True)
    subtotal = AmountField(_("subtotal"), default=0)
    tax_total = AmountField(_("tax"), default=0)
    total = AmountField(_("total"), default=0)
    base_total = AmountField(_("total in base currency"), default=0)

    history = HistoricalRecords()

    class Meta(Document.Meta):
        verbose_name = _("purchase order")
        verbose_name_plural = _("purchase orders")
        indexes = [
            models.Index(fields=["company", "status", "expected_date"], name="po_open_by_date"),
            models.Index(fields=["supplier", "document_date"], name="po_supplier_date"),
        ]
        constraints = [
            *Document.Meta.constraints,
            models.CheckConstraint(condition=Q(exchange_rate__gt=0), name="po_rate_positive"),
        ]


class PurchaseOrderLine(models.Model):
    order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey("masterdata.Item", on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    description = models.CharField(_("description"), max_length=200, blank=True)
    quantity = QuantityField(_("quantity"), help_text=_("In the purchase unit"))
    unit = models.ForeignKey(
        "masterdata.UnitOfMeasure", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    factor = QuantityField(_("base units per unit"), default=1)
    base_quantity = QuantityField(_("quantity in base unit"))
    price = QuantityField(_("unit price"), help_text=_("Per purchase unit, in the order's currency, before tax"))
    tax_rate = models.ForeignKey(
        "masterdata.TaxRate", on_delete=models.PROTECT, related_name="+", verbose_name=_("tax rate")
    )
    net_amount = AmountField(_("amount"), default=0)
    tax_amount = AmountField(_("tax"), default=0)
    expected_date = models.DateField(_("expected on"), null=True, blank=True)
    warehouse = models.ForeignKey(
        "masterdata.Warehouse", on_delete=models.PROTECT, related_name="+", verbose_name=_("deliver to")
    )
    received_quantity = QuantityField(_("received (base unit)"), default=0)
    billed_quantity = QuantityField(_("billed (base unit)"), default=0)
    closed_short = models.BooleanField(_("closed short"), default=False)
    requisition_line = models.ForeignKey(
        RequisitionLine, null=True, blank=True, on_delete=models.PROTECT, related_name="order_lines"
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("purchase order line")
        verbose_name_plural = _("purchase order lines")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="po_line_quantity_positive"),
            models.CheckConstraint(condition=Q(price__gte=0), name="po_line_price_not_negative"),
            models.CheckConstraint(condition=Q(factor__gt=0), name="po_line_factor_positive"),
            models.CheckConstraint(
                condition=Q(received_quantity__gte=0, billed_quantity__gte=0), name="po_line_progress_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.item_id} × {self.quantity}"

    @property
    def open_quantity(self) -> Decimal:
        """Still to receive, in the base unit (nothing once the line is closed short)."""
        return Decimal(0) if self.closed_short else max(self.base_quantity - self.received_quantity, Decimal(0))


# --- Goods receipts -------------------------------------------------------------------------------


class GoodsReceipt(Document):
    DOCUMENT_TYPE = "goods_receipt"

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        POSTED = "posted", _("Posted")
        CANCELLED = "cancelled", _("Cancelled")

    ALLOWED_TRANSITIONS = {
        Status.DRAFT: {Status.POSTED, Status.CANCELLED},
        Status.POSTED: {Status.CANCELLED},
    }
    STATUS_GROUPS = {"open": [Status.DRAFT], "done": [Status.POSTED]}

    supplier = models.ForeignKey(
        "masterdata.Partner", on_delete=models.PROTECT, related_name="+", verbose_name=_("supplier")
    )
    warehouse = models.ForeignKey(
        "masterdata.Warehouse", on_delete=models.PROTECT, related_name="+", verbose_name=_("warehouse")
    )
    delivery_note = models.CharField(_("supplier's delivery note"), max_length=60, blank=True)
    total_value = AmountField(_("value"), default=0)

    history = HistoricalRecords()

    class Meta(Document.Meta):
        verbose_name = _("goods receipt")
        verbose_name_plural = _("goods receipts")


class GoodsReceiptLine(models.Model):
    receipt = models.ForeignKey(GoodsReceipt, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(
        PurchaseOrderLine, on_delete=models.PROTECT, related_name="receipt_lines", verbose_name=_("order line")
    )
    item = models.ForeignKey("masterdata.Item", on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    quantity = QuantityField(_("quantity"), help_text=_("In the item's base unit"))
    location = models.ForeignKey(
        "masterdata.Location", on_delete=models.PROTECT, related_name="+", verbose_name=_("location")
    )
    lot_number = models.CharField(_("lot number"), max_length=60, blank=True)
    expiry_date = models.DateField(_("expiry date"), null=True, blank=True)
    lot = models.ForeignKey("inventory.Lot", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    unit_cost = QuantityField(_("unit cost"), default=0, help_text=_("Order price per base unit in base currency"))
    value = AmountField(_("value"), default=0)
    billed_quantity = QuantityField(_("billed"), default=0)
    returned_quantity = QuantityField(_("returned"), default=0)
    grni_cleared = AmountField(
        _("received value cleared"),
        default=0,
        help_text=_("By bills and returns; the rest is still goods received not invoiced"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("goods receipt line")
        verbose_name_plural = _("goods receipt lines")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="receipt_line_quantity_positive"),
            models.CheckConstraint(
                condition=Q(billed_quantity__gte=0, returned_quantity__gte=0), name="receipt_line_progress_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.receipt_id}: {self.item_id} × {self.quantity}"

    @property
    def billable_quantity(self) -> Decimal:
        return self.quantity - self.returned_quantity - self.billed_quantity

    @property
    def grni_open(self) -> Decimal:
        return self.value - self.grni_cleared


# --- Supplier bills, payments, returns ------------------------------------------------------------


class SupplierBill(Document):
    """The supplier's invoice, matched three ways against the order and the receipts."""

    DOCUMENT_TYPE = "supplier_bill"

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PENDING_APPROVAL = "pending_approval", _("Pending approval")
        APPROVED = "approved", _("Approved")
        POSTED = "posted", _("Posted")
        PAID = "paid", _("Paid")
        CANCELLED = "cancelled", _("Cancelled")

    ALLOWED_TRANSITIONS = {
        Status.DRAFT: {Status.PENDING_APPROVAL, Status.POSTED, Status.CANCELLED},
        Status.PENDING_APPROVAL: {Status.APPROVED, Status.DRAFT},
        Status.APPROVED: {Status.POSTED, Status.DRAFT},
        Status.POSTED: {Status.PAID, Status.CANCELLED},
        Status.PAID: {Status.POSTED},
    }
    STATUS_GROUPS = {
        "open": [Status.DRAFT, Status.PENDING_APPROVAL, Status.APPROVED, Status.POSTED],
        "done": [Status.PAID],
    }

    supplier = models.ForeignKey(
        "masterdata.Partner", on_delete=models.PROTECT, related_name="+", verbose_name=_("supplier")
    )
    supplier_invoice_number = models.CharField(_("supplier's invoice number"), max_length=60)
    currency = models.ForeignKey(
        "masterdata.Currency", on_delete=models.PROTECT, related_name="+", verbose_name=_("currency")
    )
    exchange_rate = models.DecimalField(_("exchange rate"), max_digits=18, decimal_places=8, default=Decimal(1))
    due_date = models.DateField(_("due date"))
    subtotal = AmountField(_("subtotal"), default=0)
    tax_total = AmountField(_("tax"), default=0)
    total = AmountField(_("total"), default=0)
    base_total = AmountField(_("total in base currency"), default=0)
    open_amount = AmountField(_("open amount (base currency)"), default=0)
    match_exceptions = models.JSONField(_("match differences"), default=list, blank=True)

    history = HistoricalRecords()

    class Meta(Document.Meta):
        verbose_name = _("supplier bill")
        verbose_name_plural = _("supplier bills")
        constraints = [
            *Document.Meta.constraints,
            models.UniqueConstraint(
                fields=["company", "supplier", "supplier_invoice_number"],
                condition=~Q(status="cancelled"),
                name="supplier_bill_invoice_number_unique",
            ),
            models.CheckConstraint(condition=Q(exchange_rate__gt=0), name="supplier_bill_rate_positive"),
        ]
        indexes = [models.Index(fields=["supplier", "status", "due_date"], name="supplier_bill_open")]


class SupplierBillLine(models.Model):
    bill = models.ForeignKey(SupplierBill, on_delete=models.CASCADE, related_name="lines")
    receipt_line = models.ForeignKey(
        GoodsReceiptLine,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bill_lines",
        verbose_name=_("receipt line"),
    )
    order_line = models.ForeignKey(
        PurchaseOrderLine, on_delete=models.PROTECT, related_name="bill_lines", verbose_name=_("order line")
    )
    item = models.ForeignKey("masterdata.Item", on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    quantity = QuantityField(_("quantity"), help_text=_("In the item's base unit"))
    price = QuantityField(_("unit price"), help_text=_("Per base unit, in the bill's currency, before tax"))
    tax_rate = models.ForeignKey(
        "masterdata.TaxRate", on_delete=models.PROTECT, related_name="+", verbose_name=_("tax rate")
    )
    net_amount = AmountField(_("amount"), default=0)
    tax_amount = AmountField(_("tax"), default=0)
    grni_amount = AmountField(_("received value cleared"), default=0)
    price_difference = AmountField(_("price difference"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("supplier bill line")
        verbose_name_plural = _("supplier bill lines")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="bill_line_quantity_positive"),
            models.CheckConstraint(condition=Q(price__gte=0), name="bill_line_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.bill_id}: {self.item_id} × {self.quantity}"


class SupplierPayment(Document):
    """Money paid to one supplier, allocated across bills; what is left stays as a prepayment."""

    DOCUMENT_TYPE = "supplier_payment"

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        POSTED = "posted", _("Posted")
        CANCELLED = "cancelled", _("Cancelled")

    ALLOWED_TRANSITIONS = {Status.DRAFT: {Status.POSTED, Status.CANCELLED}, Status.POSTED: {Status.CANCELLED}}
    STATUS_GROUPS = {"open": [Status.DRAFT], "done": [Status.POSTED]}

    supplier = models.ForeignKey(
        "masterdata.Partner", on_delete=models.PROTECT, related_name="+", verbose_name=_("supplier")
    )
    amount = AmountField(_("amount (base currency)"))
    reference = models.CharField(_("bank reference"), max_length=60, blank=True)
    unallocated_amount = AmountField(_("unallocated"), default=0)

    history = HistoricalRecords()

    class Meta(Document.Meta):
        verbose_name = _("supplier payment")
        verbose_name_plural = _("supplier payments")
        constraints = [
            *Document.Meta.constraints,
            models.CheckConstraint(condition=Q(amount__gt=0), name="supplier_payment_positive"),
            models.CheckConstraint(condition=Q(unallocated_amount__gte=0), name="supplier_payment_unallocated"),
        ]


class PurchaseReturn(Document):
    """Received goods sent back: stock out at the receipt's cost, and a debit note for what was billed."""

    DOCUMENT_TYPE = "purchase_return"

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        POSTED = "posted", _("Posted")
        CANCELLED = "cancelled", _("Cancelled")

    ALLOWED_TRANSITIONS = {Status.DRAFT: {Status.POSTED, Status.CANCELLED}}
    STATUS_GROUPS = {"open": [Status.DRAFT], "done": [Status.POSTED]}

    supplier = models.ForeignKey(
        "masterdata.Partner", on_delete=models.PROTECT, related_name="+", verbose_name=_("supplier")
    )
    warehouse = models.ForeignKey(
        "masterdata.Warehouse", on_delete=models.PROTECT, related_name="+", verbose_name=_("warehouse")
    )
    reason = models.CharField(_("reason"), max_length=200)
    total_value = AmountField(_("stock value returned"), default=0)
    debit_amount = AmountField(_("debit note (base currency)"), default=0)
    open_amount = AmountField(_("debit note not yet used"), default=0)

    history = HistoricalRecords()

    class Meta(Document.Meta):
        verbose_name = _("purchase return")
        verbose_name_plural = _("purchase returns")


class PurchaseReturnLine(models.Model):
    purchase_return = models.ForeignKey(PurchaseReturn, on_delete=models.CASCADE, related_name="lines")
    receipt_line = models.ForeignKey(
        GoodsReceiptLine, on_delete=models.PROTECT, related_name="return_lines", verbose_name=_("receipt line")
    )
    item = models.ForeignKey("masterdata.Item", on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    quantity = QuantityField(_("quantity"))
    location = models.ForeignKey(
        "masterdata.Location", on_delete=models.PROTECT, related_name="+", verbose_name=_("from location")
    )
    value = AmountField(_("value"), default=0)
    debit_amount = AmountField(_("debit"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("purchase return line")
        verbose_name_plural = _("purchase return lines")
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="return_line_quantity_positive")]

    def __str__(self) -> str:
        return f"{self.purchase_return_id}: {self.item_id} × {self.quantity}"


class PayableAllocation(models.Model):
    """Part of a payment or a debit note settling a bill."""

    company = models.ForeignKey("masterdata.Company", on_delete=models.PROTECT, related_name="+")
    bill = models.ForeignKey(SupplierBill, on_delete=models.PROTECT, related_name="allocations")
    payment = models.ForeignKey(
        SupplierPayment, null=True, blank=True, on_delete=models.PROTECT, related_name="allocations"
    )
    debit_note = models.ForeignKey(
        PurchaseReturn, null=True, blank=True, on_delete=models.PROTECT, related_name="allocations"
    )
    amount = AmountField(_("amount"))
    allocated_on = models.DateField(_("date"))
    allocated_by = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+")
    reversed = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("payable allocation")
        verbose_name_plural = _("payable allocations")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payable_allocation_positive"),
            models.CheckConstraint(
                condition=(Q(payment__isnull=False) & Q(debit_note__isnull=True))
                | (Q(payment__isnull=True) & Q(debit_note__isnull=False)),
                name="payable_allocation_one_source",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bill_id} ← {self.amount}"
