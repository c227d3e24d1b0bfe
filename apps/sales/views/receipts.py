"""Customer receipt pages: money received, allocated across the customer's open invoices as it is
entered and posted at once; what is left stays as customer credit."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from apps.core.documents import can_transition
from apps.core.views import Column
from apps.inventory.views.documents import DocumentAction, DocumentActionView, StatusColumn

from .. import selectors, services
from ..filters import CustomerReceiptFilter
from ..forms import CustomerChoiceForm, Entry, ReceiptForm, customers_of
from ..models import CustomerInvoice, CustomerReceipt
from .common import EntryView, SalesDetailView, SalesListView

Status = CustomerReceipt.Status


class ReceiptPages:
    model = CustomerReceipt
    selector = staticmethod(selectors.receipts_visible_to)
    url_prefix = "sales:receipt"
    editable_statuses = ()


ACTIONS = (
    DocumentAction(
        slug="post",
        label=_("Post"),
        run=lambda receipt, *, actor, reason: services.post_receipt(actor=actor, receipt=receipt),
        offered=lambda receipt: receipt.status == Status.DRAFT,
    ),
    DocumentAction(
        slug="cancel",
        label=_("Cancel"),
        run=lambda receipt, *, actor, reason: services.cancel_receipt(actor=actor, receipt=receipt, reason=reason),
        offered=lambda receipt: can_transition(receipt, Status.CANCELLED),
        style="outline-danger",
        asks_reason=True,
    ),
)


class ReceiptListView(ReceiptPages, SalesListView):
    filterset_class = CustomerReceiptFilter
    filter_fields = ("status", "status_group", "customer", "date_from", "date_to")
    columns = (
        Column(_("Number"), "number", sort="number", link=True),
        Column(_("Date"), "document_date", sort="document_date"),
        Column(_("Customer"), "customer", sort="customer__code"),
        Column(_("Bank reference"), "reference"),
        StatusColumn(_("Status"), "status", sort="status"),
        Column(_("Amount"), "amount", sort="amount"),
        Column(_("Unallocated"), "unallocated_amount", sort="unallocated_amount"),
    )


class ReceiptDetailView(ReceiptPages, SalesDetailView):
    actions = ACTIONS
    fields = ("number", "customer", "document_date", "status", "amount", "reference", "unallocated_amount")
    line_columns = (
        Column(_("Invoice"), "invoice.number"),
        Column(_("Date"), "allocated_on"),
        Column(_("Amount"), "amount"),
        Column(_("Reversed"), "reversed"),
    )

    def line_records(self):
        return self.object.allocations.select_related("invoice").order_by("id")


class ReceiptActionView(ReceiptPages, DocumentActionView):
    actions = ACTIONS


class ReceiptCreateView(ReceiptPages, EntryView):
    """Money from a customer, allocated to the open invoices named (oldest first on the page)."""

    form_class = ReceiptForm
    title = _("New customer receipt")

    def choice(self):
        return customers_of(self.request.user).filter(pk=self.request.GET.get("customer") or 0).first()

    def choice_form(self):
        return CustomerChoiceForm(user=self.request.user)

    def entries(self) -> list[Entry]:
        invoices = selectors.invoices_visible_to(self.request.user).filter(
            customer=self.chosen, status=CustomerInvoice.Status.POSTED, open_amount__gt=0
        )
        return [
            Entry(
                key=f"invoice_{invoice.pk}",
                cells=[invoice.number, invoice.due_date, invoice.base_total, invoice.open_amount],
                initial=None,
                payload={"invoice": invoice},
                limit=invoice.open_amount,
            )
            for invoice in invoices.order_by("due_date", "id")
        ]

    def save(self, form) -> CustomerReceipt:
        data = form.cleaned_data
        with transaction.atomic():
            receipt = services.create_receipt(
                actor=self.request.user,
                company=self.chosen.company,
                customer=self.chosen,
                document_date=data["document_date"],
                amount=data["amount"],
                reference=data.get("reference", ""),
            )
            return services.post_receipt(
                actor=self.request.user, receipt=receipt, allocations=form.chosen(amount_name="amount")
            )
