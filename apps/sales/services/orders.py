"""Quotations and sales orders: priced lines, credit and discount checks, approval, reservations."""

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from apps.approvals import services as approvals
from apps.approvals.registry import for_model
from apps.core.documents import lock_document, require_reason, require_status, stamp_history, transition, update_rows
from apps.core.money import to_base
from apps.core.numbering import next_number
from apps.inventory.services import ReservationRequest, release_reservations, reserve
from apps.masterdata.models import Company, Currency, Partner, PaymentTerms, Warehouse
from apps.masterdata.selectors import document_rate

from ..models import Quotation, QuotationLine, SalesOrder, SalesOrderLine
from .common import SalesError, check_customer, priced_lines, set_totals, settings_for, write_lines

OrderStatus = SalesOrder.Status


# --- Quotations ---------------------------------------------------------------------------------


def create_quotation(
    *,
    actor,
    company: Company,
    customer: Partner,
    document_date: date,
    valid_until: date,
    lines: list[dict[str, Any]],
    currency: Currency | None = None,
    exchange_rate: Decimal | None = None,
) -> Quotation:
    check_customer(company, customer)
    currency = currency or customer.currency or company.base_currency
    rate = document_rate(company, currency, document_date, exchange_rate)
    completed = priced_lines(
        company=company, customer=customer, currency=currency, rate=rate, on_date=document_date, lines=lines
    )
    with transaction.atomic():
        quotation = Quotation(
            company=company,
            customer=customer,
            currency=currency,
            exchange_rate=rate,
            document_date=document_date,
            valid_until=valid_until,
            salesperson=customer.owner or actor,
            status=Quotation.Status.DRAFT,
            created_by=actor,
            modified_by=actor,
            number=next_number(company_id=company.pk, document_type=Quotation.DOCUMENT_TYPE, on_date=document_date),
        )
        set_totals(quotation, completed)
        stamp_history(quotation, actor=actor, reason=_("Created"))
        quotation.save()
        write_lines(quotation, QuotationLine, "quotation", completed, actor=actor, replacing=False)
    return quotation


def update_quotation(
    *, actor, quotation: Quotation, document_date: date, valid_until: date, lines: list[dict[str, Any]]
) -> Quotation:
    """Change a draft quotation's dates and lines (prices default from the price lists again)."""
    with transaction.atomic():
        quotation = lock_document(quotation)
        require_status(quotation, Quotation.Status.DRAFT, message=_("Only a draft quotation can be edited."))
        completed = priced_lines(
            company=quotation.company,
            customer=quotation.customer,
            currency=quotation.currency,
            rate=quotation.exchange_rate,
            on_date=document_date,
            lines=lines,
        )
        quotation.document_date, quotation.valid_until, quotation.modified_by = document_date, valid_until, actor
        write_lines(quotation, QuotationLine, "quotation", completed, actor=actor)
        set_totals(quotation, completed)
        stamp_history(quotation, actor=actor, reason=_("Edited"))
        quotation.save()
    return quotation


def send_quotation(*, actor, quotation: Quotation) -> Quotation:
    with transaction.atomic():
        return transition(
            lock_document(quotation), to=Quotation.Status.SENT, actor=actor, reason=_("Sent to the customer")
        )


def lose_quotation(*, actor, quotation: Quotation, reason: str) -> Quotation:
    reason = require_reason(reason, _("Say why the quotation was lost."))
    with transaction.atomic():
        quotation = lock_document(quotation)
        quotation.lost_reason = reason
        return transition(
            quotation, to=Quotation.Status.LOST, actor=actor, reason=reason, extra_fields=("lost_reason",)
        )


def expire_quotations(*, actor, today: date) -> int:
    """Sent quotations past their validity expire (a periodic task)."""
    expired = 0
    for quotation in Quotation.objects.filter(status=Quotation.Status.SENT, valid_until__lt=today):
        with transaction.atomic():
            transition(lock_document(quotation), to=Quotation.Status.EXPIRED, actor=actor, reason=_("Validity ended"))
        expired += 1
    return expired


def accept_quotation(*, actor, quotation: Quotation, warehouse: Warehouse, document_date: date) -> SalesOrder:
    """The customer said yes: a draft sales order with the quotation's lines and prices."""
    with transaction.atomic():
        quotation = lock_document(quotation)
        require_status(quotation, Quotation.Status.SENT, message=_("Only a sent quotation can be accepted."))
        lines = [
            {
                "item": line.item,
                "description": line.description,
                "quantity": line.quantity,
                "unit": line.unit,
                "price": line.price,
                "discount_percent": line.discount_percent,
                "tax_rate": line.tax_rate,
            }
            for line in quotation.lines.select_related("item", "unit", "tax_rate")
        ]
        order = create_order(
            actor=actor,
            company=quotation.company,
            customer=quotation.customer,
            warehouse=warehouse,
            document_date=document_date,
            lines=lines,
            currency=quotation.currency,
            exchange_rate=quotation.exchange_rate,
            quotation=quotation,
        )
        transition(
            quotation,
            to=Quotation.Status.ACCEPTED,
            actor=actor,
            reason=_("Accepted: %(order)s") % {"order": order.number},
        )
    return order


