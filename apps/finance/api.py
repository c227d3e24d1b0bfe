"""The books over REST, for the accountant role: every resource reads through a company-scoped selector
and changes only through the services; the reports state how many events are not yet posted."""

from collections.abc import Callable
from datetime import date

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response

from apps.core.api import ErpModelViewSet, ErpReadOnlyViewSet, ErpViewMixin, HistoryAction
from apps.core.serializers import CancelSerializer
from apps.masterdata.serializers import chosen_company

from . import filters, selectors, services
from .models import Account, AccountBalance, JournalLine, ManualJournalLine
from .serializers import (
    AccountSerializer,
    AsOfQuerySerializer,
    BalanceSheetSerializer,
    ChartLoadedSerializer,
    CompanyQuerySerializer,
    CompanyRangeQuerySerializer,
    FiscalYearSerializer,
    GeneralLedgerQuerySerializer,
    GeneralLedgerSerializer,
    JournalEntrySerializer,
    LoadChartSerializer,
    ManualJournalListSerializer,
    ManualJournalSerializer,
    PeriodSerializer,
    PostingRuleSerializer,
    ProfitAndLossSerializer,
    ReconciliationSerializer,
    ReopenSerializer,
    TrialBalanceSerializer,
)


def validated(serializer_class, data, context) -> dict:
    serializer = serializer_class(data=data, context=context)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class Scoped:
    """Rows are the selector's rows for the requesting user; anything else is a 404."""

    filter_backends = [DjangoFilterBackend, OrderingFilter]
    visible: Callable[..., QuerySet]

    def get_queryset(self):
        return self.visible(self.request.user)


class PreparedRecord:
    """A record prepared from the validated input and saved by `save_record` (a service)."""

    def save_record(self, record):
        raise NotImplementedError

    def perform_create(self, serializer):
        serializer.instance = self.save_record(serializer.Meta.model(**serializer.validated_data))

    def perform_update(self, serializer):
        record = serializer.instance
        for name, value in serializer.validated_data.items():
            setattr(record, name, value)
        serializer.instance = self.save_record(record)


# --- Chart, rules, years and periods ------------------------------------------------------------


class AccountViewSet(Scoped, PreparedRecord, ErpModelViewSet):
    """The chart of accounts, a tree per company; only non-group accounts take postings."""

    serializer_class = AccountSerializer
    visible = staticmethod(selectors.accounts_visible_to)
    filterset_class = filters.AccountFilter
    ordering_fields = ["code", "name", "path", "id"]
    ordering = ["company", "code"]

    def save_record(self, record):
        return services.save_account(actor=self.request.user, account=record)


class PostingRuleViewSet(Scoped, PreparedRecord, ErpModelViewSet):
    """Which account each role of an event posts to, per company, item category and warehouse."""

    serializer_class = PostingRuleSerializer
    visible = staticmethod(selectors.posting_rules_visible_to)
    filterset_class = filters.PostingRuleFilter
    ordering_fields = ["role", "id"]
    ordering = ["role", "id"]

    def save_record(self, record):
        return services.save_posting_rule(actor=self.request.user, rule=record)


class FiscalYearViewSet(Scoped, ErpModelViewSet):
    """Fiscal years with their twelve monthly periods. Opening a year that is already open answers it (200)."""

    http_method_names = ["get", "post", "head", "options"]
    serializer_class = FiscalYearSerializer
    visible = staticmethod(selectors.fiscal_years_visible_to)
    filterset_fields = ["company", "status", "year"]
    ordering_fields = ["year", "id"]
    ordering = ["company", "-year"]

    def get_queryset(self):
        return super().get_queryset().select_related("company").prefetch_related("periods__closed_by")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        company, year = serializer.validated_data["company"], serializer.validated_data["year"]
        already_open = self.get_queryset().filter(company=company, year=year).exists()
        fiscal_year = services.open_fiscal_year(actor=request.user, company=company, year=year)
        body = self.get_serializer(self.get_queryset().get(pk=fiscal_year.pk)).data
        return Response(body, status=status.HTTP_200_OK if already_open else status.HTTP_201_CREATED)


class PeriodViewSet(Scoped, HistoryAction, ErpReadOnlyViewSet):
    """Monthly periods: postings are accepted only while a period is open."""

    serializer_class = PeriodSerializer
    visible = staticmethod(selectors.periods_visible_to)
    filterset_class = filters.PeriodFilter
    ordering_fields = ["start_date", "id"]
    ordering = ["company", "start_date"]
    action_permissions = {"close": ["finance.close_period"], "reopen": ["finance.reopen_period"]}

    def answer(self, period) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=period.pk)).data)

    @extend_schema(request=None, responses=PeriodSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, *args, **kwargs):
        """Close the period: nothing more is posted on its dates. Refused while its events are not posted."""
        return self.answer(services.close_period(actor=request.user, period=self.get_object()))

    @extend_schema(request=ReopenSerializer, responses=PeriodSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, *args, **kwargs):
        """Reopen a closed period; the reason is kept in its history."""
        period = self.get_object()
        reason = validated(ReopenSerializer, request.data, self.get_serializer_context())["reason"]
        return self.answer(services.reopen_period(actor=request.user, period=period, reason=reason))


