from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from apps.core.models import Document
from apps.core.money import AmountField, QuantityField


class SalesSettings(models.Model):
    """A company's selling rules: what a clerk may give away without an approver."""

    company = models.OneToOneField(
        "masterdata.Company", on_delete=models.CASCADE, related_name="sales_settings", verbose_name=_("company")
    )
    max_discount_percent = models.DecimalField(
        _("discount allowed without approval (%)"), max_digits=5, decimal_places=2, default=Decimal("10")
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("sales settings")
        verbose_name_plural = _("sales settings")

    def __str__(self) -> str:
        return str(self.company)


class PriceList(models.Model):
    """Prices for a customer or a customer group (or everyone), with quantity breaks and validity dates.

    The most specific valid list wins: the customer's own, then its group's, then the general one,
    then by priority.
    """

    company = models.ForeignKey(
        "masterdata.Company", on_delete=models.PROTECT, related_name="+", verbose_name=_("company")
    )
    name = models.CharField(_("name"), max_length=120)
    currency = models.ForeignKey(
        "masterdata.Currency", on_delete=models.PROTECT, related_name="+", verbose_name=_("currency")
    )
    customer = models.ForeignKey(
        "masterdata.Partner",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("customer"),
    )
    customer_group = models.ForeignKey(
        "masterdata.CustomerGroup",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("customer group"),
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    priority = models.PositiveSmallIntegerField(_("priority"), default=100)
    active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("price list")
        verbose_name_plural = _("price lists")
        ordering = ["company", "priority", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(customer__isnull=True) | Q(customer_group__isnull=True), name="price_list_one_target"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PriceListLine(models.Model):
    price_list = models.ForeignKey(PriceList, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey("masterdata.Item", on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    min_quantity = QuantityField(_("from quantity"), default=0, help_text=_("In the item's base unit"))
    price = QuantityField(_("price"), help_text=_("Per base unit, before tax"))
    floor_price = QuantityField(_("floor price"), null=True, blank=True, help_text=_("Selling below it needs approval"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("price list line")
        verbose_name_plural = _("price list lines")
        ordering = ["price_list", "item", "min_quantity"]
        constraints = [
            models.UniqueConstraint(fields=["price_list", "item", "min_quantity"], name="price_break_unique"),
            models.CheckConstraint(condition=Q(price__gte=0, min_quantity__gte=0), name="price_break_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} ≥ {self.min_quantity}: {self.price}"


class PricedLine(models.Model):
    """What quotation and order lines share: item, quantity in the sales unit, price, discount, tax."""

    item = models.ForeignKey("masterdata.Item", on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    description = models.CharField(_("description"), max_length=200, blank=True)
    quantity = QuantityField(_("quantity"), help_text=_("In the sales unit"))
    unit = models.ForeignKey(
        "masterdata.UnitOfMeasure", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    factor = QuantityField(_("base units per unit"), default=1)
    base_quantity = QuantityField(_("quantity in base unit"))
    list_price = QuantityField(
        _("list price"), null=True, blank=True, help_text=_("Per sales unit, from the price list")
    )
    floor_price = QuantityField(_("floor price"), null=True, blank=True)
    price = QuantityField(_("unit price"), help_text=_("Per sales unit, in the document's currency, before tax"))
    discount_percent = models.DecimalField(_("discount (%)"), max_digits=5, decimal_places=2, default=Decimal(0))
    tax_rate = models.ForeignKey(
        "masterdata.TaxRate", on_delete=models.PROTECT, related_name="+", verbose_name=_("tax rate")
    )
    net_amount = AmountField(_("amount"), default=0)
    tax_amount = AmountField(_("tax"), default=0)

    class Meta:
        abstract = True
        ordering = ["id"]

    @property
    def net_price(self) -> Decimal:
        return self.price * (1 - self.discount_percent / 100)


class Quotation(Document):
    DOCUMENT_TYPE = "quotation"

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENT = "sent", _("Sent")
        ACCEPTED = "accepted", _("Accepted")
        LOST = "lost", _("Lost")
        EXPIRED = "expired", _("Expired")

    ALLOWED_TRANSITIONS = {
        Status.DRAFT: {Status.SENT, Status.LOST},
        Status.SENT: {Status.ACCEPTED, Status.LOST, Status.EXPIRED, Status.DRAFT},
    }
    STATUS_GROUPS = {"open": [Status.DRAFT, Status.SENT], "done": [Status.ACCEPTED]}

    customer = models.ForeignKey(
        "masterdata.Partner", on_delete=models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    currency = models.ForeignKey(
        "masterdata.Currency", on_delete=models.PROTECT, related_name="+", verbose_name=_("currency")
    )
    exchange_rate = models.DecimalField(_("exchange rate"), max_digits=18, decimal_places=8, default=Decimal(1))
    valid_until = models.DateField(_("valid until"))
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("salesperson"),
    )
    lost_reason = models.CharField(_("lost because"), max_length=200, blank=True)
    subtotal = AmountField(_("subtotal"), default=0)
    tax_total = AmountField(_("tax"), default=0)
    total = AmountField(_("total"), default=0)

    history = HistoricalRecords()

    class Meta(Document.Meta):
        verbose_name = _("quotation")
        verbose_name_plural = _("quotations")


class QuotationLine(PricedLine):
    quotation = models.ForeignKey(Quotation, on_delete=models.CASCADE, related_name="lines")

    history = HistoricalRecords()

    class Meta(PricedLine.Meta):
        verbose_name = _("quotation line")
        verbose_name_plural = _("quotation lines")

    def __str__(self) -> str:
        return f"{self.quotation_id}: {self.item_id} × {self.quantity}"


class SalesOrder(Document):
    DOCUMENT_TYPE = "sales_order"

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PENDING_APPROVAL = "pending_approval", _("Pending approval")
        CONFIRMED = "confirmed", _("Confirmed")
        PARTIALLY_DELIVERED = "partially_delivered", _("Partially delivered")
        DELIVERED = "delivered", _("Delivered")
        INVOICED = "invoiced", _("Invoiced")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")

    ALLOWED_TRANSITIONS = {
        Status.DRAFT: {Status.PENDING_APPROVAL, Status.CONFIRMED, Status.CANCELLED},
        Status.PENDING_APPROVAL: {Status.CONFIRMED, Status.DRAFT},
        Status.CONFIRMED: {
            Status.PARTIALLY_DELIVERED,
            Status.DELIVERED,
            Status.INVOICED,
            Status.CANCELLED,
            Status.CLOSED,
        },
        Status.PARTIALLY_DELIVERED: {Status.DELIVERED, Status.CONFIRMED, Status.CLOSED, Status.INVOICED},
        # Back to confirmed when the order's only delivery is cancelled.
        Status.DELIVERED: {Status.INVOICED, Status.PARTIALLY_DELIVERED, Status.CLOSED, Status.CONFIRMED},
        Status.INVOICED: {Status.CLOSED, Status.DELIVERED, Status.PARTIALLY_DELIVERED},
    }
    STATUS_GROUPS = {
        "open": [Status.DRAFT, Status.PENDING_APPROVAL, Status.CONFIRMED, Status.PARTIALLY_DELIVERED],
        "done": [Status.DELIVERED, Status.INVOICED, Status.CLOSED],
    }

    customer = models.ForeignKey(
        "masterdata.Partner", on_delete=models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    currency = models.ForeignKey(
        "masterdata.Currency", on_delete=models.PROTECT, related_name="+", verbose_name=_("currency")
    )
    exchange_rate = models.DecimalField(_("exchange rate"), max_digits=18, decimal_places=8, default=Decimal(1))
    warehouse = models.ForeignKey(
        "masterdata.Warehouse", on_delete=models.PROTECT, related_name="+", verbose_name=_("ship from")
    )
    payment_terms = models.ForeignKey(
        "masterdata.PaymentTerms",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("payment terms"),
    )
    requested_date = models.DateField(_("requested delivery"), null=True, blank=True)
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("salesperson"),
    )
    quotation = models.ForeignKey(
        Quotation, null=True, blank=True, on_delete=models.PROTECT, related_name="orders", verbose_name=_("quotation")
    )
    customer_reference = models.CharField(_("customer's order number"), max_length=60, blank=True)
    note = models.TextField(_("note"), blank=True)
    subtotal = AmountField(_("subtotal"), default=0)
    tax_total = AmountField(_("tax"), default=0)
    total = AmountField(_("total"), default=0)
    base_total = AmountField(_("total in base currency"), default=0)
    credit_check = models.JSONField(_("credit check at confirmation"), default=dict, blank=True)

    history = HistoricalRecords()

    class Meta(Document.Meta):
        verbose_name = _("sales order")
        verbose_name_plural = _("sales orders")
        indexes = [models.Index(fields=["customer", "status"], name="sales_order_customer_status")]


class SalesOrderLine(PricedLine):
    order = models.ForeignKey(SalesOrder, on_delete=models.CASCADE, related_name="lines")
    warehouse = models.ForeignKey(
        "masterdata.Warehouse", on_delete=models.PROTECT, related_name="+", verbose_name=_("ship from")
    )
    reserved_quantity = QuantityField(_("reserved (base unit)"), default=0)
    delivered_quantity = QuantityField(_("delivered (base unit)"), default=0)
    invoiced_quantity = QuantityField(_("invoiced (base unit)"), default=0)
    closed_short = models.BooleanField(_("closed short"), default=False)

    history = HistoricalRecords()

    class Meta(PricedLine.Meta):
        verbose_name = _("sales order line")
        verbose_name_plural = _("sales order lines")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="sales_line_quantity_positive"),
            models.CheckConstraint(condition=Q(price__gte=0), name="sales_line_price_not_negative"),
            models.CheckConstraint(
                condition=Q(discount_percent__gte=0, discount_percent__lte=100), name="sales_line_discount_range"
            ),
            models.CheckConstraint(
                condition=Q(reserved_quantity__gte=0, delivered_quantity__gte=0, invoiced_quantity__gte=0),
                name="sales_line_progress_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.item_id} × {self.quantity}"

    @property
    def open_quantity(self) -> Decimal:
        """Still to deliver, in the base unit (the backorder once some was delivered)."""
        return Decimal(0) if self.closed_short else max(self.base_quantity - self.delivered_quantity, Decimal(0))


class Delivery(Document):
    DOCUMENT_TYPE = "delivery"

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        POSTED = "posted", _("Shipped")
        CANCELLED = "cancelled", _("Cancelled")

    ALLOWED_TRANSITIONS = {Status.DRAFT: {Status.POSTED, Status.CANCELLED}, Status.POSTED: {Status.CANCELLED}}
    STATUS_GROUPS = {"open": [Status.DRAFT], "done": [Status.POSTED]}

    customer = models.ForeignKey(
        "masterdata.Partner", on_delete=models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    order = models.ForeignKey(
        SalesOrder, on_delete=models.PROTECT, related_name="deliveries", verbose_name=_("sales order")
    )
    warehouse = models.ForeignKey(
        "masterdata.Warehouse", on_delete=models.PROTECT, related_name="+", verbose_name=_("warehouse")
    )
    shipping_address = models.CharField(_("ship to"), max_length=300, blank=True)
    total_cost = AmountField(_("cost of goods"), default=0)

    history = HistoricalRecords()

    class Meta(Document.Meta):
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")


class DeliveryLine(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(
        SalesOrderLine, on_delete=models.PROTECT, related_name="delivery_lines", verbose_name=_("order line")
    )
    item = models.ForeignKey("masterdata.Item", on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    quantity = QuantityField(_("quantity"), help_text=_("In the item's base unit"))
    location = models.ForeignKey(
        "masterdata.Location", on_delete=models.PROTECT, related_name="+", verbose_name=_("pick from")
    )
    lot = models.ForeignKey(
        "inventory.Lot", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("lot")
    )
    unit_cost = QuantityField(_("unit cost"), default=0)
    cost = AmountField(_("cost"), default=0)
    invoiced_quantity = QuantityField(_("invoiced"), default=0)
    returned_quantity = QuantityField(_("returned"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("delivery line")
        verbose_name_plural = _("delivery lines")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="delivery_line_quantity_positive"),
            models.CheckConstraint(
                condition=Q(invoiced_quantity__gte=0, returned_quantity__gte=0),
                name="delivery_line_progress_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.delivery_id}: {self.item_id} × {self.quantity}"

    @property
    def invoiceable_quantity(self) -> Decimal:
        return self.quantity - self.invoiced_quantity - self.returned_quantity


class CustomerInvoice(Document):
    """Numbered gaplessly per company and year when posted (drafts carry no number)."""

    DOCUMENT_TYPE = "customer_invoice"

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        POSTED = "posted", _("Posted")
        PAID = "paid", _("Paid")

    ALLOWED_TRANSITIONS = {Status.DRAFT: {Status.POSTED}, Status.POSTED: {Status.PAID}, Status.PAID: {Status.POSTED}}
    STATUS_GROUPS = {"open": [Status.DRAFT, Status.POSTED], "done": [Status.PAID]}

    customer = models.ForeignKey(
        "masterdata.Partner", on_delete=models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    currency = models.ForeignKey(
        "masterdata.Currency", on_delete=models.PROTECT, related_name="+", verbose_name=_("currency")
    )
    exchange_rate = models.DecimalField(_("exchange rate"), max_digits=18, decimal_places=8, default=Decimal(1))
    due_date = models.DateField(_("due date"))
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("salesperson"),
    )
    subtotal = AmountField(_("subtotal"), default=0)
    tax_total = AmountField(_("tax"), default=0)
    total = AmountField(_("total"), default=0)
    base_total = AmountField(_("total in base currency"), default=0)
    open_amount = AmountField(_("open amount (base currency)"), default=0)

    history = HistoricalRecords()

    class Meta(Document.Meta):
        verbose_name = _("customer invoice")
        verbose_name_plural = _("customer invoices")
        indexes = [models.Index(fields=["customer", "status", "due_date"], name="customer_invoice_open")]


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(CustomerInvoice, on_delete=models.CASCADE, related_name="lines")
    delivery_line = models.ForeignKey(
        DeliveryLine,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoice_lines",
        verbose_name=_("delivery line"),
    )
    order_line = models.ForeignKey(
        SalesOrderLine, on_delete=models.PROTECT, related_name="invoice_lines", verbose_name=_("order line")
    )
    item = models.ForeignKey("masterdata.Item", on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    quantity = QuantityField(_("quantity"), help_text=_("In the item's base unit"))
    price = QuantityField(_("unit price"), help_text=_("Per base unit after discount, before tax"))
    tax_rate = models.ForeignKey(
        "masterdata.TaxRate", on_delete=models.PROTECT, related_name="+", verbose_name=_("tax rate")
    )
    net_amount = AmountField(_("amount"), default=0)
    tax_amount = AmountField(_("tax"), default=0)
    credited_quantity = QuantityField(_("credited"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="invoice_line_quantity_positive")]

    def __str__(self) -> str:
        return f"{self.invoice_id}: {self.item_id} × {self.quantity}"


class CreditNote(Document):
    """The only correction of a posted invoice: reduces revenue, output VAT and the receivable."""

    DOCUMENT_TYPE = "credit_note"

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        POSTED = "posted", _("Posted")

    ALLOWED_TRANSITIONS = {Status.DRAFT: {Status.POSTED}}
    STATUS_GROUPS = {"open": [Status.DRAFT], "done": [Status.POSTED]}

    customer = models.ForeignKey(
        "masterdata.Partner", on_delete=models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    invoice = models.ForeignKey(
        CustomerInvoice, on_delete=models.PROTECT, related_name="credit_notes", verbose_name=_("invoice")
    )
    sales_return = models.ForeignKey(
        "SalesReturn",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_notes",
        verbose_name=_("for the return"),
    )
    reason = models.CharField(_("reason"), max_length=200)
    total = AmountField(_("total"), default=0)
    base_total = AmountField(_("total in base currency"), default=0)
    open_amount = AmountField(_("not yet used (base currency)"), default=0)

    history = HistoricalRecords()

    class Meta(Document.Meta):
        verbose_name = _("credit note")
        verbose_name_plural = _("credit notes")


class CreditNoteLine(models.Model):
    credit_note = models.ForeignKey(CreditNote, on_delete=models.CASCADE, related_name="lines")
    invoice_line = models.ForeignKey(
        InvoiceLine, on_delete=models.PROTECT, related_name="credit_lines", verbose_name=_("invoice line")
    )
    quantity = QuantityField(_("quantity"))
    net_amount = AmountField(_("amount"), default=0)
    tax_amount = AmountField(_("tax"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("credit note line")
        verbose_name_plural = _("credit note lines")
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="credit_line_quantity_positive")]

    def __str__(self) -> str:
        return f"{self.credit_note_id}: {self.quantity}"


class CustomerReceipt(Document):
    """Money from a customer, allocated across invoices; an overpayment stays as customer credit."""

    DOCUMENT_TYPE = "customer_receipt"

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        POSTED = "posted", _("Posted")
        CANCELLED = "cancelled", _("Cancelled")

    ALLOWED_TRANSITIONS = {Status.DRAFT: {Status.POSTED, Status.CANCELLED}, Status.POSTED: {Status.CANCELLED}}
    STATUS_GROUPS = {"open": [Status.DRAFT], "done": [Status.POSTED]}

    customer = models.ForeignKey(
        "masterdata.Partner", on_delete=models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    amount = AmountField(_("amount (base currency)"))
    reference = models.CharField(_("bank reference"), max_length=60, blank=True)
    unallocated_amount = AmountField(_("unallocated"), default=0)

    history = HistoricalRecords()

    class Meta(Document.Meta):
        verbose_name = _("customer receipt")
        verbose_name_plural = _("customer receipts")
        constraints = [
            *Document.Meta.constraints,
            models.CheckConstraint(condition=Q(amount__gt=0), name="customer_receipt_positive"),
            models.CheckConstraint(condition=Q(unallocated_amount__gte=0), name="customer_receipt_unallocated"),
        ]


class ReceivableAllocation(models.Model):
    """Part of a receipt or a credit note settling an invoice."""

    company = models.ForeignKey("masterdata.Company", on_delete=models.PROTECT, related_name="+")
    invoice = models.ForeignKey(CustomerInvoice, on_delete=models.PROTECT, related_name="allocations")
    receipt = models.ForeignKey(
        CustomerReceipt, null=True, blank=True, on_delete=models.PROTECT, related_name="allocations"
    )
    credit_note = models.ForeignKey(
        CreditNote, null=True, blank=True, on_delete=models.PROTECT, related_name="allocations"
    )
    amount = AmountField(_("amount"))
    allocated_on = models.DateField(_("date"))
    allocated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reversed = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("receivable allocation")
        verbose_name_plural = _("receivable allocations")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="receivable_allocation_positive"),
            models.CheckConstraint(
                condition=(Q(receipt__isnull=False) & Q(credit_note__isnull=True))
                | (Q(receipt__isnull=True) & Q(credit_note__isnull=False)),
                name="receivable_allocation_one_source",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invoice_id} ← {self.amount}"


class SalesReturn(Document):
    """Goods coming back from a customer: into stock at their delivered cost, with a credit note for
    the part that was invoiced."""

    DOCUMENT_TYPE = "sales_return"

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        POSTED = "posted", _("Posted")
        CANCELLED = "cancelled", _("Cancelled")

    ALLOWED_TRANSITIONS = {Status.DRAFT: {Status.POSTED, Status.CANCELLED}}
    STATUS_GROUPS = {"open": [Status.DRAFT], "done": [Status.POSTED]}

    customer = models.ForeignKey(
        "masterdata.Partner", on_delete=models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    warehouse = models.ForeignKey(
        "masterdata.Warehouse", on_delete=models.PROTECT, related_name="+", verbose_name=_("warehouse")
    )
    reason = models.CharField(_("reason"), max_length=200)
    total_cost = AmountField(_("cost of goods returned"), default=0)

    history = HistoricalRecords()

    class Meta(Document.Meta):
        verbose_name = _("sales return")
        verbose_name_plural = _("sales returns")


class SalesReturnLine(models.Model):
    sales_return = models.ForeignKey(SalesReturn, on_delete=models.CASCADE, related_name="lines")
    delivery_line = models.ForeignKey(
        DeliveryLine, on_delete=models.PROTECT, related_name="return_lines", verbose_name=_("delivery line")
    )
    item = models.ForeignKey("masterdata.Item", on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    quantity = QuantityField(_("quantity"))
    location = models.ForeignKey(
        "masterdata.Location", on_delete=models.PROTECT, related_name="+", verbose_name=_("return to")
    )
    cost = AmountField(_("cost"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("sales return line")
        verbose_name_plural = _("sales return lines")
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="sales_return_line_positive")]

    def __str__(self) -> str:
        return f"{self.sales_return_id}: {self.item_id} × {self.quantity}"