# --- Sales orders -------------------------------------------------------------------------------


def create_order(
    *,
    actor,
    company: Company,
    customer: Partner,
    warehouse: Warehouse,
    document_date: date,
    lines: list[dict[str, Any]],
    currency: Currency | None = None,
    exchange_rate: Decimal | None = None,
    requested_date: date | None = None,
    customer_reference: str = "",
    note: str = "",
    quotation: Quotation | None = None,
    payment_terms: PaymentTerms | None = None,
) -> SalesOrder:
    check_customer(company, customer)
    if warehouse.company_id != company.pk:
        raise ValidationError({"warehouse": [_("The warehouse belongs to another company.")]})
    currency = currency or customer.currency or company.base_currency
    rate = document_rate(company, currency, document_date, exchange_rate)
    completed = priced_lines(
        company=company,
        customer=customer,
        currency=currency,
        rate=rate,
        on_date=document_date,
        lines=lines,
        default_warehouse=warehouse,
    )
    with transaction.atomic():
        order = SalesOrder(
            company=company,
            customer=customer,
            warehouse=warehouse,
            currency=currency,
            exchange_rate=rate,
            document_date=document_date,
            requested_date=requested_date,
            salesperson=customer.owner or actor,
            customer_reference=customer_reference.strip(),
            note=note.strip(),
            quotation=quotation,
            payment_terms=payment_terms or customer.payment_terms,
            status=OrderStatus.DRAFT,
            created_by=actor,
            modified_by=actor,
            number=next_number(company_id=company.pk, document_type=SalesOrder.DOCUMENT_TYPE, on_date=document_date),
        )
        set_totals(order, completed)
        order.base_total = to_base(order.total, rate)
        stamp_history(order, actor=actor, reason=_("Created"))
        order.save()
        write_lines(order, SalesOrderLine, "order", completed, actor=actor, replacing=False)
    return order


def update_order(
    *,
    actor,
    order: SalesOrder,
    document_date: date,
    lines: list[dict[str, Any]],
    requested_date: date | None = None,
    customer_reference: str = "",
    note: str = "",
) -> SalesOrder:
    with transaction.atomic():
        order = lock_document(order)
        if order.status == OrderStatus.PENDING_APPROVAL:
            approvals.withdraw(document=order, actor=actor, reason=_("Edited while waiting for approval"))
            order.refresh_from_db()
        require_status(order, OrderStatus.DRAFT, message=_("Only a draft order can be edited."))
        completed = priced_lines(
            company=order.company,
            customer=order.customer,
            currency=order.currency,
            rate=order.exchange_rate,
            on_date=document_date,
            lines=lines,
            default_warehouse=order.warehouse,
        )
        order.document_date, order.requested_date = document_date, requested_date
        order.customer_reference, order.note, order.modified_by = customer_reference.strip(), note.strip(), actor
        write_lines(order, SalesOrderLine, "order", completed, actor=actor)
        set_totals(order, completed)
        order.base_total = to_base(order.total, order.exchange_rate)
        stamp_history(order, actor=actor, reason=_("Edited"))
        order.save()
    return order


def confirm_order(*, actor, order: SalesOrder) -> SalesOrder:
    """Check credit and discounts; beyond the company's rules the order waits for approval, else it is
    confirmed and its lines reserve what is available (the rest is a backorder)."""
    from ..selectors import credit_position

    with transaction.atomic():
        order = lock_document(order)
        require_status(order, OrderStatus.DRAFT, message=_("Only a draft order can be confirmed."))
        if order.customer.credit_limit is None:  # no limit to check: spare summing every open order
            order.credit_check = {"limit": None, "this_order": str(order.base_total), "exceeded": False}
        else:
            position = credit_position(customer=order.customer, adding=order.base_total, excluding=order)
            order.credit_check = position.as_dict()
        # The credit check is written with the status it leads to (pending approval or confirmed).
        facts = for_model(SalesOrder).facts(order)
        needs_approval = (
            facts.credit_limit_exceeded
            or (facts.discount_percent or 0) > settings_for(order.company).max_discount_percent
            or facts.price_below_floor
        )
        request = approvals.submit(document=order, actor=actor)
        if request.status == request.Status.PENDING:
            return transition(
                order,
                to=OrderStatus.PENDING_APPROVAL,
                actor=actor,
                reason=_("Submitted for approval"),
                extra_fields=("credit_check",),
            )
        if needs_approval:
            raise SalesError(
                _(
                    "This order exceeds the credit limit or the allowed discount, and no approval rule applies to it;"
                    " add a rule or change the order."
                ),
                code="approval_required",
                status_code=409,
                details={"credit": order.credit_check},
            )
        return _confirm(order, actor=actor)


