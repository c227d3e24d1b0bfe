"""Work order pages: list, form, detail with its status actions, components, document flow and the
stock and money its issues and outputs moved; the issue and output entry forms."""

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView

from apps.core.documents import can_transition
from apps.core.errors import DomainError
from apps.core.views import Column, ModelPermissionMixin, RecordCreateView, RecordEditView, ScopedMixin
from apps.finance.selectors import source_postings
from apps.inventory.forms import SharedChoices, location_choices, lot_choices, place_errors
from apps.inventory.views.documents import (
    DocumentAction,
    DocumentActionView,
    DocumentDetailView,
    DocumentListView,
    StatusColumn,
)
from apps.masterdata.models import Item

from .. import selectors, services
from ..filters import WorkOrderFilter
from ..forms import IssueHeaderForm, IssueLineFormSet, OutputForm, WorkOrderForm
from ..models import MaterialIssue, ProductionOutput, WorkOrder

Status = WorkOrder.Status


def plain(quantity: Decimal) -> str:
    """A quantity as a form shows it: 21, not 21.000000."""
    return format(quantity.normalize(), "f")


class WorkOrderPages:
    model = WorkOrder
    selector = staticmethod(selectors.work_orders_visible_to)
    url_prefix = "production:work-order"
    editable_statuses = (Status.DRAFT,)


ACTIONS = (
    DocumentAction(
        slug="release",
        label=gettext_lazy("Release"),
        run=lambda order, *, actor, reason: services.release_work_order(actor=actor, work_order=order),
        offered=lambda order: can_transition(order, Status.RELEASED),
        confirm=gettext_lazy("Release this work order? Its BOM version is frozen and components are reserved."),
    ),
    DocumentAction(
        slug="start",
        label=gettext_lazy("Start"),
        run=lambda order, *, actor, reason: services.start_work_order(actor=actor, work_order=order),
        offered=lambda order: order.status == Status.RELEASED,
        style="outline-primary",
    ),
    DocumentAction(
        slug="complete",
        label=gettext_lazy("Complete"),
        run=lambda order, *, actor, reason: services.complete_work_order(actor=actor, work_order=order),
        offered=lambda order: can_transition(order, Status.DONE),
        confirm=gettext_lazy("Complete this work order? Components still reserved go back to stock."),
    ),
    DocumentAction(
        slug="close",
        label=gettext_lazy("Close"),
        run=lambda order, *, actor, reason: services.close_work_order(actor=actor, work_order=order),
        offered=lambda order: can_transition(order, Status.CLOSED),
        confirm=gettext_lazy("Close this work order? What is left in work in progress is posted as variance."),
    ),
    DocumentAction(
        slug="cancel",
        label=gettext_lazy("Cancel"),
        run=lambda order, *, actor, reason: services.cancel_work_order(actor=actor, work_order=order, reason=reason),
        offered=lambda order: can_transition(order, Status.CANCELLED),
        style="outline-danger",
        asks_reason=True,
    ),
)


class WorkOrderListView(WorkOrderPages, DocumentListView):
    filterset_class = WorkOrderFilter
    filter_fields = ("status", "status_group", "warehouse", "source", "due_before")
    columns = (
        Column(gettext_lazy("Number"), "number", sort="number", link=True),
        Column(gettext_lazy("Item"), "item", sort="item__code"),
        Column(gettext_lazy("Quantity"), "quantity", sort="quantity"),
        Column(gettext_lazy("Output so far"), "output_quantity"),
        Column(gettext_lazy("Warehouse"), "warehouse.code", sort="warehouse__code"),
        Column(gettext_lazy("Due date"), "due_date", sort="due_date"),
        Column(gettext_lazy("Source"), "get_source_display", sort="source"),
        StatusColumn(gettext_lazy("Status"), "status", sort="status"),
    )

    def limit_filters(self, form) -> None:
        super().limit_filters(form)
        form.fields["item"].queryset = Item.objects.none()


class WorkOrderDetailView(WorkOrderPages, DocumentDetailView):
    template_name = "production/work_order_detail.html"
    lines_template = "production/_components.html"
    actions = ACTIONS
    fields = (
        "number",
        "company",
        "item",
        "quantity",
        "status",
        "warehouse",
        "output_location",
        "due_date",
        "bom",
        "source",
        "sales_order_line",
        "backflush",
        "released_at",
        "output_quantity",
        "scrap_quantity",
        "issued_cost",
        "output_value",
        "variance",
        "note",
    )

    def get_queryset(self):
        return super().get_queryset().select_related("output_location__warehouse", "sales_order_line__order")

    def lines(self) -> list:
        return list(self.object.components.select_related("item").order_by("id"))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        order = self.object
        open_for_work = order.status in (Status.RELEASED, Status.IN_PROGRESS)
        user = self.request.user
        context.update(
            issue_url=reverse("production:work-order-issue", args=[order.pk])
            if open_for_work and user.has_perm("production.add_materialissue")
            else "",
            output_url=reverse("production:work-order-output", args=[order.pk])
            if open_for_work and user.has_perm("production.add_productionoutput")
            else "",
        )
        if context["tab"] == "details":
            flow = selectors.work_order_flow(order)
            context.update(
                flow=flow,
                moves=selectors.work_order_moves(user, work_order=order),
                postings=[
                    *source_postings(source=order),
                    *(
                        event
                        for document in [*flow["issues"], *flow["outputs"]]
                        for event in source_postings(source=document)
                    ),
                ],
            )
        return context


class WorkOrderActionView(WorkOrderPages, DocumentActionView):
    actions = ACTIONS


