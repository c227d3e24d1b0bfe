"""Stock adjustment pages: list, draft with inline lines, detail with Post and Cancel."""

from django.utils.translation import gettext_lazy as _

from apps.core.documents import can_transition
from apps.core.views import Column, RecordCreateView, RecordEditView

from .. import selectors, services
from ..filters import StockAdjustmentFilter
from ..forms import AdjustmentForm, AdjustmentLineFormSet, item_choices, location_choices
from ..models import StockAdjustment
from ..services.adjustments import LINE_FIELDS
from .documents import (
    DocumentAction,
    DocumentActionView,
    DocumentDetailView,
    DocumentLinesMixin,
    DocumentListView,
    StatusColumn,
)

Status = StockAdjustment.Status


class AdjustmentPages:
    model = StockAdjustment
    selector = staticmethod(selectors.adjustments_visible_to)
    url_prefix = "inventory:adjustment"
    # A draft is edited; one waiting for approval too (editing withdraws the request).
    editable_statuses = (Status.DRAFT, Status.PENDING_APPROVAL)


def post(adjustment: StockAdjustment, *, actor, reason: str) -> StockAdjustment:
    return services.post_adjustment(actor=actor, adjustment=adjustment)


def cancel(adjustment: StockAdjustment, *, actor, reason: str) -> StockAdjustment:
    return services.cancel_adjustment(actor=actor, adjustment=adjustment, reason=reason)


ACTIONS = (
    DocumentAction(
        slug="post",
        label=_("Post"),
        run=post,
        offered=lambda adjustment: can_transition(adjustment, Status.POSTED),
        confirm=_("Post this adjustment? Stock changes at once and cannot be edited afterwards."),
    ),
    DocumentAction(
        slug="cancel",
        label=_("Cancel"),
        run=cancel,
        offered=lambda adjustment: can_transition(adjustment, Status.CANCELLED),
        style="outline-danger",
        asks_reason=True,
    ),
)


class AdjustmentListView(AdjustmentPages, DocumentListView):
    filterset_class = StockAdjustmentFilter
    filter_fields = ("status", "status_group", "warehouse", "date_from", "date_to")
    columns = (
        Column(_("Number"), "number", sort="number", link=True),
        Column(_("Date"), "document_date", sort="document_date"),
        Column(_("Warehouse"), "warehouse.code", sort="warehouse__code"),
        Column(_("Reason"), "reason"),
        StatusColumn(_("Status"), "status", sort="status"),
        Column(_("Total value"), "total_value", sort="total_value"),
        Column(_("Created by"), "created_by.username"),
    )


class AdjustmentDetailView(AdjustmentPages, DocumentDetailView):
    lines_template = "inventory/_adjustment_lines.html"
    actions = ACTIONS
    approvable = True
    fields = ("number", "company", "warehouse", "document_date", "status", "reason", "total_value", "created_by")

    def lines(self) -> list:
        return list(self.object.lines.select_related("item", "location__warehouse"))


class AdjustmentActionView(AdjustmentPages, DocumentActionView):
    actions = ACTIONS


class AdjustmentFormMixin(DocumentLinesMixin):
    form_class = AdjustmentForm
    formset_class = AdjustmentLineFormSet
    line_fields = LINE_FIELDS
    live_total = True

    def line_choices(self, form) -> dict:
        warehouses = form.warehouses()
        user = self.request.user
        return {
            "item": item_choices(
                user,
                company_ids=sorted({warehouse.company_id for warehouse in warehouses}),
                current_ids=self.saved_line_ids("item"),
            ),
            "location": location_choices(
                user,
                warehouse_ids=[warehouse.pk for warehouse in warehouses],
                current_ids=self.saved_line_ids("location"),
            ),
        }


class AdjustmentCreateView(AdjustmentPages, AdjustmentFormMixin, RecordCreateView):
    def save(self, form, lines: list[dict]) -> StockAdjustment:
        warehouse = form.cleaned_data["warehouse"]
        return services.create_adjustment(
            actor=self.request.user,
            company=warehouse.company,
            warehouse=warehouse,
            reason=form.cleaned_data["reason"],
            document_date=form.cleaned_data["document_date"],
            lines=lines,
        )


class AdjustmentEditView(AdjustmentPages, AdjustmentFormMixin, RecordEditView):
    def save(self, form, lines: list[dict]) -> StockAdjustment:
        return services.update_adjustment(
            actor=self.request.user,
            adjustment=self.object,
            reason=form.cleaned_data["reason"],
            document_date=form.cleaned_data["document_date"],
            lines=lines,
        )
