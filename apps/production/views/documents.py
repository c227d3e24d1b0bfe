"""Material issue and production output pages: lists and details with their stock moves, postings
and, for an output, the component lots that went into its lot."""

from django.urls import reverse
from django.utils.translation import gettext_lazy

from apps.core.views import Column
from apps.inventory.views.documents import DocumentDetailView, DocumentListView, StatusColumn

from .. import selectors
from ..filters import MaterialIssueFilter, ProductionOutputFilter
from ..models import MaterialIssue, ProductionOutput


class WorkOrderLinkMixin:
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["work_order_url"] = reverse("production:work-order-detail", args=[self.object.work_order_id])
        return context


class IssuePages:
    model = MaterialIssue
    selector = staticmethod(selectors.issues_visible_to)
    url_prefix = "production:issue"
    editable_statuses = ()


class IssueListView(IssuePages, DocumentListView):
    filterset_class = MaterialIssueFilter
    filter_fields = ("status", "warehouse", "date_from", "date_to")
    has_create = False
    columns = (
        Column(gettext_lazy("Number"), "number", sort="number", link=True),
        Column(gettext_lazy("Date"), "posting_date", sort="posting_date"),
        Column(gettext_lazy("Work order"), "work_order.number", sort="work_order__number"),
        Column(gettext_lazy("Warehouse"), "warehouse.code", sort="warehouse__code"),
        Column(gettext_lazy("Backflushed"), "backflushed"),
        StatusColumn(gettext_lazy("Status"), "status", sort="status"),
        Column(gettext_lazy("Total value"), "total_value", sort="total_value"),
    )

    def limit_filters(self, form) -> None:
        super().limit_filters(form)
        form.fields["work_order"].queryset = MaterialIssue.objects.none()


class IssueDetailView(IssuePages, WorkOrderLinkMixin, DocumentDetailView):
    template_name = "production/document_detail.html"
    lines_template = "production/_issue_lines.html"
    fields = (
        "number",
        "work_order",
        "warehouse",
        "posting_date",
        "status",
        "backflushed",
        "total_value",
        "note",
        "created_by",
    )

    def lines(self) -> list:
        return list(self.object.lines.select_related("item", "from_location__warehouse", "lot"))


class OutputPages:
    model = ProductionOutput
    selector = staticmethod(selectors.outputs_visible_to)
    url_prefix = "production:output"
    editable_statuses = ()


class OutputListView(OutputPages, DocumentListView):
    filterset_class = ProductionOutputFilter
    filter_fields = ("status", "warehouse", "date_from", "date_to")
    has_create = False
    columns = (
        Column(gettext_lazy("Number"), "number", sort="number", link=True),
        Column(gettext_lazy("Date"), "posting_date", sort="posting_date"),
        Column(gettext_lazy("Work order"), "work_order.number", sort="work_order__number"),
        Column(gettext_lazy("Item"), "item", sort="item__code"),
        Column(gettext_lazy("Good quantity"), "quantity"),
        Column(gettext_lazy("Scrap quantity"), "scrap_quantity"),
        Column(gettext_lazy("Lot"), "lot.number", sort="lot__number"),
        Column(gettext_lazy("Value"), "value", sort="value"),
        StatusColumn(gettext_lazy("Status"), "status", sort="status"),
    )

    def limit_filters(self, form) -> None:
        super().limit_filters(form)
        form.fields["work_order"].queryset = ProductionOutput.objects.none()
        form.fields["item"].queryset = ProductionOutput.objects.none()


class OutputDetailView(OutputPages, WorkOrderLinkMixin, DocumentDetailView):
    template_name = "production/document_detail.html"
    lines_template = "production/_genealogy.html"
    fields = (
        "number",
        "work_order",
        "item",
        "warehouse",
        "location",
        "posting_date",
        "status",
        "quantity",
        "scrap_quantity",
        "scrap_reason",
        "lot",
        "unit_cost",
        "value",
        "created_by",
    )

    def lines(self) -> list:
        return selectors.lots_made_from(self.object.lot) if self.object.lot_id else []
