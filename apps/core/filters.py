"""FilterSets of the platform, and the search base every module's FilterSets build on."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import SecurityEvent

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class SearchFilterSet(django_filters.FilterSet):
    """`q` searches the fields named in `search_fields` (case-insensitive, any of them)."""

    search_fields: tuple[str, ...] = ()
    q = django_filters.CharFilter(method="search", label=_("Search"))

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        condition = Q()
        for field in self.search_fields:
            condition |= Q(**{f"{field}__icontains": value})
        return queryset.filter(condition)


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


class DocumentFilter(SearchFilterSet):
    """Number search, status (or a status group: open / done) and a document date range."""

    search_fields = ("number",)
    status_group = django_filters.ChoiceFilter(
        method="in_group", label=_("Stage"), choices=[("open", _("Open")), ("done", _("Done"))]
    )
    date_from = django_filters.DateFilter(
        field_name="document_date", lookup_expr="gte", label=_("From"), widget=DATE_INPUT
    )
    date_to = django_filters.DateFilter(field_name="document_date", lookup_expr="lte", label=_("To"), widget=DATE_INPUT)

    def in_group(self, queryset, name, value):
        return queryset.filter(status__in=self._meta.model.STATUS_GROUPS.get(value, []))