class WorkOrderCreateView(WorkOrderPages, RecordCreateView):
    form_class = WorkOrderForm

    def save(self, form) -> WorkOrder:
        data = form.cleaned_data
        return services.create_work_order(
            actor=self.request.user,
            company=data["warehouse"].company,
            item=data["item"],
            quantity=data["quantity"],
            due_date=data["due_date"],
            warehouse=data["warehouse"],
            bom=data.get("bom"),
            backflush=data.get("backflush", False),
            output_location=data.get("output_location"),
            note=data.get("note", ""),
            sales_order_line=selectors.sales_order_line_for(
                self.request.user, self.request.GET.get("sales_order_line")
            ),
        )

    def get_initial(self) -> dict:
        line = selectors.sales_order_line_for(self.request.user, self.request.GET.get("sales_order_line"))
        if line is None:
            return super().get_initial()
        return {
            "item": line.item,
            "quantity": line.open_quantity,
            "warehouse": line.warehouse,
            "due_date": line.order.requested_date,
        }


class WorkOrderEditView(WorkOrderPages, RecordEditView):
    form_class = WorkOrderForm

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        if self.object.status != Status.DRAFT:
            messages.warning(request, _("%(document)s can no longer be edited.") % {"document": self.object})
            return HttpResponseRedirect(self.page_url("detail", self.object))
        return super().get(request, *args, **kwargs)

    def save(self, form) -> WorkOrder:
        data = form.cleaned_data
        return services.update_work_order(
            actor=self.request.user,
            work_order=self.object,
            quantity=data["quantity"],
            due_date=data["due_date"],
            warehouse=data["warehouse"],
            bom=data.get("bom"),
            backflush=data.get("backflush", False),
            output_location=data.get("output_location"),
            note=data.get("note", ""),
        )


class WorkOrderEntryView(WorkOrderPages, ModelPermissionMixin, ScopedMixin, FormView):
    """An entry against one released or started work order, saved by one service call."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.work_order = get_object_or_404(
                selectors.work_orders_visible_to(request.user).filter(status__in=[Status.RELEASED, Status.IN_PROGRESS]),
                pk=kwargs["pk"],
            )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(work_order=self.work_order, cancel_url=self.page_url("detail", self.work_order))
        return context


class IssueCreateView(WorkOrderEntryView):
    """Issue components: one row per component with what is still to issue; location and lot may stay
    empty for stock reserved for the order."""

    model = MaterialIssue
    action = "add"
    form_class = IssueHeaderForm
    template_name = "production/issue_form.html"

    def formset(self):
        if not hasattr(self, "_formset"):
            order = self.work_order
            components = list(order.components.select_related("item").order_by("id"))
            items = Item.objects.filter(pk__in=[c.item_id for c in components]).order_by("code")
            user = self.request.user
            self._formset = IssueLineFormSet(
                self.request.POST if self.request.method == "POST" else None,
                prefix="lines",
                initial=[
                    {"item": c.item_id, "quantity": plain(c.open_quantity)} for c in components if c.open_quantity
                ],
                choices={
                    "item": SharedChoices(queryset=items, options=[(item.pk, str(item)) for item in items]),
                    "from_location": location_choices(user, warehouse_ids=[order.warehouse_id]),
                    "lot": self.lots(user, items),
                },
            )
        return self._formset

    def lots(self, user, items) -> SharedChoices:
        shared = lot_choices(user, company_ids=[self.work_order.company_id])
        shared.queryset = shared.queryset.filter(item__in=items)
        return shared

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        valid = [form.is_valid(), self.formset().is_valid()]
        return self.form_valid(form) if all(valid) else self.form_invalid(form)

    def form_valid(self, form):
        rows = [row for row in self.formset().forms if row.cleaned_data.get("quantity")]
        lines = [
            services.IssueLine(
                row.cleaned_data["item"],
                row.cleaned_data["quantity"],
                row.cleaned_data.get("from_location"),
                row.cleaned_data.get("lot"),
            )
            for row in rows
        ]
        try:
            issue = services.issue_materials(
                actor=self.request.user,
                work_order=self.work_order,
                lines=lines,
                posting_date=form.cleaned_data["posting_date"],
                note=form.cleaned_data.get("note", ""),
            )
        except (ValidationError, DomainError) as error:
            place_errors(form, [(row, "quantity") for row in rows], error)
            return self.form_invalid(form)
        messages.success(self.request, _("%(record)s was posted.") % {"record": issue})
        return HttpResponseRedirect(self.page_url("detail", self.work_order))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            formset=self.formset(),
            title=_("Issue material to %(order)s") % {"order": self.work_order},
        )
        return context


class OutputCreateView(WorkOrderEntryView):
    """Report output: good quantity into stock (with its lot when tracked), scrap with its reason."""

    model = ProductionOutput
    action = "add"
    form_class = OutputForm
    template_name = "core/form.html"

    def get_form_kwargs(self) -> dict:
        kwargs = super().get_form_kwargs()
        kwargs.update(user=self.request.user, work_order=self.work_order)
        return kwargs

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            output = services.post_output(
                actor=self.request.user,
                work_order=self.work_order,
                quantity=data["quantity"],
                scrap_quantity=data.get("scrap_quantity") or 0,
                scrap_reason=data.get("scrap_reason", ""),
                lot_number=data.get("lot_number", ""),
                expiry_date=data.get("expiry_date"),
                location=data.get("location"),
                posting_date=data["posting_date"],
            )
        except (ValidationError, DomainError) as error:
            place_errors(form, [], error)
            return self.form_invalid(form)
        messages.success(self.request, _("%(record)s was posted.") % {"record": output})
        return HttpResponseRedirect(self.page_url("detail", self.work_order))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = _("Report output of %(order)s") % {"order": self.work_order}
        return context
