"""Manual journals (drafts with inline lines, posted and cancelled through the services) and the
journal entries every posting leaves, each with its lines, source document, event and reversals."""

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import DetailView

from apps.core.documents import can_transition
from apps.core.errors import DomainError
from apps.core.views import (
    Column,
    ModelPermissionMixin,
    RecordCreateView,
    RecordDetailView,
    RecordEditView,
    RecordListView,
    ScopedMixin,
)
from apps.core.views_operations import source_url
from apps.masterdata.selectors import companies_visible_to, partners_visible_to

from .. import selectors, services
from ..filters import JournalEntryFilter, ManualJournalFilter
from ..forms import (
    ManualJournalForm,
    ReasonForm,
    account_label,
    journal_line_formset,
    journal_line_initial,
    postable_accounts,
)
from ..models import JournalEntry, ManualJournal
from .common import StatusColumn, status_detail

PARTNER_SUGGESTIONS = 1000  # partner codes offered while typing; any other code is still accepted
# A journal waiting for approval may still be edited: the service withdraws it from approval first.
EDITABLE = (ManualJournal.Status.DRAFT, ManualJournal.Status.PENDING_APPROVAL)


class ManualJournalPages:
    model = ManualJournal
    selector = staticmethod(selectors.manual_journals_visible_to)
    url_prefix = "finance:manual-journal"


class ManualJournalListView(ManualJournalPages, RecordListView):
    filterset_class = ManualJournalFilter
    filter_fields = ("company", "status", "status_group", "date_from", "date_to")
    default_sort = "-document_date"
    columns = (
        Column(gettext_lazy("Number"), "number", sort="number", link=True),
        Column(gettext_lazy("Date"), "document_date", sort="document_date"),
        Column(gettext_lazy("Description"), "description"),
        Column(gettext_lazy("Total"), "total", sort="total"),
        StatusColumn(gettext_lazy("Status"), "status", sort="status"),
        Column(gettext_lazy("Company"), "company.code", sort="company__code"),
        Column(gettext_lazy("Created by"), "created_by.username"),
    )

    def limit_filters(self, form) -> None:
        form.fields["company"].queryset = companies_visible_to(self.request.user)
        form.fields["status"] = forms.ChoiceField(
            label=_("Status"), required=False, choices=[("", "---------"), *ManualJournal.Status.choices]
        )


class ManualJournalDetailView(ManualJournalPages, RecordDetailView):
    template_name = "finance/manual_journal_detail.html"
    fields = ("company", "number", "document_date", "description", "total", "status", "created_by", "created_at")

    def details(self):
        details = super().details()
        details[self.fields.index("status")] = status_detail(self.object)
        return details

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        journal, user = self.object, self.request.user
        may_change = self.may("change")
        lines = list(journal.lines.select_related("account", "partner")) if context["tab"] == "details" else []
        context.update(
            lines=lines,
            total_debit=sum((line.debit for line in lines), Decimal(0)),
            total_credit=sum((line.credit for line in lines), Decimal(0)),
            edit_url=self.page_url("edit", journal) if may_change and journal.status in EDITABLE else "",
            post_url=self.page_url("post", journal)
            if may_change and can_transition(journal, journal.Status.POSTED)
            else "",
            cancel_url=self.page_url("cancel", journal)
            if may_change and can_transition(journal, journal.Status.CANCELLED)
            else "",
            cancel_form=ReasonForm(auto_id="cancel-%s"),
            entries=self.entries(user),
        )
        return context

    def entries(self, user) -> list[tuple[str, JournalEntry]]:
        journal = self.object
        ids = {journal.journal_entry_id: _("Journal entry"), journal.reversal_entry_id: _("Reversal entry")}
        found = selectors.journal_entries_visible_to(user).in_bulk([pk for pk in ids if pk])
        return [(label, found[pk]) for pk, label in ids.items() if pk in found]


