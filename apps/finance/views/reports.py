"""The reports: trial balance, general ledger, profit and loss, balance sheet, inventory reconciliation.

Each takes a company (among those the user sees) and dates, exports to XLSX or CSV (a security
event), and says how many events are not posted yet, with a link to the posting errors.
"""

import itertools
from collections.abc import Iterable
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.paginator import Paginator
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from apps.core import exports
from apps.core.money import round_amount
from apps.core.views import EXPORT_FORMATS
from apps.core.views_operations import source_url

from .. import selectors
from ..forms import BalanceSheetForm, CompanyReportForm, DateRangeReportForm, GeneralLedgerForm, TrialBalanceForm
from .accounts import general_ledger_url
from .common import url_if_routed

ZERO = Decimal("0.00")


class ReportView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    """A report page: its filter form (always bound, defaults filled in), the report, its export."""

    permission_required = "finance.view_journalentry"
    form_class = DateRangeReportForm
    title = ""
    export_name = ""

    def get(self, request, *args, **kwargs):
        wanted = {key: value for key, value in request.GET.items() if key not in {"export", "page"}}
        self.form = self.form_class({**self.form_class.defaults(request.user), **wanted}, user=request.user)
        report = self.build(self.form.cleaned_data) if self.form.is_valid() else None
        file_format = request.GET.get("export")
        if report is not None and file_format in EXPORT_FORMATS:
            headers, rows = self.table(report)
            return exports.export_response(
                request=request, name=self.export_name, headers=headers, rows=rows, file_format=file_format
            )
        return self.render_to_response(self.get_context_data(report=report))

    def build(self, filters: dict) -> dict:
        raise NotImplementedError

    def table(self, report: dict) -> tuple[list, Iterable[list]]:
        """The export's headers and rows."""
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        report = kwargs.get("report")
        company = self.form.cleaned_data.get("company") if self.form.is_valid() else None
        user = self.request.user
        context.update(
            title=self.title,
            form=self.form,
            company=company,
            export_formats=EXPORT_FORMATS,
            pending_events=report["pending_events"] if report else None,
            posting_errors_url=reverse("posting-errors") if user.has_perm("core.view_outboxevent") else "",
        )
        return context


def _account_cells(account) -> list:
    return [account.code, account.name]


class TrialBalanceView(ReportView):
    template_name = "finance/reports/trial_balance.html"
    form_class = TrialBalanceForm
    title = gettext_lazy("Trial balance")
    export_name = "trial-balance"

    def build(self, filters: dict) -> dict:
        start, end = filters["start"], filters["end"]
        trial = selectors.trial_balance(company=filters["company"], start=start, end=end)
        rows = [(row, general_ledger_url(row.account, start=start, end=end)) for row in trial.rows]
        return {
            "trial": trial,
            "rows": rows,
            "start": start,
            "end": end,
            "total_opening": sum((row.opening for row in trial.rows), ZERO),
            "total_closing": sum((row.closing for row in trial.rows), ZERO),
            "pending_events": trial.pending_events,
        }

    def table(self, report: dict):
        headers = [
            _("Code"),
            _("Account"),
            _("Type"),
            _("Opening balance"),
            _("Debit"),
            _("Credit"),
            _("Closing balance"),
        ]
        rows = [
            [
                *_account_cells(row.account),
                row.account.get_account_type_display(),
                row.opening,
                row.debit,
                row.credit,
                row.closing,
            ]
            for row in report["trial"].rows
        ]
        trial = report["trial"]
        rows.append(
            [
                "",
                _("Total"),
                "",
                report["total_opening"],
                trial.total_debit,
                trial.total_credit,
                report["total_closing"],
            ]
        )
        return headers, rows


