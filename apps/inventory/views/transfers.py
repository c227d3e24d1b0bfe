"""Stock transfer pages: within a warehouse stock moves at once; between warehouses it is shipped into
transit and received at the other end."""

from django.utils.translation import gettext_lazy as _

from apps.core.views import Column, RecordCreateView, RecordEditView

from .. import selectors, services
from ..filters import StockTransferFilter
from ..forms import TransferForm, TransferLineFormSet, item_choices, location_choices, lot_choices
from ..models import StockTransfer
from ..services.transfers import LINE_FIELDS
from .documents import (
    DocumentAction,
    DocumentActionView,
    DocumentDetailView,
    DocumentLinesMixin,
    DocumentListView,
    StatusColumn,
)

Status = StockTransfer.Status


class TransferPages:
    model = StockTransfer
    selector = staticmethod(selectors.transfers_visible_to)
    url_prefix = "inventory:transfer"
    editable_statuses = (Status.DRAFT,)


def complete(transfer: StockTransfer, *, actor, reason: str) -> StockTransfer:
    return services.complete_transfer(actor=actor, transfer=transfer)


def receive(transfer: StockTransfer, *, actor, reason: str) -> StockTransfer:
    return services.receive_transfer(actor=actor, transfer=transfer)


def cancel(transfer: StockTransfer, *, actor, reason: str) -> StockTransfer:
    return services.cancel_transfer(actor=actor, transfer=transfer, reason=reason)


def is_draft_within(transfer: StockTransfer) -> bool:
    return transfer.status == Status.DRAFT and not transfer.crosses_warehouses


def is_draft_between(transfer: StockTransfer) -> bool:
    return transfer.status == Status.DRAFT and transfer.crosses_warehouses


ACTIONS = (
    DocumentAction(
        slug="move",
        label=_("Move"),
        run=complete,
        offered=is_draft_within,
        confirm=_("Move the stock now?"),
    ),
    DocumentAction(
        slug="ship",
        label=_("Ship"),
        run=complete,
        offered=is_draft_between,
        confirm=_("Ship the stock? It leaves the sending warehouse and waits in transit until received."),
    ),
    DocumentAction(
        slug="receive",
        label=_("Receive"),
        run=receive,
        offered=lambda transfer: transfer.status == Status.IN_TRANSIT,
        confirm=_("Receive the stock into the receiving warehouse today?"),
    ),
    DocumentAction(
        slug="cancel",
        label=_("Cancel"),
        run=cancel,
        offered=lambda transfer: transfer.status in (Status.DRAFT, Status.IN_TRANSIT),
        style="outline-danger",
        asks_reason=True,
    ),
)


class TransferListView(TransferPages, DocumentListView):
    filterset_class = StockTransferFilter
    filter_fields = ("status", "status_group", "from_warehouse", "to_warehouse", "date_from", "date_to")
    warehouse_filters = ("from_warehouse", "to_warehouse")
    columns = (
        Column(_("Number"), "number", sort="number", link=True),
        Column(_("Date"), "document_date", sort="document_date"),
        Column(_("From warehouse"), "from_warehouse.code", sort="from_warehouse__code"),
        Column(_("To warehouse"), "to_warehouse.code", sort="to_warehouse__code"),
        StatusColumn(_("Status"), "status", sort="status"),
        Column(_("Shipped on"), "shipped_date", sort="shipped_date"),
        Column(_("Received on"), "received_date", sort="received_date"),
        Column(_("Note"), "note"),
    )


class TransferDetailView(TransferPages, DocumentDetailView):
    lines_template = "inventory/_transfer_lines.html"
    actions = ACTIONS
    fields = (
        "number",
        "company",
        "from_warehouse",
        "to_warehouse",
        "document_date",
        "status",
        "shipped_date",
        "received_date",
        "note",
        "created_by",
    )

    def lines(self) -> list:
        return list(
            self.object.lines.select_related("item", "from_location__warehouse", "to_location__warehouse", "lot")
        )


class TransferActionView(TransferPages, DocumentActionView):
    actions = ACTIONS


class TransferFormMixin(DocumentLinesMixin):
    form_class = TransferForm
    formset_class = TransferLineFormSet
    line_fields = LINE_FIELDS

    def line_choices(self, form) -> dict:
        user = self.request.user
        warehouses = form.warehouses()
        company_ids = sorted({warehouse.company_id for warehouse in warehouses})
        if self.object is None:
            sending = receiving = warehouses  # the page's script narrows each to the chosen warehouse
        else:
            sending, receiving = [self.object.from_warehouse], [self.object.to_warehouse]
        return {
            "item": item_choices(user, company_ids=company_ids, current_ids=self.saved_line_ids("item")),
            "from_location": location_choices(
                user,
                warehouse_ids=[warehouse.pk for warehouse in sending],
                current_ids=self.saved_line_ids("from_location"),
            ),
            "to_location": location_choices(
                user,
                warehouse_ids=[warehouse.pk for warehouse in receiving],
                current_ids=self.saved_line_ids("to_location"),
            ),
            "lot": lot_choices(user, company_ids=company_ids),
        }


class TransferCreateView(TransferPages, TransferFormMixin, RecordCreateView):
    def save(self, form, lines: list[dict]) -> StockTransfer:
        data = form.cleaned_data
        return services.create_transfer(
            actor=self.request.user,
            company=data["from_warehouse"].company,
            from_warehouse=data["from_warehouse"],
            to_warehouse=data["to_warehouse"],
            document_date=data["document_date"],
            note=data["note"],
            lines=lines,
        )


class TransferEditView(TransferPages, TransferFormMixin, RecordEditView):
    def save(self, form, lines: list[dict]) -> StockTransfer:
        return services.update_transfer(
            actor=self.request.user,
            transfer=self.object,
            document_date=form.cleaned_data["document_date"],
            note=form.cleaned_data["note"],
            lines=lines,
        )
