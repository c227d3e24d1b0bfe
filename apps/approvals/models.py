from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from apps.core.money import AmountField


class ApprovalRule(models.Model):
    """When a document of a type needs approval, and by whom, in order.

    The first active rule of the company and document type whose conditions all hold, by priority
    (lowest number first), decides the chain. Every save bumps `version`; a request keeps the steps
    it started with.
    """

    company = models.ForeignKey(
        "masterdata.Company", on_delete=models.PROTECT, related_name="+", verbose_name=_("company")
    )
    document_type = models.CharField(_("document type"), max_length=60)
    name = models.CharField(_("name"), max_length=120)
    priority = models.PositiveSmallIntegerField(
        _("priority"), default=100, help_text=_("Lower numbers are tried first")
    )
    active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    min_amount = AmountField(_("amount at or above"), null=True, blank=True)
    discount_above = models.DecimalField(_("discount above (%)"), max_digits=5, decimal_places=2, null=True, blank=True)
    credit_limit_exceeded = models.BooleanField(_("only when the credit limit is exceeded"), default=False)
    below_price_floor = models.BooleanField(_("only when a price is below its floor"), default=False)
    match_exception = models.BooleanField(
        _("only when the three-way match found differences"),
        default=False,
        help_text=_("Supplier bills whose prices or quantities differ from the order and receipt beyond tolerance"),
    )
    partners = models.ManyToManyField("masterdata.Partner", blank=True, related_name="+", verbose_name=_("partners"))
    item_categories = models.ManyToManyField(
        "masterdata.ItemCategory", blank=True, related_name="+", verbose_name=_("item categories")
    )
    warehouses = models.ManyToManyField(
        "masterdata.Warehouse", blank=True, related_name="+", verbose_name=_("warehouses")
    )

    history = HistoricalRecords(m2m_fields=[partners, item_categories, warehouses])

    class Meta:
        verbose_name = _("approval rule")
        verbose_name_plural = _("approval rules")
        ordering = ["company", "document_type", "priority", "id"]
        indexes = [models.Index(fields=["company", "document_type", "active", "priority"], name="approval_rule_lookup")]

    def __str__(self) -> str:
        return self.name


