from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from apps.core.models import Document
from apps.core.money import AmountField, QuantityField


class BillOfMaterials(models.Model):
    """What one batch of `output_quantity` of an item is made of; versioned, one version active."""

    company = models.ForeignKey(
        "masterdata.Company", on_delete=models.PROTECT, related_name="+", verbose_name=_("company")
    )
    item = models.ForeignKey(
        "masterdata.Item", on_delete=models.PROTECT, related_name="boms", verbose_name=_("item made")
    )
    version = models.CharField(_("version"), max_length=20)
    output_quantity = QuantityField(_("output quantity"), default=1, help_text=_("In the item's base unit"))
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=False)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    modified_at = models.DateTimeField(_("modified at"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("bill of materials")
        verbose_name_plural = _("bills of materials")
        ordering = ["item__code", "-is_active", "version"]
        constraints = [
            models.UniqueConstraint(fields=["company", "item", "version"], name="bom_version_unique"),
            models.UniqueConstraint(
                fields=["company", "item"], condition=Q(is_active=True), name="bom_one_active_per_item"
            ),
            models.CheckConstraint(condition=Q(output_quantity__gt=0), name="bom_output_positive"),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="bom_validity_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item.code} v{self.version}" if self.item_id else f"BOM v{self.version}"


class BomLine(models.Model):
    bom = models.ForeignKey(BillOfMaterials, on_delete=models.CASCADE, related_name="lines")
    component = models.ForeignKey(
        "masterdata.Item", on_delete=models.PROTECT, related_name="used_in_bom_lines", verbose_name=_("component")
    )
    quantity = QuantityField(_("quantity"), help_text=_("Per output quantity of the BOM, in the line's unit"))
    unit = models.ForeignKey(
        "masterdata.UnitOfMeasure", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    base_quantity = QuantityField(_("quantity in base unit"), default=0)
    scrap_percent = models.DecimalField(_("scrap (%)"), max_digits=5, decimal_places=2, default=Decimal(0))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("BOM line")
        verbose_name_plural = _("BOM lines")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="bom_line_quantity_positive"),
            models.CheckConstraint(
                condition=Q(scrap_percent__gte=0, scrap_percent__lt=100), name="bom_line_scrap_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.component_id} × {self.quantity}"


class WorkOrder(Document):
    """Make `quantity` of an item from its BOM version frozen at release, in one warehouse."""

    DOCUMENT_TYPE = "work_order"

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        RELEASED = "released", _("Released")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")

    class Source(models.TextChoices):
        MANUAL = "manual", _("Manual")
        SALES_ORDER = "sales_order", _("Sales order")
        MRP = "mrp", _("MRP")

    ALLOWED_TRANSITIONS = {
        Status.DRAFT: {Status.RELEASED, Status.CANCELLED},
        Status.RELEASED: {Status.IN_PROGRESS, Status.CANCELLED},
        Status.IN_PROGRESS: {Status.DONE, Status.CANCELLED},
        Status.DONE: {Status.CLOSED},
    }
    STATUS_GROUPS = {
        "open": [Status.DRAFT, Status.RELEASED, Status.IN_PROGRESS],
        "active": [Status.RELEASED, Status.IN_PROGRESS],
        "done": [Status.DONE, Status.CLOSED],
    }

    item = models.ForeignKey("masterdata.Item", on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    quantity = QuantityField(_("quantity"), help_text=_("In the item's base unit"))
    bom = models.ForeignKey(
        BillOfMaterials,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="work_orders",
        verbose_name=_("BOM version"),
    )
    warehouse = models.ForeignKey(
        "masterdata.Warehouse", on_delete=models.PROTECT, related_name="+", verbose_name=_("warehouse")
    )
    output_location = models.ForeignKey(
        "masterdata.Location",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("output location"),
    )
    due_date = models.DateField(_("due date"))
    source = models.CharField(_("source"), max_length=16, choices=Source.choices, default=Source.MANUAL)
    sales_order_line = models.ForeignKey(
        "sales.SalesOrderLine",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="work_orders",
        verbose_name=_("sales order line"),
    )
    backflush = models.BooleanField(
        _("backflush components"), default=False, help_text=_("Issue the components automatically with each output")
    )
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    output_quantity = QuantityField(_("output so far"), default=0)
    scrap_quantity = QuantityField(_("scrapped so far"), default=0)
    issued_cost = AmountField(_("material cost issued"), default=0)
    output_value = AmountField(_("output value"), default=0)
    variance = AmountField(_("variance posted"), default=0)
    note = models.TextField(_("note"), blank=True)

    history = HistoricalRecords()

    class Meta(Document.Meta):
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        indexes = [models.Index(fields=["warehouse", "status"], name="work_order_warehouse_status")]
        constraints = [
            *Document.Meta.constraints,
            models.CheckConstraint(condition=Q(quantity__gt=0), name="work_order_quantity_positive"),
            models.CheckConstraint(
                condition=Q(output_quantity__gte=0, scrap_quantity__gte=0), name="work_order_progress_not_negative"
            ),
        ]

    @property
    def wip_balance(self) -> Decimal:
        """Material cost still in work in progress for this order."""
        return self.issued_cost - self.output_value - self.variance

    @property
    def remaining_quantity(self) -> Decimal:
        return max(self.quantity - self.output_quantity, Decimal(0))


class WorkOrderComponent(models.Model):
    """A component the order needs, copied from the frozen BOM at release (scrap included)."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="components")
    bom_line = models.ForeignKey(BomLine, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey("masterdata.Item", on_delete=models.PROTECT, related_name="+", verbose_name=_("component"))
    required_quantity = QuantityField(_("required"), help_text=_("In the base unit, scrap included"))
    reserved_quantity = QuantityField(_("reserved"), default=0)
    issued_quantity = QuantityField(_("issued"), default=0)
    issued_value = AmountField(_("issued value"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("work order component")
        verbose_name_plural = _("work order components")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["work_order", "item"], name="work_order_component_unique"),
            models.CheckConstraint(
                condition=Q(required_quantity__gte=0, reserved_quantity__gte=0, issued_quantity__gte=0),
                name="work_order_component_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.work_order_id}: {self.item_id} × {self.required_quantity}"

    @property
    def open_quantity(self) -> Decimal:
        return max(self.required_quantity - self.issued_quantity, Decimal(0))

    @property
    def shortage(self) -> Decimal:
        """Still to issue that no reservation covers."""
        return max(self.open_quantity - self.reserved_quantity, Decimal(0))


class MaterialIssue(Document):
    """Components taken from stock into a work order's work in progress."""

    DOCUMENT_TYPE = "material_issue"

    class Status(models.TextChoices):
        POSTED = "posted", _("Posted")
        CANCELLED = "cancelled", _("Cancelled")

    ALLOWED_TRANSITIONS = {Status.POSTED: {Status.CANCELLED}}
    STATUS_GROUPS = {"done": [Status.POSTED]}

    work_order = models.ForeignKey(
        WorkOrder, on_delete=models.PROTECT, related_name="issues", verbose_name=_("work order")
    )
    warehouse = models.ForeignKey(
        "masterdata.Warehouse", on_delete=models.PROTECT, related_name="+", verbose_name=_("warehouse")
    )
    posting_date = models.DateField(_("posting date"))
    backflushed = models.BooleanField(_("backflushed"), default=False)
    total_value = AmountField(_("total value"), default=0)
    note = models.CharField(_("note"), max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta(Document.Meta):
        verbose_name = _("material issue")
        verbose_name_plural = _("material issues")


class MaterialIssueLine(models.Model):
    issue = models.ForeignKey(MaterialIssue, on_delete=models.CASCADE, related_name="lines")
    component = models.ForeignKey(
        WorkOrderComponent, on_delete=models.PROTECT, related_name="issue_lines", verbose_name=_("component")
    )
    item = models.ForeignKey("masterdata.Item", on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    quantity = QuantityField(_("quantity"), help_text=_("In the item's base unit"))
    lot = models.ForeignKey(
        "inventory.Lot", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("lot")
    )
    from_location = models.ForeignKey(
        "masterdata.Location", on_delete=models.PROTECT, related_name="+", verbose_name=_("from location")
    )
    unit_cost = QuantityField(_("unit cost"), default=0)
    value = AmountField(_("value"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("material issue line")
        verbose_name_plural = _("material issue lines")
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="issue_line_quantity_positive")]

    def __str__(self) -> str:
        return f"{self.issue_id}: {self.item_id} × {self.quantity}"


class ProductionOutput(Document):
    """Finished (or semi-finished) goods received from a work order, at its accumulated cost."""

    DOCUMENT_TYPE = "production_output"

    class Status(models.TextChoices):
        POSTED = "posted", _("Posted")
        CANCELLED = "cancelled", _("Cancelled")

    ALLOWED_TRANSITIONS = {Status.POSTED: {Status.CANCELLED}}
    STATUS_GROUPS = {"done": [Status.POSTED]}

    work_order = models.ForeignKey(
        WorkOrder, on_delete=models.PROTECT, related_name="outputs", verbose_name=_("work order")
    )
    item = models.ForeignKey("masterdata.Item", on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    warehouse = models.ForeignKey(
        "masterdata.Warehouse", on_delete=models.PROTECT, related_name="+", verbose_name=_("warehouse")
    )
    location = models.ForeignKey(
        "masterdata.Location", on_delete=models.PROTECT, related_name="+", verbose_name=_("received into")
    )
    quantity = QuantityField(_("good quantity"), help_text=_("In the item's base unit"))
    scrap_quantity = QuantityField(_("scrap quantity"), default=0)
    scrap_reason = models.CharField(_("scrap reason"), max_length=200, blank=True)
    lot = models.ForeignKey(
        "inventory.Lot",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="production_outputs",
        verbose_name=_("output lot"),
    )
    posting_date = models.DateField(_("posting date"))
    unit_cost = QuantityField(_("unit cost"), default=0)
    value = AmountField(_("value"), default=0)

    history = HistoricalRecords()

    class Meta(Document.Meta):
        verbose_name = _("production output")
        verbose_name_plural = _("production outputs")
        constraints = [
            *Document.Meta.constraints,
            models.CheckConstraint(
                condition=Q(quantity__gte=0, scrap_quantity__gte=0), name="output_quantities_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gt=0) | Q(scrap_quantity__gt=0), name="output_something_reported"
            ),
        ]


class LotGenealogy(models.Model):
    """An output lot made from a component lot: traced down (what went in) and up (where it went)."""

    output = models.ForeignKey(ProductionOutput, on_delete=models.CASCADE, related_name="genealogy")
    output_lot = models.ForeignKey(
        "inventory.Lot", on_delete=models.PROTECT, related_name="made_from", verbose_name=_("output lot")
    )
    component_lot = models.ForeignKey(
        "inventory.Lot", on_delete=models.PROTECT, related_name="went_into", verbose_name=_("component lot")
    )
    quantity = QuantityField(_("component quantity"), help_text=_("Of the component lot issued to the work order"))

    class Meta:
        verbose_name = _("lot genealogy")
        verbose_name_plural = _("lot genealogy")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["output", "component_lot"], name="lot_genealogy_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.component_lot_id} → {self.output_lot_id}"
