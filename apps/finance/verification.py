"""The invariant check of the books: `manage.py verify_books`, the beat task and the staff page.

Each check is a read over one company's books returning its figures and the differences it found
(none: the invariant holds). The subledger checks take every subledger registered with
apps.core.reconciliation, so a module that keeps one (production's work in progress) is checked
without changes here.

Events not yet posted are stated with every result, not hidden: a difference in the money checks
while events are pending may be theirs. `verify_books --drain` posts them first in its own process
(exactly once, like a worker would) and `--wait` gives the workers a bounded time to do it.
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.apps import apps
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from apps.core.access import scoped
from apps.core.models import Document, DocumentSequence, OutboxEvent
from apps.core.money import round_amount, round_quantity
from apps.core.outbox import subscribers_for
from apps.core.reconciliation import subledgers
from apps.masterdata.models import Company

from .models import AccountBalance, BooksVerification, JournalEntry, JournalLine
from .selectors import control_reconciliation, inventory_reconciliation

ZERO = Decimal("0")
# SQLite adds decimals in binary floating point: sums are compared to within half a cent there.
TOLERANCE = Decimal("0.005")
SHOWN_DIFFERENCES = 20
FINANCE_SUBSCRIPTION = "finance.journal."


@dataclass
class CheckResult:
    code: str
    label: str
    figures: dict[str, str]
    differences: list[str] = field(default_factory=list)
    difference_count: int = 0

    @property
    def passed(self) -> bool:
        return self.difference_count == 0

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "label": self.label,
            "passed": self.passed,
            "figures": self.figures,
            "differences": self.differences,
            "difference_count": self.difference_count,
        }


@dataclass
class Verification:
    company: Company
    checks: list[CheckResult]
    pending_events: int
    failed_events: int

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.checks)

    @property
    def failed_checks(self) -> list[CheckResult]:
        return [check for check in self.checks if not check.passed]


def _result(code: str, label: str, figures: dict[str, object], differences: list[str]) -> CheckResult:
    return CheckResult(
        code=code,
        label=label,
        figures={name: str(value) for name, value in figures.items()},
        differences=differences[:SHOWN_DIFFERENCES],
        difference_count=len(differences),
    )


def _quantity(value: Decimal) -> str:
    return format(round_quantity(value).normalize(), "f")


def _differs(a: Decimal | None, b: Decimal | None) -> bool:
    return abs((a or ZERO) - (b or ZERO)) >= TOLERANCE


# --- The journal ---------------------------------------------------------------------------------


def check_entries_balanced(company: Company) -> CheckResult:
    """Every journal entry's debits equal its credits and its stated total (summed in the database)."""
    entries = JournalEntry.objects.filter(company=company)
    sums = entries.annotate(
        debit=Coalesce(Sum("lines__debit"), Value(ZERO)), credit=Coalesce(Sum("lines__credit"), Value(ZERO))
    )
    unbalanced = sums.filter(
        Q(debit__gt=F("credit") + TOLERANCE)
        | Q(debit__lt=F("credit") - TOLERANCE)
        | Q(debit__gt=F("total") + TOLERANCE)
        | Q(debit__lt=F("total") - TOLERANCE)
    ).order_by("number")
    differences = [
        _("%(entry)s: debit %(debit)s, credit %(credit)s, total %(total)s")
        % {"entry": number, "debit": round_amount(debit), "credit": round_amount(credit), "total": total}
        for number, debit, credit, total in unbalanced.values_list("number", "debit", "credit", "total")
    ]
    return _result(
        "entries_balanced",
        _("Every journal entry balanced"),
        {"entries": entries.count(), "unbalanced": len(differences)},
        differences,
    )


def check_trial_balance(company: Company) -> CheckResult:
    """All debits equal all credits, and the per-period account balances equal the journal lines."""
    totals = JournalLine.objects.filter(company=company).aggregate(debit=Sum("debit"), credit=Sum("credit"))
    debit, credit = round_amount(totals["debit"] or ZERO), round_amount(totals["credit"] or ZERO)
    differences = []
    if debit != credit:
        differences.append(_("debits %(debit)s and credits %(credit)s differ") % {"debit": debit, "credit": credit})
    differences += _balances_out_of_step(company)
    return _result(
        "trial_balance",
        _("Trial balance zero"),
        {"debit": debit, "credit": credit, "difference": debit - credit},
        differences,
    )


