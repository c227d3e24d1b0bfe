"""Reads of the books. Reports add up period balances for whole periods and scan journal lines
only for the part of a period a date range cuts into, so their cost does not grow with the ledger."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import DecimalField, F, Prefetch, QuerySet, Sum, Value, Window
from django.db.models.functions import Coalesce

from apps.core.access import scoped
from apps.core.models import OutboxEvent
from apps.core.money import round_amount
from apps.masterdata.models import Company

from .models import (
    Account,
    AccountBalance,
    FiscalYear,
    JournalEntry,
    JournalLine,
    ManualJournal,
    Period,
    PostingRule,
    ReconciliationRun,
)

AMOUNT = DecimalField(max_digits=18, decimal_places=2)
ZERO = Decimal("0.00")


def _in_company(queryset: QuerySet, user) -> QuerySet:
    return scoped(queryset, user=user, perm="masterdata.access_company", scope_model=Company, through="company")


def accounts_visible_to(user) -> QuerySet[Account]:
    return _in_company(Account.objects.select_related("parent", "company"), user)


def journal_entries_visible_to(user) -> QuerySet[JournalEntry]:
    return _in_company(JournalEntry.objects.select_related("period", "company", "posted_by", "source_type"), user)


def journal_lines_visible_to(user) -> QuerySet[JournalLine]:
    return _in_company(JournalLine.objects.select_related("entry", "account", "partner"), user)


def manual_journals_visible_to(user) -> QuerySet[ManualJournal]:
    return _in_company(ManualJournal.objects.select_related("company", "created_by", "journal_entry"), user)


def periods_visible_to(user) -> QuerySet[Period]:
    return _in_company(Period.objects.select_related("fiscal_year", "closed_by"), user)


def fiscal_years_visible_to(user) -> QuerySet[FiscalYear]:
    return _in_company(FiscalYear.objects.all(), user)


def posting_rules_visible_to(user) -> QuerySet[PostingRule]:
    return _in_company(PostingRule.objects.select_related("company", "account", "item_category", "warehouse"), user)


def pending_event_count(*, company: Company) -> int:
    """Events written but not yet in the books: every report states this number."""
    return OutboxEvent.objects.filter(
        company=company, status__in=[OutboxEvent.Status.PENDING, OutboxEvent.Status.FAILED]
    ).count()


# --- Sums per account over a date range ----------------------------------------------------------


def account_sums(*, company: Company, start: date | None, end: date) -> dict[int, tuple[Decimal, Decimal]]:
    """Debit and credit per account for entries dated in [start, end] (start None: from the beginning)."""
    overlapping = Period.objects.filter(company=company, start_date__lte=end)
    if start is not None:
        overlapping = overlapping.filter(end_date__gte=start)
    whole_ids, partial_ids = [], []
    for period_id, period_start, period_end in overlapping.values_list("pk", "start_date", "end_date"):
        inside = period_end <= end and (start is None or period_start >= start)
        (whole_ids if inside else partial_ids).append(period_id)
    sums: dict[int, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for row in (
        AccountBalance.objects.filter(period_id__in=whole_ids)
        .values("account_id")
        .annotate(debit=Sum("debit"), credit=Sum("credit"))
        .order_by()
    ):
        sums[row["account_id"]][0] += row["debit"]
        sums[row["account_id"]][1] += row["credit"]
    # Only the periods the range cuts through are read line by line: at most two months of the journal.
    partial = JournalLine.objects.filter(period_id__in=partial_ids, entry_date__lte=end)
    if start is not None:
        partial = partial.filter(entry_date__gte=start)
    for row in (
        partial.values("account_id").annotate(debit=Sum("debit"), credit=Sum("credit")).order_by()
        if partial_ids
        else []
    ):
        sums[row["account_id"]][0] += row["debit"]
        sums[row["account_id"]][1] += row["credit"]
    # SQLite adds decimals as binary floating point; money is rounded back to the cent here.
    return {account_id: (round_amount(debit), round_amount(credit)) for account_id, (debit, credit) in sums.items()}


def _before(start: date) -> date:
    return date.fromordinal(start.toordinal() - 1)


@dataclass
class TrialBalanceRow:
    account: Account
    opening: Decimal
    debit: Decimal
    credit: Decimal
    closing: Decimal


@dataclass
class TrialBalance:
    rows: list[TrialBalanceRow]
    total_debit: Decimal
    total_credit: Decimal
    pending_events: int

    @property
    def balanced(self) -> bool:
        return self.total_debit == self.total_credit and sum((r.closing for r in self.rows), ZERO) == 0


def trial_balance(*, company: Company, start: date, end: date) -> TrialBalance:
    """Opening balance at `start`, debits and credits in the range, closing balance at `end`.

    Balances are signed debit-positive, so a balanced ledger's closing column sums to zero.
    """
    opening = account_sums(company=company, start=None, end=_before(start))
    movement = account_sums(company=company, start=start, end=end)
    accounts = Account.objects.filter(company=company, pk__in=set(opening) | set(movement)).order_by("code")
    rows = []
    for account in accounts:
        open_debit, open_credit = opening.get(account.pk, (ZERO, ZERO))
        debit, credit = movement.get(account.pk, (ZERO, ZERO))
        opening_balance = open_debit - open_credit
        rows.append(TrialBalanceRow(account, opening_balance, debit, credit, opening_balance + debit - credit))
    return TrialBalance(
        rows=rows,
        total_debit=sum((row.debit for row in rows), ZERO),
        total_credit=sum((row.credit for row in rows), ZERO),
        pending_events=pending_event_count(company=company),
    )


def account_balance(*, account: Account, as_of: date) -> Decimal:
    debit, credit = account_sums(company=account.company, start=None, end=as_of).get(account.pk, (ZERO, ZERO))
    return debit - credit


def general_ledger(*, account: Account, start: date, end: date) -> tuple[Decimal, QuerySet[JournalLine]]:
    """Opening balance and the account's lines in the range with a running balance (page it freely)."""
    opening = account_balance(account=account, as_of=_before(start))
    order = [F("entry_date").asc(), F("id").asc()]
    lines = (
        JournalLine.objects.filter(account=account, entry_date__gte=start, entry_date__lte=end)
        .select_related("entry", "partner", "entry__source_type")
        .annotate(
            running_balance=Window(Sum(F("debit") - F("credit")), order_by=order, output_field=AMOUNT)
            + Value(opening, output_field=AMOUNT)
        )
        .order_by("entry_date", "id")
    )
    return opening, lines