def _confirm(order: SalesOrder, *, actor) -> SalesOrder:
    lines = list(order.lines.select_related("item").order_by("id"))
    stocked = [line for line in lines if line.item.item_type == line.item.ItemType.STOCK]
    reservations = reserve(
        company=order.company,
        source=order,
        actor=actor,
        allow_partial=True,
        requests=[
            ReservationRequest(
                item=line.item, quantity=line.base_quantity, warehouse_id=line.warehouse_id, source_line_id=line.pk
            )
            for line in stocked
        ],
    )
    reserved: dict[int, Decimal] = {}
    for reservation in reservations:
        reserved[reservation.source_line_id] = (
            reserved.get(reservation.source_line_id, Decimal(0)) + reservation.quantity
        )
    for line in stocked:
        line.reserved_quantity = reserved.get(line.pk, Decimal(0))
    update_rows(stocked, ["reserved_quantity"])
    return transition(
        order, to=OrderStatus.CONFIRMED, actor=actor, reason=_("Confirmed"), extra_fields=("credit_check",)
    )


def confirm_approved(order: SalesOrder, *, actor) -> SalesOrder:
    """Called when the approval chain approves the order."""
    return _confirm(order, actor=actor)


def reserve_backorders(*, actor, order: SalesOrder) -> SalesOrder:
    """Reserve again for lines still short (after new stock arrived)."""
    with transaction.atomic():
        order = lock_document(order)
        require_status(
            order,
            OrderStatus.CONFIRMED,
            OrderStatus.PARTIALLY_DELIVERED,
            message=_("Only a confirmed order reserves stock."),
        )
        lines = [
            line
            for line in order.lines.select_related("item")
            if not line.closed_short
            and line.item.item_type == line.item.ItemType.STOCK
            and line.reserved_quantity + line.delivered_quantity < line.base_quantity
        ]
        reservations = reserve(
            company=order.company,
            source=order,
            actor=actor,
            allow_partial=True,
            requests=[
                ReservationRequest(
                    item=line.item,
                    warehouse_id=line.warehouse_id,
                    source_line_id=line.pk,
                    quantity=line.base_quantity - line.delivered_quantity - line.reserved_quantity,
                )
                for line in lines
            ],
        )
        for line in lines:
            line.reserved_quantity += sum((r.quantity for r in reservations if r.source_line_id == line.pk), Decimal(0))
        SalesOrderLine.objects.bulk_update(lines, ["reserved_quantity"])
    return order


def refresh_delivery_status(order: SalesOrder, *, actor) -> SalesOrder:
    if order.status in (OrderStatus.CLOSED, OrderStatus.CANCELLED):
        return order
    lines = list(order.lines.all())
    delivered = all(line.closed_short or line.delivered_quantity >= line.base_quantity for line in lines)
    started = any(line.delivered_quantity > 0 for line in lines)
    invoiced = all(line.invoiced_quantity >= line.delivered_quantity for line in lines)
    if delivered and started and invoiced:
        wanted = OrderStatus.INVOICED
    elif delivered and started:
        wanted = OrderStatus.DELIVERED
    elif started:
        wanted = OrderStatus.PARTIALLY_DELIVERED
    else:
        wanted = OrderStatus.CONFIRMED
    if wanted != order.status:
        transition(order, to=wanted, actor=actor, reason=_("Delivery progress"))
    return order


def cancel_order(*, actor, order: SalesOrder, reason: str) -> SalesOrder:
    """Cancel what is not delivered and give back the reservations."""
    reason = require_reason(reason, _("Say why the order is cancelled."))
    with transaction.atomic():
        order = lock_document(order)
        if order.status == OrderStatus.PENDING_APPROVAL:
            approvals.withdraw(document=order, actor=actor, reason=reason)
            order.refresh_from_db()
        release_reservations(source=order, actor=actor)
        order.lines.update(reserved_quantity=0)
        if order.lines.filter(delivered_quantity__gt=0).exists():
            order.lines.update(closed_short=True)
            return transition(order, to=OrderStatus.CLOSED, actor=actor, reason=reason)
        return transition(order, to=OrderStatus.CANCELLED, actor=actor, reason=reason)


def close_order(*, actor, order: SalesOrder, reason: str) -> SalesOrder:
    reason = require_reason(reason, _("Say why the order is closed."))
    with transaction.atomic():
        order = lock_document(order)
        require_status(
            order,
            OrderStatus.CONFIRMED,
            OrderStatus.PARTIALLY_DELIVERED,
            OrderStatus.DELIVERED,
            OrderStatus.INVOICED,
            message=_("Only a confirmed order can be closed."),
        )
        release_reservations(source=order, actor=actor)
        order.lines.update(reserved_quantity=0, closed_short=True)
        return transition(order, to=OrderStatus.CLOSED, actor=actor, reason=reason)
