"""Filters of the approval lists (browser and API)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from apps.core.filters import SearchFilterSet

from . import registry
from .models import ApprovalRequest, ApprovalRule, Notification


def document_type_choices() -> list[tuple[str, str]]:
    return [(t.key, t.label) for t in registry.document_types()]


class ApprovalRuleFilter(SearchFilterSet):
    search_fields = ("name",)
    document_type = django_filters.ChoiceFilter(label=_("Document type"), choices=document_type_choices)

    class Meta:
        model = ApprovalRule
        fields = ["document_type", "company", "active"]


class ApprovalRequestFilter(SearchFilterSet):
    search_fields = ("document_number", "summary")
    document_type = django_filters.ChoiceFilter(label=_("Document type"), choices=document_type_choices)

    class Meta:
        model = ApprovalRequest
        fields = ["document_type", "status", "company"]


class NotificationFilter(django_filters.FilterSet):
    unread = django_filters.BooleanFilter(field_name="read_at", lookup_expr="isnull", label=_("Unread"))

    class Meta:
        model = Notification
        fields = ["request"]
