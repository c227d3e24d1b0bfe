"""Invoice and credit note pages: an invoice entered from the shipped lines of one customer (several
deliveries at once), posted with its number; a credit note entered against a posted invoice."""

from django.db.models import F
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from apps.core.documents import can_transition
from apps.core.views import Column
from apps.inventory.views.documents import DocumentAction, DocumentActionView, StatusColumn

from .. import selectors, services
from ..filters import CreditNoteFilter, CustomerInvoiceFilter
from ..forms import CreditNoteForm, CustomerChoiceForm, Entry, InvoiceForm, customers_of
from ..models import CreditNote, CustomerInvoice
from .common import EntryView, SalesDetailView, SalesListView

Status = CustomerInvoice.Status


class InvoicePages:
    model = CustomerInvoice
    selector = staticmethod(selectors.invoices_visible_to)
    url_prefix = "sales:invoice"
    editable_statuses = ()


INVOICE_ACTIONS = (
    DocumentAction(
        slug="post",
        label=_("Post"),
        run=lambda invoice, *, actor, reason: services.post_invoice(actor=actor, invoice=invoice),
        offered=lambda invoice: can_transition(invoice, Status.POSTED) and invoice.status == Status.DRAFT,
        confirm=_("Post this invoice? It gets its number and can then be corrected only by a credit note."),
    ),
)


class InvoiceListView(InvoicePages, SalesListView):
    filterset_class = CustomerInvoiceFilter
    filter_fields = ("status", "status_group", "customer", "date_from", "date_to", "overdue_on")
    columns = (
        Column(_("Number"), "number", sort="number", link=True),
        Column(_("Date"), "document_date", sort="document_date"),
        Column(_("Customer"), "customer", sort="customer__code"),
        Column(_("Due date"), "due_date", sort="due_date"),
        StatusColumn(_("Status"), "status", sort="status"),
        Column(_("Total"), "total", sort="total"),
        Column(_("Currency"), "currency.code"),
        Column(_("Open (base currency)"), "open_amount", sort="open_amount"),
    )


class InvoiceDetailView(InvoicePages, SalesDetailView):
    actions = INVOICE_ACTIONS
    fields = (
        "number",
        "customer",
        "document_date",
        "due_date",
        "status",
        "currency",
        "exchange_rate",
        "salesperson",
        "subtotal",
        "tax_total",
        "total",
        "base_total",
        "open_amount",
    )
    line_columns = (
        Column(_("Item"), "item"),
        Column(_("Delivery"), "delivery_line.delivery.number"),
        Column(_("Quantity"), "quantity"),
        Column(_("Unit price"), "price"),
        Column(_("Amount"), "net_amount"),
        Column(_("Tax"), "tax_amount"),
        Column(_("Credited"), "credited_quantity"),
    )

    def line_records(self):
        return self.object.lines.select_related("item", "delivery_line__delivery")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        invoice = self.object
        if invoice.status != Status.DRAFT and self.request.user.has_perm("sales.add_creditnote"):
            context["credit_url"] = f"{reverse('sales:credit-note-create')}?invoice={invoice.pk}"
        return context


class InvoiceActionView(InvoicePages, DocumentActionView):
    actions = INVOICE_ACTIONS


class InvoiceCreateView(InvoicePages, EntryView):
    """Invoice a customer's shipped lines, from one or several deliveries."""

    form_class = InvoiceForm
    title = _("New invoice")

    def choice(self):
        return customers_of(self.request.user).filter(pk=self.request.GET.get("customer") or 0).first()

    def choice_form(self):
        return CustomerChoiceForm(user=self.request.user)

    def entries(self) -> list[Entry]:
        lines = selectors.delivery_lines_to_invoice(self.request.user, customer=self.chosen).order_by(
            "delivery__document_date", "delivery_id", "id"
        )
        return [
            Entry(
                key=f"line_{line.pk}",
                cells=[line.item, line.delivery.number, line.quantity, line.invoiceable_quantity],
                initial=line.invoiceable_quantity,
                payload={"delivery_line": line},
                limit=line.invoiceable_quantity,
            )
            for line in lines
        ]

    def save(self, form) -> CustomerInvoice:
        return services.create_invoice(
            actor=self.request.user,
            company=self.chosen.company,
            customer=self.chosen,
            document_date=form.cleaned_data["document_date"],
            due_date=form.cleaned_data.get("due_date"),
            lines=form.chosen(),
        )