class ManualJournalFormMixin:
    """The journal's header and its lines, saved together by the service or not at all."""

    form_class = ManualJournalForm
    template_name = "finance/manual_journal_form.html"

    def get_initial(self) -> dict:
        # The company chosen on a new journal reloads the form (htmx) with what was typed so far.
        initial = super().get_initial()
        if not self.object:
            fields = ("company", "document_date", "description")
            initial.update({key: self.request.GET[key] for key in fields if self.request.GET.get(key)})
        return initial

    def formset(self, form):
        if not hasattr(self, "_formset"):
            company = form.record_company()
            journal = self.object
            current = tuple(journal.lines.values_list("account_id", flat=True)) if journal else ()
            accounts = list(postable_accounts(self.request.user, company, current_ids=current))
            formset_class = journal_line_formset(extra=1 if journal else 2)
            self._formset = formset_class(
                self.request.POST if self.request.method == "POST" else None,
                initial=journal_line_initial(journal) if journal else None,
                prefix="lines",
                user=self.request.user,
                company=company,
                accounts=accounts,
            )
        return self._formset

    def post(self, request, *args, **kwargs):
        self.object = self.get_object() if self.kwargs.get("pk") else None
        form = self.get_form()
        valid = [form.is_valid(), self.formset(form).is_valid()]
        return self.form_valid(form) if all(valid) else self.form_invalid(form)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        context["formset"] = self.formset(form)
        company = form.record_company()
        context["partner_codes"] = (
            partners_visible_to(self.request.user)
            .filter(company=company, active=True)
            .order_by("code")
            .values_list("code", "name")[:PARTNER_SUGGESTIONS]
        )
        return context

    def save(self, form) -> ManualJournal:
        formset = self.formset(form)
        try:
            return self.save_journal(form, formset.lines())
        except ValidationError as error:
            raise self.place_line_errors(formset, error) from None

    def save_journal(self, form, lines: list[dict]) -> ManualJournal:
        raise NotImplementedError

    @staticmethod
    def place_line_errors(formset, error: ValidationError) -> ValidationError:
        """Put each `lines.N.field` refusal on its row; what is left is said above the form."""
        if not hasattr(error, "error_dict"):
            return error
        rows = formset.kept_forms()
        rest: dict[str, list] = {}
        for key, errors in error.error_dict.items():
            parts = key.split(".")
            if len(parts) == 3 and parts[0] == "lines" and parts[1].isdigit() and int(parts[1]) < len(rows):
                row = rows[int(parts[1])]
                row.add_error(parts[2] if parts[2] in row.fields else None, errors)
            else:
                rest.setdefault(NON_FIELD_ERRORS if key == "lines" else key, []).extend(errors)
        return ValidationError(rest or _("Please correct the lines marked below."))


class ManualJournalCreateView(ManualJournalPages, ManualJournalFormMixin, RecordCreateView):
    def save_journal(self, form, lines: list[dict]) -> ManualJournal:
        data = form.cleaned_data
        return services.create_manual_journal(
            actor=self.request.user,
            company=data["company"],
            document_date=data["document_date"],
            description=data["description"],
            lines=lines,
        )


class ManualJournalEditView(ManualJournalPages, ManualJournalFormMixin, RecordEditView):
    def dispatch(self, request, *args, **kwargs):
        if not self.has_permission():
            return self.handle_no_permission()
        journal = get_object_or_404(self.selector(request.user), pk=kwargs["pk"])
        if journal.status not in EDITABLE:
            messages.error(request, _("Only a draft can be edited."))
            return redirect(self.page_url("detail", journal))
        return super().dispatch(request, *args, **kwargs)

    def save_journal(self, form, lines: list[dict]) -> ManualJournal:
        data = form.cleaned_data
        return services.update_manual_journal(
            actor=self.request.user,
            journal=self.object,
            document_date=data["document_date"],
            description=data["description"],
            lines=lines,
        )


