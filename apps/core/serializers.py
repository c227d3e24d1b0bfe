"""API shapes of the platform's own records: outbox events and the security log."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .models import OutboxEvent, SecurityEvent


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
