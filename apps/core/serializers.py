"""API shapes of the platform's own records (outbox events, the security log, webhooks), and the
related field every module uses to name a row among those the requesting user may see."""

from collections.abc import Callable

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.validators import URLValidator
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .access import scoped
from .models import OutboxEvent, SecurityEvent, WebhookAttempt, WebhookDelivery, WebhookSubscription


@extend_schema_field(OpenApiTypes.INT)
class ScopedRelatedField(serializers.PrimaryKeyRelatedField):
    """A foreign key written by id, chosen among the rows `visible(user)` returns.

    A row outside the user's scope is refused exactly like a missing one (`does_not_exist`), so its
    existence does not leak.
    """

    def __init__(self, *, visible: Callable[..., QuerySet], **kwargs):
        self.visible = visible
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet:
        return self.visible(self.context["request"].user)


BIGINT = range(-(2**63), 2**63)


def primary_key(data) -> int | None:
    """The key `queryset.get(pk=data)` looks up, for an integer or numeric text within the column's range."""
    if isinstance(data, bool) or not isinstance(data, int | str):
        return None
    try:
        key = int(data)
    except ValueError:
        return None
    return key if key in BIGINT else None


class PreloadedRelatedField:
    """A related field that first looks among the rows its `LinesSerializer` read for every line at once.

    A key not among them (missing, out of scope, malformed) goes through the field's own lookup, so
    its refusal is exactly the one the field gives alone.
    """

    preloaded: dict | None = None

    def to_internal_value(self, data):
        if self.preloaded is not None and (row := self.preloaded.get(primary_key(data))) is not None:
            return row
        return super().to_internal_value(data)


class LinesSerializer(serializers.ListSerializer):
    """A document's lines whose preloadable foreign keys are read in one query per field, not per line."""

    def to_internal_value(self, data):
        fields = self.preloaded_fields(data) if isinstance(data, list) else []
        try:
            return super().to_internal_value(data)
        finally:
            for field in fields:
                field.preloaded = None

    def preloaded_fields(self, lines: list) -> list[PreloadedRelatedField]:
        fields = []
        for name, field in self.child.fields.items():
            if not isinstance(field, PreloadedRelatedField) or field.read_only or field.pk_field is not None:
                continue
            keys = {primary_key(line.get(name)) for line in lines[: self.max_length] if isinstance(line, dict)}
            keys.discard(None)
            if keys:
                field.preloaded = field.get_queryset().in_bulk(keys)
                fields.append(field)
        return fields


class OutboxEventSerializer(serializers.ModelSerializer):
    source_type = serializers.SerializerMethodField(help_text=_("The source document's kind, as app_label.model"))
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = OutboxEvent
        fields = [
            "id",
            "key",
            "kind",
            "company",
            "source_type",
            "source_id",
            "payload",
            "status",
            "status_label",
            "attempts",
            "last_error",
            "created_at",
            "next_attempt_at",
            "processed_at",
        ]
        read_only_fields = fields

    def get_source_type(self, event: OutboxEvent) -> str:
        return f"{event.source_type.app_label}.{event.source_type.model}"


class SecurityEventSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = SecurityEvent
        fields = ["id", "kind", "kind_label", "at", "user", "username", "ip_address", "detail"]
        read_only_fields = fields


# --- Webhooks -----------------------------------------------------------------------------------


class SourceType:
    """A ledger row's source document kind, as app_label.model."""

    @extend_schema_field(OpenApiTypes.STR)
    def get_source_type(self, record) -> str | None:
        if record.source_type_id is None:
            return None
        content_type = ContentType.objects.get_for_id(record.source_type_id)  # cached after the first
        return f"{content_type.app_label}.{content_type.model}"


class CancelSerializer(serializers.Serializer):
    """The body of a document's cancel action."""

    # The reason becomes the history's change reason, which holds 100 characters.
    reason = serializers.CharField(max_length=100, help_text=_("Why; kept in the history."))


def companies_visible_to(user) -> QuerySet:
    company = apps.get_model("masterdata", "Company")
    return scoped(company.objects.all(), user=user, perm="masterdata.access_company", scope_model=company)


class WebhookSubscriptionSerializer(serializers.ModelSerializer):
    """A subscription as listed and read: its signing secret is never shown again after creation."""

    company = ScopedRelatedField(
        visible=companies_visible_to,
        required=False,
        help_text=_("Required unless you can see exactly one company; cannot change later."),
    )
    url = serializers.URLField(
        max_length=500,
        validators=[URLValidator(schemes=["http", "https"])],
        help_text=_("Where the events are POSTed (http or https)."),
    )
    created_by_name = serializers.CharField(source="created_by.username", read_only=True)

    class Meta:
        model = WebhookSubscription
        fields = [
            "id",
            "company",
            "name",
            "url",
            "event_kinds",
            "active",
            "created_by",
            "created_by_name",
            "created_at",
        ]
        read_only_fields = ["created_by", "created_at"]

    def validate(self, attrs):
        attrs = super().validate(attrs)
        company = attrs.get("company")
        if self.instance is None and company is None:
            companies = list(companies_visible_to(self.context["request"].user)[:2])
            if len(companies) != 1:
                raise serializers.ValidationError(
                    {"company": [serializers.ErrorDetail(_("Choose the company."), code="required")]}
                )
            attrs["company"] = companies[0]
        elif self.instance is not None and company is not None and company.pk != self.instance.company_id:
            raise serializers.ValidationError(
                {"company": [serializers.ErrorDetail(_("A record cannot move to another company."), code="immutable")]}
            )
        return attrs


class WebhookSubscriptionWithSecretSerializer(WebhookSubscriptionSerializer):
    """The answer to a creation or a secret rotation: the only time the secret is shown."""

    secret = serializers.CharField(
        read_only=True, help_text=_("HMAC-SHA256 key of the X-ERP-Signature header; shown only now, keep it safe.")
    )

    class Meta(WebhookSubscriptionSerializer.Meta):
        fields = [*WebhookSubscriptionSerializer.Meta.fields, "secret"]
        read_only_fields = [*WebhookSubscriptionSerializer.Meta.read_only_fields, "secret"]


class WebhookAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = ["id", "at", "status_code", "response_ms", "error"]
        read_only_fields = fields


class WebhookDeliverySerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    subscription_name = serializers.CharField(source="subscription.name", read_only=True)
    event_kind = serializers.CharField(source="event.kind", read_only=True)
    attempt_log = WebhookAttemptSerializer(many=True, read_only=True, help_text=_("Each try, newest first."))

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "subscription",
            "subscription_name",
            "event",
            "event_kind",
            "status",
            "status_label",
            "attempts",
            "last_status_code",
            "last_response_ms",
            "last_error",
            "next_attempt_at",
            "delivered_at",
            "created_at",
            "attempt_log",
        ]
        read_only_fields = fields
