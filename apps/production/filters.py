import django_filters
from django.utils.translation import gettext_lazy as _

from apps.core.filters import DocumentFilter, SearchFilterSet

from .models import BillOfMaterials, MaterialIssue, ProductionOutput, WorkOrder


class BomFilter(SearchFilterSet):
    search_fields = ("item__code", "item__name", "version", "notes")

    class Meta:
        model = BillOfMaterials
        fields = ["company", "item", "is_active"]


class WorkOrderFilter(DocumentFilter):
    search_fields = ("number", "item__code", "item__name", "note")
    status_group = django_filters.ChoiceFilter(
        method="in_group",
        label=_("Stage"),
        choices=[("open", _("Open")), ("active", _("Released or in progress")), ("done", _("Done"))],
    )
    due_before = django_filters.DateFilter(field_name="due_date", lookup_expr="lte", label=_("Due by"))

    class Meta:
        model = WorkOrder
        fields = ["status", "warehouse", "item", "source", "company"]


class MaterialIssueFilter(DocumentFilter):
    search_fields = ("number", "work_order__number", "note")

    class Meta:
        model = MaterialIssue
        fields = ["status", "warehouse", "work_order", "company"]


class ProductionOutputFilter(DocumentFilter):
    search_fields = ("number", "work_order__number", "item__code", "lot__number", "scrap_reason")

    class Meta:
        model = ProductionOutput
        fields = ["status", "warehouse", "work_order", "item", "company"]
