"""Material requirements planning: a run over one company's demand and supply, the orders it plans,
and the demand each planned order answers (pegging)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from apps.core.money import QuantityField


class MrpRun(models.Model):
    """One planning run: what it was asked, how far it got, and the moment of the data it saw (`as_of`)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    ALLOWED_TRANSITIONS = {
        Status.QUEUED: {Status.RUNNING, Status.FAILED},
        Status.RUNNING: {Status.DONE, Status.FAILED},
    }
    STATUS_GROUPS = {"open": [Status.QUEUED, Status.RUNNING], "done": [Status.DONE, Status.FAILED]}

    company = models.ForeignKey(
        "masterdata.Company", on_delete=models.PROTECT, related_name="+", verbose_name=_("company")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    horizon_days = models.PositiveSmallIntegerField(
        _("horizon (days)"), help_text=_("Demand due later than this many days from the run is not planned")
    )
    reorder_warehouse = models.ForeignKey(
        "masterdata.Warehouse",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("reorder warehouse"),
        help_text=_("Where stock is kept at the items' reorder points"),
    )
    progress_percent = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    progress_message = models.CharField(_("progress"), max_length=200, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    as_of = models.DateTimeField(_("data as of"), null=True, blank=True)
    plan_date = models.DateField(_("planned from"), null=True, blank=True)
    purchase_count = models.PositiveIntegerField(_("planned purchases"), default=0)
    production_count = models.PositiveIntegerField(_("planned work orders"), default=0)
    error = models.TextField(_("error"), blank=True)

    history = HistoricalRecords(excluded_fields=["progress_percent", "progress_message"])

    class Meta:
        verbose_name = _("MRP run")
        verbose_name_plural = _("MRP runs")
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["company", "status"], name="mrp_run_company_status")]
        constraints = [models.CheckConstraint(condition=Q(progress_percent__lte=100), name="mrp_run_progress_max")]

    def __str__(self) -> str:
        return _("MRP run %(id)s") % {"id": self.pk}

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class PlannedOrder(models.Model):
    """A purchase or a work order the run suggests, in the item's base unit, until a planner converts it."""

    class Kind(models.TextChoices):
        PURCHASE = "purchase", _("Purchase")
        PRODUCTION = "production", _("Production")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        CONVERTED = "converted", _("Converted")

    run = models.ForeignKey(MrpRun, on_delete=models.CASCADE, related_name="planned_orders", verbose_name=_("run"))
    company = models.ForeignKey(
        "masterdata.Company", on_delete=models.PROTECT, related_name="+", verbose_name=_("company")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PLANNED)
    item = models.ForeignKey("masterdata.Item", on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    quantity = QuantityField(_("quantity"), help_text=_("In the item's base unit"))
    warehouse = models.ForeignKey(
        "masterdata.Warehouse", on_delete=models.PROTECT, related_name="+", verbose_name=_("warehouse")
    )
    need_date = models.DateField(_("needed on"))
    start_date = models.DateField(_("order or start on"), help_text=_("The need date less the item's lead time"))
    supplier = models.ForeignKey(
        "masterdata.Partner",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("supplier"),
        help_text=_("The supplier of the item's latest purchase order"),
    )
    bom = models.ForeignKey(
        "production.BillOfMaterials",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("BOM version"),
    )
    level = models.PositiveSmallIntegerField(_("low-level code"), default=0)
    requisition_line = models.ForeignKey(
        "purchasing.RequisitionLine",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("requisition line"),
    )
    work_order = models.ForeignKey(
        "production.WorkOrder",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("work order"),
    )
    converted_at = models.DateTimeField(_("converted at"), null=True, blank=True)
    converted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("converted by"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("planned order")
        verbose_name_plural = _("planned orders")
        ordering = ["run", "start_date", "id"]
        indexes = [
            models.Index(fields=["run", "kind", "start_date"], name="planned_order_run_kind"),
            models.Index(fields=["warehouse", "status"], name="planned_order_warehouse"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="planned_order_quantity_positive"),
            models.CheckConstraint(condition=Q(start_date__lte=models.F("need_date")), name="planned_order_dates"),
            models.CheckConstraint(
                condition=Q(kind="purchase", work_order__isnull=True)
                | Q(kind="production", requisition_line__isnull=True),
                name="planned_order_link_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return _("Planned %(kind)s %(id)s") % {"kind": self.get_kind_display().lower(), "id": self.pk}


class Pegging(models.Model):
    """How much of a planned order answers one demand: a sales order line, a work order's component, a
    draft work order's bill of materials, an item's reorder point, or a parent planned work order."""

    class Demand(models.TextChoices):
        SALES_ORDER_LINE = "sales_order_line", _("Sales order line")
        WORK_ORDER_COMPONENT = "work_order_component", _("Work order component")
        DRAFT_WORK_ORDER = "draft_work_order", _("Draft work order")
        REORDER_POINT = "reorder_point", _("Reorder point")
        PLANNED_ORDER = "planned_order", _("Planned work order")

    planned_order = models.ForeignKey(
        PlannedOrder, on_delete=models.CASCADE, related_name="peggings", verbose_name=_("planned order")
    )
    demand = models.CharField(_("demand"), max_length=24, choices=Demand.choices)
    demand_date = models.DateField(_("demand date"))
    quantity = QuantityField(_("quantity"), help_text=_("In the item's base unit"))
    sales_order_line = models.ForeignKey(
        "sales.SalesOrderLine", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    work_order_component = models.ForeignKey(
        "production.WorkOrderComponent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    work_order = models.ForeignKey(
        "production.WorkOrder", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    parent = models.ForeignKey(
        PlannedOrder, null=True, blank=True, on_delete=models.CASCADE, related_name="component_peggings"
    )

    class Meta:
        verbose_name = _("pegging")
        verbose_name_plural = _("peggings")
        ordering = ["planned_order", "demand_date", "id"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="pegging_quantity_positive")]

    def __str__(self) -> str:
        return f"{self.planned_order_id} ← {self.demand} {self.quantity}"
