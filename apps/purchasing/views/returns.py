"""Purchase return pages: list, a return made from a posted receipt's lines, detail with Post and Cancel."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core.documents import can_transition
from apps.core.views import Column
from apps.inventory.views.documents import DocumentAction, DocumentActionView, StatusColumn

from .. import selectors, services
from ..filters import ReturnFilter
from ..forms import ReturnForm, ReturnRowFormSet
from ..models import GoodsReceipt, PurchaseReturn
from .documents import PickedRowsView, PurchasingDetailView, PurchasingListView

Status = PurchaseReturn.Status


class ReturnPages:
    model = PurchaseReturn
    selector = staticmethod(selectors.returns_visible_to)
    url_prefix = "purchasing:return"


def post(purchase_return: PurchaseReturn, *, actor, reason: str) -> PurchaseReturn:
    return services.post_return(actor=actor, purchase_return=purchase_return)


def cancel(purchase_return: PurchaseReturn, *, actor, reason: str) -> PurchaseReturn:
    return services.cancel_draft_return(actor=actor, purchase_return=purchase_return, reason=reason)


ACTIONS = (
    DocumentAction(
        slug="post",
        label=gettext_lazy("Post"),
        run=post,
        offered=lambda purchase_return: can_transition(purchase_return, Status.POSTED),
        confirm=gettext_lazy("Post this return? The stock goes out at once and a debit note is raised."),
    ),
    DocumentAction(
        slug="cancel",
        label=gettext_lazy("Cancel"),
        run=cancel,
        offered=lambda purchase_return: purchase_return.status == Status.DRAFT,
        style="outline-danger",
        asks_reason=True,
    ),
)


class ReturnListView(ReturnPages, PurchasingListView):
    filterset_class = ReturnFilter
    filter_fields = ("status", "status_group", "supplier", "warehouse", "date_from", "date_to")
    columns = (
        Column(gettext_lazy("Number"), "number", sort="number", link=True),
        Column(gettext_lazy("Date"), "document_date", sort="document_date"),
        Column(gettext_lazy("Supplier"), "supplier.name", sort="supplier__name"),
        Column(gettext_lazy("Warehouse"), "warehouse.code", sort="warehouse__code"),
        Column(gettext_lazy("Reason"), "reason"),
        StatusColumn(gettext_lazy("Status"), "status", sort="status"),
        Column(gettext_lazy("Stock value"), "total_value", sort="total_value"),
        Column(gettext_lazy("Debit note"), "debit_amount", sort="debit_amount"),
    )


class ReturnDetailView(ReturnPages, PurchasingDetailView):
    lines_template = "purchasing/_return_lines.html"
    actions = ACTIONS
    fields = (
        "number",
        "company",
        "supplier",
        "warehouse",
        "document_date",
        "status",
        "reason",
        "total_value",
        "debit_amount",
        "open_amount",
        "created_by",
    )

    def lines(self) -> list:
        return list(self.object.lines.select_related("item", "location__warehouse", "receipt_line__receipt"))


class ReturnActionView(ReturnPages, DocumentActionView):
    actions = ACTIONS


class ReturnCreateView(ReturnPages, PickedRowsView):
    """Send back goods of one posted receipt, from the location each line was received into."""

    source_param = "receipt"
    source_label = gettext_lazy("Goods receipt")
    form_class = ReturnForm
    formset_class = ReturnRowFormSet

    def sources(self):
        return selectors.receipts_visible_to(self.request.user).filter(status=GoodsReceipt.Status.POSTED)

    def open_records(self, receipt) -> list:
        lines = receipt.lines.select_related("item", "location__warehouse").order_by("id")
        return [line for line in lines if line.quantity > line.returned_quantity]

    def describe(self, line) -> list:
        return [f"{line.item.code} {line.item.name}", line.location, line.quantity, line.returned_quantity]

    def description_headers(self) -> list[str]:
        return [_("Item"), _("Location"), _("Received"), _("Returned")]

    def title(self) -> str:
        if self.source is None:
            return _("Return goods")
        return _("Return goods of %(receipt)s to %(supplier)s") % {
            "receipt": self.source.number,
            "supplier": self.source.supplier.name,
        }

    def save(self, form, receipt, rows: list[dict]) -> PurchaseReturn:
        data = form.cleaned_data
        return services.create_return(
            actor=self.request.user,
            company=receipt.company,
            supplier=receipt.supplier,
            warehouse=receipt.warehouse,
            document_date=data["document_date"],
            reason=data["reason"],
            lines=[{"receipt_line": row["record"], "quantity": row["quantity"]} for row in rows],
        )
