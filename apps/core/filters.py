import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import SecurityEvent

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class SecurityEventFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    since = django_filters.DateFilter(field_name="at", lookup_expr="date__gte", label=_("From"), widget=DATE_INPUT)
    until = django_filters.DateFilter(field_name="at", lookup_expr="date__lte", label=_("To"), widget=DATE_INPUT)

    class Meta:
        model = SecurityEvent
        fields = ["kind"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(username__icontains=value) | Q(ip_address__startswith=value))