class ApprovalStep(models.Model):
    """One link of a rule's chain: a user, a group (any member or all of them), or the requester's manager."""

    class Kind(models.TextChoices):
        USER = "user", _("A user")
        GROUP = "group", _("A group")
        MANAGER = "manager", _("The requester's manager")

    class Mode(models.TextChoices):
        ANY = "any", _("Any one member decides")
        ALL = "all", _("Every member must approve")

    rule = models.ForeignKey(ApprovalRule, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(_("order"))
    kind = models.CharField(_("approver"), max_length=8, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("user"),
    )
    group = models.ForeignKey(
        Group, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("group")
    )
    mode = models.CharField(_("decision"), max_length=4, choices=Mode.choices, default=Mode.ANY)
    escalate_after_hours = models.PositiveIntegerField(_("escalate after (hours)"), null=True, blank=True)
    fallback_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("fallback approver"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("approval step")
        verbose_name_plural = _("approval steps")
        ordering = ["rule", "order"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "order"], name="approval_step_order_unique"),
            models.CheckConstraint(
                condition=(
                    Q(kind="user", user__isnull=False) | Q(kind="group", group__isnull=False) | Q(kind="manager")
                ),
                name="approval_step_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id}#{self.order} {self.kind}"


class ApprovalRequest(models.Model):
    """A document waiting for (or past) its approval chain."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        NOT_REQUIRED = "not_required", _("No approval needed")

    company = models.ForeignKey("masterdata.Company", on_delete=models.PROTECT, related_name="+")
    document_type = models.CharField(_("document type"), max_length=60)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    document_number = models.CharField(_("document"), max_length=40)
    summary = models.CharField(_("summary"), max_length=300)
    amount = AmountField(_("amount"))
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="approval_requests",
        verbose_name=_("requester"),
    )
    rule = models.ForeignKey(ApprovalRule, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    rule_version = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("approval request")
        verbose_name_plural = _("approval requests")
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="approval_request_document"),
            models.Index(fields=["requester", "-submitted_at"], name="approval_request_requester"),
        ]

    def __str__(self) -> str:
        return f"{self.document_number} ({self.get_status_display()})"


class RequestStep(models.Model):
    """A step of a request, copied from its rule when submitted so later rule edits do not touch it."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Not reached yet")
        ACTIVE = "active", _("Waiting for a decision")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")

    request = models.ForeignKey(ApprovalRequest, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(_("step"))
    kind = models.CharField(_("approver"), max_length=8, choices=ApprovalStep.Kind.choices)
    mode = models.CharField(_("decision"), max_length=4, choices=ApprovalStep.Mode.choices)
    label = models.CharField(_("approver"), max_length=200)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    group = models.ForeignKey(Group, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    escalate_after_hours = models.PositiveIntegerField(null=True, blank=True)
    fallback_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.WAITING)
    activated_at = models.DateTimeField(_("reached at"), null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("request step")
        verbose_name_plural = _("request steps")
        ordering = ["request", "order"]
        constraints = [models.UniqueConstraint(fields=["request", "order"], name="request_step_order_unique")]
        indexes = [
            models.Index(fields=["status", "activated_at"], name="request_step_due", condition=Q(status="active"))
        ]

    def __str__(self) -> str:
        return f"{self.request_id}#{self.order} {self.status}"


class StepAssignee(models.Model):
    """Who may decide an active step, resolved when the step is reached (and on escalation)."""

    step = models.ForeignKey(RequestStep, on_delete=models.CASCADE, related_name="assignees")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    via_escalation = models.BooleanField(default=False)
    decided = models.BooleanField(default=False)
    open = models.BooleanField(default=True, help_text="the step is active and this person has not decided")

    class Meta:
        verbose_name = _("step assignee")
        verbose_name_plural = _("step assignees")
        constraints = [models.UniqueConstraint(fields=["step", "user"], name="step_assignee_unique")]
        indexes = [models.Index(fields=["user"], name="step_assignee_open", condition=Q(open=True))]

    def __str__(self) -> str:
        return f"{self.step_id}:{self.user_id}"


class Decision(models.Model):
    class Verdict(models.TextChoices):
        APPROVE = "approve", _("Approved")
        REJECT = "reject", _("Rejected")

    request = models.ForeignKey(ApprovalRequest, on_delete=models.CASCADE, related_name="decisions")
    step = models.ForeignKey(RequestStep, on_delete=models.CASCADE, related_name="decisions")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("decided by")
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("on behalf of"),
    )
    verdict = models.CharField(_("decision"), max_length=8, choices=Verdict.choices)
    comment = models.TextField(_("comment"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), auto_now_add=True)

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["decided_at", "id"]
        constraints = [models.UniqueConstraint(fields=["step", "on_behalf_of", "decided_by"], name="decision_once")]
        indexes = [models.Index(fields=["decided_by", "-decided_at"], name="decision_by_user")]

    def __str__(self) -> str:
        return f"{self.request_id} {self.verdict} by {self.decided_by_id}"


class Delegation(models.Model):
    """While away, an approver's decisions may be taken by someone else; decisions record both."""

    delegator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="delegations_given", verbose_name=_("approver")
    )
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="delegations_received",
        verbose_name=_("delegate"),
    )
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")), name="delegation_dates"),
            models.CheckConstraint(condition=~Q(delegator=models.F("delegate")), name="delegation_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.delegator_id} → {self.delegate_id}"


class Notification(models.Model):
    """An in-app note for someone who must act (or whose request moved)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    request = models.ForeignKey(ApprovalRequest, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    message = models.CharField(_("message"), max_length=300)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="notification_user")]

    def __str__(self) -> str:
        return self.message


class ApprovalLink(models.Model):
    """A single-use, expiring link in an approval e-mail (only its hash is stored)."""

    token_hash = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    request = models.ForeignKey(ApprovalRequest, on_delete=models.CASCADE, related_name="+")
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("approval link")
        verbose_name_plural = _("approval links")

    def __str__(self) -> str:
        return f"{self.request_id}:{self.user_id}"
