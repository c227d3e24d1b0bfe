"""The API base every module builds on: permissions, pagination, one error shape, idempotent POSTs,
ETag/If-Match on updates, and a history endpoint."""

import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from . import idempotency, outbox, security
from .errors import DomainError
from .history import history_entries
from .serializers import OutboxEventSerializer, SecurityEventSerializer


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
            idempotency.finish(record, status_code=response.status_code, body=getattr(response, "data", None))
            request.idempotency_record = None
        return response


class ErpModelViewSet(ErpViewMixin, viewsets.ModelViewSet):
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

    @extend_schema(responses=HistoryEntrySerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def history(self, request, *args, **kwargs):
        entries = history_entries(self.get_object())
        return Response(HistoryEntrySerializer(entries, many=True).data)


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
