"""Supplier bills: matched three ways (order, receipt, bill), then Dr GRNI + price difference + input VAT
against Cr AP through the outbox."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.approvals import services as approvals
from apps.core.documents import lock_document, require_reason, require_status, stamp_history, transition
from apps.core.money import ZERO, round_amount, round_quantity, to_base
from apps.core.numbering import next_number
from apps.core.outbox import emit
from apps.inventory.services.postings import event_payload
from apps.masterdata.models import Company, Currency, Item, Partner
from apps.masterdata.selectors import document_rate

from ..models import GoodsReceiptLine, PurchaseOrderLine, PurchasingSettings, SupplierBill, SupplierBillLine
from .common import PurchasingError, check_supplier, line_amounts, settings_for
from .orders import refresh_receipt_status

Status = SupplierBill.Status


def _check_invoice_number(company: Company, supplier: Partner, number: str, exclude_id: int | None) -> str:
    number = (number or "").strip()
    if not number:
        raise ValidationError({"supplier_invoice_number": [_("Enter the supplier's invoice number.")]})
    clash = (
        SupplierBill.objects.filter(company=company, supplier=supplier, supplier_invoice_number=number)
        .exclude(status=Status.CANCELLED)
        .exclude(pk=exclude_id)
    )
    if clash.exists():
        raise ValidationError(
            {
                "supplier_invoice_number": [
                    _("%(supplier)s's invoice %(number)s is already entered (%(bill)s).")
                    % {"supplier": supplier.name, "number": number, "bill": clash.first().number}
                ]
            }
        )
    return number


def _bill_lines(company: Company, supplier: Partner, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    errors: dict[str, list[str]] = {}
    if not lines:
        errors["lines"] = [_("Add at least one line.")]
    completed = []
    # Receipts as stored, not as the caller last saw them (a receipt posted since reads as a draft).
    stored = GoodsReceiptLine.objects.select_related("receipt", "order_line__order", "order_line__item").in_bulk(
        [line["receipt_line"].pk for line in lines if line.get("receipt_line") is not None]
    )
    for index, line in enumerate(lines):
        prefix = f"lines.{index}"
        receipt_line: GoodsReceiptLine | None = line.get("receipt_line") and stored.get(line["receipt_line"].pk)
        order_line: PurchaseOrderLine | None = receipt_line.order_line if receipt_line else line.get("order_line")
        if (
            order_line is None
            or order_line.order.supplier_id != supplier.pk
            or order_line.order.company_id != company.pk
        ):
            errors[f"{prefix}.receipt_line"] = [_("Choose a received line (or a service order line) of this supplier.")]
            continue
        if receipt_line is None and order_line.item.item_type == Item.ItemType.STOCK:
            errors[f"{prefix}.receipt_line"] = [_("Stock items are billed from their receipts.")]
            continue
        if receipt_line is not None and receipt_line.receipt.status != receipt_line.receipt.Status.POSTED:
            errors[f"{prefix}.receipt_line"] = [_("Bill only posted receipts.")]
            continue
        quantity = line.get("quantity")
        if quantity is None or quantity <= 0:
            errors[f"{prefix}.quantity"] = [_("Enter a positive quantity.")]
            continue
        price = line.get("price")
        if price is None:
            price = round_quantity(order_line.price / order_line.factor)
        if price < 0:
            errors[f"{prefix}.price"] = [_("Enter a price of zero or more.")]
            continue
        completed.append(
            {
                "receipt_line": receipt_line,
                "order_line": order_line,
                "item": order_line.item,
                "quantity": round_quantity(quantity),
                "price": round_quantity(price),
                "tax_rate": line.get("tax_rate") or order_line.tax_rate,
            }
        )
    if errors:
        raise ValidationError(errors)
    return completed


def create_bill(
    *,
    actor,
    company: Company,
    supplier: Partner,
    supplier_invoice_number: str,
    document_date: date,
    lines: list[dict[str, Any]],
    due_date: date | None = None,
    currency: Currency | None = None,
    exchange_rate: Decimal | None = None,
) -> SupplierBill:
    """A draft bill; prices default to the order's, per base unit, in the bill's currency."""
    check_supplier(company, supplier)
    number = _check_invoice_number(company, supplier, supplier_invoice_number, None)
    completed = _bill_lines(company, supplier, lines)
    currency = currency or completed[0]["order_line"].order.currency
    rate = document_rate(company, currency, document_date, exchange_rate)
    terms = supplier.payment_terms
    with transaction.atomic():
        bill = SupplierBill(
            company=company,
            supplier=supplier,
            supplier_invoice_number=number,
            document_date=document_date,
            due_date=due_date or document_date + timedelta(days=terms.due_days if terms else 30),
            currency=currency,
            exchange_rate=rate,
            status=Status.DRAFT,
            created_by=actor,
            modified_by=actor,
            number=next_number(company_id=company.pk, document_type=SupplierBill.DOCUMENT_TYPE, on_date=document_date),
        )
        stamp_history(bill, actor=actor, reason=_("Created"))
        try:
            with transaction.atomic():
                bill.save()
        except IntegrityError as exc:  # another bill with the same invoice number won the race
            raise ValidationError({"supplier_invoice_number": [_("This invoice number was just entered.")]}) from exc
        _write_lines(bill, completed, actor=actor)
    return bill


def _write_lines(bill: SupplierBill, lines: list[dict[str, Any]], *, actor) -> None:
    bill.lines.all().delete()
    for values in lines:
        net, tax = line_amounts(values["quantity"], values["price"], values["tax_rate"])
        line = SupplierBillLine(bill=bill, net_amount=net, tax_amount=tax, **values)
        stamp_history(line, actor=actor)
        line.save()
    bill.subtotal = sum((SupplierBillLine.objects.filter(bill=bill).values_list("net_amount", flat=True)), ZERO)
    bill.tax_total = sum((SupplierBillLine.objects.filter(bill=bill).values_list("tax_amount", flat=True)), ZERO)
    bill.total = bill.subtotal + bill.tax_total
    bill.save(update_fields=["subtotal", "tax_total", "total"])


def update_bill(
    *,
    actor,
    bill: SupplierBill,
    supplier_invoice_number: str,
    document_date: date,
    due_date: date,
    lines: list[dict[str, Any]],
    exchange_rate: Decimal | None = None,
) -> SupplierBill:
    with transaction.atomic():
        bill = lock_document(bill)
        if bill.status == Status.PENDING_APPROVAL:
            approvals.withdraw(document=bill, actor=actor, reason=_("Edited while waiting for approval"))
            bill.refresh_from_db()
        require_status(bill, Status.DRAFT, message=_("Only a draft bill can be edited."))
        bill.supplier_invoice_number = _check_invoice_number(
            bill.company, bill.supplier, supplier_invoice_number, bill.pk
        )
        completed = _bill_lines(bill.company, bill.supplier, lines)
        bill.document_date, bill.due_date = document_date, due_date
        bill.exchange_rate = document_rate(bill.company, bill.currency, document_date, exchange_rate)
        bill.modified_by = actor
        stamp_history(bill, actor=actor, reason=_("Edited"))
        bill.save()
        _write_lines(bill, completed, actor=actor)
    return bill


# --- Three-way match ----------------------------------------------------------------------------


@dataclass(frozen=True)
class MatchDifference:
    line: int
    item: str
    kind: str  # "quantity" or "price"
    expected: str
    billed: str
    percent: str

    def as_dict(self) -> dict:
        return self.__dict__.copy()


def match(bill: SupplierBill, lines: list[SupplierBillLine], rules: PurchasingSettings) -> list[MatchDifference]:
    """Compare each line with what was received (quantity) and ordered (price), beyond the tolerances."""
    differences = []
    billed_now: dict[int, Decimal] = defaultdict(Decimal)
    for number, line in enumerate(lines, start=1):
        order_line = line.order_line
        if line.receipt_line_id:
            key, billable = line.receipt_line_id, line.receipt_line.billable_quantity
        else:
            key, billable = -order_line.pk, order_line.base_quantity - order_line.billed_quantity
        billed_now[key] += line.quantity
        allowed = billable * (1 + rules.quantity_tolerance_percent / 100)
        if billed_now[key] > allowed:
            percent = (billed_now[key] - billable) / billable * 100 if billable else Decimal(100)
            differences.append(
                MatchDifference(
                    number,
                    str(line.item),
                    "quantity",
                    str(billable.normalize()),
                    str(billed_now[key].normalize()),
                    str(round_amount(percent)),
                )
            )
        ordered_price = order_line.price / order_line.factor
        if bill.currency_id != order_line.order.currency_id:  # compare in the base currency
            ordered_price *= order_line.order.exchange_rate
            billed_price = line.price * bill.exchange_rate
        else:
            billed_price = line.price
        if ordered_price:
            percent = (billed_price - ordered_price) / ordered_price * 100
            if abs(percent) > rules.price_tolerance_percent:
                differences.append(
                    MatchDifference(
                        number,
                        str(line.item),
                        "price",
                        str(round_quantity(ordered_price)),
                        str(round_quantity(billed_price)),
                        str(round_amount(percent)),
                    )
                )
    return differences


def post_bill(*, actor, bill: SupplierBill) -> SupplierBill:
    """Match, then post — or, beyond tolerance, refuse or send for approval as the company decides."""
    with transaction.atomic():
        bill = lock_document(bill)
        require_status(bill, Status.DRAFT, Status.APPROVED, message=_("Only a draft or approved bill can be posted."))
        lines = list(bill.lines.select_related("item", "order_line__order", "receipt_line__receipt", "tax_rate"))
        receipt_lines = {
            line.pk: line
            for line in GoodsReceiptLine.objects.select_for_update(of=("self",))
            .filter(pk__in=[line.receipt_line_id for line in lines if line.receipt_line_id])
            .order_by("pk")
        }
        for line in lines:
            if line.receipt_line_id:
                line.receipt_line = receipt_lines[line.receipt_line_id]
        if bill.status == Status.DRAFT:
            differences = match(bill, lines, settings_for(bill.company))
            bill.match_exceptions = [difference.as_dict() for difference in differences]
            bill.save(update_fields=["match_exceptions"])
            if differences and settings_for(bill.company).tolerance_action == PurchasingSettings.ToleranceAction.BLOCK:
                raise PurchasingError(
                    _("The bill differs from the order or the receipts beyond the tolerance."),
                    code="match_failed",
                    status_code=409,
                    details={"differences": bill.match_exceptions},
                )
            request = approvals.submit(document=bill, actor=actor)
            if request.status == request.Status.PENDING:
                return transition(bill, to=Status.PENDING_APPROVAL, actor=actor, reason=_("Submitted for approval"))
            if differences:
                raise PurchasingError(
                    _(
                        "The bill differs from the order or the receipts beyond the tolerance, and no approval rule"
                        " for such bills applies; add one, or correct the bill."
                    ),
                    code="match_failed",
                    status_code=409,
                    details={"differences": bill.match_exceptions},
                )
        _post(bill, lines, actor=actor)
    return bill


def _post(bill: SupplierBill, lines: list[SupplierBillLine], *, actor) -> None:
    rate = bill.exchange_rate
    money: dict[tuple, Decimal] = defaultdict(Decimal)
    total_base = ZERO
    for line in lines:
        net_base, tax_base = to_base(line.net_amount, rate), to_base(line.tax_amount, rate)
        total_base += net_base + tax_base
        category = line.item.category_id
        if line.receipt_line_id:
            receipt_line = line.receipt_line
            clears_all = line.quantity >= receipt_line.billable_quantity
            line.grni_amount = (
                receipt_line.grni_open
                if clears_all
                else min(round_amount(line.quantity * receipt_line.unit_cost), receipt_line.grni_open)
            )
            line.price_difference = net_base - line.grni_amount
            money[("grni", category, "debit")] += line.grni_amount
            if line.price_difference > 0:
                money[("price_difference", category, "debit")] += line.price_difference
            elif line.price_difference < 0:
                money[("price_difference", category, "credit")] += -line.price_difference
            receipt_line.billed_quantity += line.quantity
            receipt_line.grni_cleared += line.grni_amount
        else:
            money[("service_expense", category, "debit")] += net_base
        money[("input_vat", None, "debit")] += tax_base
        PurchaseOrderLine.objects.filter(pk=line.order_line_id).update(
            billed_quantity=F("billed_quantity") + line.quantity
        )
    money[("ap", None, "credit")] += total_base
    SupplierBillLine.objects.bulk_update(lines, ["grni_amount", "price_difference"])
    GoodsReceiptLine.objects.bulk_update(
        [line.receipt_line for line in lines if line.receipt_line_id], ["billed_quantity", "grni_cleared"]
    )
    bill.base_total = bill.open_amount = total_base
    transition(bill, to=Status.POSTED, actor=actor, reason=_("Posted"), extra_fields=("base_total", "open_amount"))
    for order in {line.order_line.order for line in lines}:
        order.refresh_from_db()
        refresh_receipt_status(order, actor=actor)
    _emit(bill, money, kind="purchasing.bill.posted", on_date=bill.document_date)


def cancel_bill(*, actor, bill: SupplierBill, reason: str) -> SupplierBill:
    """An unpaid posted bill is reversed on today's date; its goods become billable again."""
    reason = require_reason(reason, _("Say why the bill is cancelled."))
    with transaction.atomic():
        bill = lock_document(bill)
        if bill.status == Status.PENDING_APPROVAL:
            approvals.withdraw(document=bill, actor=actor, reason=reason)
            bill.refresh_from_db()
        was_posted = bill.status == Status.POSTED
        if was_posted and bill.open_amount != bill.base_total:
            raise PurchasingError(
                _("Payments or debit notes are allocated to this bill; remove them first."),
                code="bill_in_use",
                status_code=409,
            )
        transition(bill, to=Status.CANCELLED, actor=actor, reason=reason)
        if not was_posted:
            return bill
        money: dict[tuple, Decimal] = defaultdict(Decimal)
        for line in bill.lines.select_related("item", "receipt_line", "order_line__order"):
            category = line.item.category_id
            net_base, tax_base = (
                to_base(line.net_amount, bill.exchange_rate),
                to_base(line.tax_amount, bill.exchange_rate),
            )
            if line.receipt_line_id:
                GoodsReceiptLine.objects.filter(pk=line.receipt_line_id).update(
                    billed_quantity=F("billed_quantity") - line.quantity,
                    grni_cleared=F("grni_cleared") - line.grni_amount,
                )
                money[("grni", category, "credit")] += line.grni_amount
                side = "credit" if line.price_difference > 0 else "debit"
                money[("price_difference", category, side)] += abs(line.price_difference)
            else:
                money[("service_expense", category, "credit")] += net_base
            money[("input_vat", None, "credit")] += tax_base
            PurchaseOrderLine.objects.filter(pk=line.order_line_id).update(
                billed_quantity=F("billed_quantity") - line.quantity
            )
        money[("ap", None, "debit")] += bill.base_total
        bill.open_amount = ZERO
        bill.save(update_fields=["open_amount"])
        _emit(bill, money, kind="purchasing.bill.cancelled", on_date=timezone.localdate())
    return bill


def _emit(bill: SupplierBill, money: dict[tuple, Decimal], *, kind: str, on_date: date) -> None:
    lines = [
        {
            "role": role,
            "item_category": category,
            "warehouse": None,
            "partner": bill.supplier_id,
            "debit": str(amount if side == "debit" else ZERO),
            "credit": str(amount if side == "credit" else ZERO),
        }
        for (role, category, side), amount in sorted(money.items(), key=lambda kv: str(kv[0]))
        if amount
    ]
    description = _("Supplier bill %(number)s (%(supplier)s invoice %(invoice)s)") % {
        "number": bill.number,
        "supplier": bill.supplier.name,
        "invoice": bill.supplier_invoice_number,
    }
    emit(
        kind=kind,
        source=bill,
        company_id=bill.company_id,
        payload=event_payload(document=bill, on_date=on_date, description=description, lines=lines),
    )