def _balances_out_of_step(company: Company) -> list[str]:
    by_lines = {
        (row["account__code"], row["period_id"]): (row["debit"], row["credit"])
        for row in JournalLine.objects.filter(company=company)
        .values("account__code", "period_id")
        .annotate(debit=Sum("debit"), credit=Sum("credit"))
        .order_by()
    }
    by_balances = {
        (row["account__code"], row["period_id"]): (row["debit"], row["credit"])
        for row in AccountBalance.objects.filter(company=company).values(
            "account__code", "period_id", "debit", "credit"
        )
    }
    differences = []
    for key in sorted(by_lines.keys() | by_balances.keys()):
        line_debit, line_credit = by_lines.get(key, (ZERO, ZERO))
        kept_debit, kept_credit = by_balances.get(key, (ZERO, ZERO))
        if _differs(line_debit, kept_debit) or _differs(line_credit, kept_credit):
            differences.append(
                _("account %(account)s, period %(period)s: lines %(lines)s, balance row %(kept)s")
                % {
                    "account": key[0],
                    "period": key[1],
                    "lines": f"{round_amount(line_debit)}/{round_amount(line_credit)}",
                    "kept": f"{round_amount(kept_debit)}/{round_amount(kept_credit)}",
                }
            )
    return differences


def _posts_to_journal(kind: str) -> bool:
    return any(subscription.name.startswith(FINANCE_SUBSCRIPTION) for subscription in subscribers_for(kind))


def check_postings_traced(company: Company) -> CheckResult:
    """Each handled money event has its one journal entry, and each system entry its event and source."""
    events = OutboxEvent.objects.filter(company=company)
    differences = [
        _("event %(key)s was handled but has no journal entry") % {"key": key}
        for key, kind, payload in events.filter(status=OutboxEvent.Status.DONE, journal_entry__isnull=True)
        .values_list("key", "kind", "payload")
        .order_by("id")
        if payload.get("lines") and _posts_to_journal(kind)
    ]
    system = JournalEntry.objects.filter(company=company, kind=JournalEntry.Kind.SYSTEM)
    differences += [
        _("%(entry)s has no event or no source document") % {"entry": number}
        for number in system.filter(Q(event__isnull=True) | Q(source_type__isnull=True) | Q(source_id__isnull=True))
        .values_list("number", flat=True)
        .order_by("number")
    ]
    differences += [
        _("%(entry)s names another source than its event") % {"entry": number}
        for number in system.filter(event__isnull=False)
        .exclude(source_type=F("event__source_type"), source_id=F("event__source_id"))
        .values_list("number", flat=True)
        .order_by("number")
    ]
    differences += [
        _("%(entry)s was posted for an event still marked %(status)s") % {"entry": number, "status": status}
        for number, status in system.filter(event__isnull=False)
        .exclude(event__status=OutboxEvent.Status.DONE)
        .values_list("number", "event__status")
        .order_by("number")
    ]
    failed = events.filter(status=OutboxEvent.Status.FAILED).count()
    if failed:
        differences.append(
            _("%(count)s events failed for good and are not in the books (see Posting errors)") % {"count": failed}
        )
    return _result(
        "postings_traced",
        _("One journal entry per money event, a source for every entry"),
        {
            "events handled": events.filter(status=OutboxEvent.Status.DONE).count(),
            "system entries": system.count(),
            "events pending": events.filter(status=OutboxEvent.Status.PENDING).count(),
            "events failed": failed,
        },
        differences,
    )


# --- Stock ---------------------------------------------------------------------------------------


def _moved(company: Company, side: str) -> dict[tuple, tuple[Decimal, Decimal]]:
    from apps.inventory.models import StockMove

    location = f"{side}_location_id"
    return {
        (row["item_id"], row[location], row["lot_id"]): (row["quantity"], row["value"])
        for row in StockMove.objects.filter(company=company, **{f"{side}_location__isnull": False})
        .values("item_id", location, "lot_id")
        .annotate(quantity=Sum("quantity"), value=Sum("value"))
        .order_by()
    }