# --- Credit notes -------------------------------------------------------------------------------


class CreditNotePages:
    model = CreditNote
    selector = staticmethod(selectors.credit_notes_visible_to)
    url_prefix = "sales:credit-note"
    editable_statuses = ()


CREDIT_ACTIONS = (
    DocumentAction(
        slug="post",
        label=_("Post"),
        run=lambda note, *, actor, reason: services.post_credit_note(actor=actor, credit_note=note),
        offered=lambda note: can_transition(note, CreditNote.Status.POSTED),
        confirm=_("Post this credit note? The receivable is reduced at once."),
    ),
)


class CreditNoteListView(CreditNotePages, SalesListView):
    filterset_class = CreditNoteFilter
    filter_fields = ("status", "status_group", "customer", "date_from", "date_to")
    columns = (
        Column(_("Number"), "number", sort="number", link=True),
        Column(_("Date"), "document_date", sort="document_date"),
        Column(_("Customer"), "customer", sort="customer__code"),
        Column(_("Invoice"), "invoice.number", sort="invoice__number"),
        Column(_("Reason"), "reason"),
        StatusColumn(_("Status"), "status", sort="status"),
        Column(_("Total"), "total", sort="total"),
        Column(_("Not yet used"), "open_amount"),
    )

    def limit_filters(self, form) -> None:
        super().limit_filters(form)
        form.fields["invoice"].queryset = CustomerInvoice.objects.none()


class CreditNoteDetailView(CreditNotePages, SalesDetailView):
    actions = CREDIT_ACTIONS
    fields = ("number", "customer", "invoice", "sales_return", "document_date", "status", "reason", "total")
    line_columns = (
        Column(_("Item"), "invoice_line.item"),
        Column(_("Quantity"), "quantity"),
        Column(_("Amount"), "net_amount"),
        Column(_("Tax"), "tax_amount"),
    )

    def line_records(self):
        return self.object.lines.select_related("invoice_line__item")


class CreditNoteActionView(CreditNotePages, DocumentActionView):
    actions = CREDIT_ACTIONS


class CreditNoteCreateView(CreditNotePages, EntryView):
    """Credit part of a posted invoice, at the invoiced price."""

    form_class = CreditNoteForm
    title = _("New credit note")

    def choice(self):
        invoice_id = self.request.GET.get("invoice") or 0
        return (
            selectors.invoices_visible_to(self.request.user)
            .filter(status__in=[Status.POSTED, Status.PAID], pk=invoice_id)
            .first()
        )

    def choice_form(self):
        return None

    def get(self, request, *args, **kwargs):
        if self.chosen is None:
            raise Http404
        return super().get(request, *args, **kwargs)

    def entries(self) -> list[Entry]:
        lines = self.chosen.lines.select_related("item").filter(quantity__gt=F("credited_quantity"))
        return [
            Entry(
                key=f"line_{line.pk}",
                cells=[line.item, line.quantity, line.price, line.quantity - line.credited_quantity],
                initial=None,
                payload={"invoice_line": line},
                limit=line.quantity - line.credited_quantity,
            )
            for line in lines
        ]

    def save(self, form) -> CreditNote:
        return services.create_credit_note(
            actor=self.request.user,
            invoice=self.chosen,
            document_date=form.cleaned_data["document_date"],
            reason=form.cleaned_data["reason"],
            lines=form.chosen(),
        )
