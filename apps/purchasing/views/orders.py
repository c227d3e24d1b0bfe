"""Purchase order pages: list, draft with inline priced lines and live totals, detail with submit,
cancel, close and close-short, the approval trail, the flow, and a printable copy."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import DetailView
from django.views.generic.detail import SingleObjectMixin

from apps.core.documents import can_transition
from apps.core.errors import DomainError
from apps.core.views import Column, ModelPermissionMixin, RecordCreateView, RecordEditView, ScopedMixin
from apps.inventory.views.documents import DocumentAction, DocumentActionView, DocumentLinesMixin, StatusColumn

from .. import selectors, services
from ..filters import OrderFilter
from ..forms import OrderForm, OrderLineFormSet, purchasable_item_choices, tax_rate_choices, unit_choices
from ..models import PurchaseOrder
from .documents import PageLink, PurchasingDetailView, PurchasingListView

Status = PurchaseOrder.Status
LINE_FIELDS = ("item", "quantity", "unit", "price", "tax_rate", "expected_date")


class OrderPages:
    model = PurchaseOrder
    selector = staticmethod(selectors.orders_visible_to)
    url_prefix = "purchasing:order"
    editable_statuses = (Status.DRAFT, Status.PENDING_APPROVAL)


def submit(order: PurchaseOrder, *, actor, reason: str) -> PurchaseOrder:
    return services.confirm_order(actor=actor, order=order)


def cancel(order: PurchaseOrder, *, actor, reason: str) -> PurchaseOrder:
    return services.cancel_order(actor=actor, order=order, reason=reason)


def close(order: PurchaseOrder, *, actor, reason: str) -> PurchaseOrder:
    return services.close_order(actor=actor, order=order, reason=reason)


# An order waiting for approval is withdrawn first; one partly received is closed short instead.
CANCELLABLE = (Status.DRAFT, Status.PENDING_APPROVAL, Status.CONFIRMED, Status.PARTIALLY_RECEIVED)


def receivable(order: PurchaseOrder) -> bool:
    return order.status in (Status.CONFIRMED, Status.PARTIALLY_RECEIVED)


ACTIONS = (
    DocumentAction(
        slug="submit",
        label=gettext_lazy("Submit"),
        run=submit,
        offered=lambda order: order.status == Status.DRAFT,
        confirm=gettext_lazy("Submit this order? It is confirmed, or sent for approval when a rule asks for it."),
    ),
    DocumentAction(
        slug="close",
        label=gettext_lazy("Close"),
        run=close,
        offered=lambda order: can_transition(order, Status.CLOSED),
        style="outline-secondary",
        asks_reason=True,
    ),
    DocumentAction(
        slug="cancel",
        label=gettext_lazy("Cancel"),
        run=cancel,
        offered=lambda order: order.status in CANCELLABLE,
        style="outline-danger",
        asks_reason=True,
    ),
)


class OrderListView(OrderPages, PurchasingListView):
    filterset_class = OrderFilter
    filter_fields = ("status", "status_group", "supplier", "warehouse", "date_from", "date_to", "expected_before")
    columns = (
        Column(gettext_lazy("Number"), "number", sort="number", link=True),
        Column(gettext_lazy("Date"), "document_date", sort="document_date"),
        Column(gettext_lazy("Supplier"), "supplier.name", sort="supplier__name"),
        Column(gettext_lazy("Deliver to"), "warehouse.code", sort="warehouse__code"),
        Column(gettext_lazy("Expected on"), "expected_date", sort="expected_date"),
        StatusColumn(gettext_lazy("Status"), "status", sort="status"),
        Column(gettext_lazy("Currency"), "currency.code"),
        Column(gettext_lazy("Total"), "total", sort="total"),
        Column(gettext_lazy("Created by"), "created_by.username"),
    )


class OrderDetailView(OrderPages, PurchasingDetailView):
    lines_template = "purchasing/_order_lines.html"
    actions = ACTIONS
    approvable = True
    fields = (
        "number",
        "company",
        "supplier",
        "warehouse",
        "document_date",
        "expected_date",
        "status",
        "currency",
        "exchange_rate",
        "payment_terms",
        "supplier_reference",
        "note",
        "subtotal",
        "tax_total",
        "total",
        "base_total",
        "created_by",
    )

    def lines(self) -> list:
        return list(self.object.lines.select_related("item", "unit", "tax_rate", "warehouse"))

    def links(self) -> list[PageLink]:
        links = [PageLink(_("Print"), reverse("purchasing:order-print", args=[self.object.pk]))]
        user = self.request.user
        if receivable(self.object) and user.has_perm("purchasing.add_goodsreceipt"):
            url = f"{reverse('purchasing:receipt-create')}?order={self.object.pk}"
            links.append(PageLink(_("Receive goods"), url))
        return links

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["closes_lines"] = self.may_act() and receivable(self.object)
        return context


class OrderActionView(OrderPages, DocumentActionView):
    actions = ACTIONS


class OrderLineCloseView(OrderPages, ModelPermissionMixin, ScopedMixin, SingleObjectMixin, View):
    """POST: close one line short, with a reason."""

    action = "change"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        order = self.get_object()
        line = get_object_or_404(order.lines.all(), pk=kwargs["line"])
        try:
            services.close_line_short(actor=request.user, line=line, reason=request.POST.get("reason", ""))
        except (ValidationError, DomainError) as error:
            messages.error(request, error.message if isinstance(error, DomainError) else " ".join(error.messages))
        else:
            messages.success(request, _("The line %(item)s was closed short.") % {"item": line.item})
        return redirect(self.page_url("detail", order))


class OrderPrintView(OrderPages, ModelPermissionMixin, ScopedMixin, DetailView):
    """The order as the supplier receives it: one printable page, fonts that carry Chinese, no CDN."""

    template_name = "purchasing/order_print.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["lines"] = list(self.object.lines.select_related("item", "unit", "tax_rate"))
        return context


class OrderFormMixin(DocumentLinesMixin):
    template_name = "purchasing/order_form.html"
    form_class = OrderForm
    formset_class = OrderLineFormSet
    line_fields = LINE_FIELDS

    def line_choices(self, form) -> dict:
        user = self.request.user
        return {
            "item": purchasable_item_choices(
                user, company_ids=form.companies(), current_ids=self.saved_line_ids("item")
            ),
            "unit": unit_choices(user),
            "tax_rate": tax_rate_choices(user),
        }


class OrderCreateView(OrderPages, OrderFormMixin, RecordCreateView):
    def save(self, form, lines: list[dict]) -> PurchaseOrder:
        data = form.cleaned_data
        return services.create_order(
            actor=self.request.user,
            company=data["warehouse"].company,
            supplier=data["supplier"],
            warehouse=data["warehouse"],
            document_date=data["document_date"],
            expected_date=data["expected_date"],
            lines=lines,
            currency=data.get("currency"),
            exchange_rate=data.get("exchange_rate"),
            payment_terms=data.get("payment_terms"),
            supplier_reference=data.get("supplier_reference", ""),
            note=data.get("note", ""),
        )


class OrderEditView(OrderPages, OrderFormMixin, RecordEditView):
    def save(self, form, lines: list[dict]) -> PurchaseOrder:
        data = form.cleaned_data
        return services.update_order(
            actor=self.request.user,
            order=self.object,
            document_date=data["document_date"],
            expected_date=data["expected_date"],
            lines=lines,
            exchange_rate=data.get("exchange_rate"),
            payment_terms=data.get("payment_terms"),
            supplier_reference=data.get("supplier_reference", ""),
            note=data.get("note", ""),
        )
