"""Quotation pages: list, form with inline lines, detail with Send, Accept (into a sales order) and Lost."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from apps.core.errors import DomainError
from apps.core.views import Column, ModelPermissionMixin, RecordCreateView, RecordEditView, ScopedMixin
from apps.inventory.views.documents import DocumentAction, DocumentActionView, StatusColumn, error_text

from .. import selectors, services
from ..filters import QuotationFilter
from ..forms import QuotationForm, QuotationLineFormSet
from ..models import Quotation
from ..serializers import ship_from_warehouses
from .common import SalesDetailView, SalesListView, document_url
from .orders import LINE_COLUMNS, PricedLinesMixin

Status = Quotation.Status


class QuotationPages:
    model = Quotation
    selector = staticmethod(selectors.quotations_visible_to)
    url_prefix = "sales:quotation"
    editable_statuses = (Status.DRAFT,)


ACTIONS = (
    DocumentAction(
        slug="send",
        label=gettext_lazy("Mark as sent"),
        run=lambda quotation, *, actor, reason: services.send_quotation(actor=actor, quotation=quotation),
        offered=lambda quotation: quotation.status == Status.DRAFT,
    ),
    DocumentAction(
        slug="lose",
        label=gettext_lazy("Lost"),
        run=lambda quotation, *, actor, reason: services.lose_quotation(
            actor=actor, quotation=quotation, reason=reason
        ),
        offered=lambda quotation: quotation.status in (Status.DRAFT, Status.SENT),
        style="outline-danger",
        asks_reason=True,
    ),
)


class QuotationListView(QuotationPages, SalesListView):
    filterset_class = QuotationFilter
    filter_fields = ("status", "status_group", "customer", "date_from", "date_to")
    columns = (
        Column(gettext_lazy("Number"), "number", sort="number", link=True),
        Column(gettext_lazy("Date"), "document_date", sort="document_date"),
        Column(gettext_lazy("Customer"), "customer", sort="customer__code"),
        Column(gettext_lazy("Valid until"), "valid_until", sort="valid_until"),
        StatusColumn(gettext_lazy("Status"), "status", sort="status"),
        Column(gettext_lazy("Total"), "total", sort="total"),
        Column(gettext_lazy("Currency"), "currency.code"),
        Column(gettext_lazy("Salesperson"), "salesperson.username"),
    )


class QuotationDetailView(QuotationPages, SalesDetailView):
    actions = ACTIONS
    fields = (
        "number",
        "customer",
        "document_date",
        "valid_until",
        "status",
        "currency",
        "salesperson",
        "lost_reason",
        "subtotal",
        "tax_total",
        "total",
    )
    line_columns = LINE_COLUMNS

    def line_records(self):
        return self.object.lines.select_related("item", "unit")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.object.status == Status.SENT and self.request.user.has_perm("sales.add_salesorder"):
            context["accept_warehouses"] = ship_from_warehouses(self.request.user).filter(
                company=self.object.company, active=True
            )
        return context


class QuotationActionView(QuotationPages, DocumentActionView):
    actions = ACTIONS


class QuotationAcceptView(QuotationPages, ModelPermissionMixin, ScopedMixin, View):
    """POST: the customer accepted; a draft sales order is made from the quotation's lines."""

    action = "change"
    http_method_names = ["post"]

    def post(self, request, pk):
        quotation = get_object_or_404(self.get_queryset(), pk=pk)
        warehouse = ship_from_warehouses(request.user).filter(pk=request.POST.get("warehouse") or 0).first()
        if warehouse is None:
            messages.error(request, _("Choose the warehouse the order ships from."))
            return redirect(document_url(quotation))
        try:
            order = services.accept_quotation(
                actor=request.user, quotation=quotation, warehouse=warehouse, document_date=timezone.localdate()
            )
        except (ValidationError, DomainError) as error:
            messages.error(request, error_text(error))
            return redirect(document_url(quotation))
        messages.success(request, _("Sales order %(order)s was made from the quotation.") % {"order": order})
        return redirect(document_url(order))


class QuotationFormMixin(PricedLinesMixin):
    form_class = QuotationForm
    formset_class = QuotationLineFormSet


class QuotationCreateView(QuotationPages, QuotationFormMixin, RecordCreateView):
    def save(self, form, lines: list[dict]) -> Quotation:
        data = form.cleaned_data
        return services.create_quotation(
            actor=self.request.user,
            company=data["customer"].company,
            customer=data["customer"],
            document_date=data["document_date"],
            valid_until=data["valid_until"],
            lines=lines,
        )


class QuotationEditView(QuotationPages, QuotationFormMixin, RecordEditView):
    def save(self, form, lines: list[dict]) -> Quotation:
        return services.update_quotation(
            actor=self.request.user,
            quotation=self.object,
            document_date=form.cleaned_data["document_date"],
            valid_until=form.cleaned_data["valid_until"],
            lines=lines,
        )
