"""Goods receipt pages: list, a receipt made from an order's open lines (partial quantities, lot and
expiry for lot-tracked items, the destination location), detail with Post and Cancel."""

from functools import cached_property

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core.documents import can_transition
from apps.core.views import Column
from apps.inventory.forms import SharedChoices, location_choices
from apps.inventory.views.documents import DocumentAction, DocumentActionView, StatusColumn

from .. import selectors, services
from ..filters import ReceiptFilter
from ..forms import ReceiptForm, ReceiptRowFormSet
from ..models import GoodsReceipt, PurchaseOrder
from .documents import PageLink, PickedRowsView, PurchasingDetailView, PurchasingListView

Status = GoodsReceipt.Status


class ReceiptPages:
    model = GoodsReceipt
    selector = staticmethod(selectors.receipts_visible_to)
    url_prefix = "purchasing:receipt"


def post(receipt: GoodsReceipt, *, actor, reason: str) -> GoodsReceipt:
    return services.post_receipt(actor=actor, receipt=receipt)


def cancel(receipt: GoodsReceipt, *, actor, reason: str) -> GoodsReceipt:
    return services.cancel_receipt(actor=actor, receipt=receipt, reason=reason)


ACTIONS = (
    DocumentAction(
        slug="post",
        label=gettext_lazy("Post"),
        run=post,
        offered=lambda receipt: can_transition(receipt, Status.POSTED),
        confirm=gettext_lazy("Post this receipt? The stock comes in at once."),
    ),
    DocumentAction(
        slug="cancel",
        label=gettext_lazy("Cancel"),
        run=cancel,
        offered=lambda receipt: can_transition(receipt, Status.CANCELLED),
        style="outline-danger",
        asks_reason=True,
    ),
)


class ReceiptListView(ReceiptPages, PurchasingListView):
    filterset_class = ReceiptFilter
    filter_fields = ("status", "status_group", "supplier", "warehouse", "date_from", "date_to")
    columns = (
        Column(gettext_lazy("Number"), "number", sort="number", link=True),
        Column(gettext_lazy("Date"), "document_date", sort="document_date"),
        Column(gettext_lazy("Supplier"), "supplier.name", sort="supplier__name"),
        Column(gettext_lazy("Warehouse"), "warehouse.code", sort="warehouse__code"),
        Column(gettext_lazy("Delivery note"), "delivery_note"),
        StatusColumn(gettext_lazy("Status"), "status", sort="status"),
        Column(gettext_lazy("Value"), "total_value", sort="total_value"),
        Column(gettext_lazy("Created by"), "created_by.username"),
    )


class ReceiptDetailView(ReceiptPages, PurchasingDetailView):
    lines_template = "purchasing/_receipt_lines.html"
    actions = ACTIONS
    fields = (
        "number",
        "company",
        "supplier",
        "warehouse",
        "document_date",
        "status",
        "delivery_note",
        "total_value",
        "created_by",
    )

    def lines(self) -> list:
        return list(self.object.lines.select_related("item", "location__warehouse", "lot", "order_line__order"))

    def links(self) -> list[PageLink]:
        receipt = self.object
        links = []
        if receipt.status == Status.POSTED and self.request.user.has_perm("purchasing.add_supplierbill"):
            links.append(
                PageLink(_("Enter the bill"), f"{reverse('purchasing:bill-create')}?supplier={receipt.supplier_id}")
            )
        if receipt.status == Status.POSTED and self.request.user.has_perm("purchasing.add_purchasereturn"):
            links.append(PageLink(_("Return goods"), f"{reverse('purchasing:return-create')}?receipt={receipt.pk}"))
        return links


class ReceiptActionView(ReceiptPages, DocumentActionView):
    actions = ACTIONS


class ReceiptCreateView(ReceiptPages, PickedRowsView):
    """Receive against one order: each open line offered with what is still to come."""

    source_param = "order"
    source_label = gettext_lazy("Purchase order to receive")
    form_class = ReceiptForm
    formset_class = ReceiptRowFormSet

    def sources(self):
        return (
            selectors.orders_visible_to(self.request.user)
            .filter(status__in=[PurchaseOrder.Status.CONFIRMED, PurchaseOrder.Status.PARTIALLY_RECEIVED])
            .order_by("expected_date", "number")
        )

    def open_records(self, source) -> list:
        return list(selectors.open_order_lines_visible_to(self.request.user).filter(order=source))

    @cached_property
    def locations(self) -> SharedChoices:
        return location_choices(self.request.user, warehouse_ids=[self.source.warehouse_id])

    def row_choices(self, source) -> dict:
        return {"location": self.locations}

    def row_initial(self, line) -> dict:
        default = self.locations.queryset.first()
        return {"quantity": line.open_quantity, "location": default.pk if default else None}

    def describe(self, line) -> list:
        lot_note = _("lot-tracked") if line.item.lot_tracked else ""
        return [
            f"{line.item.code} {line.item.name}",
            lot_note,
            line.base_quantity,
            line.received_quantity,
            line.open_quantity,
            line.expected_date or line.order.expected_date,
        ]

    def description_headers(self) -> list[str]:
        return [_("Item"), "", _("Ordered"), _("Received"), _("Open"), _("Expected on")]

    def title(self) -> str:
        if self.source is None:
            return _("Receive goods")
        return _("Receive goods of %(order)s from %(supplier)s") % {
            "order": self.source.number,
            "supplier": self.source.supplier.name,
        }

    def save(self, form, order, rows: list[dict]) -> GoodsReceipt:
        return services.create_receipt(
            actor=self.request.user,
            company=order.company,
            supplier=order.supplier,
            warehouse=order.warehouse,
            document_date=form.cleaned_data["document_date"],
            delivery_note=form.cleaned_data["delivery_note"],
            lines=[
                {
                    "order_line": row["record"],
                    "quantity": row["quantity"],
                    "location": row["location"],
                    "lot_number": row["lot_number"],
                    "expiry_date": row["expiry_date"],
                }
                for row in rows
            ],
        )
