"""Sales reports: open orders and backorders, what can ship today, AR ageing (against the AR control
account), sales and margin, and the customer statement (also printable). Each one exports."""

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from apps.core.ageing import AGEING_BUCKETS
from apps.inventory.views.reports import ReportCell, ReportView

from .. import selectors
from ..forms import AgeingFilterForm, MarginFilterForm, OpenOrdersFilterForm, StatementFilterForm
from .common import document_url


class SalesReportView(ReportView):
    template_name = "sales/report.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # The base leaves out the paginator of an empty page (a Page of no rows is falsy).
        if context["page_obj"] is not None:
            context["paginator"] = context["page_obj"].paginator
        return context


def order_cell(order) -> ReportCell:
    return ReportCell(order.number, reverse("sales:order-detail", args=[order.pk]))


class OpenOrdersView(SalesReportView):
    permission_required = "sales.view_salesorder"
    title = gettext_lazy("Open orders and backorders")
    export_name = "open-orders"
    filter_form_class = OpenOrdersFilterForm

    def records(self):
        lines = selectors.open_order_lines_visible_to(self.request.user)
        customer = self.filters.value("customer")
        return lines.filter(order__customer=customer) if customer else lines

    def headers(self) -> list[str]:
        return [
            _("Order"),
            _("Customer"),
            _("Requested"),
            _("Item"),
            _("Ordered"),
            _("Delivered"),
            _("Reserved"),
            _("Open"),
            _("Backorder"),
        ]

    def cells(self, line) -> list[ReportCell]:
        return [
            order_cell(line.order),
            ReportCell(line.order.customer),
            ReportCell(line.order.requested_date),
            ReportCell(line.item),
            ReportCell(line.base_quantity),
            ReportCell(line.delivered_quantity),
            ReportCell(line.reserved_quantity),
            ReportCell(line.open_quantity),
            ReportCell(line.delivered_quantity > 0),
        ]

    def row_class(self, line) -> str:
        return "table-warning" if line.delivered_quantity > 0 else ""


class ShippableTodayView(SalesReportView):
    permission_required = "sales.view_salesorder"
    title = gettext_lazy("What can ship today")
    export_name = "shippable-today"
    filter_form_class = OpenOrdersFilterForm

    def records(self):
        rows = selectors.shippable_today(self.request.user)
        customer = self.filters.value("customer")
        return [row for row in rows if row["line"].order.customer_id == customer.pk] if customer else rows

    def headers(self) -> list[str]:
        return [
            _("Order"),
            _("Customer"),
            _("Item"),
            _("Warehouse"),
            _("Open"),
            _("Reserved"),
            _("Also available"),
            _("Can ship"),
        ]

    def cells(self, row) -> list[ReportCell]:
        line = row["line"]
        return [
            order_cell(line.order),
            ReportCell(line.order.customer),
            ReportCell(line.item),
            ReportCell(line.warehouse.code),
            ReportCell(line.open_quantity),
            ReportCell(row["reserved"]),
            ReportCell(row["available"]),
            ReportCell(row["can_ship"]),
        ]


