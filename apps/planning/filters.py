"""FilterSets shared by the planning lists and API."""

import django_filters
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from apps.core.filters import SearchFilterSet

from .models import MrpRun, PlannedOrder


class RunFilter(django_filters.FilterSet):
    class Meta:
        model = MrpRun
        fields = ["status", "company"]


class PlannedOrderFilter(SearchFilterSet):
    search_fields = ("item__code", "item__name", "supplier__name")
    run = django_filters.NumberFilter(field_name="run", label=_("Run"))
    item = django_filters.NumberFilter(field_name="item", label=_("Item"))
    late = django_filters.BooleanFilter(method="is_late", label=_("Late"))

    class Meta:
        model = PlannedOrder
        fields = ["kind", "status", "warehouse", "company"]

    def is_late(self, queryset, name, value):
        """Late: it should have been ordered or started before the day of its run."""
        if value is None:
            return queryset
        late = queryset.filter(start_date__lt=F("run__plan_date"))
        return late if value else queryset.exclude(pk__in=late.values("pk"))
