"""The API base every module builds on: permissions, pagination, one error shape, idempotent POSTs,
ETag/If-Match on updates, and a history endpoint."""

import hashlib
import json

import django_filters
from django.apps import apps
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from . import idempotency, outbox, security, webhooks
from .access import scoped
from .errors import DomainError
from .history import history_entries
from .models import WebhookDelivery, WebhookSubscription
from .serializers import (
    OutboxEventSerializer,
    SecurityEventSerializer,
    WebhookDeliverySerializer,
    WebhookSubscriptionSerializer,
    WebhookSubscriptionWithSecretSerializer,
)


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.DictField()))


class HistoryChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    label = serializers.CharField()
    old = serializers.CharField()
    new = serializers.CharField()


class HistoryEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    at = serializers.DateTimeField()
    user = serializers.CharField()
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    reason = serializers.CharField()
    changes = HistoryChangeSerializer(many=True)


def etag_for(data) -> str:
    encoded = json.dumps(data, cls=DjangoJSONEncoder, sort_keys=True).encode()
    return '"' + hashlib.sha256(encoded).hexdigest()[:32] + '"'


class ErpViewMixin:
    """Idempotent POSTs for every API view."""

    def dispatch(self, request, *args, **kwargs):
        # A POST with an Idempotency-Key is one transaction: its key's claim, the document and the stored
        # response commit together, or none of them does.
        if request.method == "POST" and "Idempotency-Key" in request.headers:
            with transaction.atomic():
                return super().dispatch(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        key = request.headers.get("Idempotency-Key")
        if request.method == "POST" and key is not None and request.user.is_authenticated:
            request.idempotency_record = idempotency.begin(request=request._request, user=request.user, key=key)

    def handle_exception(self, exc):
        if isinstance(exc, idempotency.IdempotentReplay):
            record = exc.record
            return Response(record.response_body, status=record.status_code, headers={"Idempotent-Replayed": "true"})
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        record = getattr(request, "idempotency_record", None)
        if record is not None and not response.has_header("Idempotent-Replayed"):
            if response.status_code >= 500:
                transaction.set_rollback(True)  # nothing of a failed request is kept, its claim included
            else:
                idempotency.finish(record, status_code=response.status_code, body=getattr(response, "data", None))
            request.idempotency_record = None
        return response


class HistoryAction:
    """`GET …/{id}/history/`: the record's changes, newest first, with field-level differences."""

    @extend_schema(responses=HistoryEntrySerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def history(self, request, *args, **kwargs):
        entries = history_entries(self.get_object())
        return Response(HistoryEntrySerializer(entries, many=True).data)


class ErpModelViewSet(HistoryAction, ErpViewMixin, viewsets.ModelViewSet):
    """A resource backed by a selector (`visible_to`) and services; deletes are not offered by default."""

    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        response["ETag"] = etag_for(response.data)
        return response

    def update(self, request, *args, **kwargs):
        expected = request.headers.get("If-Match")
        if expected is not None:
            current = etag_for(self.get_serializer(self.get_object()).data)
            if expected.strip() not in {current, "*"}:
                raise DomainError(
                    _("The record was changed by someone else; fetch it again and reapply your change."),
                    code="precondition_failed",
                    status_code=status.HTTP_412_PRECONDITION_FAILED,
                )
        response = super().update(request, *args, **kwargs)
        response["ETag"] = etag_for(response.data)
        return response


class ErpReadOnlyViewSet(ErpViewMixin, viewsets.ReadOnlyModelViewSet):
    pass


class OutboxEventViewSet(ErpReadOnlyViewSet):
    """Events waiting for, done by, or failed in their subscribers (finance posting, webhooks)."""

    serializer_class = OutboxEventSerializer
    filterset_fields = ["status", "kind"]
    search_fields = ["key", "kind"]
    ordering_fields = ["id", "created_at", "attempts", "next_attempt_at"]
    ordering = ["-id"]
    action_permissions = {"retry": ["core.change_outboxevent"]}

    def get_queryset(self):
        return outbox.outbox_events_visible_to(self.request.user)

    @extend_schema(request=None, responses=OutboxEventSerializer)
    @action(detail=True, methods=["post"])
    def retry(self, request, *args, **kwargs):
        """Put a failed event back in the queue."""
        event = outbox.retry_failed(event=self.get_object(), actor=request.user)
        event.refresh_from_db()
        return Response(self.get_serializer(event).data)


class SecurityEventViewSet(ErpReadOnlyViewSet):
    """The security log: sign-ins, failed sign-ins, permission and group changes, exports, tokens."""

    serializer_class = SecurityEventSerializer
    filterset_fields = ["kind", "user", "username"]
    search_fields = ["username"]
    ordering_fields = ["at", "id"]
    ordering = ["-at", "-id"]

    def get_queryset(self):
        return security.security_events_visible_to(self.request.user)


# --- Webhooks -----------------------------------------------------------------------------------


def _in_visible_company(queryset: QuerySet, user, through: str) -> QuerySet:
    company = apps.get_model("masterdata", "Company")
    return scoped(queryset, user=user, perm="masterdata.access_company", scope_model=company, through=through)


def webhook_subscriptions_visible_to(user) -> QuerySet[WebhookSubscription]:
    return _in_visible_company(WebhookSubscription.objects.select_related("created_by"), user, "company")


def webhook_deliveries_visible_to(user) -> QuerySet[WebhookDelivery]:
    return _in_visible_company(
        WebhookDelivery.objects.select_related("subscription", "event").prefetch_related("attempt_log"),
        user,
        "subscription__company",
    )


class WebhookDeliveryFilter(django_filters.FilterSet):
    subscription = django_filters.NumberFilter(field_name="subscription", label=gettext_lazy("Subscription"))
    event = django_filters.NumberFilter(field_name="event", label=gettext_lazy("Event"))
    event_kind = django_filters.CharFilter(field_name="event__kind", label=gettext_lazy("Event kind"))

    class Meta:
        model = WebhookDelivery
        fields = ["status"]


class WebhookSubscriptionViewSet(ErpModelViewSet):
    """URLs that receive the events of the kinds they name, signed with HMAC-SHA256.

    The signing secret is answered once, by the creation and by `rotate-secret`; never in a list or a read.
    """

    filterset_fields = ["company", "active"]
    search_fields = ["name", "url", "event_kinds"]
    ordering_fields = ["name", "id", "created_at"]
    ordering = ["name", "id"]
    action_permissions = {"rotate_secret": ["core.change_webhooksubscription"]}

    def get_queryset(self):
        return webhook_subscriptions_visible_to(self.request.user)

    def get_serializer_class(self):
        if self.action in ("create", "rotate_secret"):
            return WebhookSubscriptionWithSecretSerializer
        return WebhookSubscriptionSerializer

    def perform_create(self, serializer):
        subscription = WebhookSubscription(**serializer.validated_data)
        serializer.instance = webhooks.save_subscription(actor=self.request.user, subscription=subscription)

    def perform_update(self, serializer):
        subscription = serializer.instance
        for name, value in serializer.validated_data.items():
            setattr(subscription, name, value)
        serializer.instance = webhooks.save_subscription(actor=self.request.user, subscription=subscription)

    @extend_schema(request=None, responses=WebhookSubscriptionWithSecretSerializer)
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, *args, **kwargs):
        """Replace the signing secret; the new one is answered here, once. The old one stops at once."""
        subscription = webhooks.rotate_secret(actor=request.user, subscription=self.get_object())
        return Response(self.get_serializer(subscription).data)


class WebhookDeliveryViewSet(ErpReadOnlyViewSet):
    """Each event owed to each subscription, with its attempt log; a failed or lost one can be replayed."""

    serializer_class = WebhookDeliverySerializer
    filterset_class = WebhookDeliveryFilter
    ordering_fields = ["id", "created_at", "attempts", "delivered_at"]
    ordering = ["-id"]
    action_permissions = {"replay": ["core.change_webhookdelivery"]}

    def get_queryset(self):
        return webhook_deliveries_visible_to(self.request.user)

    @extend_schema(request=None, responses=WebhookDeliverySerializer)
    @action(detail=True, methods=["post"])
    def replay(self, request, *args, **kwargs):
        """Send the delivery again from its first attempt (it goes back to pending)."""
        delivery = webhooks.replay(actor=request.user, delivery=self.get_object())
        return Response(self.get_serializer(self.get_queryset().get(pk=delivery.pk)).data)