class AgeingView(SalesReportView):
    permission_required = "sales.view_customerinvoice"
    title = gettext_lazy("Receivables ageing")
    export_name = "ar-ageing"
    filter_form_class = AgeingFilterForm
    shows_money = True

    def report(self) -> dict:
        if not hasattr(self, "_report"):
            company = self.filters.chosen_company()
            self._report = (
                selectors.ageing_report(self.request.user, company=company, as_of=self.filters.value("as_of"))
                if company
                else None
            )
        return self._report

    def records(self):
        return self.report()["rows"] if self.report() else None

    def headers(self) -> list[str]:
        labels = {
            "current": _("Not yet due"),
            "1-30": _("1–30 days"),
            "31-60": _("31–60 days"),
            "61-90": _("61–90 days"),
            "90+": _("Over 90 days"),
        }
        return [_("Customer"), *(labels.get(bucket, bucket) for bucket in AGEING_BUCKETS), _("Unapplied"), _("Balance")]

    def cells(self, row) -> list[ReportCell]:
        return [
            ReportCell(row["partner"], f"{reverse('sales:statement')}?customer={row['partner'].pk}"),
            *(ReportCell(row["buckets"][bucket]) for bucket in AGEING_BUCKETS),
            ReportCell(row["unapplied"]),
            ReportCell(row["total"]),
        ]

    def summary(self) -> list[tuple[str, Any]]:
        report = self.report()
        if not report:
            return []
        return [
            (_("Total shown"), report["total"]),
            (_("Receivables subledger"), report["receivables_total"]),
            (_("AR control accounts"), report["control_balance"]),
            (_("Difference"), report["difference"]),
        ]


class MarginView(SalesReportView):
    permission_required = "sales.view_customerinvoice"
    title = gettext_lazy("Sales and gross margin")
    export_name = "sales-margin"
    filter_form_class = MarginFilterForm
    shows_money = True

    def records(self):
        company = self.filters.chosen_company()
        if company is None:
            return None
        start, end = selectors.period(self.filters.value("start"), self.filters.value("end"))
        return selectors.margin_rows(
            self.request.user,
            company=company,
            group_by=self.filters.value("group_by") or "customer",
            start=start,
            end=end,
        )

    def headers(self) -> list[str]:
        return [_("Key"), _("Name"), _("Quantity"), _("Revenue"), _("Cost"), _("Margin"), _("Margin (%)")]

    def cells(self, row) -> list[ReportCell]:
        return [
            ReportCell(row["key"]),
            ReportCell(row["label"]),
            ReportCell(row["quantity"]),
            ReportCell(row["revenue"]),
            ReportCell(row["cost"]),
            ReportCell(row["margin"]),
            ReportCell(row["margin_percent"]),
        ]


class StatementMixin:
    def statement(self) -> dict | None:
        customer = self.filters.value("customer")
        if customer is None:
            return None
        start, end = selectors.period(self.filters.value("start"), self.filters.value("end"))
        return selectors.customer_statement(customer=customer, start=start, end=end)


class StatementView(StatementMixin, SalesReportView):
    permission_required = "sales.view_customerinvoice"
    title = gettext_lazy("Customer statement")
    export_name = "customer-statement"
    filter_form_class = StatementFilterForm
    prompt = gettext_lazy("Choose a customer.")

    def records(self):
        statement = self.statement()
        return statement["entries"] if statement else None

    def headers(self) -> list[str]:
        return [_("Date"), _("Document"), _("Debit"), _("Credit"), _("Balance")]

    def cells(self, entry) -> list[ReportCell]:
        return [
            ReportCell(entry["date"]),
            ReportCell(str(entry["document"]), document_url(entry["document"])),
            ReportCell(entry["debit"]),
            ReportCell(entry["credit"]),
            ReportCell(entry["balance"]),
        ]

    def summary(self) -> list[tuple[str, Any]]:
        statement = self.statement()
        if statement is None:
            return []
        query = self.request.GET.urlencode()
        self.print_url = f"{reverse('sales:statement-print')}?{query}"
        return [(_("Opening balance"), statement["opening"]), (_("Closing balance"), statement["closing"])]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["print_url"] = getattr(self, "print_url", "")
        return context


class StatementPrintView(LoginRequiredMixin, PermissionRequiredMixin, StatementMixin, TemplateView):
    """The statement laid out for printing and sending to the customer."""

    permission_required = "sales.view_customerinvoice"
    template_name = "sales/statement_print.html"

    def get(self, request, *args, **kwargs):
        self.filters = StatementFilterForm(request.GET, user=request.user)
        self.filters.is_valid()
        if self.filters.value("customer") is None:
            raise Http404
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["statement"] = self.statement()
        return context