def check_stock_ledger(company: Company) -> CheckResult:
    """Per item, location and lot, the moves in less the moves out equal the balance row, in
    quantity and value; per item, the balances add up to its moving-average cost row."""
    from apps.inventory.models import ItemCost, StockBalance

    incoming, outgoing = _moved(company, "to"), _moved(company, "from")
    kept = {
        (row["item_id"], row["location_id"], row["lot_id"]): (row["on_hand"], row["value"])
        for row in StockBalance.objects.filter(company=company).values(
            "item_id", "location_id", "lot_id", "on_hand", "value"
        )
    }
    differences = []
    per_item: dict[int, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for key in sorted(incoming.keys() | outgoing.keys() | kept.keys(), key=lambda k: (k[0], k[1], k[2] or 0)):
        in_quantity, in_value = incoming.get(key, (ZERO, ZERO))
        out_quantity, out_value = outgoing.get(key, (ZERO, ZERO))
        on_hand, value = kept.get(key, (ZERO, ZERO))
        per_item[key[0]][0] += on_hand
        per_item[key[0]][1] += value
        moved_quantity, moved_value = round_quantity(in_quantity - out_quantity), round_amount(in_value - out_value)
        if moved_quantity != round_quantity(on_hand) or moved_value != round_amount(value):
            differences.append(
                _("item %(item)s, location %(location)s, lot %(lot)s: moves %(moved)s, balance %(kept)s")
                % {
                    "item": key[0],
                    "location": key[1],
                    "lot": key[2] or "-",
                    "moved": f"{_quantity(moved_quantity)} / {moved_value}",
                    "kept": f"{_quantity(on_hand)} / {round_amount(value)}",
                }
            )
    for item_id, quantity, value in ItemCost.objects.filter(company=company).values_list(
        "item_id", "quantity", "value"
    ):
        in_balances = per_item.get(item_id, [ZERO, ZERO])
        if round_quantity(quantity) != round_quantity(in_balances[0]) or _differs(value, in_balances[1]):
            differences.append(
                _("item %(item)s: cost row %(cost)s, balances %(balances)s")
                % {
                    "item": item_id,
                    "cost": f"{_quantity(quantity)} / {round_amount(value)}",
                    "balances": f"{_quantity(in_balances[0])} / {round_amount(in_balances[1])}",
                }
            )
    return _result(
        "stock_ledger",
        _("Stock ledger sums equal the balances"),
        {"balances": len(kept), "moved keys": len(incoming.keys() | outgoing.keys()), "differing": len(differences)},
        differences,
    )


def check_stock_valuation(company: Company) -> CheckResult:
    """Each inventory account equals the valuation of the stock it carries."""
    rows, _pending = inventory_reconciliation(company=company)
    differences = [
        _("account %(account)s: ledger %(ledger)s, stock %(stock)s, difference %(difference)s")
        % {
            "account": row.account.code,
            "ledger": row.ledger_balance,
            "stock": row.subledger_value,
            "difference": row.difference,
        }
        for row in rows
        if row.difference != 0
    ]
    figures = {f"{row.account.code} ledger / stock": f"{row.ledger_balance} / {row.subledger_value}" for row in rows}
    return _result("stock_valuation", _("Stock valuation equals the inventory accounts"), figures, differences)


def check_subledgers(company: Company) -> list[CheckResult]:
    """Each registered subledger (open invoices, receipts not billed, ...) equals its control accounts."""
    roles = {str(subledger.label): subledger.role for subledger in subledgers()}
    rows, _pending = control_reconciliation(company=company)
    results = []
    for row in rows:
        differences = []
        if row.difference != 0:
            differences.append(
                _("control accounts %(accounts)s: ledger %(ledger)s, subledger %(subledger)s")
                % {
                    "accounts": ", ".join(account.code for account in row.accounts),
                    "ledger": row.ledger_balance,
                    "subledger": row.subledger_total,
                }
            )
        figures = {"ledger": row.ledger_balance, "subledger": row.subledger_total, "difference": row.difference}
        results.append(_result(f"subledger_{roles.get(row.label, row.label)}", row.label, figures, differences))
    return results


# --- Numbers -------------------------------------------------------------------------------------


def numbered_models() -> dict[str, type]:
    """Document type -> the model carrying its numbers, for every numbered document and the journal."""
    models = {
        model.DOCUMENT_TYPE: model for model in apps.get_models() if issubclass(model, Document) and model.DOCUMENT_TYPE
    }
    models["journal_entry"] = JournalEntry
    return models


def _sequence_gaps(sequence: DocumentSequence, model: type) -> tuple[int, list[str]]:
    """(numbers found, differences): numbers missing below the counter, or issued above it."""
    marker = f"-{sequence.year}-"
    pattern = re.compile(rf"{re.escape(marker)}(\d+)$")
    taken: dict[int, int] = defaultdict(int)
    for number in model.objects.filter(company_id=sequence.company_id, number__contains=marker).values_list(
        "number", flat=True
    ):
        match = pattern.search(number)
        if match:
            taken[int(match.group(1))] += 1
    missing = [value for value in range(1, sequence.last_value + 1) if value not in taken]
    beyond = sorted(value for value in taken if value > sequence.last_value)
    twice = sorted(value for value, count in taken.items() if count > 1)
    label = f"{sequence.document_type} {sequence.year}"
    differences = [
        _("%(sequence)s: %(number)s is missing") % {"sequence": label, "number": sequence.format(v)} for v in missing
    ]
    differences += [
        _("%(sequence)s: %(number)s is beyond the counter") % {"sequence": label, "number": sequence.format(v)}
        for v in beyond
    ]
    differences += [
        _("%(sequence)s: %(number)s is used twice") % {"sequence": label, "number": sequence.format(v)} for v in twice
    ]
    return len(taken), differences


def check_gapless_numbers(company: Company) -> CheckResult:
    """Every yearly sequence (customer invoices first among them) issued 1..counter with no gap."""
    models = numbered_models()
    sequences = DocumentSequence.objects.filter(company=company, year__gt=0, document_type__in=models).order_by(
        "document_type", "year"
    )
    found, differences = 0, []
    for sequence in sequences:
        count, gaps = _sequence_gaps(sequence, models[sequence.document_type])
        found += count
        differences += gaps
    invoices = [s for s in sequences if s.document_type == "customer_invoice"]
    return _result(
        "gapless_numbers",
        _("No gaps in document numbers"),
        {
            "sequences": len(sequences),
            "numbers": found,
            "customer invoices": sum(s.last_value for s in invoices),
        },
        differences,
    )


# --- The whole check -----------------------------------------------------------------------------


def verify_company(company: Company) -> Verification:
    """Every check on one company's books."""
    checks = [
        check_entries_balanced(company),
        check_trial_balance(company),
        check_postings_traced(company),
        check_stock_ledger(company),
        check_stock_valuation(company),
        *check_subledgers(company),
        check_gapless_numbers(company),
    ]
    counts = dict(
        OutboxEvent.objects.filter(company=company)
        .exclude(status=OutboxEvent.Status.DONE)
        .values_list("status")
        .annotate(count=Count("id"))
        .order_by()
    )
    return Verification(
        company=company,
        checks=checks,
        pending_events=counts.get(OutboxEvent.Status.PENDING, 0),
        failed_events=counts.get(OutboxEvent.Status.FAILED, 0),
    )


def companies_with_books() -> QuerySet[Company]:
    from .models import Account

    return Company.objects.filter(pk__in=Account.objects.values("company_id")).order_by("code")


def record_verification(verification: Verification) -> BooksVerification:
    return BooksVerification.objects.create(
        company=verification.company,
        passed=verification.passed,
        pending_events=verification.pending_events,
        checks=[check.as_dict() for check in verification.checks],
    )


def latest_verifications(user) -> list[BooksVerification]:
    """The newest run for each company with books that the user may see."""
    newest = BooksVerification.objects.filter(company_id=OuterRef("pk")).order_by("-checked_at", "-id").values("pk")[:1]
    companies = scoped(companies_with_books(), user=user, perm="masterdata.access_company", scope_model=Company)
    run_ids = companies.annotate(run_id=Subquery(newest)).values_list("run_id", flat=True)
    return list(
        BooksVerification.objects.filter(pk__in=[pk for pk in run_ids if pk])
        .select_related("company")
        .order_by("company__code")
    )
