"""Supplier payment pages: list, a payment to one supplier allocated across its open bills (the rest
stays a prepayment), detail with the allocations and Cancel."""

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core.documents import can_transition
from apps.core.views import Column
from apps.inventory.views.documents import DocumentAction, DocumentActionView, StatusColumn

from .. import selectors, services
from ..filters import PaymentFilter
from ..forms import AllocationRowFormSet, PaymentForm, suppliers_visible_to
from ..models import SupplierBill, SupplierPayment
from .documents import PickedRowsView, PurchasingDetailView, PurchasingListView

Status = SupplierPayment.Status


class PaymentPages:
    model = SupplierPayment
    selector = staticmethod(selectors.payments_visible_to)
    url_prefix = "purchasing:payment"


def post(payment: SupplierPayment, *, actor, reason: str) -> SupplierPayment:
    return services.post_payment(actor=actor, payment=payment)


def cancel(payment: SupplierPayment, *, actor, reason: str) -> SupplierPayment:
    return services.cancel_payment(actor=actor, payment=payment, reason=reason)


ACTIONS = (
    DocumentAction(
        slug="post",
        label=gettext_lazy("Post"),
        run=post,
        offered=lambda payment: can_transition(payment, Status.POSTED),
        confirm=gettext_lazy("Post this payment? The whole amount stays a prepayment until allocated."),
    ),
    DocumentAction(
        slug="cancel",
        label=gettext_lazy("Cancel"),
        run=cancel,
        offered=lambda payment: can_transition(payment, Status.CANCELLED),
        style="outline-danger",
        asks_reason=True,
    ),
)


class PaymentListView(PaymentPages, PurchasingListView):
    filterset_class = PaymentFilter
    warehouse_filters = ()
    filter_fields = ("status", "status_group", "supplier", "date_from", "date_to")
    columns = (
        Column(gettext_lazy("Number"), "number", sort="number", link=True),
        Column(gettext_lazy("Date"), "document_date", sort="document_date"),
        Column(gettext_lazy("Supplier"), "supplier.name", sort="supplier__name"),
        Column(gettext_lazy("Bank reference"), "reference"),
        StatusColumn(gettext_lazy("Status"), "status", sort="status"),
        Column(gettext_lazy("Amount"), "amount", sort="amount"),
        Column(gettext_lazy("Unallocated"), "unallocated_amount", sort="unallocated_amount"),
    )


class PaymentDetailView(PaymentPages, PurchasingDetailView):
    lines_template = "purchasing/_payment_allocations.html"
    actions = ACTIONS
    fields = ("number", "company", "supplier", "document_date", "status", "amount", "reference", "unallocated_amount")

    def lines(self) -> list:
        return list(self.object.allocations.select_related("bill").order_by("allocated_on", "id"))


class PaymentActionView(PaymentPages, DocumentActionView):
    actions = ACTIONS


class PaymentCreateView(PaymentPages, PickedRowsView):
    """Pay a supplier: the amount, and how much of it settles each open bill."""

    source_param = "supplier"
    source_label = gettext_lazy("Supplier")
    form_class = PaymentForm
    formset_class = AllocationRowFormSet
    error_prefix = "allocations"
    requires_rows = False  # nothing allocated: the whole payment is a prepayment
    success_message = gettext_lazy("%(record)s was paid.")

    def sources(self):
        return suppliers_visible_to(self.request.user)

    def open_records(self, supplier) -> list:
        bills = selectors.bills_visible_to(self.request.user).filter(
            supplier=supplier, status=SupplierBill.Status.POSTED, open_amount__gt=0
        )
        return list(bills.order_by("due_date", "number"))

    def describe(self, bill) -> list:
        return [bill.number, bill.supplier_invoice_number, bill.due_date, bill.base_total, bill.open_amount]

    def description_headers(self) -> list[str]:
        return [_("Bill"), _("Invoice number"), _("Due date"), _("Total"), _("Open")]

    def title(self) -> str:
        if self.source is None:
            return _("Pay a supplier")
        return _("Payment to %(supplier)s") % {"supplier": self.source.name}

    def save(self, form, supplier, rows: list[dict]) -> SupplierPayment:
        data = form.cleaned_data
        with transaction.atomic():
            payment = services.create_payment(
                actor=self.request.user,
                company=supplier.company,
                supplier=supplier,
                document_date=data["document_date"],
                amount=data["amount"],
                reference=data["reference"],
            )
            allocations = [{"bill": row["record"], "amount": row["quantity"]} for row in rows]
            return services.post_payment(actor=self.request.user, payment=payment, allocations=allocations)
