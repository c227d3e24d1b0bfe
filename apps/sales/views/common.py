"""What the pages of every sales document share: scoped lists with a customer filter, the detail page
with its lines, status actions, approval trail and document flow, and the entry forms' plumbing."""

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView

from apps.core.errors import DomainError
from apps.core.forms import add_service_error
from apps.core.views import Column, ModelPermissionMixin, ScopedMixin
from apps.inventory.views.documents import DocumentDetailView, DocumentListView

from .. import selectors
from ..forms import customers_of
from ..models import CreditNote, CustomerInvoice, CustomerReceipt, Delivery, Quotation, SalesOrder, SalesReturn

# Where each sales document is shown, by its model.
DOCUMENT_PAGES = {
    Quotation: "sales:quotation-detail",
    SalesOrder: "sales:order-detail",
    Delivery: "sales:delivery-detail",
    CustomerInvoice: "sales:invoice-detail",
    CreditNote: "sales:credit-note-detail",
    CustomerReceipt: "sales:receipt-detail",
    SalesReturn: "sales:return-detail",
}
FLOW_STEPS = (
    ("quotations", gettext_lazy("Quotations")),
    ("orders", gettext_lazy("Sales orders")),
    ("deliveries", gettext_lazy("Deliveries")),
    ("invoices", gettext_lazy("Invoices")),
    ("receipts", gettext_lazy("Receipts")),
    ("returns", gettext_lazy("Returns")),
    ("credit_notes", gettext_lazy("Credit notes")),
)


def document_url(document: models.Model) -> str:
    return reverse(DOCUMENT_PAGES[type(document)], args=[document.pk])


@dataclass
class FlowStep:
    label: str
    links: list[tuple[str, str, str]]  # (number, status, url)
    current: set[int]


def flow_steps(document: models.Model) -> list[FlowStep]:
    """quotation → order → deliveries → invoices → receipts (and returns, credit notes), each a link."""
    flow = selectors.flow_of(document)
    steps = []
    for name, label in FLOW_STEPS:
        records = getattr(flow, name)
        if records:
            steps.append(
                FlowStep(
                    label=str(label),
                    links=[(str(record), record.get_status_display(), document_url(record)) for record in records],
                    current={record.pk for record in records if type(record) is type(document)},
                )
            )
    return steps


class SalesListView(DocumentListView):
    """A sales document list: number search, status, stage, dates and the customers the user serves."""

    warehouse_filters: tuple[str, ...] = ()

    def limit_filters(self, form) -> None:
        super().limit_filters(form)
        if "customer" in form.fields:
            form.fields["customer"].queryset = customers_of(self.request.user)


class SalesDetailView(DocumentDetailView):
    """Details, lines, status actions, approval trail, the sales document flow, stock moves and postings."""

    template_name = "sales/document_detail.html"
    lines_template = "sales/_lines.html"
    line_columns: tuple[Column, ...] = ()
    print_page = ""

    def line_records(self):
        return self.object.lines.all()

    def lines(self) -> list:
        return [[column.of(line) for column in self.line_columns] for line in self.line_records()]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            line_headers=[column.label for column in self.line_columns],
            print_url=reverse(self.print_page, args=[self.object.pk]) if self.print_page else "",
        )
        if context["tab"] == "details":
            context["flow"] = flow_steps(self.object)
        return context


class EntryView(ModelPermissionMixin, ScopedMixin, FormView):
    """An entry against existing rows (picks, shipped lines, open invoices), saved by one service call.

    The first step chooses what to enter against (`choice_form`); a refusal comes back on the form.
    """

    action = "add"
    template_name = "sales/entry_form.html"
    choice_form_class = None
    title = ""

    def choice(self):
        """What the entry is against (an order, a customer), or None to ask for it first."""
        raise NotImplementedError

    def entries(self) -> list:
        """The candidate rows, one box each."""
        raise NotImplementedError

    def get_form_kwargs(self) -> dict:
        kwargs = super().get_form_kwargs()
        kwargs.update(user=self.request.user, entries=self.entries())
        return kwargs

    def choice_form(self):
        raise NotImplementedError

    def save(self, form) -> models.Model:
        raise NotImplementedError

    def dispatch(self, request, *args, **kwargs):
        self.chosen = self.choice() if request.user.is_authenticated else None
        return super().dispatch(request, *args, **kwargs)

    def get_form(self, form_class=None):
        return None if self.chosen is None else super().get_form(form_class)

    def post(self, request, *args, **kwargs):
        if self.chosen is None:
            return self.get(request, *args, **kwargs)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            self.object = self.save(form)
        except (ValidationError, DomainError) as error:
            add_service_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("%(record)s was saved.") % {"record": self.object})
        return HttpResponseRedirect(document_url(self.object))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context.get("form")
        context.update(
            title=self.title,
            chosen=self.chosen,
            choice_form=self.choice_form() if self.chosen is None else None,
            cancel_url=self.page_url("list"),
            rows=form.rows() if form is not None else [],
            header_fields=form.header_fields() if form is not None else [],
            headers=form.headers if form is not None else (),
        )
        return context


def choice_field(form: forms.Form, name: str):
    """The chosen record of a GET choice form, or None."""
    return form.cleaned_data.get(name) if form.is_valid() else None