# --- Statements ----------------------------------------------------------------------------------


@dataclass
class StatementSection:
    account_type: str
    rows: list[tuple[Account, Decimal]] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((amount for _account, amount in self.rows), ZERO)


def profit_and_loss(*, company: Company, start: date, end: date) -> dict:
    """Income and expenses in the range; amounts shown positive in their normal direction."""
    movement = account_sums(company=company, start=start, end=end)
    income = StatementSection(Account.AccountType.INCOME)
    expense = StatementSection(Account.AccountType.EXPENSE)
    for account in Account.objects.filter(
        company=company, pk__in=movement, account_type__in=[income.account_type, expense.account_type]
    ).order_by("code"):
        debit, credit = movement[account.pk]
        if account.account_type == Account.AccountType.INCOME:
            income.rows.append((account, credit - debit))
        else:
            expense.rows.append((account, debit - credit))
    return {
        "income": income,
        "expense": expense,
        "profit": income.total - expense.total,
        "pending_events": pending_event_count(company=company),
    }


def balance_sheet(*, company: Company, as_of: date) -> dict:
    """Assets = liabilities + equity, with the profit of the fiscal year to date shown in equity."""
    totals = account_sums(company=company, start=None, end=as_of)
    sections = {
        kind: StatementSection(kind)
        for kind in (Account.AccountType.ASSET, Account.AccountType.LIABILITY, Account.AccountType.EQUITY)
    }
    earnings = ZERO
    for account in Account.objects.filter(company=company, pk__in=totals).order_by("code"):
        debit, credit = totals[account.pk]
        if account.account_type in sections:
            amount = debit - credit if account.account_type == Account.AccountType.ASSET else credit - debit
            sections[account.account_type].rows.append((account, amount))
        else:
            earnings += credit - debit
    assets = sections[Account.AccountType.ASSET].total
    liabilities = sections[Account.AccountType.LIABILITY].total
    equity = sections[Account.AccountType.EQUITY].total + earnings
    return {
        "assets": sections[Account.AccountType.ASSET],
        "liabilities": sections[Account.AccountType.LIABILITY],
        "equity": sections[Account.AccountType.EQUITY],
        "unclosed_earnings": earnings,
        "total_equity": equity,
        "balanced": assets == liabilities + equity,
        "pending_events": pending_event_count(company=company),
    }


# --- Reconciliation ------------------------------------------------------------------------------


