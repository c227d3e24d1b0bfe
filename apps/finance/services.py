"""The books: charts, periods, posting balanced entries, reversals and manual journals."""

import calendar
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.approvals import services as approvals
from apps.core.documents import stamp_history, transition
from apps.core.errors import DomainError
from apps.core.models import OutboxEvent
from apps.core.money import ZERO, round_amount
from apps.core.numbering import allocate_numbers, next_number
from apps.masterdata.models import Company

from .charts import TEMPLATES
from .models import (
    Account,
    AccountBalance,
    FiscalYear,
    JournalEntry,
    JournalLine,
    ManualJournal,
    ManualJournalLine,
    Period,
    PostingRule,
)


class FinanceError(DomainError):
    pass


# --- Chart of accounts --------------------------------------------------------------------------


def load_chart(*, actor, company: Company, template: str) -> list[Account]:
    """Create the template's accounts and default posting rules for a company with no chart yet."""
    if template not in TEMPLATES:
        raise FinanceError(_("Unknown chart template %(name)s.") % {"name": template}, code="unknown_template")
    if Account.objects.filter(company=company).exists():
        raise FinanceError(
            _("%(company)s already has a chart of accounts.") % {"company": company},
            code="chart_exists",
            status_code=409,
        )
    _label, accounts, rules = TEMPLATES[template]
    created: dict[str, Account] = {}
    with transaction.atomic():
        for code, name, account_type, parent_code, is_group in accounts:
            account = Account(
                company=company,
                code=code,
                name=name,
                account_type=account_type,
                parent=created.get(parent_code),
                is_group=is_group,
            )
            account.path = f"{account.parent.path if account.parent else '/'}{code}/"
            stamp_history(account, actor=actor, reason=_("Loaded from chart template"))
            account.save()
            created[code] = account
        for role, code in rules.items():
            rule = PostingRule(company=company, role=role, account=created[code])
            stamp_history(rule, actor=actor, reason=_("Default rule of the chart template"))
            rule.save()
    return list(created.values())


def save_account(*, actor, account: Account, reason: str = "") -> Account:
    parent = account.parent
    if parent is not None and (parent.company_id != account.company_id or not parent.is_group):
        raise ValidationError({"parent": [_("The parent must be a group account of the same company.")]})
    if account.pk and account.is_group and JournalLine.objects.filter(account=account).exists():
        raise ValidationError({"is_group": [_("An account with postings cannot become a group account.")]})
    with transaction.atomic():
        account.path = f"{parent.path if parent else '/'}{account.code}/"
        account.full_clean()
        stamp_history(account, actor=actor, reason=reason or (_("Edited") if account.pk else _("Created")))
        account.save()
    return account