class ChartViewSet(ErpViewMixin, viewsets.GenericViewSet):
    """Charts of accounts loaded from a template, with their default posting rules."""

    queryset = Account.objects.none()
    serializer_class = LoadChartSerializer
    action_permissions = {
        # Loading a whole chart is the administrator's: the accountant keeps the accounts afterwards.
        "load": ["finance.add_account", "finance.add_postingrule", "finance.delete_account"],
    }

    @extend_schema(request=LoadChartSerializer, responses={201: ChartLoadedSerializer})
    @action(detail=False, methods=["post"])
    def load(self, request):
        """Create a company's chart from a template (`cas` or `en`); refused if it already has one."""
        options = validated(LoadChartSerializer, request.data, self.get_serializer_context())
        company = chosen_company(request.user, options.get("company"))
        accounts = services.load_chart(actor=request.user, company=company, template=options["template"])
        body = {
            "company": company,
            "template": options["template"],
            "accounts": len(accounts),
            "posting_rules": selectors.posting_rules_visible_to(request.user).filter(company=company).count(),
        }
        return Response(ChartLoadedSerializer(body).data, status=status.HTTP_201_CREATED)


# --- Journal entries and manual journals --------------------------------------------------------


class JournalEntryViewSet(Scoped, ErpReadOnlyViewSet):
    """Posted journal entries with their lines, each linked to its source document and outbox event.

    Never changed: a mistake is corrected by a reversing entry.
    """

    serializer_class = JournalEntrySerializer
    visible = staticmethod(selectors.journal_entries_visible_to)
    filterset_class = filters.JournalEntryFilter
    ordering_fields = ["entry_date", "number", "id", "total"]
    ordering = ["-entry_date", "-id"]

    def get_queryset(self):
        lines = JournalLine.objects.select_related("account", "partner").order_by("id")
        return super().get_queryset().prefetch_related(Prefetch("lines", lines))


class ManualJournalViewSet(Scoped, ErpModelViewSet):
    """Journal entries keyed by an accountant: drafts with lines, posted into the journal, cancelled by reversal."""

    serializer_class = ManualJournalSerializer
    visible = staticmethod(selectors.manual_journals_visible_to)
    filterset_class = filters.ManualJournalFilter
    ordering_fields = ["document_date", "number", "id", "total"]
    action_permissions = {
        "post_journal": ["finance.change_manualjournal"],
        "cancel": ["finance.change_manualjournal"],
    }

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "list":
            return queryset
        lines = ManualJournalLine.objects.select_related("account", "partner").order_by("id")
        return queryset.prefetch_related(Prefetch("lines", lines))

    def get_serializer_class(self):
        return ManualJournalListSerializer if self.action == "list" else ManualJournalSerializer

    def fresh(self, journal):
        return self.get_queryset().get(pk=journal.pk)

    def perform_create(self, serializer):
        data = serializer.validated_data
        journal = services.create_manual_journal(
            actor=self.request.user,
            company=data["company"],
            document_date=data["document_date"],
            description=data["description"],
            lines=[dict(line) for line in data["lines"]],
        )
        serializer.instance = self.fresh(journal)

    def perform_update(self, serializer):
        data, journal = serializer.validated_data, serializer.instance
        lines = data.get("lines")
        if lines is None:
            lines = [
                {
                    "id": line.pk,
                    "account": line.account,
                    "debit": line.debit,
                    "credit": line.credit,
                    "partner": line.partner,
                    "description": line.description,
                }
                for line in journal.lines.all()
            ]
        journal = services.update_manual_journal(
            actor=self.request.user,
            journal=journal,
            document_date=data.get("document_date", journal.document_date),
            description=data.get("description", journal.description),
            lines=[dict(line) for line in lines],
        )
        serializer.instance = self.fresh(journal)

    @extend_schema(request=None, responses=ManualJournalSerializer)
    @action(detail=True, methods=["post"], url_path="post", url_name="post")
    def post_journal(self, request, *args, **kwargs):
        """Post the draft into the journal on its document date (refused in a closed period)."""
        journal = services.post_manual_journal(actor=request.user, journal=self.get_object())
        return Response(self.get_serializer(self.fresh(journal)).data)

    @extend_schema(request=CancelSerializer, responses=ManualJournalSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, *args, **kwargs):
        """Cancel a draft, or reverse a posted journal on today's date."""
        journal = self.get_object()
        reason = validated(CancelSerializer, request.data, self.get_serializer_context())["reason"]
        journal = services.cancel_manual_journal(actor=request.user, journal=journal, reason=reason)
        return Response(self.get_serializer(self.fresh(journal)).data)


# --- Reports ------------------------------------------------------------------------------------