@dataclass
class ReconciliationRow:
    account: Account
    ledger_balance: Decimal
    subledger_value: Decimal

    @property
    def difference(self) -> Decimal:
        return self.ledger_balance - self.subledger_value


def inventory_reconciliation(*, company: Company) -> tuple[list[ReconciliationRow], int]:
    """Each inventory account's balance against the stock valuation of the items it carries."""
    from apps.inventory.models import StockBalance

    from .services import resolve_account

    rules = list(PostingRule.objects.filter(company=company).select_related("account"))
    expected: dict[int, Decimal] = defaultdict(lambda: ZERO)
    accounts: dict[int, Account] = {}
    buckets = (
        StockBalance.objects.filter(company=company)
        .values("item__category_id", "warehouse_id")
        .annotate(value=Coalesce(Sum("value"), Value(ZERO)))
        .order_by()
    )
    for bucket in buckets:
        account = resolve_account(
            rules, role="inventory", item_category_id=bucket["item__category_id"], warehouse_id=bucket["warehouse_id"]
        )
        if account is not None:
            accounts[account.pk] = account
            expected[account.pk] += round_amount(bucket["value"])
    for rule in rules:
        if rule.role == "inventory":
            accounts.setdefault(rule.account_id, rule.account)
    ledger = {
        row["account_id"]: row["balance"]
        for row in AccountBalance.objects.filter(account_id__in=accounts)
        .values("account_id")
        .annotate(balance=Sum(F("debit") - F("credit")))
        .order_by()
    }
    rows = [
        ReconciliationRow(
            account, round_amount(ledger.get(account_id, ZERO)), round_amount(expected.get(account_id, ZERO))
        )
        for account_id, account in sorted(accounts.items(), key=lambda kv: kv[1].code)
    ]
    return rows, pending_event_count(company=company)


# --- For the browser pages -----------------------------------------------------------------------


def companies_without_chart(user) -> QuerySet[Company]:
    """The active companies `user` may see that have no chart of accounts yet (to load a template into)."""
    with_chart = Account.objects.values("company_id")
    companies = Company.objects.filter(active=True).exclude(pk__in=with_chart)
    return scoped(companies, user=user, perm="masterdata.access_company", scope_model=Company).order_by("code")


def account_tree_balance(*, account: Account, as_of: date) -> Decimal:
    """The balance of an account and every account below it: a group account's total."""
    subtree = set(
        Account.objects.filter(company_id=account.company_id, path__startswith=account.path).values_list(
            "pk", flat=True
        )
    )
    sums = account_sums(company=account.company, start=None, end=as_of)
    return sum((debit - credit for pk, (debit, credit) in sums.items() if pk in subtree), ZERO)


def latest_reconciliation_run(*, company: Company) -> ReconciliationRun | None:
    return ReconciliationRun.objects.filter(company=company).order_by("-checked_at").first()


def source_postings(*, source) -> list[OutboxEvent]:
    """The money events a document emitted, each with the journal entry posted from it once finance has."""
    source_type = ContentType.objects.get_for_model(source)
    return list(
        OutboxEvent.objects.filter(source_type=source_type, source_id=source.pk)
        .select_related("journal_entry")
        .prefetch_related(Prefetch("journal_entry__lines", queryset=JournalLine.objects.select_related("account")))
        .order_by("id")
    )


@dataclass
class ControlRow:
    label: str
    accounts: list[Account]
    ledger_balance: Decimal
    subledger_total: Decimal

    @property
    def difference(self) -> Decimal:
        return self.ledger_balance - self.subledger_total


def control_reconciliation(*, company: Company) -> tuple[list[ControlRow], int]:
    """Each control account group (payables, GRNI, receivables) against the subledger that details it."""
    from apps.core.reconciliation import subledgers

    rules = list(PostingRule.objects.filter(company=company).select_related("account"))
    rows = []
    for subledger in subledgers():
        accounts = {rule.account_id: rule.account for rule in rules if rule.role == subledger.role}
        if not accounts:
            continue
        sign = Sum(F("credit") - F("debit")) if subledger.credit_normal else Sum(F("debit") - F("credit"))
        balance = AccountBalance.objects.filter(account_id__in=accounts).aggregate(balance=sign)["balance"]
        rows.append(
            ControlRow(
                label=str(subledger.label),
                accounts=sorted(accounts.values(), key=lambda account: account.code),
                ledger_balance=round_amount(balance or ZERO),
                subledger_total=round_amount(subledger.total(company=company)),
            )
        )
    return rows, pending_event_count(company=company)
