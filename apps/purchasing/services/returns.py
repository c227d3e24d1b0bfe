"""Purchase returns: goods back to the supplier at their receipt's cost, and a debit note for what
had already been billed (Dr AP, Cr input VAT), settled against the supplier's open bills."""

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from apps.core.documents import lock_document, require_reason, require_status, stamp_history, transition
from apps.core.money import ZERO, round_amount, round_quantity, to_base
from apps.core.numbering import next_number
from apps.core.outbox import emit
from apps.inventory.models import StockMove
from apps.inventory.services import MoveLine, post_moves
from apps.inventory.services.postings import event_payload
from apps.masterdata.models import Company, Partner, Warehouse

from ..models import (
    GoodsReceiptLine,
    PurchaseOrderLine,
    PurchaseReturn,
    PurchaseReturnLine,
    SupplierBill,
    SupplierBillLine,
)
from .common import PurchasingError, check_supplier
from .orders import refresh_receipt_status
from .payments import settle

Status = PurchaseReturn.Status


def _check_lines(company: Company, supplier: Partner, warehouse: Warehouse, lines: list[dict]) -> None:
    errors: dict[str, list[str]] = {}
    if not lines:
        errors["lines"] = [_("Add at least one line.")]
    stored = GoodsReceiptLine.objects.select_related("receipt").in_bulk(
        [line["receipt_line"].pk for line in lines if line.get("receipt_line") is not None]
    )
    for index, line in enumerate(lines):
        prefix = f"lines.{index}"
        # The receipt as stored, not as the caller last saw it.
        receipt_line: GoodsReceiptLine | None = line.get("receipt_line") and stored.get(line["receipt_line"].pk)
        if (
            receipt_line is None
            or receipt_line.receipt.supplier_id != supplier.pk
            or receipt_line.receipt.company_id != company.pk
            or receipt_line.receipt.status != receipt_line.receipt.Status.POSTED
        ):
            errors[f"{prefix}.receipt_line"] = [_("Choose a posted receipt line of this supplier.")]
            continue
        location = line.get("location") or receipt_line.location
        if location.warehouse_id != warehouse.pk:
            errors[f"{prefix}.location"] = [_("Choose a location in the return's warehouse.")]
        quantity = line.get("quantity")
        if quantity is None or quantity <= 0:
            errors[f"{prefix}.quantity"] = [_("Enter a positive quantity.")]
    if errors:
        raise ValidationError(errors)


def create_return(
    *,
    actor,
    company: Company,
    supplier: Partner,
    warehouse: Warehouse,
    document_date: date,
    reason: str,
    lines: list[dict[str, Any]],
) -> PurchaseReturn:
    check_supplier(company, supplier)
    reason = require_reason(reason, _("Say why the goods go back."))
    _check_lines(company, supplier, warehouse, lines)
    with transaction.atomic():
        purchase_return = PurchaseReturn(
            company=company,
            supplier=supplier,
            warehouse=warehouse,
            document_date=document_date,
            reason=reason,
            status=Status.DRAFT,
            created_by=actor,
            modified_by=actor,
            number=next_number(
                company_id=company.pk, document_type=PurchaseReturn.DOCUMENT_TYPE, on_date=document_date
            ),
        )
        stamp_history(purchase_return, actor=actor, reason=_("Created"))
        purchase_return.save()
        for values in lines:
            line = PurchaseReturnLine(
                purchase_return=purchase_return,
                receipt_line=values["receipt_line"],
                item=values["receipt_line"].item,
                quantity=round_quantity(values["quantity"]),
                location=values.get("location") or values["receipt_line"].location,
            )
            stamp_history(line, actor=actor)
            line.save()
    return purchase_return


def _billed_price(receipt_line: GoodsReceiptLine) -> tuple[Decimal, Decimal]:
    """Net price per base unit in base currency, and the tax rate, of the receipt line's posted bills."""
    bill_lines = list(
        SupplierBillLine.objects.filter(
            receipt_line=receipt_line,
            bill__status__in=[SupplierBill.Status.POSTED, SupplierBill.Status.PAID],
        )
        .select_related("bill", "tax_rate")
        .order_by("id")
    )
    quantity = sum((line.quantity for line in bill_lines), ZERO)
    if not quantity:
        return receipt_line.unit_cost, Decimal(0)
    net_base = sum((to_base(line.net_amount, line.bill.exchange_rate) for line in bill_lines), ZERO)
    return net_base / quantity, bill_lines[-1].tax_rate.rate


