"""Purchase requisition pages: list, draft with inline lines, detail with submit, convert to orders
and cancel, and one requisition made from the items below their reorder point."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from apps.core.errors import DomainError
from apps.core.views import Column, ModelPermissionMixin, RecordCreateView, RecordEditView, ScopedMixin
from apps.inventory.selectors import below_reorder_point
from apps.inventory.views.documents import (
    DocumentAction,
    DocumentActionView,
    DocumentLinesMixin,
    StatusColumn,
    error_text,
)

from .. import selectors, services
from ..filters import RequisitionFilter
from ..forms import (
    ReorderRequisitionForm,
    RequisitionForm,
    RequisitionLineFormSet,
    purchasable_item_choices,
    supplier_choices,
)
from ..models import PurchaseRequisition
from ..services.requisitions import ORDERABLE
from .documents import PurchasingDetailView, PurchasingListView

Status = PurchaseRequisition.Status
LINE_FIELDS = ("item", "quantity", "needed_by", "suggested_supplier", "estimated_price")


class RequisitionPages:
    model = PurchaseRequisition
    selector = staticmethod(selectors.requisitions_visible_to)
    url_prefix = "purchasing:requisition"
    editable_statuses = (Status.DRAFT, Status.PENDING_APPROVAL)


def submit(requisition: PurchaseRequisition, *, actor, reason: str) -> PurchaseRequisition:
    return services.submit_requisition(actor=actor, requisition=requisition)


def convert(requisition: PurchaseRequisition, *, actor, reason: str) -> PurchaseRequisition:
    """Order every open line from its suggested supplier at its estimated price."""
    lines = [{"line": line} for line in requisition.lines.all() if line.open_quantity > 0]
    services.convert_to_orders(actor=actor, requisition=requisition, lines=lines, document_date=timezone.localdate())
    requisition.refresh_from_db()
    return requisition


def cancel(requisition: PurchaseRequisition, *, actor, reason: str) -> PurchaseRequisition:
    return services.cancel_requisition(actor=actor, requisition=requisition, reason=reason)


ACTIONS = (
    DocumentAction(
        slug="submit",
        label=gettext_lazy("Submit"),
        run=submit,
        offered=lambda requisition: requisition.status == Status.DRAFT,
    ),
    DocumentAction(
        slug="convert",
        label=gettext_lazy("Convert to orders"),
        run=convert,
        offered=lambda requisition: requisition.status in ORDERABLE,
        confirm=gettext_lazy("Make draft orders of the open lines, one per suggested supplier?"),
    ),
    DocumentAction(
        slug="cancel",
        label=gettext_lazy("Cancel"),
        run=cancel,
        offered=lambda requisition: (
            requisition.status in (Status.DRAFT, Status.PENDING_APPROVAL, Status.APPROVED, Status.PARTIALLY_ORDERED)
        ),
        style="outline-danger",
        asks_reason=True,
    ),
)


class RequisitionListView(RequisitionPages, PurchasingListView):
    template_name = "purchasing/requisition_list.html"
    filterset_class = RequisitionFilter
    supplier_filters = ()
    filter_fields = ("status", "status_group", "warehouse", "date_from", "date_to")
    columns = (
        Column(gettext_lazy("Number"), "number", sort="number", link=True),
        Column(gettext_lazy("Date"), "document_date", sort="document_date"),
        Column(gettext_lazy("Deliver to"), "warehouse.code", sort="warehouse__code"),
        Column(gettext_lazy("Needed by"), "needed_by", sort="needed_by"),
        Column(gettext_lazy("Reason"), "reason"),
        StatusColumn(gettext_lazy("Status"), "status", sort="status"),
        Column(gettext_lazy("Created by"), "created_by.username"),
    )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.may("add") and self.request.user.has_perm("inventory.view_stockbalance"):
            context["reorder_form"] = ReorderRequisitionForm(user=self.request.user)
        return context


class RequisitionDetailView(RequisitionPages, PurchasingDetailView):
    lines_template = "purchasing/_requisition_lines.html"
    actions = ACTIONS
    approvable = True
    fields = ("number", "company", "warehouse", "document_date", "needed_by", "status", "reason", "created_by")

    def lines(self) -> list:
        return list(self.object.lines.select_related("item__base_unit", "suggested_supplier"))


class RequisitionActionView(RequisitionPages, DocumentActionView):
    actions = ACTIONS

    def get_permission_required(self) -> tuple[str, ...]:
        if self.kwargs.get("slug") == "convert":
            return (*super().get_permission_required(), "purchasing.add_purchaseorder")
        return super().get_permission_required()


class RequisitionFromReorderView(RequisitionPages, ModelPermissionMixin, ScopedMixin, View):
    """POST: one draft requisition for a warehouse from every item below its reorder point."""

    action = "add"
    http_method_names = ["post"]

    def get_permission_required(self) -> tuple[str, ...]:
        return (*super().get_permission_required(), "inventory.view_stockbalance")

    def post(self, request, *args, **kwargs):
        form = ReorderRequisitionForm(request.POST, user=request.user)
        if not form.is_valid():
            messages.error(request, _("Choose the warehouse and the date the goods are needed by."))
            return redirect(self.page_url("list"))
        warehouse = form.cleaned_data["warehouse"]
        suggestions = below_reorder_point(request.user, company=warehouse.company)
        try:
            requisition = services.requisition_from_reorder(
                actor=request.user,
                company=warehouse.company,
                warehouse=warehouse,
                items=[(item, item.suggested_quantity) for item in suggestions],
                document_date=timezone.localdate(),
                needed_by=form.cleaned_data["needed_by"],
            )
        except (ValidationError, DomainError) as error:
            messages.error(request, _("No requisition was made: %(reason)s") % {"reason": error_text(error)})
            return redirect(self.page_url("list"))
        messages.success(request, _("%(record)s was made from the reorder suggestions.") % {"record": requisition})
        return redirect(self.page_url("detail", requisition))


class RequisitionFormMixin(DocumentLinesMixin):
    template_name = "purchasing/requisition_form.html"
    form_class = RequisitionForm
    formset_class = RequisitionLineFormSet
    line_fields = LINE_FIELDS

    def line_choices(self, form) -> dict:
        user = self.request.user
        return {
            "item": purchasable_item_choices(
                user, company_ids=form.companies(), current_ids=self.saved_line_ids("item")
            ),
            "suggested_supplier": supplier_choices(user),
        }


class RequisitionCreateView(RequisitionPages, RequisitionFormMixin, RecordCreateView):
    def save(self, form, lines: list[dict]) -> PurchaseRequisition:
        data = form.cleaned_data
        return services.create_requisition(
            actor=self.request.user,
            company=data["warehouse"].company,
            warehouse=data["warehouse"],
            document_date=data["document_date"],
            needed_by=data["needed_by"],
            reason=data["reason"],
            lines=lines,
        )


class RequisitionEditView(RequisitionPages, RequisitionFormMixin, RecordEditView):
    def save(self, form, lines: list[dict]) -> PurchaseRequisition:
        data = form.cleaned_data
        return services.update_requisition(
            actor=self.request.user,
            requisition=self.object,
            needed_by=data["needed_by"],
            reason=data["reason"],
            lines=lines,
        )
