"""What the pages of every purchasing document share: lists filtered by supplier, detail pages with the
approval trail and the document flow as links, and forms whose rows are picked from what is open."""

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from apps.core.errors import DomainError
from apps.core.views import ModelPermissionMixin, ScopedMixin
from apps.inventory.forms import place_errors
from apps.inventory.views.documents import DocumentDetailView, DocumentListView

from .. import selectors
from ..forms import suppliers_visible_to
from ..models import (
    GoodsReceipt,
    PurchaseOrder,
    PurchaseRequisition,
    PurchaseReturn,
    SupplierBill,
    SupplierPayment,
)

DETAIL_PAGES = {
    PurchaseRequisition: "purchasing:requisition-detail",
    PurchaseOrder: "purchasing:order-detail",
    GoodsReceipt: "purchasing:receipt-detail",
    SupplierBill: "purchasing:bill-detail",
    SupplierPayment: "purchasing:payment-detail",
    PurchaseReturn: "purchasing:return-detail",
}
FLOW_STEPS = (
    ("requisitions", gettext_lazy("Requisitions")),
    ("orders", gettext_lazy("Purchase orders")),
    ("receipts", gettext_lazy("Goods receipts")),
    ("bills", gettext_lazy("Supplier bills")),
    ("payments", gettext_lazy("Payments")),
    ("returns", gettext_lazy("Returns")),
)


def detail_url(document: models.Model) -> str:
    return reverse(DETAIL_PAGES[type(document)], args=[document.pk])


@dataclass
class FlowStep:
    label: str
    documents: list[tuple[models.Model, str]]


def flow_steps(document: models.Model) -> list[FlowStep]:
    """The document's flow, requisition to payment, each document a link (itself included, unlinked)."""
    flow = selectors.flow_of(document)
    return [
        FlowStep(
            label=str(label),
            documents=[(other, "" if other == document else detail_url(other)) for other in getattr(flow, name)],
        )
        for name, label in FLOW_STEPS
    ]


@dataclass(frozen=True)
class PageLink:
    label: str
    url: str


class PurchasingListView(DocumentListView):
    supplier_filters: tuple[str, ...] = ("supplier",)

    def limit_filters(self, form) -> None:
        super().limit_filters(form)
        for name in self.supplier_filters:
            form.fields[name].queryset = suppliers_visible_to(self.request.user)


class PurchasingDetailView(DocumentDetailView):
    """Details, lines, the approval trail, the flow as links, stock moves and journal entries."""

    template_name = "purchasing/document_detail.html"
    approvable = False

    def links(self) -> list[PageLink]:
        """Pages to go on from here (print, receive, bill ...); a hook for subclasses."""
        return []

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(approvable=self.approvable, links=self.links())
        if context["tab"] == "details":
            context["flow"] = flow_steps(self.object)
        return context


class PickedRowsView(ModelPermissionMixin, ScopedMixin, TemplateView):
    """A document made from rows picked among what is open for a source (an order, a supplier, a
    receipt) named in the URL's query: the header form, one row per open record, one service call."""

    action = "add"
    template_name = "purchasing/picked_form.html"
    source_param = ""
    source_label = ""
    form_class: type[forms.Form]
    formset_class: Any
    requires_rows = True
    error_prefix = "lines"  # the service's name for the rows in its refusals ("lines.N.field")
    success_message = gettext_lazy("%(record)s was saved.")

    def sources(self):
        """The records a user may start from (the chooser's choices)."""
        raise NotImplementedError

    def open_records(self, source) -> list:
        raise NotImplementedError

    def row_initial(self, record) -> dict:
        return {}

    def describe(self, record) -> list:
        """What each row shows beside its inputs."""
        raise NotImplementedError

    def row_choices(self, source) -> dict:
        return {}

    def save(self, form, source, rows: list[dict]) -> models.Model:
        raise NotImplementedError

    def chosen_source(self):
        value = self.request.GET.get(self.source_param, "")
        if not value.isdigit():
            return None
        return self.sources().filter(pk=value).first()

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated or not self.has_permission():
            return self.handle_no_permission()
        self.source = self.chosen_source()
        if self.source is None:
            return self.render_to_response(self.chooser_context())
        self.records = self.open_records(self.source)
        data = request.POST if request.method == "POST" else None
        self.form = self.form_class(data, user=request.user)
        self.formset = self.formset_class(
            data,
            prefix="rows",
            initial=[{"source": record.pk, **self.row_initial(record)} for record in self.records],
            choices=self.row_choices(self.source),
        )
        return super().dispatch(request, *args, **kwargs)

    def chooser_context(self) -> dict:
        return {
            "title": self.title(),
            "chooser": self.sources(),
            "source_param": self.source_param,
            "source_label": self.source_label,
            "cancel_url": self.page_url("list"),
        }

    def title(self) -> str:
        return _("New %(record)s") % {"record": self.model._meta.verbose_name}

    def post(self, request, *args, **kwargs):
        valid = [self.form.is_valid(), self.formset.is_valid()]
        if not all(valid):
            return self.render_to_response(self.get_context_data())
        by_id = {record.pk: record for record in self.records}
        rows, targets = [], []
        for row_form in self.formset.forms:
            if not row_form.picked:
                continue
            record = by_id.get(row_form.cleaned_data["source"])
            if record is None:  # settled, received or closed since the page was shown
                row_form.add_error("quantity", _("This line is no longer open."))
                return self.render_to_response(self.get_context_data())
            rows.append({**row_form.cleaned_data, "record": record})
            targets.append((row_form, "quantity"))
        if not rows and self.requires_rows:
            self.form.add_error(None, _("Enter a quantity on at least one line."))
            return self.render_to_response(self.get_context_data())
        try:
            document = self.save(self.form, self.source, rows)
        except (ValidationError, DomainError) as error:
            place_errors(self.form, targets, error, prefix=self.error_prefix)
            return self.render_to_response(self.get_context_data())
        messages.success(request, self.success_message % {"record": document})
        return HttpResponseRedirect(self.page_url("detail", document))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        row_forms = self.formset.forms
        context.update(
            title=self.title(),
            source=self.source,
            form=self.form,
            formset=self.formset,
            rows=[(self.describe(record), row_form) for record, row_form in zip(self.records, row_forms, strict=False)],
            descriptions=self.description_headers(),
            cancel_url=self.page_url("list"),
        )
        return context

    def description_headers(self) -> list[str]:
        raise NotImplementedError
