"""What the pages of every stock document share: the list's status column and filters, the detail page
with its status actions and document flow, the form with inline lines, and the action endpoint."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic.detail import SingleObjectMixin

from apps.core.errors import DomainError
from apps.core.views import (
    Column,
    Detail,
    ModelPermissionMixin,
    RecordDetailView,
    RecordListView,
    ScopedMixin,
    describe,
)
from apps.core.views_operations import source_url as document_page
from apps.finance.selectors import pending_event_count, source_postings
from apps.masterdata.selectors import warehouses_visible_to

from .. import selectors
from ..forms import SharedChoices, line_rows, place_errors


def source_url(source_type_id: int, source_id: int) -> str:
    """The page of the document a move came from, in whichever module it lives ("" when it has none)."""
    return document_page(ContentType.objects.get_for_id(source_type_id), source_id)


def status_label(document: models.Model) -> str:
    return str(dict(document.Status.choices).get(document.status, document.status))


def error_text(error: ValidationError | DomainError) -> str:
    return error.message if isinstance(error, DomainError) else " ".join(error.messages)


class StatusColumn(Column):
    """A document's status by its label (the base Document's status field carries no choices)."""

    def of(self, obj: Any) -> str:
        return status_label(obj)


# --- Lists ----------------------------------------------------------------------------------------


class DocumentListView(RecordListView):
    default_sort = "-number"
    warehouse_filters: tuple[str, ...] = ("warehouse",)

    def limit_filters(self, form) -> None:
        super().limit_filters(form)
        form.fields["status"].widget = forms.Select(choices=[("", _("All")), *self.model.Status.choices])
        warehouses = warehouses_visible_to(self.request.user).order_by("code")
        for name in self.warehouse_filters:
            form.fields[name].queryset = warehouses


# --- Detail and actions ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentAction:
    """A status action on a document's page: a button, or a small form when it asks for a reason."""

    slug: str
    label: str
    run: Callable[..., models.Model]  # run(document, actor=..., reason=...) -> the document after the service
    offered: Callable[[models.Model], bool]  # whether the document's status allows it
    style: str = "primary"
    asks_reason: bool = False
    confirm: str = ""


class DocumentDetailView(RecordDetailView):
    """Details, lines, status actions and the document flow: the stock moves written and the journal
    entries finance posted from the document's events (or why they are not there yet)."""

    template_name = "inventory/document_detail.html"
    lines_template = ""
    actions: tuple[DocumentAction, ...] = ()
    editable_statuses: tuple[str, ...] = ()  # when the Edit page takes the document
    approvable = False  # the document type takes part in approvals: its page shows the approval trail

    def details(self) -> list[Detail]:
        return [
            Detail(label=_("Status"), value=status_label(self.object))
            if name == "status"
            else describe(self.object, name)
            for name in self.fields
        ]

    def may(self, action: str) -> bool:
        if action == "change" and self.object.status not in self.editable_statuses:
            return False  # no Edit button
        return super().may(action)

    def may_act(self) -> bool:
        return super().may("change")

    def lines(self) -> list:
        return []

    def offered_actions(self) -> list[dict]:
        if not self.may_act():
            return []
        return [
            {"action": action, "url": reverse(f"{self.url_prefix}-action", args=[self.object.pk, action.slug])}
            for action in self.actions
            if action.offered(self.object)
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        document = self.object
        context.update(
            status=status_label(document),
            actions=self.offered_actions(),
            lines_template=self.lines_template,
            approvable=self.approvable,
        )
        if context["tab"] == "details":
            user = self.request.user
            context.update(
                lines=self.lines(),
                moves=selectors.moves_of(user, source=document),
                postings=source_postings(source=document),
                shows_entry_lines=user.has_perm("finance.view_journalentry"),
                pending_postings=pending_event_count(company=document.company),
            )
        return context


class DocumentActionView(ModelPermissionMixin, ScopedMixin, SingleObjectMixin, View):
    """POST: run one of the document's actions; the outcome or the refusal comes back as a message."""

    action = "change"
    http_method_names = ["post"]
    actions: tuple[DocumentAction, ...] = ()

    def post(self, request, *args, **kwargs):
        chosen = next((action for action in self.actions if action.slug == kwargs["slug"]), None)
        if chosen is None:
            raise Http404
        document = self.get_object()
        try:
            document = chosen.run(document, actor=request.user, reason=request.POST.get("reason", ""))
        except (ValidationError, DomainError) as error:
            messages.error(request, error_text(error))
        else:
            messages.success(
                request, _("%(document)s is now %(status)s.") % {"document": document, "status": status_label(document)}
            )
        return redirect(self.page_url("detail", document))


# --- Forms with lines -----------------------------------------------------------------------------


class DocumentLinesMixin:
    """A document's header form and its lines, validated together and saved by one service call.

    The rows go to the service as dicts; a refusal keyed "lines.N.field" lands on row N's field, any
    other on the header, and a stock error above the form.
    """

    template_name = "inventory/document_form.html"
    formset_class = None
    line_fields: tuple[str, ...] = ()
    editable_statuses: tuple[str, ...] = ()
    live_total = False  # the lines show quantity × unit cost, summed as the user types

    def line_choices(self, form) -> dict[str, SharedChoices]:
        raise NotImplementedError

    def save(self, form, lines: list[dict]) -> models.Model:
        raise NotImplementedError

    def formset(self, form):
        if not hasattr(self, "_formset"):
            self._formset = self.formset_class(
                self.request.POST if self.request.method == "POST" else None,
                instance=self.object or self.model(),
                prefix="lines",
                form_kwargs={"user": self.request.user},
                choices=self.line_choices(form),
            )
        return self._formset

    def saved_line_ids(self, name: str) -> set[int]:
        """What the saved lines already name in field `name` (kept as a choice even if deactivated since)."""
        if self.object is None:
            return set()
        return set(self.object.lines.values_list(f"{name}_id", flat=True))

    def refuse_if_not_editable(self):
        if self.object is not None and self.object.status not in self.editable_statuses:
            messages.warning(self.request, _("%(document)s can no longer be edited.") % {"document": self.object})
            return redirect(self.page_url("detail", self.object))
        return None

    def get(self, request, *args, **kwargs):
        self.object = self.get_object() if "pk" in kwargs else None
        return self.refuse_if_not_editable() or self.render_to_response(self.get_context_data())

    def post(self, request, *args, **kwargs):
        self.object = self.get_object() if "pk" in kwargs else None
        if refused := self.refuse_if_not_editable():
            return refused
        form = self.get_form()
        valid = [form.is_valid(), self.formset(form).is_valid()]
        return self.form_valid(form) if all(valid) else self.form_invalid(form)

    def form_valid(self, form):
        lines, targets = line_rows(self.formset(form), self.line_fields)
        try:
            self.object = self.save(form, lines)
        except (ValidationError, DomainError) as error:
            place_errors(form, targets, error)
            return self.form_invalid(form)
        messages.success(self.request, self.success_message % {"record": self.object})
        return HttpResponseRedirect(self.get_success_url())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(formset=self.formset(context["form"]), live_total=self.live_total)
        return context
