from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from apps.core.models import Document
from apps.core.money import AmountField, QuantityField


class InventorySettings(models.Model):
    """A company's stock rules."""

    company = models.OneToOneField(
        "masterdata.Company", on_delete=models.CASCADE, related_name="inventory_settings", verbose_name=_("company")
    )
    allow_negative_stock = models.BooleanField(_("allow negative stock"), default=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("inventory settings")
        verbose_name_plural = _("inventory settings")

    def __str__(self) -> str:
        return str(self.company)


class Lot(models.Model):
    """A batch of a lot-tracked item, traceable from its receipt to every issue."""

    company = models.ForeignKey("masterdata.Company", on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey("masterdata.Item", on_delete=models.PROTECT, related_name="lots", verbose_name=_("item"))
    number = models.CharField(_("lot number"), max_length=60)
    expiry_date = models.DateField(_("expiry date"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("lot")
        verbose_name_plural = _("lots")
        ordering = ["item", "expiry_date", "number"]
        constraints = [models.UniqueConstraint(fields=["item", "number"], name="lot_number_unique")]

    def __str__(self) -> str:
        return self.number


class ImmutableQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError(f"{self.model.__name__} rows are insert-only")

    def delete(self):
        raise TypeError(f"{self.model.__name__} rows are insert-only")


class StockMove(models.Model):
    """The stock ledger: one row per movement of quantity, never updated or deleted.

    A receipt has only `to_location`, an issue only `from_location`, a transfer both. A cancellation
    writes reversing moves (`reverses`) on its own date.
    """

    class Kind(models.TextChoices):
        ADJUSTMENT = "adjustment", _("Adjustment")
        COUNT = "count", _("Count difference")
        TRANSFER = "transfer", _("Transfer")
        TRANSIT_OUT = "transit_out", _("Shipped to transit")
        TRANSIT_IN = "transit_in", _("Received from transit")
        RECEIPT = "receipt", _("Goods receipt")
        PURCHASE_RETURN = "purchase_return", _("Purchase return")
        DELIVERY = "delivery", _("Delivery")
        SALES_RETURN = "sales_return", _("Sales return")
        MATERIAL_ISSUE = "material_issue", _("Material issue")
        PRODUCTION_OUTPUT = "production_output", _("Production output")
        REVERSAL = "reversal", _("Reversal")

    company = models.ForeignKey("masterdata.Company", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    item = models.ForeignKey("masterdata.Item", on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    from_location = models.ForeignKey(
        "masterdata.Location",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("from location"),
    )
    to_location = models.ForeignKey(
        "masterdata.Location",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("to location"),
    )
    lot = models.ForeignKey(Lot, null=True, blank=True, on_delete=models.PROTECT, related_name="moves")
    quantity = QuantityField(_("quantity"))
    unit_cost = QuantityField(_("unit cost"))
    value = AmountField(_("value"))
    move_date = models.DateField(_("date"))
    source_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    source_id = models.PositiveBigIntegerField()
    source_number = models.CharField(_("source document"), max_length=40)
    reverses = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    posted_at = models.DateTimeField(_("posted at"), auto_now_add=True)
    posted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        verbose_name = _("stock move")
        verbose_name_plural = _("stock moves")
        ordering = ["move_date", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="stock_move_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_cost__gte=0), name="stock_move_cost_not_negative"),
            models.CheckConstraint(
                condition=Q(from_location__isnull=False) | Q(to_location__isnull=False), name="stock_move_has_location"
            ),
        ]
        indexes = [
            models.Index(fields=["item", "move_date", "id"], name="stock_move_item_date"),
            models.Index(fields=["source_type", "source_id"], name="stock_move_source"),
            models.Index(fields=["lot"], name="stock_move_lot", condition=Q(lot__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.source_number} {self.item_id} {self.quantity}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("stock moves are insert-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("stock moves are insert-only")


class StockBalance(models.Model):
    """On hand, reserved and value per item, location and lot; changed only with the moves."""

    company = models.ForeignKey("masterdata.Company", on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey("masterdata.Item", on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    warehouse = models.ForeignKey(
        "masterdata.Warehouse", on_delete=models.PROTECT, related_name="+", verbose_name=_("warehouse")
    )
    location = models.ForeignKey(
        "masterdata.Location", on_delete=models.PROTECT, related_name="+", verbose_name=_("location")
    )
    lot = models.ForeignKey(Lot, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    on_hand = QuantityField(_("on hand"), default=0)
    reserved = QuantityField(_("reserved"), default=0)
    value = AmountField(_("value"), default=0)

    class Meta:
        verbose_name = _("stock balance")
        verbose_name_plural = _("stock balances")
        constraints = [
            models.UniqueConstraint(
                fields=["item", "location", "lot"], condition=Q(lot__isnull=False), name="stock_balance_lot_unique"
            ),
            models.UniqueConstraint(
                fields=["item", "location"], condition=Q(lot__isnull=True), name="stock_balance_unique"
            ),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="stock_balance_reserved_not_negative"),
        ]
        indexes = [
            models.Index(fields=["warehouse", "item"], name="stock_balance_warehouse_item"),
            models.Index(fields=["location", "item"], name="stock_balance_location_item"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}@{self.location_id}: {self.on_hand}"

    @property
    def available(self):
        return self.on_hand - self.reserved


class ItemCost(models.Model):
    """Moving-average cost of an item in a company: total quantity and value over all locations."""

    company = models.ForeignKey("masterdata.Company", on_delete=models.PROTECT, related_name="+")
    item = models.OneToOneField("masterdata.Item", on_delete=models.PROTECT, related_name="cost")
    quantity = QuantityField(_("quantity"), default=0)
    value = AmountField(_("value"), default=0)
    average_cost = QuantityField(_("average cost"), default=0)

    class Meta:
        verbose_name = _("item cost")
        verbose_name_plural = _("item costs")

    def __str__(self) -> str:
        return f"{self.item_id}: {self.average_cost}"


class Reservation(models.Model):
    """Stock promised to a document line (a sales order, a work order) until issued or released."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    company = models.ForeignKey("masterdata.Company", on_delete=models.PROTECT, related_name="+")
    balance = models.ForeignKey(StockBalance, on_delete=models.PROTECT, related_name="reservations")
    item = models.ForeignKey("masterdata.Item", on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey("masterdata.Location", on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(Lot, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    quantity = QuantityField(_("reserved quantity"))
    open_quantity = QuantityField(_("open quantity"))
    source_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    source_id = models.PositiveBigIntegerField()
    source_line_id = models.PositiveBigIntegerField(null=True, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("reservation")
        verbose_name_plural = _("reservations")
        indexes = [models.Index(fields=["source_type", "source_id"], name="reservation_source")]
        constraints = [
            models.CheckConstraint(condition=Q(open_quantity__gte=0), name="reservation_open_not_negative"),
            models.CheckConstraint(condition=Q(open_quantity__lte=models.F("quantity")), name="reservation_open_le"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}@{self.location_id}: {self.open_quantity}"


class LocationFreeze(models.Model):
    """A location being counted: moves in or out of it are refused until the count ends."""

    location = models.OneToOneField("masterdata.Location", on_delete=models.CASCADE, related_name="freeze")
    count = models.ForeignKey("StockCount", on_delete=models.CASCADE, related_name="freezes")

    class Meta:
        verbose_name = _("location frozen by a count")
        verbose_name_plural = _("locations frozen by counts")

    def __str__(self) -> str:
        return f"{self.location_id} ({self.count_id})"


# --- Documents --------------------------------------------------------------------------------


class StockAdjustment(Document):
    """Stock found or lost outside any other document: quantity changes against inventory adjustment."""

    DOCUMENT_TYPE = "stock_adjustment"

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PENDING_APPROVAL = "pending_approval", _("Pending approval")
        APPROVED = "approved", _("Approved")
        POSTED = "posted", _("Posted")
        CANCELLED = "cancelled", _("Cancelled")

    ALLOWED_TRANSITIONS = {
        Status.DRAFT: {Status.PENDING_APPROVAL, Status.POSTED, Status.CANCELLED},
        Status.PENDING_APPROVAL: {Status.APPROVED, Status.DRAFT},
        Status.APPROVED: {Status.POSTED, Status.DRAFT},
        Status.POSTED: {Status.CANCELLED},
    }
    STATUS_GROUPS = {"open": [Status.DRAFT, Status.PENDING_APPROVAL, Status.APPROVED], "done": [Status.POSTED]}

    warehouse = models.ForeignKey(
        "masterdata.Warehouse", on_delete=models.PROTECT, related_name="+", verbose_name=_("warehouse")
    )
    reason = models.CharField(_("reason"), max_length=200)
    total_value = AmountField(_("total value"), default=0)

    history = HistoricalRecords()

    class Meta(Document.Meta):
        verbose_name = _("stock adjustment")
        verbose_name_plural = _("stock adjustments")


class StockAdjustmentLine(models.Model):
    adjustment = models.ForeignKey(StockAdjustment, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey("masterdata.Item", on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    location = models.ForeignKey(
        "masterdata.Location", on_delete=models.PROTECT, related_name="+", verbose_name=_("location")
    )
    lot_number = models.CharField(_("lot number"), max_length=60, blank=True)
    expiry_date = models.DateField(_("expiry date"), null=True, blank=True)
    quantity = QuantityField(_("quantity change"), help_text=_("Positive adds stock, negative removes it"))
    unit_cost = QuantityField(
        _("unit cost"), null=True, blank=True, help_text=_("For additions; empty means the current average cost")
    )
    value = AmountField(_("value"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("stock adjustment line")
        verbose_name_plural = _("stock adjustment lines")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=~Q(quantity=0), name="adjustment_line_quantity_not_zero"),
            models.CheckConstraint(
                condition=Q(unit_cost__isnull=True) | Q(unit_cost__gte=0), name="adjustment_line_cost_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} {self.quantity}"


class StockTransfer(Document):
    """Stock moved between locations; between warehouses it travels through an in-transit step."""

    DOCUMENT_TYPE = "stock_transfer"

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_TRANSIT = "in_transit", _("In transit")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    ALLOWED_TRANSITIONS = {
        Status.DRAFT: {Status.IN_TRANSIT, Status.DONE, Status.CANCELLED},
        Status.IN_TRANSIT: {Status.DONE, Status.CANCELLED},
    }
    STATUS_GROUPS = {"open": [Status.DRAFT, Status.IN_TRANSIT], "done": [Status.DONE]}

    from_warehouse = models.ForeignKey(
        "masterdata.Warehouse", on_delete=models.PROTECT, related_name="+", verbose_name=_("from warehouse")
    )
    to_warehouse = models.ForeignKey(
        "masterdata.Warehouse", on_delete=models.PROTECT, related_name="+", verbose_name=_("to warehouse")
    )
    shipped_date = models.DateField(_("shipped on"), null=True, blank=True)
    received_date = models.DateField(_("received on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta(Document.Meta):
        verbose_name = _("stock transfer")
        verbose_name_plural = _("stock transfers")

    @property
    def crosses_warehouses(self) -> bool:
        return self.from_warehouse_id != self.to_warehouse_id


class StockTransferLine(models.Model):
    transfer = models.ForeignKey(StockTransfer, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey("masterdata.Item", on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    from_location = models.ForeignKey(
        "masterdata.Location", on_delete=models.PROTECT, related_name="+", verbose_name=_("from location")
    )
    to_location = models.ForeignKey(
        "masterdata.Location", on_delete=models.PROTECT, related_name="+", verbose_name=_("to location")
    )
    lot = models.ForeignKey(
        Lot, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("lot")
    )
    quantity = QuantityField(_("quantity"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("stock transfer line")
        verbose_name_plural = _("stock transfer lines")
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="transfer_line_quantity_positive")]

    def __str__(self) -> str:
        return f"{self.item_id} {self.quantity}"


class StockCount(Document):
    """A physical count: expected quantities frozen at start, counted ones entered, differences posted."""

    DOCUMENT_TYPE = "stock_count"

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        COUNTING = "counting", _("Counting")
        CONFIRMED = "confirmed", _("Confirmed")
        CANCELLED = "cancelled", _("Cancelled")

    ALLOWED_TRANSITIONS = {
        Status.DRAFT: {Status.COUNTING, Status.CANCELLED},
        Status.COUNTING: {Status.CONFIRMED, Status.CANCELLED},
    }
    STATUS_GROUPS = {"open": [Status.DRAFT, Status.COUNTING], "done": [Status.CONFIRMED]}

    warehouse = models.ForeignKey(
        "masterdata.Warehouse", on_delete=models.PROTECT, related_name="+", verbose_name=_("warehouse")
    )
    locations = models.ManyToManyField(
        "masterdata.Location",
        related_name="+",
        blank=True,
        verbose_name=_("locations"),
        help_text=_("Empty means every location of the warehouse"),
    )
    started_at = models.DateTimeField(_("counting started at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    difference_value = AmountField(_("difference value"), default=0)

    history = HistoricalRecords()

    class Meta(Document.Meta):
        verbose_name = _("stock count")
        verbose_name_plural = _("stock counts")


class StockCountLine(models.Model):
    count = models.ForeignKey(StockCount, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey("masterdata.Item", on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    location = models.ForeignKey(
        "masterdata.Location", on_delete=models.PROTECT, related_name="+", verbose_name=_("location")
    )
    lot = models.ForeignKey(
        Lot, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("lot")
    )
    expected_quantity = QuantityField(_("expected"), default=0)
    counted_quantity = QuantityField(_("counted"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("stock count line")
        verbose_name_plural = _("stock count lines")
        ordering = ["location", "item", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(counted_quantity__isnull=True) | Q(counted_quantity__gte=0), name="count_line_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}@{self.location_id}"

    @property
    def difference(self):
        return None if self.counted_quantity is None else self.counted_quantity - self.expected_quantity
