from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from apps.core.models import Document
from apps.core.money import AmountField


class Account(models.Model):
    """An account of the chart, in a tree; only leaf (non-group) accounts take postings."""

    class AccountType(models.TextChoices):
        ASSET = "asset", _("Asset")
        LIABILITY = "liability", _("Liability")
        EQUITY = "equity", _("Equity")
        INCOME = "income", _("Income")
        EXPENSE = "expense", _("Expense")

    DEBIT_NORMAL = {AccountType.ASSET, AccountType.EXPENSE}

    company = models.ForeignKey(
        "masterdata.Company", on_delete=models.PROTECT, related_name="+", verbose_name=_("company")
    )
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=120)
    account_type = models.CharField(_("type"), max_length=16, choices=AccountType.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("parent")
    )
    path = models.CharField(max_length=255, editable=False, db_index=True)
    is_group = models.BooleanField(
        _("group account"), default=False, help_text=_("Group accounts only sum their children")
    )
    active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords(excluded_fields=["path"])

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        ordering = ["company", "code"]
        constraints = [models.UniqueConstraint(fields=["company", "code"], name="account_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def debit_normal(self) -> bool:
        return self.account_type in self.DEBIT_NORMAL


class FiscalYear(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    company = models.ForeignKey(
        "masterdata.Company", on_delete=models.PROTECT, related_name="+", verbose_name=_("company")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("fiscal year")
        verbose_name_plural = _("fiscal years")
        ordering = ["company", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["company", "year"], name="fiscal_year_unique"),
            models.CheckConstraint(condition=Q(end_date__gt=models.F("start_date")), name="fiscal_year_dates"),
        ]

    def __str__(self) -> str:
        return str(self.year)


class Period(models.Model):
    """A month of a fiscal year: postings are accepted only while it is open."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    company = models.ForeignKey(
        "masterdata.Company", on_delete=models.PROTECT, related_name="+", verbose_name=_("company")
    )
    fiscal_year = models.ForeignKey(FiscalYear, on_delete=models.PROTECT, related_name="periods")
    number = models.PositiveSmallIntegerField(_("period"))
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("closed by"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("period")
        verbose_name_plural = _("periods")
        ordering = ["company", "start_date"]
        permissions = [("close_period", _("Can close periods")), ("reopen_period", _("Can reopen closed periods"))]
        constraints = [
            models.UniqueConstraint(fields=["fiscal_year", "number"], name="period_number_unique"),
            models.UniqueConstraint(fields=["company", "start_date"], name="period_start_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.start_date:%Y-%m}"


class PostingRule(models.Model):
    """Which account a role of an event posts to, optionally for one item category or warehouse.

    The most specific rule wins: category and warehouse, then category, then warehouse, then neither.
    """

    class Role(models.TextChoices):
        INVENTORY = "inventory", _("Inventory")
        INVENTORY_ADJUSTMENT = "inventory_adjustment", _("Inventory adjustment")
        GRNI = "grni", _("Goods received not invoiced")
        PRICE_DIFFERENCE = "price_difference", _("Purchase price difference")
        SERVICE_EXPENSE = "service_expense", _("Purchased services")
        INPUT_VAT = "input_vat", _("Input VAT")
        OUTPUT_VAT = "output_vat", _("Output VAT")
        ACCOUNTS_PAYABLE = "ap", _("Accounts payable")
        SUPPLIER_PREPAYMENT = "supplier_prepayment", _("Supplier prepayments")
        ACCOUNTS_RECEIVABLE = "ar", _("Accounts receivable")
        CUSTOMER_CREDIT = "customer_credit", _("Customer advances")
        REVENUE = "revenue", _("Revenue")
        COGS = "cogs", _("Cost of goods sold")
        BANK = "bank", _("Bank")
        WIP = "wip", _("Work in progress")
        PRODUCTION_VARIANCE = "production_variance", _("Production variance")

    company = models.ForeignKey(
        "masterdata.Company", on_delete=models.PROTECT, related_name="+", verbose_name=_("company")
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    item_category = models.ForeignKey(
        "masterdata.ItemCategory",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("item category"),
    )
    warehouse = models.ForeignKey(
        "masterdata.Warehouse",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("warehouse"),
    )
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+", verbose_name=_("account"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("posting rule")
        verbose_name_plural = _("posting rules")
        ordering = ["company", "role", "item_category", "warehouse"]
        # One rule per role and scope; four partial constraints because NULLs are distinct in SQL.
        constraints = [
            models.UniqueConstraint(
                fields=["company", "role"],
                condition=Q(item_category__isnull=True, warehouse__isnull=True),
                name="posting_rule_role_unique",
            ),
            models.UniqueConstraint(
                fields=["company", "role", "item_category"],
                condition=Q(item_category__isnull=False, warehouse__isnull=True),
                name="posting_rule_category_unique",
            ),
            models.UniqueConstraint(
                fields=["company", "role", "warehouse"],
                condition=Q(item_category__isnull=True, warehouse__isnull=False),
                name="posting_rule_warehouse_unique",
            ),
            models.UniqueConstraint(
                fields=["company", "role", "item_category", "warehouse"],
                condition=Q(item_category__isnull=False, warehouse__isnull=False),
                name="posting_rule_both_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} → {self.account}"


class ImmutableQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError(f"{self.model.__name__} rows are insert-only")

    def delete(self):
        raise TypeError(f"{self.model.__name__} rows are insert-only")


class InsertOnly(models.Model):
    """Ledger rows: written once, corrected only by a reversing entry."""

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError(f"{type(self).__name__} rows are insert-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError(f"{type(self).__name__} rows are insert-only")


class JournalEntry(InsertOnly):
    """A posted, balanced journal entry. Never edited: a mistake is corrected by its reversal."""

    class Kind(models.TextChoices):
        SYSTEM = "system", _("From an operational document")
        MANUAL = "manual", _("Manual")
        REVERSAL = "reversal", _("Reversal")

    company = models.ForeignKey(
        "masterdata.Company", on_delete=models.PROTECT, related_name="+", verbose_name=_("company")
    )
    number = models.CharField(_("number"), max_length=40)
    entry_date = models.DateField(_("date"))
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="+", verbose_name=_("period"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    description = models.CharField(_("description"), max_length=300)
    source_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    source_id = models.PositiveBigIntegerField(null=True, blank=True)
    source_number = models.CharField(_("source document"), max_length=40, blank=True)
    event = models.OneToOneField(
        "core.OutboxEvent", null=True, blank=True, on_delete=models.PROTECT, related_name="journal_entry"
    )
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by", verbose_name=_("reverses")
    )
    total = AmountField(_("total"))
    posted_at = models.DateTimeField(_("posted at"), auto_now_add=True)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("posted by"),
    )

    class Meta:
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal entries")
        ordering = ["-entry_date", "-id"]
        constraints = [models.UniqueConstraint(fields=["company", "number"], name="journal_entry_number_unique")]
        indexes = [
            models.Index(fields=["company", "entry_date"], name="journal_entry_company_date"),
            models.Index(fields=["source_type", "source_id"], name="journal_entry_source"),
        ]

    def __str__(self) -> str:
        return self.number


class JournalLine(InsertOnly):
    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="lines")
    company = models.ForeignKey("masterdata.Company", on_delete=models.PROTECT, related_name="+")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+", verbose_name=_("account"))
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="+")
    entry_date = models.DateField(_("date"))
    debit = AmountField(_("debit"), default=0)
    credit = AmountField(_("credit"), default=0)
    partner = models.ForeignKey(
        "masterdata.Partner",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("partner"),
    )
    item_category = models.ForeignKey(
        "masterdata.ItemCategory",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    warehouse = models.ForeignKey(
        "masterdata.Warehouse", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    description = models.CharField(_("description"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("journal line")
        verbose_name_plural = _("journal lines")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(debit__gte=0, credit__gte=0), name="journal_line_not_negative"),
            models.CheckConstraint(
                condition=(Q(debit__gt=0) & Q(credit=0)) | (Q(debit=0) & Q(credit__gt=0)), name="journal_line_one_side"
            ),
        ]
        indexes = [
            models.Index(fields=["account", "entry_date", "id"], name="journal_line_account_date"),
            models.Index(
                fields=["partner", "account"], name="journal_line_partner", condition=Q(partner__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.debit}/{self.credit}"


class AccountBalance(models.Model):
    """Debit and credit totals per account and period, kept with every posting, so reports read
    one row per account and period instead of scanning the journal."""

    company = models.ForeignKey("masterdata.Company", on_delete=models.PROTECT, related_name="+")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="balances")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="+")
    debit = AmountField(default=0)
    credit = AmountField(default=0)

    class Meta:
        verbose_name = _("account balance")
        verbose_name_plural = _("account balances")
        constraints = [models.UniqueConstraint(fields=["account", "period"], name="account_balance_unique")]

    def __str__(self) -> str:
        return f"{self.account_id}/{self.period_id}: {self.debit - self.credit}"


class ManualJournal(Document):
    """A journal entry keyed by an accountant: a draft that becomes a JournalEntry when posted."""

    DOCUMENT_TYPE = "manual_journal"

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PENDING_APPROVAL = "pending_approval", _("Pending approval")
        APPROVED = "approved", _("Approved")
        POSTED = "posted", _("Posted")
        CANCELLED = "cancelled", _("Cancelled")

    ALLOWED_TRANSITIONS = {
        Status.DRAFT: {Status.PENDING_APPROVAL, Status.POSTED, Status.CANCELLED},
        Status.PENDING_APPROVAL: {Status.APPROVED, Status.DRAFT},
        Status.APPROVED: {Status.POSTED, Status.DRAFT},
        Status.POSTED: {Status.CANCELLED},
    }
    STATUS_GROUPS = {"open": [Status.DRAFT, Status.PENDING_APPROVAL, Status.APPROVED], "done": [Status.POSTED]}

    description = models.CharField(_("description"), max_length=300)
    total = AmountField(_("total"), default=0)
    journal_entry = models.OneToOneField(
        JournalEntry,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="manual_journal",
        verbose_name=_("journal entry"),
    )
    reversal_entry = models.OneToOneField(
        JournalEntry,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("reversal entry"),
    )

    history = HistoricalRecords()

    class Meta(Document.Meta):
        verbose_name = _("manual journal")
        verbose_name_plural = _("manual journals")


class ManualJournalLine(models.Model):
    journal = models.ForeignKey(ManualJournal, on_delete=models.CASCADE, related_name="lines")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+", verbose_name=_("account"))
    debit = AmountField(_("debit"), default=0)
    credit = AmountField(_("credit"), default=0)
    partner = models.ForeignKey(
        "masterdata.Partner",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("partner"),
    )
    description = models.CharField(_("description"), max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("manual journal line")
        verbose_name_plural = _("manual journal lines")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(debit__gte=0, credit__gte=0), name="manual_line_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.debit}/{self.credit}"


class ReconciliationRun(models.Model):
    """The periodic check that the subledgers and the general ledger agree, kept for the record."""

    company = models.ForeignKey("masterdata.Company", on_delete=models.CASCADE, related_name="+")
    checked_at = models.DateTimeField(_("checked at"), auto_now_add=True)
    balanced = models.BooleanField(_("in agreement"))
    pending_events = models.PositiveIntegerField(_("events not yet posted"))
    differences = models.JSONField(_("differences"), default=list, blank=True)

    class Meta:
        verbose_name = _("reconciliation run")
        verbose_name_plural = _("reconciliation runs")
        ordering = ["-checked_at"]
        indexes = [models.Index(fields=["company", "-checked_at"], name="reconciliation_company_time")]

    def __str__(self) -> str:
        return f"{self.company_id} {self.checked_at:%Y-%m-%d %H:%M}"


class BooksVerification(models.Model):
    """One run of `verify_books` for a company: every invariant with its figures, kept for the record."""

    company = models.ForeignKey("masterdata.Company", on_delete=models.CASCADE, related_name="+")
    checked_at = models.DateTimeField(_("checked at"), auto_now_add=True)
    passed = models.BooleanField(_("all checks passed"))
    pending_events = models.PositiveIntegerField(_("events not yet posted"))
    checks = models.JSONField(_("checks"), default=list, blank=True)

    class Meta:
        verbose_name = _("books verification")
        verbose_name_plural = _("books verifications")
        ordering = ["-checked_at"]
        indexes = [models.Index(fields=["company", "-checked_at"], name="verification_company_time")]

    def __str__(self) -> str:
        return f"{self.company_id} {self.checked_at:%Y-%m-%d %H:%M}"