def post_return(*, actor, purchase_return: PurchaseReturn) -> PurchaseReturn:
    with transaction.atomic():
        purchase_return = lock_document(purchase_return)
        require_status(purchase_return, Status.DRAFT, message=_("Only a draft return can be posted."))
        lines = list(purchase_return.lines.select_related("item", "location__warehouse"))
        receipt_lines = {
            line.pk: line
            for line in GoodsReceiptLine.objects.select_for_update(of=("self",))
            .filter(pk__in=sorted({line.receipt_line_id for line in lines}))
            .select_related("lot")
            .order_by("pk")
        }
        for line in lines:
            receipt_line = receipt_lines[line.receipt_line_id]
            if line.quantity > receipt_line.quantity - receipt_line.returned_quantity:
                raise PurchasingError(
                    _("%(item)s: only %(left)s of the received quantity can still be returned.")
                    % {"item": line.item, "left": (receipt_line.quantity - receipt_line.returned_quantity).normalize()},
                    code="return_exceeds_receipt",
                    status_code=409,
                )
        moves = post_moves(
            company=purchase_return.company,
            kind=StockMove.Kind.PURCHASE_RETURN,
            source=purchase_return,
            source_number=purchase_return.number,
            move_date=purchase_return.document_date,
            actor=actor,
            lines=[
                MoveLine(
                    item=line.item,
                    quantity=line.quantity,
                    from_location=line.location,
                    lot=receipt_lines[line.receipt_line_id].lot,
                    unit_cost=receipt_lines[line.receipt_line_id].unit_cost,
                )
                for line in lines
            ],
        )
        money: dict[tuple, Decimal] = defaultdict(Decimal)
        for line, move in zip(lines, moves, strict=True):
            _value_line(line, move, receipt_lines[line.receipt_line_id], money)
        PurchaseReturnLine.objects.bulk_update(lines, ["value", "debit_amount"])
        GoodsReceiptLine.objects.bulk_update(
            list(receipt_lines.values()), ["returned_quantity", "billed_quantity", "grni_cleared"]
        )
        purchase_return.total_value = sum((line.value for line in lines), ZERO)
        purchase_return.debit_amount = purchase_return.open_amount = sum((line.debit_amount for line in lines), ZERO)
        transition(
            purchase_return,
            to=Status.POSTED,
            actor=actor,
            reason=_("Posted"),
            extra_fields=("total_value", "debit_amount", "open_amount"),
        )
        orders = {receipt_line.order_line.order for receipt_line in receipt_lines.values()}
        for order in orders:
            order.refresh_from_db()
            refresh_receipt_status(order, actor=actor)
        _settle_open_bills(purchase_return, list(receipt_lines.values()), actor=actor)
        _emit(purchase_return, money)
    return purchase_return


def _value_line(
    line: PurchaseReturnLine, move: StockMove, receipt_line: GoodsReceiptLine, money: dict[tuple, Decimal]
) -> None:
    """Clear GRNI for the units not yet billed, raise a debit for those already billed; the plug between
    the receipt's cost and the bill's price (and any cost drift of the move) goes to price difference."""
    unbilled = receipt_line.quantity - receipt_line.returned_quantity - receipt_line.billed_quantity
    returned_unbilled = min(line.quantity, max(unbilled, ZERO))
    returned_billed = line.quantity - returned_unbilled
    grni = (
        receipt_line.grni_open
        if returned_unbilled == unbilled and not returned_billed
        else round_amount(returned_unbilled * receipt_line.unit_cost)
    )
    net_debit = tax_debit = ZERO
    if returned_billed:
        price, tax_rate = _billed_price(receipt_line)
        net_debit = round_amount(returned_billed * price)
        tax_debit = round_amount(net_debit * tax_rate / 100)
    category = line.item.category_id
    supplier = receipt_line.receipt.supplier_id
    money[("inventory", category, line.location.warehouse_id, None, "credit")] += move.value
    money[("grni", category, None, supplier, "debit")] += grni
    money[("ap", None, None, supplier, "debit")] += net_debit + tax_debit
    money[("input_vat", None, None, supplier, "credit")] += tax_debit
    plug = grni + net_debit - move.value
    side = "credit" if plug > 0 else "debit"
    money[("price_difference", category, None, supplier, side)] += abs(plug)
    line.value, line.debit_amount = move.value, net_debit + tax_debit
    receipt_line.returned_quantity += line.quantity
    receipt_line.billed_quantity -= returned_billed
    receipt_line.grni_cleared += grni
    PurchaseOrderLine.objects.filter(pk=receipt_line.order_line_id).update(
        received_quantity=F("received_quantity") - line.quantity, billed_quantity=F("billed_quantity") - returned_billed
    )


def _settle_open_bills(purchase_return: PurchaseReturn, receipt_lines: list[GoodsReceiptLine], *, actor) -> None:
    """The debit note settles the open bills of the returned goods first, oldest first."""
    if not purchase_return.open_amount:
        return
    bills = list(
        SupplierBill.objects.select_for_update(of=("self",))
        .filter(
            pk__in=SupplierBillLine.objects.filter(receipt_line__in=receipt_lines).values("bill_id"),
            status=SupplierBill.Status.POSTED,
            open_amount__gt=0,
        )
        .order_by("pk")
    )
    for bill in bills:
        amount = min(bill.open_amount, purchase_return.open_amount)
        if amount <= 0:
            break
        settle(bill, amount, actor=actor, on_date=purchase_return.document_date, debit_note=purchase_return)
        purchase_return.open_amount -= amount
    purchase_return.save(update_fields=["open_amount"])


def _emit(purchase_return: PurchaseReturn, money: dict[tuple, Decimal]) -> None:
    lines = [
        {
            "role": role,
            "item_category": category,
            "warehouse": warehouse,
            "partner": partner,
            "debit": str(amount if side == "debit" else ZERO),
            "credit": str(amount if side == "credit" else ZERO),
        }
        for (role, category, warehouse, partner, side), amount in sorted(money.items(), key=lambda kv: str(kv[0]))
        if amount
    ]
    if not lines:
        return
    description = _("Purchase return %(number)s to %(supplier)s") % {
        "number": purchase_return.number,
        "supplier": purchase_return.supplier.name,
    }
    emit(
        kind="purchasing.return.posted",
        source=purchase_return,
        company_id=purchase_return.company_id,
        payload=event_payload(
            document=purchase_return, on_date=purchase_return.document_date, description=description, lines=lines
        ),
    )


def cancel_draft_return(*, actor, purchase_return: PurchaseReturn, reason: str) -> PurchaseReturn:
    """A draft return can be dropped; a posted one is undone by receiving the goods again."""
    reason = require_reason(reason, _("Say why the return is cancelled."))
    with transaction.atomic():
        purchase_return = lock_document(purchase_return)
        require_status(
            purchase_return, Status.DRAFT, message=_("A posted return is undone by receiving the goods again.")
        )
        return transition(purchase_return, to=Status.CANCELLED, actor=actor, reason=reason)