def save_posting_rule(*, actor, rule: PostingRule, reason: str = "") -> PostingRule:
    errors = {}
    if rule.account.company_id != rule.company_id or rule.account.is_group:
        errors["account"] = [_("Choose a postable account of the same company.")]
    if rule.item_category_id and rule.item_category.company_id != rule.company_id:
        errors["item_category"] = [_("The category belongs to another company.")]
    if rule.warehouse_id and rule.warehouse.company_id != rule.company_id:
        errors["warehouse"] = [_("The warehouse belongs to another company.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        rule.full_clean()
        stamp_history(rule, actor=actor, reason=reason or _("Edited"))
        rule.save()
    return rule


# --- Fiscal years and periods --------------------------------------------------------------------


def open_fiscal_year(*, actor, company: Company, year: int) -> FiscalYear:
    """A calendar fiscal year with twelve monthly periods, all open."""
    with transaction.atomic():
        fiscal_year, created = FiscalYear.objects.get_or_create(
            company=company, year=year, defaults={"start_date": date(year, 1, 1), "end_date": date(year, 12, 31)}
        )
        if not created:
            return fiscal_year
        periods = []
        for month in range(1, 13):
            last_day = calendar.monthrange(year, month)[1]
            periods.append(
                Period(
                    company=company,
                    fiscal_year=fiscal_year,
                    number=month,
                    start_date=date(year, month, 1),
                    end_date=date(year, month, last_day),
                )
            )
        for period in periods:
            stamp_history(period, actor=actor, reason=_("Fiscal year opened"))
            period.save()
    return fiscal_year


def period_for(*, company_id: int, on_date: date) -> Period:
    """The open period containing `on_date`; refuses a date in a closed period or outside any year."""
    period = Period.objects.filter(company_id=company_id, start_date__lte=on_date, end_date__gte=on_date).first()
    if period is None:
        raise FinanceError(
            _("No fiscal period covers %(date)s; open the fiscal year in Finance first.") % {"date": on_date},
            code="no_period",
        )
    if period.status != Period.Status.OPEN:
        raise FinanceError(
            _("The period %(period)s is closed; nothing can be posted on %(date)s.")
            % {"period": period, "date": on_date},
            code="period_closed",
            status_code=409,
        )
    return period


def ensure_posting_date(*, company_id: int, on_date: date) -> None:
    """The posting-date guard every module runs before it writes stock or money."""
    period_for(company_id=company_id, on_date=on_date)


def close_period(*, actor, period: Period) -> Period:
    with transaction.atomic():
        period = Period.objects.select_for_update().get(pk=period.pk)
        if period.status == Period.Status.CLOSED:
            return period
        pending = OutboxEvent.objects.filter(
            company_id=period.company_id,
            status__in=[OutboxEvent.Status.PENDING, OutboxEvent.Status.FAILED],
            payload__date__gte=period.start_date.isoformat(),
            payload__date__lte=period.end_date.isoformat(),
        ).count()
        if pending:
            raise FinanceError(
                _("%(n)d events of this period are not posted yet; post or resolve them before closing.")
                % {"n": pending},
                code="events_pending",
                status_code=409,
            )
        period.status, period.closed_at, period.closed_by = Period.Status.CLOSED, timezone.now(), actor
        stamp_history(period, actor=actor, reason=_("Closed"))
        period.save()
    return period


def reopen_period(*, actor, period: Period, reason: str) -> Period:
    """Needs the finance.reopen_period permission (checked by the caller); the reason is kept in history."""
    if not reason.strip():
        raise ValidationError({"reason": [_("Say why the period is reopened.")]})
    with transaction.atomic():
        period = Period.objects.select_for_update().get(pk=period.pk)
        if period.status == Period.Status.OPEN:
            return period
        period.status, period.closed_at, period.closed_by = Period.Status.OPEN, None, None
        stamp_history(period, actor=actor, reason=_("Reopened: %(reason)s") % {"reason": reason.strip()})
        period.save()
    return period


# --- Posting -------------------------------------------------------------------------------------


@dataclass
class EntryLine:
    account: Account
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    partner_id: int | None = None
    item_category_id: int | None = None
    warehouse_id: int | None = None
    description: str = ""


@dataclass
class EntrySource:
    model: models.Model | None = None
    content_type_id: int | None = None
    object_id: int | None = None
    number: str = ""


def _check_lines(company: Company, lines: list[EntryLine]) -> tuple[Decimal, Decimal]:
    if len(lines) < 2:
        raise FinanceError(_("A journal entry needs at least two lines."), code="too_few_lines")
    debit = credit = ZERO
    for number, line in enumerate(lines, start=1):
        line.debit, line.credit = round_amount(line.debit), round_amount(line.credit)
        if line.debit < 0 or line.credit < 0 or (line.debit == 0) == (line.credit == 0):
            raise FinanceError(
                _("Line %(line)d: enter either a debit or a credit, greater than zero.") % {"line": number},
                code="line_amount",
            )
        account = line.account
        if account.company_id != company.pk or account.is_group or not account.active:
            raise FinanceError(
                _("Line %(line)d: %(account)s is not a postable account of this company.")
                % {"line": number, "account": account},
                code="account_not_postable",
            )
        debit += line.debit
        credit += line.credit
    if debit != credit:
        raise FinanceError(
            _("The entry is not balanced: debits %(debit)s, credits %(credit)s.") % {"debit": debit, "credit": credit},
            code="unbalanced",
        )
    return debit, credit


def post_entry(
    *,
    company: Company,
    entry_date: date,
    lines: list[EntryLine],
    kind: str,
    description: str,
    actor=None,
    source: EntrySource | None = None,
    event: OutboxEvent | None = None,
    reverses: JournalEntry | None = None,
) -> JournalEntry:
    """Insert a balanced entry and add it to the period balances, in the caller's transaction."""
    total, _credit = _check_lines(company, lines)
    source = source or EntrySource()
    with transaction.atomic():
        period = period_for(company_id=company.pk, on_date=entry_date)
        source_type_id = source.content_type_id
        if source.model is not None:
            source_type_id = ContentType.objects.get_for_model(source.model).pk
        entry = JournalEntry.objects.create(
            company=company,
            entry_date=entry_date,
            period=period,
            kind=kind,
            description=description[:300],
            source_type_id=source_type_id,
            source_id=source.model.pk if source.model is not None else source.object_id,
            source_number=source.number,
            event=event,
            reverses=reverses,
            total=total,
            posted_by=actor,
            number=next_number(company_id=company.pk, document_type="journal_entry", on_date=entry_date),
        )
        JournalLine.objects.bulk_create(_journal_lines(entry, lines))
        _add_to_balances(company, period, lines)
    return entry


def _journal_lines(entry: JournalEntry, lines: list[EntryLine]) -> list[JournalLine]:
    return [
        JournalLine(
            entry=entry,
            company_id=entry.company_id,
            account=line.account,
            period_id=entry.period_id,
            entry_date=entry.entry_date,
            debit=line.debit,
            credit=line.credit,
            partner_id=line.partner_id,
            item_category_id=line.item_category_id,
            warehouse_id=line.warehouse_id,
            description=line.description[:300],
        )
        for line in lines
    ]


def _add_to_balances(company: Company, period: Period, lines: list[EntryLine]) -> None:
    """One upsert for all accounts of the entry, in account order (no deadlocks between postings)."""
    sums: dict[int, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for line in lines:
        sums[line.account.pk][0] += line.debit
        sums[line.account.pk][1] += line.credit
    table = AccountBalance._meta.db_table
    rows = sorted(sums.items())
    placeholders = ", ".join(["(%s, %s, %s, %s, %s)"] * len(rows))
    params: list[Any] = []
    for account_id, (debit, credit) in rows:
        params.extend([company.pk, account_id, period.pk, debit, credit])
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (company_id, account_id, period_id, debit, credit) VALUES {placeholders} "  # noqa: S608
            f"ON CONFLICT (account_id, period_id) DO UPDATE SET debit = {table}.debit + excluded.debit, "
            f"credit = {table}.credit + excluded.credit",
            params,
        )


def reverse_entry(*, actor, entry: JournalEntry, on_date: date, description: str = "") -> JournalEntry:
    """The mirror of `entry` on `on_date` (never on the original date: past periods stay as they were)."""
    if JournalEntry.objects.filter(reverses=entry).exists():
        raise FinanceError(
            _("%(entry)s is already reversed.") % {"entry": entry}, code="already_reversed", status_code=409
        )
    lines = [
        EntryLine(
            account=line.account,
            debit=line.credit,
            credit=line.debit,
            partner_id=line.partner_id,
            item_category_id=line.item_category_id,
            warehouse_id=line.warehouse_id,
            description=line.description,
        )
        for line in entry.lines.select_related("account")
    ]
    return post_entry(
        company=entry.company,
        entry_date=on_date,
        lines=lines,
        kind=JournalEntry.Kind.REVERSAL,
        actor=actor,
        description=description or _("Reversal of %(entry)s") % {"entry": entry.number},
        source=EntrySource(content_type_id=entry.source_type_id, object_id=entry.source_id, number=entry.source_number),
        reverses=entry,
    )


# --- Events from operational documents -----------------------------------------------------------


def resolve_account(
    rules: list[PostingRule], *, role: str, item_category_id: int | None, warehouse_id: int | None
) -> Account | None:
    """The most specific rule for the role: category and warehouse, category, warehouse, neither."""
    best, best_score = None, -1
    for rule in rules:
        if rule.role != role:
            continue
        if rule.item_category_id not in (None, item_category_id) or rule.warehouse_id not in (None, warehouse_id):
            continue
        score = (2 if rule.item_category_id else 0) + (1 if rule.warehouse_id else 0)
        if score > best_score:
            best, best_score = rule.account, score
    return best


def _event_lines(event: OutboxEvent, company: Company, rules: list[PostingRule]) -> list[EntryLine]:
    """The entry lines of an event's money lines, each on the account its posting rule gives."""
    payload = event.payload
    lines = []
    for item in payload.get("lines") or []:
        account = resolve_account(
            rules, role=item["role"], item_category_id=item.get("item_category"), warehouse_id=item.get("warehouse")
        )
        if account is None:
            raise FinanceError(
                _("No posting rule gives an account for %(role)s in %(company)s.")
                % {"role": item["role"], "company": company},
                code="no_posting_rule",
            )
        lines.append(
            EntryLine(
                account=account,
                debit=Decimal(item["debit"]),
                credit=Decimal(item["credit"]),
                partner_id=item.get("partner"),
                item_category_id=item.get("item_category"),
                warehouse_id=item.get("warehouse"),
                description=payload.get("description", ""),
            )
        )
    return lines


def _event_source(event: OutboxEvent) -> EntrySource:
    return EntrySource(
        content_type_id=event.source_type_id, object_id=event.source_id, number=event.payload.get("source_number", "")
    )


def post_event(event: OutboxEvent) -> JournalEntry | None:
    """The outbox subscriber: one journal entry per event, linked to the event and its source."""
    if not event.payload.get("lines"):
        return None
    company = Company.objects.get(pk=event.company_id)
    rules = list(PostingRule.objects.filter(company=company).select_related("account"))
    return post_entry(
        company=company,
        entry_date=date.fromisoformat(event.payload["date"]),
        lines=_event_lines(event, company, rules),
        kind=JournalEntry.Kind.SYSTEM,
        description=event.payload.get("description") or event.kind,
        event=event,
        source=_event_source(event),
    )


@dataclass
class _EventEntry:
    event: OutboxEvent
    company: Company
    entry_date: date
    period: Period
    lines: list[EntryLine]
    total: Decimal


def post_events(events: list[OutboxEvent]) -> list[JournalEntry]:
    """The outbox subscriber for a batch: the entries `post_event` writes for each event, numbered
    together from the gapless sequence (in event order) and inserted, with their lines and balance
    updates, in a few statements. Raises, writing nothing, if any event cannot be posted."""
    companies = Company.objects.in_bulk({event.company_id for event in events})
    rules: dict[int, list[PostingRule]] = defaultdict(list)
    for rule in PostingRule.objects.filter(company_id__in=companies).select_related("account"):
        rules[rule.company_id].append(rule)
    periods: dict[tuple[int, date], Period] = {}
    drafts = []
    for event in events:
        if not event.payload.get("lines"):
            continue
        company = companies[event.company_id]
        entry_date = date.fromisoformat(event.payload["date"])
        lines = _event_lines(event, company, rules[company.pk])
        total, _credit = _check_lines(company, lines)
        key = (company.pk, entry_date)
        if key not in periods:
            periods[key] = period_for(company_id=company.pk, on_date=entry_date)
        drafts.append(_EventEntry(event, company, entry_date, periods[key], lines, total))
    if not drafts:
        return []
    with transaction.atomic():
        entries = JournalEntry.objects.bulk_create(_numbered_entries(drafts))
        JournalLine.objects.bulk_create(
            [
                journal_line
                for entry, draft in zip(entries, drafts, strict=True)
                for journal_line in _journal_lines(entry, draft.lines)
            ]
        )
        by_period: dict[tuple[int, int], list[EntryLine]] = defaultdict(list)
        for draft in drafts:
            by_period[(draft.company.pk, draft.period.pk)].extend(draft.lines)
        for company_id, period_id in sorted(by_period):
            period = next(d.period for d in drafts if d.period.pk == period_id)
            _add_to_balances(companies[company_id], period, by_period[(company_id, period_id)])
    return entries


def _numbered_entries(drafts: list[_EventEntry]) -> list[JournalEntry]:
    """The drafts' entries, numbered from each company's yearly sequence (sequences taken in a fixed order)."""
    by_sequence: dict[tuple[int, int], list[_EventEntry]] = defaultdict(list)
    for draft in drafts:
        by_sequence[(draft.company.pk, draft.entry_date.year)].append(draft)
    numbers: dict[int, str] = {}
    for company_id, year in sorted(by_sequence):
        group = by_sequence[(company_id, year)]
        taken = allocate_numbers(
            company_id=company_id, document_type="journal_entry", count=len(group), on_date=group[0].entry_date
        )
        numbers.update({id(draft): number for draft, number in zip(group, taken, strict=True)})
    return [
        JournalEntry(
            company=draft.company,
            entry_date=draft.entry_date,
            period=draft.period,
            kind=JournalEntry.Kind.SYSTEM,
            description=(draft.event.payload.get("description") or draft.event.kind)[:300],
            source_type_id=draft.event.source_type_id,
            source_id=draft.event.source_id,
            source_number=draft.event.payload.get("source_number", ""),
            event=draft.event,
            total=draft.total,
            number=numbers[id(draft)],
        )
        for draft in drafts
    ]


# --- Manual journals -----------------------------------------------------------------------------


def _check_manual_lines(company: Company, lines: list[dict[str, Any]]) -> None:
    errors: dict[str, list[str]] = {}
    if len(lines) < 2:
        errors["lines"] = [_("A journal entry needs at least two lines.")]
    debit = credit = ZERO
    for index, line in enumerate(lines):
        account = line.get("account")
        line_debit, line_credit = line.get("debit") or ZERO, line.get("credit") or ZERO
        if account is None or account.company_id != company.pk or account.is_group or not account.active:
            errors[f"lines.{index}.account"] = [_("Choose a postable account of this company.")]
        if line_debit < 0 or line_credit < 0 or (line_debit == 0) == (line_credit == 0):
            errors[f"lines.{index}.debit"] = [_("Enter either a debit or a credit, greater than zero.")]
        debit += round_amount(line_debit)
        credit += round_amount(line_credit)
    if not errors and debit != credit:
        errors["lines"] = [
            _("The entry is not balanced: debits %(debit)s, credits %(credit)s.") % {"debit": debit, "credit": credit}
        ]
    if errors:
        raise ValidationError(errors)


def _write_manual_lines(journal: ManualJournal, lines: list[dict[str, Any]], *, actor) -> None:
    existing = {line.pk: line for line in journal.lines.all()}
    for values in lines:
        line = existing.pop(values.get("id"), None) or ManualJournalLine(journal=journal)
        line.account = values["account"]
        line.debit = round_amount(values.get("debit") or ZERO)
        line.credit = round_amount(values.get("credit") or ZERO)
        line.partner = values.get("partner")
        line.description = values.get("description") or ""
        stamp_history(line, actor=actor)
        line.save()
    for stale in existing.values():
        stamp_history(stale, actor=actor)
        stale.delete()
    journal.total = round_amount(sum((line.get("debit") or ZERO for line in lines), ZERO))


def create_manual_journal(
    *, actor, company: Company, document_date: date, description: str, lines: list[dict[str, Any]]
) -> ManualJournal:
    _check_manual_lines(company, lines)
    with transaction.atomic():
        journal = ManualJournal(
            company=company,
            document_date=document_date,
            description=description.strip(),
            status=ManualJournal.Status.DRAFT,
            created_by=actor,
            modified_by=actor,
            number=next_number(company_id=company.pk, document_type=ManualJournal.DOCUMENT_TYPE, on_date=document_date),
        )
        journal.full_clean()
        stamp_history(journal, actor=actor, reason=_("Created"))
        journal.save()
        _write_manual_lines(journal, lines, actor=actor)
        ManualJournal.objects.filter(pk=journal.pk).update(total=journal.total)
    return journal


def update_manual_journal(
    *, actor, journal: ManualJournal, document_date: date, description: str, lines: list[dict[str, Any]]
) -> ManualJournal:
    _check_manual_lines(journal.company, lines)
    with transaction.atomic():
        journal = ManualJournal.objects.select_for_update().get(pk=journal.pk)
        if journal.status == ManualJournal.Status.PENDING_APPROVAL:
            approvals.withdraw(document=journal, actor=actor, reason=_("Edited while waiting for approval"))
            journal.refresh_from_db()
        if journal.status != ManualJournal.Status.DRAFT:
            raise FinanceError(_("Only a draft can be edited."), code="invalid_status", status_code=409)
        journal.document_date, journal.description, journal.modified_by = document_date, description.strip(), actor
        _write_manual_lines(journal, lines, actor=actor)
        stamp_history(journal, actor=actor, reason=_("Edited"))
        journal.save()
    return journal


def post_manual_journal(*, actor, journal: ManualJournal) -> ManualJournal:
    """Post a draft (or send it for approval when a rule asks for one), or post an approved one."""
    with transaction.atomic():
        journal = ManualJournal.objects.select_for_update(of=("self",)).select_related("company").get(pk=journal.pk)
        if journal.status == ManualJournal.Status.DRAFT:
            request = approvals.submit(document=journal, actor=actor)
            if request.status == request.Status.PENDING:
                transition(
                    journal, to=ManualJournal.Status.PENDING_APPROVAL, actor=actor, reason=_("Submitted for approval")
                )
                return journal
        lines = [
            EntryLine(
                account=line.account,
                debit=line.debit,
                credit=line.credit,
                partner_id=line.partner_id,
                description=line.description,
            )
            for line in journal.lines.select_related("account")
        ]
        journal.journal_entry = post_entry(
            company=journal.company,
            entry_date=journal.document_date,
            lines=lines,
            kind=JournalEntry.Kind.MANUAL,
            description=journal.description,
            actor=actor,
            source=EntrySource(model=journal, number=journal.number),
        )
        transition(
            journal, to=ManualJournal.Status.POSTED, actor=actor, reason=_("Posted"), extra_fields=("journal_entry",)
        )
    return journal


def cancel_manual_journal(*, actor, journal: ManualJournal, reason: str) -> ManualJournal:
    """A draft is cancelled; a posted journal is reversed on today's date."""
    if not reason.strip():
        raise ValidationError({"reason": [_("Say why the journal is cancelled.")]})
    with transaction.atomic():
        journal = (
            ManualJournal.objects.select_for_update(of=("self",))
            .select_related("company", "journal_entry")
            .get(pk=journal.pk)
        )
        was_posted = journal.status == ManualJournal.Status.POSTED
        extra: tuple[str, ...] = ()
        if was_posted:
            journal.reversal_entry = reverse_entry(
                actor=actor, entry=journal.journal_entry, on_date=timezone.localdate(), description=reason.strip()
            )
            extra = ("reversal_entry",)
        transition(journal, to=ManualJournal.Status.CANCELLED, actor=actor, reason=reason.strip(), extra_fields=extra)
    return journal
