"""The API's view of the books: the chart, posting rules, years and periods, journal entries, manual
journals and the reports. Accounts are chosen among those of companies the user may see; rules and
writes live in the services."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from apps.core.serializers import ScopedRelatedField, SourceType
from apps.masterdata.models import Company, Partner
from apps.masterdata.serializers import (
    CompanyOwnedSerializer,
    MasterDataSerializer,
    SummarySerializer,
    UserSummarySerializer,
    VisibleRelatedField,
    summary,
)

from . import selectors
from .charts import TEMPLATES
from .models import (
    Account,
    FiscalYear,
    JournalEntry,
    JournalLine,
    ManualJournal,
    ManualJournalLine,
    Period,
    PostingRule,
)

MAX_LINES = 1000
AMOUNT = {"max_digits": 18, "decimal_places": 2}


def visible_account(**kwargs) -> ScopedRelatedField:
    return ScopedRelatedField(visible=selectors.accounts_visible_to, **kwargs)


class AccountSummarySerializer(SummarySerializer):
    account_type = serializers.CharField(read_only=True)


def account_detail(source: str = "account") -> AccountSummarySerializer:
    return AccountSummarySerializer(source=source, read_only=True)


def pending_events_field() -> serializers.IntegerField:
    return serializers.IntegerField(
        read_only=True, help_text=_("Events of the company not yet posted to the books: the report leaves them out.")
    )


# --- Chart, rules, years and periods ------------------------------------------------------------


class AccountSerializer(CompanyOwnedSerializer):
    parent = visible_account(required=False, allow_null=True, help_text=_("A group account of the same company."))
    parent_detail = summary("parent")
    account_type_label = serializers.CharField(source="get_account_type_display", read_only=True)
    depth = serializers.SerializerMethodField(help_text=_("1 for a top-level account."))
    same_company_fields = ("parent",)

    class Meta:
        model = Account
        fields = [
            "id",
            "company",
            "company_detail",
            "code",
            "name",
            "account_type",
            "account_type_label",
            "parent",
            "parent_detail",
            "path",
            "depth",
            "is_group",
            "active",
        ]
        read_only_fields = ["path"]
        validators = []  # the service checks the code's uniqueness in the company

    def get_depth(self, account: Account) -> int:
        return account.path.strip("/").count("/") + 1


class PostingRuleSerializer(CompanyOwnedSerializer):
    role_label = serializers.CharField(source="get_role_display", read_only=True)
    account = visible_account()
    account_detail = account_detail()
    item_category_detail = summary("item_category")
    warehouse_detail = summary("warehouse")
    same_company_fields = ("account", "item_category", "warehouse")

    class Meta:
        model = PostingRule
        fields = [
            "id",
            "company",
            "company_detail",
            "role",
            "role_label",
            "item_category",
            "item_category_detail",
            "warehouse",
            "warehouse_detail",
            "account",
            "account_detail",
        ]
        validators = []  # one rule per role and scope: checked when the service saves it


class PeriodSerializer(serializers.ModelSerializer):
    year = serializers.IntegerField(source="fiscal_year.year", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    closed_by_detail = UserSummarySerializer(source="closed_by", read_only=True, allow_null=True)

    class Meta:
        model = Period
        fields = [
            "id",
            "company",
            "fiscal_year",
            "year",
            "number",
            "start_date",
            "end_date",
            "status",
            "status_label",
            "closed_at",
            "closed_by_detail",
        ]
        read_only_fields = fields


class FiscalYearSerializer(CompanyOwnedSerializer):
    # A plain string: an enum would share its name with the period's identical open/closed choices.
    status = serializers.CharField(read_only=True, help_text=_("open or closed"))
    periods = PeriodSerializer(many=True, read_only=True)

    class Meta:
        model = FiscalYear
        fields = ["id", "company", "company_detail", "year", "start_date", "end_date", "status", "periods"]
        read_only_fields = ["start_date", "end_date", "status"]
        validators = []  # opening a year that is already open answers that year
        extra_kwargs = {"year": {"min_value": 1900, "max_value": 9998, "help_text": _("A calendar year.")}}


class ReopenSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=80, help_text=_("Why the period is reopened; kept in its history."))


class LoadChartSerializer(serializers.Serializer):
    company = VisibleRelatedField(
        queryset=Company.objects.all(), required=False, help_text=_("Required unless you can see exactly one company.")
    )
    template = serializers.ChoiceField(
        choices=[(name, label) for name, (label, _accounts, _rules) in TEMPLATES.items()],
        help_text=_("cas: Chinese Accounting Standards numbering; en: a short English chart."),
    )


class ChartLoadedSerializer(serializers.Serializer):
    company = SummarySerializer(read_only=True)
    template = serializers.CharField(read_only=True)
    accounts = serializers.IntegerField(read_only=True, help_text=_("How many accounts were created."))
    posting_rules = serializers.IntegerField(read_only=True, help_text=_("How many default rules were created."))


# --- Journal entries ----------------------------------------------------------------------------


class JournalLineSerializer(serializers.ModelSerializer):
    account_detail = account_detail()
    partner_detail = summary("partner")

    class Meta:
        model = JournalLine
        fields = [
            "id",
            "account",
            "account_detail",
            "debit",
            "credit",
            "partner",
            "partner_detail",
            "item_category",
            "warehouse",
            "description",
        ]
        read_only_fields = fields


class JournalEntrySerializer(SourceType, serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    source_type = serializers.SerializerMethodField(help_text=_("The source document's kind, as app_label.model"))
    posted_by_detail = UserSummarySerializer(source="posted_by", read_only=True, allow_null=True)
    lines = JournalLineSerializer(many=True, read_only=True)

    class Meta:
        model = JournalEntry
        fields = [
            "id",
            "number",
            "company",
            "entry_date",
            "period",
            "kind",
            "kind_label",
            "description",
            "source_type",
            "source_id",
            "source_number",
            "event",
            "reverses",
            "total",
            "posted_at",
            "posted_by_detail",
            "lines",
        ]
        read_only_fields = fields


# --- Manual journals ----------------------------------------------------------------------------


class ManualJournalLineSerializer(MasterDataSerializer):
    id = serializers.IntegerField(
        required=False, help_text=_("Give a line's id to change it in place; lines left out are removed.")
    )
    account = visible_account()
    account_detail = account_detail()
    partner = VisibleRelatedField(queryset=Partner.objects.all(), required=False, allow_null=True)
    partner_detail = summary("partner")

    class Meta:
        model = ManualJournalLine
        fields = ["id", "account", "account_detail", "debit", "credit", "partner", "partner_detail", "description"]
        extra_kwargs = {"debit": {"min_value": 0}, "credit": {"min_value": 0}}


class ManualJournalListSerializer(CompanyOwnedSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    created_by_detail = UserSummarySerializer(source="created_by", read_only=True)

    class Meta:
        model = ManualJournal
        fields = [
            "id",
            "number",
            "company",
            "company_detail",
            "status",
            "status_label",
            "document_date",
            "description",
            "total",
            "journal_entry",
            "reversal_entry",
            "created_by_detail",
            "created_at",
            "modified_at",
        ]
        read_only_fields = [
            "number",
            "status",
            "total",
            "journal_entry",
            "reversal_entry",
            "created_at",
            "modified_at",
        ]
        validators = []  # numbers come from the company's sequence


class ManualJournalSerializer(ManualJournalListSerializer):
    lines = ManualJournalLineSerializer(many=True, max_length=MAX_LINES)

    class Meta(ManualJournalListSerializer.Meta):
        fields = [*ManualJournalListSerializer.Meta.fields, "lines"]


# --- Reports ------------------------------------------------------------------------------------


class CompanyQuerySerializer(serializers.Serializer):
    company = VisibleRelatedField(
        queryset=Company.objects.all(), required=False, help_text=_("Required unless you can see exactly one company.")
    )


class DateRangeMixin(serializers.Serializer):
    start = serializers.DateField(required=False, help_text=_("Defaults to 1 January of the end's year."))
    end = serializers.DateField(required=False, help_text=_("Defaults to today."))

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if attrs.get("start") and attrs.get("end") and attrs["start"] > attrs["end"]:
            raise serializers.ValidationError(
                {"end": [serializers.ErrorDetail(_("The end is before the start."), code="invalid")]}
            )
        return attrs


class CompanyRangeQuerySerializer(DateRangeMixin, CompanyQuerySerializer):
    pass


class AsOfQuerySerializer(CompanyQuerySerializer):
    as_of = serializers.DateField(required=False, help_text=_("End of this day; defaults to today."))


class GeneralLedgerQuerySerializer(DateRangeMixin):
    account = visible_account()


class TrialBalanceRowSerializer(serializers.Serializer):
    account = AccountSummarySerializer(read_only=True)
    opening = serializers.DecimalField(**AMOUNT, read_only=True, help_text=_("Debit positive, credit negative."))
    debit = serializers.DecimalField(**AMOUNT, read_only=True)
    credit = serializers.DecimalField(**AMOUNT, read_only=True)
    closing = serializers.DecimalField(**AMOUNT, read_only=True, help_text=_("Debit positive, credit negative."))


class ReportSerializer(serializers.Serializer):
    company = SummarySerializer(read_only=True)
    pending_events = pending_events_field()


class TrialBalanceSerializer(ReportSerializer):
    start = serializers.DateField(read_only=True)
    end = serializers.DateField(read_only=True)
    rows = TrialBalanceRowSerializer(many=True, read_only=True)
    total_debit = serializers.DecimalField(**AMOUNT, read_only=True)
    total_credit = serializers.DecimalField(**AMOUNT, read_only=True)
    balanced = serializers.BooleanField(read_only=True, help_text=_("Debits equal credits; closing sums to zero."))


class GeneralLedgerLineSerializer(SourceType, serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    entry = serializers.IntegerField(source="entry_id", read_only=True)
    entry_number = serializers.CharField(source="entry.number", read_only=True)
    entry_date = serializers.DateField(read_only=True)
    description = serializers.CharField(read_only=True)
    debit = serializers.DecimalField(**AMOUNT, read_only=True)
    credit = serializers.DecimalField(**AMOUNT, read_only=True)
    running_balance = serializers.DecimalField(**AMOUNT, read_only=True, help_text=_("Debit positive."))
    partner = serializers.IntegerField(source="partner_id", read_only=True, allow_null=True)
    source_type = serializers.SerializerMethodField()
    source_id = serializers.IntegerField(source="entry.source_id", read_only=True, allow_null=True)
    source_number = serializers.CharField(source="entry.source_number", read_only=True)

    def get_source_type(self, line) -> str | None:
        return super().get_source_type(line.entry)


class GeneralLedgerSerializer(serializers.Serializer):
    count = serializers.IntegerField(read_only=True)
    next = serializers.URLField(read_only=True, allow_null=True)
    previous = serializers.URLField(read_only=True, allow_null=True)
    account = AccountSummarySerializer(read_only=True)
    start = serializers.DateField(read_only=True)
    end = serializers.DateField(read_only=True)
    opening_balance = serializers.DecimalField(**AMOUNT, read_only=True, help_text=_("Debit positive."))
    pending_events = pending_events_field()
    results = GeneralLedgerLineSerializer(many=True, read_only=True)


class StatementRowSerializer(serializers.Serializer):
    account = AccountSummarySerializer(read_only=True)
    amount = serializers.DecimalField(**AMOUNT, read_only=True)


class StatementSectionSerializer(serializers.Serializer):
    rows = StatementRowSerializer(many=True, read_only=True)
    total = serializers.DecimalField(**AMOUNT, read_only=True)


class ProfitAndLossSerializer(ReportSerializer):
    start = serializers.DateField(read_only=True)
    end = serializers.DateField(read_only=True)
    income = StatementSectionSerializer(read_only=True)
    expense = StatementSectionSerializer(read_only=True)
    profit = serializers.DecimalField(**AMOUNT, read_only=True)


class BalanceSheetSerializer(ReportSerializer):
    as_of = serializers.DateField(read_only=True)
    assets = StatementSectionSerializer(read_only=True)
    liabilities = StatementSectionSerializer(read_only=True)
    equity = StatementSectionSerializer(read_only=True)
    unclosed_earnings = serializers.DecimalField(
        **AMOUNT, read_only=True, help_text=_("Income less expenses not yet closed into equity.")
    )
    total_equity = serializers.DecimalField(**AMOUNT, read_only=True)
    balanced = serializers.BooleanField(read_only=True)


class ReconciliationRowSerializer(serializers.Serializer):
    account = AccountSummarySerializer(read_only=True)
    ledger_balance = serializers.DecimalField(**AMOUNT, read_only=True)
    subledger_value = serializers.DecimalField(
        **AMOUNT, read_only=True, help_text=_("The stock valuation of the items this account carries.")
    )
    difference = serializers.DecimalField(**AMOUNT, read_only=True)


class ReconciliationSerializer(ReportSerializer):
    rows = ReconciliationRowSerializer(many=True, read_only=True)
    balanced = serializers.BooleanField(read_only=True, help_text=_("Every difference is zero."))
