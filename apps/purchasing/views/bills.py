"""Supplier bill pages: list, a bill made from a supplier's received lines, detail with Post (the
three-way match) and Cancel, the match differences and the approval trail."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core.views import Column
from apps.inventory.views.documents import DocumentAction, DocumentActionView, StatusColumn

from .. import selectors, services
from ..filters import BillFilter
from ..forms import BillForm, BillRowFormSet, suppliers_visible_to, tax_rate_choices
from ..models import SupplierBill
from .documents import PickedRowsView, PurchasingDetailView, PurchasingListView

Status = SupplierBill.Status


class BillPages:
    model = SupplierBill
    selector = staticmethod(selectors.bills_visible_to)
    url_prefix = "purchasing:bill"


def post(bill: SupplierBill, *, actor, reason: str) -> SupplierBill:
    return services.post_bill(actor=actor, bill=bill)


def cancel(bill: SupplierBill, *, actor, reason: str) -> SupplierBill:
    return services.cancel_bill(actor=actor, bill=bill, reason=reason)


ACTIONS = (
    DocumentAction(
        slug="post",
        label=gettext_lazy("Post"),
        run=post,
        offered=lambda bill: bill.status in (Status.DRAFT, Status.APPROVED),
        confirm=gettext_lazy("Match this bill with its order and receipts and post it?"),
    ),
    DocumentAction(
        slug="cancel",
        label=gettext_lazy("Cancel"),
        run=cancel,
        offered=lambda bill: bill.status in (Status.DRAFT, Status.PENDING_APPROVAL, Status.POSTED),
        style="outline-danger",
        asks_reason=True,
    ),
)


class BillListView(BillPages, PurchasingListView):
    filterset_class = BillFilter
    warehouse_filters = ()
    filter_fields = ("status", "status_group", "supplier", "date_from", "date_to", "due_before")
    columns = (
        Column(gettext_lazy("Number"), "number", sort="number", link=True),
        Column(gettext_lazy("Date"), "document_date", sort="document_date"),
        Column(gettext_lazy("Supplier"), "supplier.name", sort="supplier__name"),
        Column(gettext_lazy("Invoice number"), "supplier_invoice_number", sort="supplier_invoice_number"),
        Column(gettext_lazy("Due date"), "due_date", sort="due_date"),
        StatusColumn(gettext_lazy("Status"), "status", sort="status"),
        Column(gettext_lazy("Total"), "total", sort="total"),
        Column(gettext_lazy("Open (base currency)"), "open_amount", sort="open_amount"),
    )


class BillDetailView(BillPages, PurchasingDetailView):
    lines_template = "purchasing/_bill_lines.html"
    actions = ACTIONS
    approvable = True
    fields = (
        "number",
        "company",
        "supplier",
        "supplier_invoice_number",
        "document_date",
        "due_date",
        "status",
        "currency",
        "exchange_rate",
        "subtotal",
        "tax_total",
        "total",
        "base_total",
        "open_amount",
        "created_by",
    )

    def lines(self) -> list:
        return list(self.object.lines.select_related("item", "tax_rate", "receipt_line__receipt", "order_line__order"))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["allocations"] = selectors.allocations_of(self.object)
        return context


class BillActionView(BillPages, DocumentActionView):
    actions = ACTIONS


class BillCreateView(BillPages, PickedRowsView):
    """Bill a supplier's received lines: quantities and prices default to what was received and ordered."""

    source_param = "supplier"
    source_label = gettext_lazy("Supplier")
    form_class = BillForm
    formset_class = BillRowFormSet

    def sources(self):
        return suppliers_visible_to(self.request.user)

    def open_records(self, supplier) -> list:
        return list(
            selectors.billable_receipt_lines(self.request.user, supplier=supplier).select_related(
                "order_line__tax_rate", "order_line__unit"
            )
        )

    def row_choices(self, source) -> dict:
        return {"tax_rate": tax_rate_choices(self.request.user)}

    def row_initial(self, line) -> dict:
        order_line = line.order_line
        return {
            "quantity": line.billable_quantity,
            "price": round(order_line.price / order_line.factor, 6),
            "tax_rate": order_line.tax_rate_id,
        }

    def describe(self, line) -> list:
        return [
            line.receipt.number,
            line.order_line.order.number,
            f"{line.item.code} {line.item.name}",
            line.quantity,
            line.billable_quantity,
        ]

    def description_headers(self) -> list[str]:
        return [_("Receipt"), _("Order"), _("Item"), _("Received"), _("Not yet billed")]

    def title(self) -> str:
        if self.source is None:
            return _("Enter a supplier bill")
        return _("Bill from %(supplier)s") % {"supplier": self.source.name}

    def save(self, form, supplier, rows: list[dict]) -> SupplierBill:
        data = form.cleaned_data
        return services.create_bill(
            actor=self.request.user,
            company=supplier.company,
            supplier=supplier,
            supplier_invoice_number=data["supplier_invoice_number"],
            document_date=data["document_date"],
            due_date=data["due_date"],
            lines=[
                {
                    "receipt_line": row["record"],
                    "quantity": row["quantity"],
                    "price": row["price"],
                    "tax_rate": row["tax_rate"],
                }
                for row in rows
            ],
        )