class GeneralLedgerView(ReportView):
    template_name = "finance/reports/general_ledger.html"
    form_class = GeneralLedgerForm
    title = gettext_lazy("General ledger")
    export_name = "general-ledger"
    lines_per_page = 100

    def build(self, filters: dict) -> dict:
        account, start, end = filters["account"], filters["start"], filters["end"]
        opening, lines = selectors.general_ledger(account=account, start=start, end=end)
        return {
            "account": account,
            "opening": opening,
            "lines": lines,
            "closing": selectors.account_balance(account=account, as_of=end),
            "start": start,
            "end": end,
            "pending_events": selectors.pending_event_count(company=filters["company"]),
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        report = kwargs.get("report")
        if report:
            page = Paginator(report["lines"], self.lines_per_page).get_page(self.request.GET.get("page"))
            for line in page:
                line.entry_url = reverse("finance:journal-entry-detail", args=[line.entry_id])
                line.source_url = source_url(line.entry.source_type, line.entry.source_id)
            context["page_obj"] = page
        return context

    def table(self, report: dict):
        headers = [
            _("Date"),
            _("Entry"),
            _("Description"),
            _("Partner"),
            _("Source document"),
            _("Debit"),
            _("Credit"),
            _("Balance"),
        ]
        opening = [report["start"], "", _("Opening balance"), "", "", "", "", report["opening"]]
        lines = (
            [
                line.entry_date,
                line.entry.number,
                line.description or line.entry.description,
                line.partner.code if line.partner else "",
                line.entry.source_number,
                line.debit,
                line.credit,
                round_amount(line.running_balance),
            ]
            for line in report["lines"].iterator(chunk_size=2000)
        )
        return headers, itertools.chain([opening], lines)


class ProfitAndLossView(ReportView):
    template_name = "finance/reports/profit_and_loss.html"
    title = gettext_lazy("Profit and loss")
    export_name = "profit-and-loss"

    def build(self, filters: dict) -> dict:
        report = selectors.profit_and_loss(company=filters["company"], start=filters["start"], end=filters["end"])
        return {**report, "start": filters["start"], "end": filters["end"]}

    def table(self, report: dict):
        headers = [_("Section"), _("Code"), _("Account"), _("Amount")]
        rows = []
        for key, label in (("income", _("Income")), ("expense", _("Expenses"))):
            section = report[key]
            rows += [[label, *_account_cells(account), amount] for account, amount in section.rows]
            rows.append([label, "", _("Total"), section.total])
        rows.append([_("Profit"), "", "", report["profit"]])
        return headers, rows


class BalanceSheetView(ReportView):
    template_name = "finance/reports/balance_sheet.html"
    form_class = BalanceSheetForm
    title = gettext_lazy("Balance sheet")
    export_name = "balance-sheet"

    def build(self, filters: dict) -> dict:
        report = selectors.balance_sheet(company=filters["company"], as_of=filters["as_of"])
        return {**report, "as_of": filters["as_of"]}

    def table(self, report: dict):
        headers = [_("Section"), _("Code"), _("Account"), _("Amount")]
        rows = []
        for key, label in (("assets", _("Assets")), ("liabilities", _("Liabilities")), ("equity", _("Equity"))):
            section = report[key]
            rows += [[label, *_account_cells(account), amount] for account, amount in section.rows]
            if key == "equity":
                rows.append([label, "", _("Profit not yet closed"), report["unclosed_earnings"]])
                rows.append([label, "", _("Total"), report["total_equity"]])
            else:
                rows.append([label, "", _("Total"), section.total])
        return headers, rows


class InventoryReconciliationView(ReportView):
    """Each inventory account's balance against the stock valuation of the items it carries."""

    permission_required = "finance.view_reconciliationrun"
    template_name = "finance/reports/inventory_reconciliation.html"
    form_class = CompanyReportForm
    title = gettext_lazy("Inventory reconciliation")
    export_name = "inventory-reconciliation"

    def build(self, filters: dict) -> dict:
        company = filters["company"]
        rows, pending = selectors.inventory_reconciliation(company=company)
        valuation_url = url_if_routed("inventory:valuation", query=urlencode({"company": company.pk}))
        return {
            "rows": [(row, general_ledger_url(row.account)) for row in rows],
            "reconciled": all(row.difference == 0 for row in rows),
            "valuation_url": valuation_url,
            "last_run": selectors.latest_reconciliation_run(company=company),
            "as_of": timezone.localdate(),
            "pending_events": pending,
        }

    def table(self, report: dict):
        headers = [_("Code"), _("Account"), _("Ledger balance"), _("Stock valuation"), _("Difference")]
        rows = [
            [*_account_cells(row.account), row.ledger_balance, row.subledger_value, row.difference]
            for row, _url in report["rows"]
        ]
        return headers, rows