def statement_section(section) -> dict:
    return {
        "rows": [{"account": account, "amount": amount} for account, amount in section.rows],
        "total": section.total,
    }


class FinanceReportViewSet(ErpViewMixin, viewsets.GenericViewSet):
    """The books' reports, from period balances; each states how many events are not yet posted."""

    queryset = AccountBalance.objects.none()
    filter_backends: list = []
    action_permissions = {
        "trial_balance": ["finance.view_accountbalance"],
        "general_ledger": ["finance.view_journalline"],
        "profit_and_loss": ["finance.view_accountbalance"],
        "balance_sheet": ["finance.view_accountbalance"],
        "inventory_reconciliation": ["finance.view_accountbalance", "inventory.view_stockbalance"],
    }

    def query(self, serializer_class) -> dict:
        return validated(serializer_class, self.request.query_params, self.get_serializer_context())

    def company_and_range(self) -> tuple:
        query = self.query(CompanyRangeQuerySerializer)
        end = query.get("end") or timezone.localdate()
        start = query.get("start") or date(end.year, 1, 1)
        return chosen_company(self.request.user, query.get("company")), min(start, end), end

    @extend_schema(parameters=[CompanyRangeQuerySerializer], responses=TrialBalanceSerializer)
    @action(detail=False, methods=["get"], url_path="trial-balance")
    def trial_balance(self, request):
        """Per account: opening balance, debits and credits in the range, closing balance (debit positive)."""
        company, start, end = self.company_and_range()
        report = selectors.trial_balance(company=company, start=start, end=end)
        body = {
            "company": company,
            "start": start,
            "end": end,
            "rows": report.rows,
            "total_debit": report.total_debit,
            "total_credit": report.total_credit,
            "balanced": report.balanced,
            "pending_events": report.pending_events,
        }
        return Response(TrialBalanceSerializer(body).data)

    @extend_schema(parameters=[GeneralLedgerQuerySerializer], responses=GeneralLedgerSerializer)
    @action(detail=False, methods=["get"], url_path="general-ledger")
    def general_ledger(self, request):
        """An account's lines in the range, oldest first, with the opening and a running balance; paginated."""
        query = self.query(GeneralLedgerQuerySerializer)
        account = query["account"]
        end = query.get("end") or timezone.localdate()
        start = query.get("start") or date(end.year, 1, 1)
        opening, lines = selectors.general_ledger(account=account, start=start, end=end)
        page = self.paginate_queryset(lines)
        body = {
            "count": self.paginator.page.paginator.count,
            "next": self.paginator.get_next_link(),
            "previous": self.paginator.get_previous_link(),
            "account": account,
            "start": start,
            "end": end,
            "opening_balance": opening,
            "pending_events": selectors.pending_event_count(company=account.company),
            "results": page,
        }
        return Response(GeneralLedgerSerializer(body).data)

    @extend_schema(parameters=[CompanyRangeQuerySerializer], responses=ProfitAndLossSerializer)
    @action(detail=False, methods=["get"], url_path="profit-and-loss")
    def profit_and_loss(self, request):
        """Income and expenses in the range, each shown positive in its normal direction."""
        company, start, end = self.company_and_range()
        report = selectors.profit_and_loss(company=company, start=start, end=end)
        body = {
            "company": company,
            "start": start,
            "end": end,
            "income": statement_section(report["income"]),
            "expense": statement_section(report["expense"]),
            "profit": report["profit"],
            "pending_events": report["pending_events"],
        }
        return Response(ProfitAndLossSerializer(body).data)

    @extend_schema(parameters=[AsOfQuerySerializer], responses=BalanceSheetSerializer)
    @action(detail=False, methods=["get"], url_path="balance-sheet")
    def balance_sheet(self, request):
        """Assets, liabilities and equity at the end of `as_of`, with the year's unclosed earnings in equity."""
        query = self.query(AsOfQuerySerializer)
        company = chosen_company(request.user, query.get("company"))
        as_of = query.get("as_of") or timezone.localdate()
        report = selectors.balance_sheet(company=company, as_of=as_of)
        body = {
            **report,
            "company": company,
            "as_of": as_of,
            "assets": statement_section(report["assets"]),
            "liabilities": statement_section(report["liabilities"]),
            "equity": statement_section(report["equity"]),
        }
        return Response(BalanceSheetSerializer(body).data)

    @extend_schema(parameters=[CompanyQuerySerializer], responses=ReconciliationSerializer)
    @action(detail=False, methods=["get"], url_path="inventory-reconciliation")
    def inventory_reconciliation(self, request):
        """Each inventory account's balance against the stock valuation of the items it carries."""
        company = chosen_company(request.user, self.query(CompanyQuerySerializer).get("company"))
        rows, pending = selectors.inventory_reconciliation(company=company)
        body = {
            "company": company,
            "rows": rows,
            "balanced": all(row.difference == 0 for row in rows),
            "pending_events": pending,
        }
        return Response(ReconciliationSerializer(body).data)
