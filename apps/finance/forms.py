"""Browser forms for the books. They collect input; the services in services.py validate and save."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.filters import DATE_INPUT
from apps.core.forms import style_widgets
from apps.masterdata import selectors as masterdata
from apps.masterdata.forms import CompanyRecordForm
from apps.masterdata.models import Company

from . import selectors
from .charts import TEMPLATES
from .models import Account, ManualJournal, PostingRule

AMOUNT_INPUT = forms.NumberInput(attrs={"step": "0.01", "min": "0", "inputmode": "decimal"})


def account_label(account: Account) -> str:
    """An account as a choice: indented below its parent, by code and name."""
    depth = max(account.path.count("/") - 2, 0)
    return f"{'— ' * depth}{account.code} {account.name}"


def postable_accounts(user, company: Company | None, *, current_ids: tuple[int, ...] = ()) -> QuerySet[Account]:
    """The company's accounts that take postings, plus any already chosen that was deactivated since."""
    accounts = selectors.accounts_visible_to(user).filter(company=company, is_group=False)
    return accounts.filter(Q(active=True) | Q(pk__in=current_ids)).order_by("path")


class AccountForm(CompanyRecordForm):
    class Meta:
        model = Account
        fields = ["company", "code", "name", "account_type", "parent", "is_group", "active"]

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, user=user, **kwargs)
        account = self.instance
        parents = selectors.accounts_visible_to(user).filter(company=self.record_company(), is_group=True)
        if account.pk:
            parents = parents.exclude(path__startswith=account.path)
        self.fields["parent"].queryset = parents.order_by("path")
        self.fields["parent"].label_from_instance = account_label


class PostingRuleForm(CompanyRecordForm):
    class Meta:
        model = PostingRule
        fields = ["company", "role", "item_category", "warehouse", "account"]

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, user=user, **kwargs)
        rule, company = self.instance, self.record_company()
        self.fields["item_category"].queryset = masterdata.categories_visible_to(user).filter(company=company)
        self.fields["item_category"].help_text = _("Leave empty for every category.")
        self.fields["warehouse"].queryset = masterdata.warehouses_visible_to(user).filter(company=company)
        self.fields["warehouse"].help_text = _("Leave empty for every warehouse.")
        self.fields["account"].queryset = postable_accounts(user, company, current_ids=(rule.account_id,))
        self.fields["account"].label_from_instance = account_label


class LoadChartForm(forms.Form):
    company = forms.ModelChoiceField(label=_("Company"), queryset=None, empty_label=None)
    template = forms.ChoiceField(label=_("Chart template"), choices=())

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["company"].queryset = selectors.companies_without_chart(user)
        self.fields["template"].choices = [(key, label) for key, (label, _accounts, _rules) in TEMPLATES.items()]
        style_widgets(self)


class FiscalYearForm(forms.Form):
    company = forms.ModelChoiceField(label=_("Company"), queryset=None, empty_label=None)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["company"].queryset = masterdata.companies_visible_to(user).filter(active=True)
        self.fields["company"].initial = masterdata.default_company_for(user)
        self.fields["year"].initial = timezone.localdate().year
        style_widgets(self)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        style_widgets(self, small=True)


# --- Manual journals -----------------------------------------------------------------------------


class ManualJournalForm(CompanyRecordForm):
    class Meta:
        model = ManualJournal
        fields = ["company", "document_date", "description"]
        widgets = {"document_date": DATE_INPUT}

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, user=user, **kwargs)
        if not self.instance.pk:
            self.fields["document_date"].initial = timezone.localdate()
            # Another company means other accounts: the page reloads its lines for it.
            self.fields["company"].widget.attrs.update(
                {
                    "hx-get": reverse("finance:manual-journal-create"),
                    "hx-trigger": "change",
                    "hx-include": "[name=company], [name=document_date], [name=description]",
                    "hx-select": "#journal-form",
                    "hx-target": "#journal-form",
                    "hx-swap": "outerHTML",
                }
            )

    def record_company(self) -> Company | None:
        chosen = str(self.initial.get("company", ""))
        if not self.is_bound and not self.instance.pk and chosen.isdigit():
            return self.fields["company"].queryset.filter(pk=int(chosen)).first()
        return super().record_company()


class RecordChoiceField(forms.ChoiceField):
    """One of `records`, loaded once for every row of a formset, cleaned to the record itself."""

    def __init__(self, *, records: list, label_of=str, **kwargs) -> None:
        self.records = {str(record.pk): record for record in records}
        choices = [("", "---------"), *((key, label_of(record)) for key, record in self.records.items())]
        super().__init__(choices=choices, **kwargs)

    def clean(self, value):
        return self.records.get(super().clean(value))


class JournalLineForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    account = forms.ChoiceField(label=_("Account"))
    debit = forms.DecimalField(
        label=_("Debit"), required=False, min_value=0, max_digits=18, decimal_places=2, widget=AMOUNT_INPUT
    )
    credit = forms.DecimalField(
        label=_("Credit"), required=False, min_value=0, max_digits=18, decimal_places=2, widget=AMOUNT_INPUT
    )
    partner = forms.CharField(
        label=_("Partner"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"list": "partner-codes", "autocomplete": "off"}),
        help_text=_("Partner code"),
    )
    description = forms.CharField(label=_("Description"), required=False, max_length=300)

    def __init__(self, *args, accounts: list[Account], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account"] = RecordChoiceField(label=_("Account"), records=accounts, label_of=account_label)
        style_widgets(self, small=True)
        self.fields["debit"].widget.attrs["data-amount"] = "debit"
        self.fields["credit"].widget.attrs["data-amount"] = "credit"


class JournalLineFormSet(forms.BaseFormSet):
    """The journal's lines; partner codes are looked up for all rows in one query."""

    def __init__(self, *args, user, company: Company | None, accounts: list[Account], **kwargs) -> None:
        self.user, self.company = user, company
        super().__init__(*args, form_kwargs={"accounts": accounts}, **kwargs)

    def kept_forms(self) -> list[JournalLineForm]:
        """The rows that make the journal, in the order they were entered (empty and removed rows left out)."""
        return [
            form
            for form in self.forms
            if form.has_changed() and not (self.can_delete and self._should_delete_form(form))
        ]

    def clean(self) -> None:
        if any(self.errors):
            return
        kept = self.kept_forms()
        codes = {form.cleaned_data["partner"].strip().upper() for form in kept} - {""}
        partners = {}
        if codes:
            visible = masterdata.partners_visible_to(self.user).filter(company=self.company, code__in=codes)
            partners = {partner.code.upper(): partner for partner in visible}
        for form in kept:
            code = form.cleaned_data["partner"].strip().upper()
            form.cleaned_data["partner"] = partners.get(code) if code else None
            if code and code not in partners:
                form.add_error("partner", _("No partner of this company has the code %(code)s.") % {"code": code})
                raise ValidationError(_("Please correct the lines marked below."))

    def lines(self) -> list[dict]:
        """The rows as the manual-journal services take them."""
        rows = []
        for form in self.kept_forms():
            data = form.cleaned_data
            row = {
                "account": data["account"],
                "debit": data["debit"] or Decimal("0"),
                "credit": data["credit"] or Decimal("0"),
                "partner": data["partner"],
                "description": data["description"],
            }
            if data.get("id"):
                row["id"] = data["id"]
            rows.append(row)
        return rows


def journal_line_formset(*, extra: int):
    return forms.formset_factory(JournalLineForm, formset=JournalLineFormSet, extra=extra, can_delete=True)


def journal_line_initial(journal: ManualJournal) -> list[dict]:
    return [
        {
            "id": line.pk,
            "account": line.account_id,
            "debit": line.debit or None,
            "credit": line.credit or None,
            "partner": line.partner.code if line.partner else "",
            "description": line.description,
        }
        for line in journal.lines.select_related("partner")
    ]


# --- Report filters ------------------------------------------------------------------------------


class CompanyReportForm(forms.Form):
    """The company a report is about, among those the user may see; always bound (defaults filled in)."""

    company = forms.ModelChoiceField(label=_("Company"), queryset=None, empty_label=None)

    def __init__(self, data, *, user, **kwargs) -> None:
        super().__init__(data, **kwargs)
        self.user = user
        self.fields["company"].queryset = masterdata.companies_visible_to(user).order_by("code")
        style_widgets(self, small=True)

    @classmethod
    def defaults(cls, user) -> dict:
        company = masterdata.default_company_for(user) or masterdata.companies_visible_to(user).order_by("code").first()
        return {"company": company.pk if company else ""}


class DateRangeReportForm(CompanyReportForm):
    start = forms.DateField(label=_("From"), widget=DATE_INPUT)
    end = forms.DateField(label=_("To"), widget=DATE_INPUT)

    @classmethod
    def defaults(cls, user) -> dict:
        today = timezone.localdate()
        return {**super().defaults(user), "start": today.replace(month=1, day=1), "end": today}

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and start > end:
            self.add_error("end", _("The end date must not be before the start date."))
        return cleaned


class TrialBalanceForm(DateRangeReportForm):
    period = forms.ModelChoiceField(
        label=_("Period"), queryset=None, required=False, help_text=_("Overrides the dates when chosen.")
    )

    def __init__(self, data, *, user, **kwargs) -> None:
        super().__init__(data, user=user, **kwargs)
        self.fields["period"].queryset = selectors.periods_visible_to(user).order_by("-start_date")

    @classmethod
    def defaults(cls, user) -> dict:
        today = timezone.localdate()
        return {**super().defaults(user), "start": today.replace(day=1)}

    def clean(self):
        cleaned = super().clean()
        period, company = cleaned.get("period"), cleaned.get("company")
        if period is not None:
            if company is not None and period.company_id != company.pk:
                self.add_error("period", _("The period belongs to another company."))
            cleaned["start"], cleaned["end"] = period.start_date, period.end_date
            self.errors.pop("start", None)
            self.errors.pop("end", None)
        return cleaned


class GeneralLedgerForm(DateRangeReportForm):
    account = forms.ModelChoiceField(label=_("Account"), queryset=None)

    def __init__(self, data, *, user, **kwargs) -> None:
        super().__init__(data, user=user, **kwargs)
        company_id = self.data.get("company")
        company = self.fields["company"].queryset.filter(pk=company_id).first() if str(company_id).isdigit() else None
        field = self.fields["account"]
        field.queryset = selectors.accounts_visible_to(user).filter(company=company, is_group=False).order_by("path")
        field.label_from_instance = account_label

    def clean(self):
        cleaned = super().clean()
        account, company = cleaned.get("account"), cleaned.get("company")
        if account is not None and company is not None and account.company_id != company.pk:
            self.add_error("account", _("The account belongs to another company."))
        return cleaned


class BalanceSheetForm(CompanyReportForm):
    as_of = forms.DateField(label=_("As of"), widget=DATE_INPUT)

    @classmethod
    def defaults(cls, user) -> dict:
        return {**super().defaults(user), "as_of": timezone.localdate()}