class ManualJournalActionView(ManualJournalPages, ModelPermissionMixin, ScopedMixin, View):
    """POST: post or cancel a journal the user sees (else 404); a refusal is shown on its page."""

    action = "change"
    http_method_names = ["post"]

    def post(self, request, pk: int):
        journal = get_object_or_404(self.get_queryset(), pk=pk)
        try:
            message = self.act(journal)
        except DomainError as error:
            messages.error(request, error.message)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, message)
        return redirect(self.page_url("detail", journal))

    def act(self, journal: ManualJournal) -> str:
        raise NotImplementedError


class PostManualJournalView(ManualJournalActionView):
    def act(self, journal: ManualJournal) -> str:
        journal = services.post_manual_journal(actor=self.request.user, journal=journal)
        if journal.status == ManualJournal.Status.PENDING_APPROVAL:
            return _("%(journal)s needs approval; it is posted once approved.") % {"journal": journal}
        return _("%(journal)s is posted as journal entry %(entry)s.") % {
            "journal": journal,
            "entry": journal.journal_entry,
        }


class CancelManualJournalView(ManualJournalActionView):
    def act(self, journal: ManualJournal) -> str:
        was_posted = journal.status == ManualJournal.Status.POSTED
        journal = services.cancel_manual_journal(
            actor=self.request.user, journal=journal, reason=self.request.POST.get("reason", "")
        )
        if was_posted:
            return _("%(journal)s is cancelled; reversal entry %(entry)s posted.") % {
                "journal": journal,
                "entry": journal.reversal_entry,
            }
        return _("%(journal)s is cancelled.") % {"journal": journal}


# --- Journal entries -----------------------------------------------------------------------------


class JournalEntryPages:
    model = JournalEntry
    selector = staticmethod(selectors.journal_entries_visible_to)
    url_prefix = "finance:journal-entry"


class JournalEntryListView(JournalEntryPages, RecordListView):
    filterset_class = JournalEntryFilter
    filter_fields = ("company", "kind", "period", "date_from", "date_to", "account")
    default_sort = "-entry_date"
    has_create = False
    columns = (
        Column(gettext_lazy("Number"), "number", sort="number", link=True),
        Column(gettext_lazy("Date"), "entry_date", sort="entry_date"),
        Column(gettext_lazy("Kind"), "get_kind_display", sort="kind"),
        Column(gettext_lazy("Description"), "description"),
        Column(gettext_lazy("Source document"), "source_number", sort="source_number"),
        Column(gettext_lazy("Total"), "total", sort="total"),
        Column(gettext_lazy("Company"), "company.code", sort="company__code"),
    )

    def limit_filters(self, form) -> None:
        user = self.request.user
        form.fields["company"].queryset = companies_visible_to(user)
        form.fields["period"].queryset = selectors.periods_visible_to(user).order_by("-start_date")
        accounts = selectors.accounts_visible_to(user).filter(is_group=False).order_by("company__code", "path")
        form.fields["account"] = forms.TypedChoiceField(
            label=_("Account"),
            required=False,
            coerce=int,
            choices=[("", "---------"), *((account.pk, account_label(account)) for account in accounts)],
        )


class JournalEntryDetailView(JournalEntryPages, ModelPermissionMixin, ScopedMixin, DetailView):
    """The entry's lines, the document it came from, its outbox event, and what it reverses or is reversed by."""

    template_name = "finance/journal_entry_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("event", "reverses")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        entry = self.object
        lines = list(entry.lines.select_related("account", "partner", "item_category", "warehouse"))
        context.update(
            lines=lines,
            total_debit=sum((line.debit for line in lines), Decimal(0)),
            total_credit=sum((line.credit for line in lines), Decimal(0)),
            source_url=source_url(entry.source_type, entry.source_id),
            reversed_by=self.get_queryset().filter(reverses=entry).first(),
            list_url=self.page_url("list"),
        )
        return context
