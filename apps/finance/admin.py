"""Admin for the books: journal and balances view-only; the chart, posting rules and fiscal years with
history, saved through the services; periods closed and reopened, manual journals posted and
cancelled only by actions that call the services."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from apps.inventory.admin import DocumentAdmin, LedgerAdmin, ReadOnlyHistoryAdmin, ReadOnlyLines, in_visible_companies
from apps.masterdata.admin import MasterDataAdmin

from . import selectors, services
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
    ReconciliationRun,
)

# --- The chart and its rules --------------------------------------------------------------------


@admin.register(Account)
class AccountAdmin(MasterDataAdmin):
    visible = selectors.accounts_visible_to
    list_display = ("code", "name", "account_type", "parent", "is_group", "company", "active")
    list_filter = ("company", "account_type", "is_group", "active")
    search_fields = ("code", "name")
    autocomplete_fields = ("parent",)

    def persist(self, *, actor, obj):
        return services.save_account(actor=actor, account=obj)


@admin.register(PostingRule)
class PostingRuleAdmin(MasterDataAdmin):
    visible = selectors.posting_rules_visible_to
    actions = ()
    list_display = ("role", "item_category", "warehouse", "account", "company")
    list_filter = ("company", "role")
    search_fields = ("account__code", "account__name", "item_category__code")
    autocomplete_fields = ("account", "item_category", "warehouse")

    def persist(self, *, actor, obj):
        return services.save_posting_rule(actor=actor, rule=obj)


# --- Fiscal years and periods ---------------------------------------------------------------------


@admin.register(FiscalYear)
class FiscalYearAdmin(MasterDataAdmin):
    """Opened here (twelve monthly periods come with it); never edited afterwards."""

    visible = selectors.fiscal_years_visible_to
    actions = ()
    list_display = ("year", "company", "start_date", "end_date", "status")
    list_filter = ("company", "status")
    fields = ("company", "year")

    def get_fields(self, request, obj=None):
        return self.fields if obj is None else ("company", "year", "start_date", "end_date", "status")

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None and super().has_change_permission(request)

    def persist(self, *, actor, obj):
        return services.open_fiscal_year(actor=actor, company=obj.company, year=obj.year)


@admin.register(Period)
class PeriodAdmin(DocumentAdmin):
    """A period's status moves only through closing and reopening, each with its own permission."""

    visible = selectors.periods_visible_to
    list_display = ("__str__", "fiscal_year", "number", "start_date", "end_date", "status", "closed_at", "closed_by")
    list_filter = ("status", "fiscal_year__year")
    date_hierarchy = "start_date"
    actions = ("close", "reopen")

    def has_close_permission(self, request) -> bool:
        return request.user.has_perm("finance.close_period")

    def has_reopen_permission(self, request) -> bool:
        return request.user.has_perm("finance.reopen_period")

    @admin.action(description=_("Close the selected periods"), permissions=["close"])
    def close(self, request, queryset) -> None:
        self.apply(
            request,
            queryset,
            lambda period: services.close_period(actor=request.user, period=period),
            lambda n: ngettext("%(count)d period closed.", "%(count)d periods closed.", n),
        )

    @admin.action(description=_("Reopen the selected periods (give the reason)"), permissions=["reopen"])
    def reopen(self, request, queryset) -> None:
        self.apply(
            request,
            queryset,
            lambda period: services.reopen_period(actor=request.user, period=period, reason=self.reason(request)),
            lambda n: ngettext("%(count)d period reopened.", "%(count)d periods reopened.", n),
        )


# --- The journal and its balances ----------------------------------------------------------------


class JournalLineInline(ReadOnlyLines):
    model = JournalLine
    fields = ("account", "debit", "credit", "partner", "item_category", "warehouse", "description")


@admin.register(JournalEntry)
class JournalEntryAdmin(LedgerAdmin):
    visible = selectors.journal_entries_visible_to
    inlines = (JournalLineInline,)
    list_display = ("number", "entry_date", "kind", "description", "source_number", "total", "posted_at", "company")
    list_filter = ("kind", "company")
    search_fields = ("number", "source_number", "description")
    date_hierarchy = "entry_date"


@admin.register(JournalLine)
class JournalLineAdmin(LedgerAdmin):
    visible = selectors.journal_lines_visible_to
    list_display = ("entry", "entry_date", "account", "debit", "credit", "partner")
    list_filter = ("entry_date",)
    search_fields = ("entry__number", "account__code", "account__name")
    date_hierarchy = "entry_date"


@admin.register(AccountBalance)
class AccountBalanceAdmin(LedgerAdmin):
    list_display = ("account", "period", "debit", "credit", "company")
    list_filter = ("company",)
    search_fields = ("account__code", "account__name")

    @staticmethod
    def visible(user):
        return in_visible_companies(AccountBalance.objects.select_related("account", "period", "company"), user)


@admin.register(ReconciliationRun)
class ReconciliationRunAdmin(LedgerAdmin):
    list_display = ("checked_at", "company", "balanced", "pending_events")
    list_filter = ("balanced", "company")
    date_hierarchy = "checked_at"

    @staticmethod
    def visible(user):
        return in_visible_companies(ReconciliationRun.objects.select_related("company"), user)


# --- Manual journals ------------------------------------------------------------------------------


class ManualJournalLineInline(ReadOnlyLines):
    model = ManualJournalLine
    fields = ("account", "debit", "credit", "partner", "description")


@admin.register(ManualJournal)
class ManualJournalAdmin(DocumentAdmin):
    visible = selectors.manual_journals_visible_to
    inlines = (ManualJournalLineInline,)
    list_display = ("number", "document_date", "description", "status", "total", "created_by", "company")
    list_filter = ("status", "company")
    search_fields = ("number", "description")
    date_hierarchy = "document_date"
    actions = ("post", "cancel")

    @admin.action(description=_("Post the selected journals"), permissions=["change"])
    def post(self, request, queryset) -> None:
        self.apply(
            request,
            queryset,
            lambda journal: services.post_manual_journal(actor=request.user, journal=journal),
            lambda n: ngettext("%(count)d journal posted.", "%(count)d journals posted.", n),
        )

    @admin.action(description=_("Cancel the selected journals (posted ones are reversed)"), permissions=["change"])
    def cancel(self, request, queryset) -> None:
        self.apply(
            request,
            queryset,
            lambda journal: services.cancel_manual_journal(
                actor=request.user, journal=journal, reason=self.reason(request)
            ),
            self.cancelled,
        )


@admin.register(ManualJournalLine)
class ManualJournalLineAdmin(ReadOnlyHistoryAdmin):
    list_display = ("journal", "account", "debit", "credit", "partner")
    search_fields = ("journal__number", "account__code")

    @staticmethod
    def visible(user):
        return ManualJournalLine.objects.filter(journal__in=selectors.manual_journals_visible_to(user)).select_related(
            "journal", "account", "partner"
        )
