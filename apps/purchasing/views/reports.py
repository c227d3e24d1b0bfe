"""Purchasing reports: open and late order lines, goods received not invoiced and AP ageing (each beside
its control account in the books), purchases by supplier, item or month; every one exports."""

from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core.ageing import AGEING_BUCKETS
from apps.inventory.views.reports import ReportCell, ReportView

from .. import selectors
from ..forms import AgeingFilterForm, OpenOrdersFilterForm, PurchasesFilterForm, PurchasingReportFilterForm
from .documents import detail_url

BUCKET_LABELS = {
    "current": gettext_lazy("Not yet due"),
    "1_30": gettext_lazy("1-30 days"),
    "31_60": gettext_lazy("31-60 days"),
    "61_90": gettext_lazy("61-90 days"),
    "over_90": gettext_lazy("Over 90 days"),
}


class CompanyReportView(ReportView):
    filter_form_class = PurchasingReportFilterForm
    prompt = gettext_lazy("You may see no company.")

    def company(self):
        return self.filters.chosen_company()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # The base drops the paginator of an empty page (an empty Page is falsy); the footer counts on it.
        if context["page_obj"] is not None:
            context["paginator"] = context["page_obj"].paginator
        return context

    def companies(self) -> list:
        company = self.company()
        return [company] if company else []


class ControlReportView(CompanyReportView):
    """A subledger report with its control account's balance beside it."""

    shows_money = True
    role = ""
    subledger_label = ""

    def subledger_total(self, company) -> Decimal:
        raise NotImplementedError

    def summary(self) -> list[tuple[str, object]]:
        company = self.company()
        if company is None:
            return []
        total = self.subledger_total(company)
        row = selectors.control_account(company=company, role=self.role)
        figures = [(str(self.subledger_label), total)]
        if row is not None:
            accounts = ", ".join(account.code for account in row.accounts)
            figures += [
                (_("Balance of account %(accounts)s") % {"accounts": accounts}, row.ledger_balance),
                (_("Difference"), row.ledger_balance - total),
            ]
        return figures


class OpenOrdersView(CompanyReportView):
    permission_required = "purchasing.view_purchaseorder"
    title = gettext_lazy("Open purchase order lines")
    export_name = "open-purchase-orders"
    filter_form_class = OpenOrdersFilterForm

    def records(self):
        user = self.request.user
        lines = (
            selectors.late_order_lines(user)
            if self.filters.value("late")
            else (selectors.open_order_lines_visible_to(user))
        )
        if supplier := self.filters.value("supplier"):
            lines = lines.filter(order__supplier=supplier)
        return lines

    def headers(self) -> list[str]:
        return [
            _("Order"),
            _("Supplier"),
            _("Item"),
            _("Deliver to"),
            _("Expected on"),
            _("Ordered"),
            _("Received"),
            _("Open"),
        ]

    def cells(self, line) -> list[ReportCell]:
        return [
            ReportCell(line.order.number, detail_url(line.order)),
            ReportCell(line.order.supplier.name),
            ReportCell(f"{line.item.code} {line.item.name}"),
            ReportCell(line.warehouse.code),
            ReportCell(line.expected_date or line.order.expected_date),
            ReportCell(line.base_quantity),
            ReportCell(line.received_quantity),
            ReportCell(line.open_quantity),
        ]

    def row_class(self, line) -> str:
        return "table-warning" if (line.expected_date or line.order.expected_date) < timezone.localdate() else ""


class GrniView(ControlReportView):
    permission_required = ("purchasing.view_goodsreceipt", "purchasing.view_supplierbill")
    title = gettext_lazy("Goods received not invoiced")
    export_name = "grni"
    role = "grni"
    subledger_label = gettext_lazy("Goods received not invoiced")

    def subledger_total(self, company) -> Decimal:
        return selectors.grni_total(company=company)

    def records(self):
        company = self.company()
        return selectors.grni_lines(self.request.user, company=company) if company else None

    def headers(self) -> list[str]:
        return [
            _("Receipt"),
            _("Date"),
            _("Supplier"),
            _("Order"),
            _("Item"),
            _("Received"),
            _("Billed"),
            _("Open value"),
        ]

    def cells(self, line) -> list[ReportCell]:
        return [
            ReportCell(line.receipt.number, detail_url(line.receipt)),
            ReportCell(line.receipt.document_date),
            ReportCell(line.receipt.supplier.name),
            ReportCell(line.order_line.order.number, detail_url(line.order_line.order)),
            ReportCell(f"{line.item.code} {line.item.name}"),
            ReportCell(line.quantity),
            ReportCell(line.billed_quantity),
            ReportCell(line.open_value),
        ]


class ApAgeingView(ControlReportView):
    permission_required = ("purchasing.view_supplierbill", "purchasing.view_supplierpayment")
    title = gettext_lazy("Accounts payable ageing")
    export_name = "ap-ageing"
    filter_form_class = AgeingFilterForm
    role = "ap"
    subledger_label = gettext_lazy("Payables by the open bills")

    def subledger_total(self, company) -> Decimal:
        return selectors.payables_total(company=company)

    def records(self):
        company = self.company()
        if company is None:
            return None
        as_of = self.filters.value("as_of") or timezone.localdate()
        return selectors.ap_ageing(self.request.user, company=company, as_of=as_of)

    def headers(self) -> list[str]:
        return [_("Supplier"), *(str(BUCKET_LABELS[key]) for key in AGEING_BUCKETS), _("Unapplied"), _("Total")]

    def cells(self, row) -> list[ReportCell]:
        return [
            ReportCell(f"{row.partner.code} {row.partner.name}"),
            *(ReportCell(row.buckets[key]) for key in AGEING_BUCKETS),
            ReportCell(row.unapplied),
            ReportCell(row.total),
        ]


class PurchasesView(CompanyReportView):
    permission_required = "purchasing.view_supplierbill"
    title = gettext_lazy("Purchases")
    export_name = "purchases"
    filter_form_class = PurchasesFilterForm
    shows_money = True

    def group_by(self) -> str:
        return self.filters.value("group_by") or "supplier"

    def records(self):
        company = self.company()
        if company is None:
            return None
        start, end = self.filters.period()
        return selectors.purchases_by(
            self.request.user, company=company, group_by=self.group_by(), start=start, end=end
        )

    def headers(self) -> list[str]:
        first = {"supplier": _("Supplier"), "item": _("Item"), "month": _("Month")}[self.group_by()]
        return [first, _("Quantity"), _("Net amount (base currency)")]

    def cells(self, row) -> list[ReportCell]:
        if "month" in row:
            name = f"{row['month']:%Y-%m}"
        else:
            code = row.get("bill__supplier__code", row.get("item__code"))
            name = f"{code} {row.get('bill__supplier__name', row.get('item__name'))}"
        return [ReportCell(name), ReportCell(row["quantity"]), ReportCell(row["amount"])]
