from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class User(AbstractUser):
    """A person who signs in. `manager` answers 'the requester's manager' in approval chains."""

    manager = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
        verbose_name=_("manager"),
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)

    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        full_name = self.get_full_name()
        return f"{full_name} ({self.username})" if full_name else self.username


class Document(models.Model):
    """Base of every business document: number, company, status, dates and who touched it.

    A concrete document declares `Status` (TextChoices), `ALLOWED_TRANSITIONS` (status -> set of
    statuses) and `DOCUMENT_TYPE` (the numbering key), and its own `history = HistoricalRecords()`.
    Status changes only through `apps.core.documents.transition`.
    """

    DOCUMENT_TYPE: ClassVar[str] = ""
    ALLOWED_TRANSITIONS: ClassVar[dict[str, set[str]]] = {}

    number = models.CharField(_("number"), max_length=40, blank=True, db_index=True)
    company = models.ForeignKey(
        "masterdata.Company", on_delete=models.PROTECT, related_name="+", verbose_name=_("company")
    )
    status = models.CharField(_("status"), max_length=32)
    document_date = models.DateField(_("document date"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    modified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("modified by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    modified_at = models.DateTimeField(_("modified at"), auto_now=True)

    class Meta:
        abstract = True
        ordering = ["-document_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "number"],
                condition=~Q(number=""),
                name="%(app_label)s_%(class)s_unique_number",
            )
        ]

    def __str__(self) -> str:
        return self.number or f"{self._meta.verbose_name} #{self.pk}"

    def get_status_display(self) -> str:
        return str(dict(self.Status.choices).get(self.status, self.status))


class DocumentSequence(models.Model):
    """The next number for one company, document type and year; locked by the creating transaction."""

    company = models.ForeignKey("masterdata.Company", on_delete=models.CASCADE, verbose_name=_("company"))
    document_type = models.CharField(_("document type"), max_length=40)
    year = models.PositiveSmallIntegerField(_("year"), help_text=_("0 for sequences that do not restart yearly"))
    prefix = models.CharField(_("prefix"), max_length=12)
    padding = models.PositiveSmallIntegerField(_("padding"), default=5)
    last_value = models.PositiveIntegerField(_("last value"), default=0)

    class Meta:
        verbose_name = _("document sequence")
        verbose_name_plural = _("document sequences")
        constraints = [
            models.UniqueConstraint(fields=["company", "document_type", "year"], name="core_sequence_unique"),
            models.CheckConstraint(condition=Q(padding__gte=1, padding__lte=12), name="core_sequence_padding"),
        ]

    def __str__(self) -> str:
        return f"{self.company_id}/{self.document_type}/{self.year}: {self.last_value}"

    def format(self, value: int) -> str:
        body = str(value).zfill(self.padding)
        return f"{self.prefix}-{self.year}-{body}" if self.year else f"{self.prefix}-{body}"


class OutboxEvent(models.Model):
    """An operational event written in the transaction that caused it, handled after commit."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    key = models.CharField(_("key"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=64, db_index=True)
    company = models.ForeignKey("masterdata.Company", on_delete=models.PROTECT, verbose_name=_("company"))
    source_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, verbose_name=_("source type"))
    source_id = models.PositiveBigIntegerField(_("source id"))
    payload = models.JSONField(_("payload"), default=dict, encoder=DjangoJSONEncoder)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbox event")
        verbose_name_plural = _("outbox events")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["source_type", "source_id"], name="core_outbox_source"),
            models.Index(fields=["created_at"], condition=Q(status="pending"), name="core_outbox_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"


class IdempotencyRecord(models.Model):
    """The stored response of a POST made with an Idempotency-Key, replayed for the same key and body."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="core_idempotency_unique")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"


class SecurityEvent(models.Model):
    """Security-relevant acts: who, when, from where."""

    class Kind(models.TextChoices):
        SIGN_IN = "sign_in", _("Signed in")
        SIGN_IN_FAILED = "sign_in_failed", _("Sign-in failed")
        SIGN_OUT = "sign_out", _("Signed out")
        GROUP_CHANGE = "group_change", _("Group membership changed")
        PERMISSION_CHANGE = "permission_change", _("Permission changed")
        OBJECT_PERMISSION_CHANGE = "object_permission_change", _("Row access changed")
        EXPORT = "export", _("Data exported")
        TOKEN_CREATED = "token_created", _("API token created")
        TOKEN_REVOKED = "token_revoked", _("API token revoked")

    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("user"),
    )
    username = models.CharField(_("user name"), max_length=150, blank=True)
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name = _("security event")
        verbose_name_plural = _("security events")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind} {self.username}"


class WebhookSubscription(models.Model):
    """An integrator's URL that receives the events of the kinds it names, signed with its secret."""

    company = models.ForeignKey("masterdata.Company", on_delete=models.PROTECT, verbose_name=_("company"))
    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), max_length=500)
    event_kinds = models.CharField(
        _("event kinds"),
        max_length=500,
        default="*",
        help_text=_("Comma-separated patterns, e.g. inventory.*, sales.invoice.posted"),
    )
    secret = models.CharField(_("signing secret"), max_length=80, editable=False)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["secret"])

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        ordering = ["company", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def patterns(self) -> list[str]:
        return [part.strip() for part in self.event_kinds.split(",") if part.strip()]


class WebhookDelivery(models.Model):
    """One event owed to one subscription; retried with backoff, replayable."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(OutboxEvent, on_delete=models.PROTECT, related_name="webhook_deliveries")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_status_code = models.PositiveSmallIntegerField(_("last HTTP status"), null=True, blank=True)
    last_response_ms = models.PositiveIntegerField(_("last response time (ms)"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["subscription", "event"], name="webhook_delivery_unique")]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due")]

    def __str__(self) -> str:
        return f"{self.subscription_id}:{self.event_id} {self.status}"


class WebhookAttempt(models.Model):
    """Each try of a delivery: when, what came back, how long it took."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField(_("time"), auto_now_add=True)
    status_code = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    response_ms = models.PositiveIntegerField(_("response time (ms)"))
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.status_code}"
