"""Sales orders take part in approvals: amount, discount, price floors and the credit limit decide."""

from decimal import Decimal

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.approvals.registry import DocumentType, Facts, key_for, register
from apps.core.documents import transition

from .models import SalesOrder
from .selectors import orders_visible_to


def _effective_discount(line) -> Decimal:
    """The line's discount, or how far its net price sits under the list price, whichever is larger."""
    discount = line.discount_percent
    if line.list_price:
        below_list = (line.list_price - line.net_price) / line.list_price * 100
        discount = max(discount, below_list)
    return discount


def order_facts(order: SalesOrder) -> Facts:
    lines = list(order.lines.select_related("item"))
    return Facts(
        amount=order.base_total,
        requester=order.created_by,
        company_id=order.company_id,
        number=order.number,
        summary=_("%(customer)s, %(count)d lines") % {"customer": order.customer.name, "count": len(lines)},
        discount_percent=max((_effective_discount(line) for line in lines), default=Decimal(0)),
        price_below_floor=any(line.floor_price is not None and line.net_price < line.floor_price for line in lines),
        partner_ids={order.customer_id},
        warehouse_ids={line.warehouse_id for line in lines},
        item_category_ids={line.item.category_id for line in lines if line.item.category_id},
        credit_limit_exceeded=bool(order.credit_check.get("exceeded")),
    )


def order_approved(order: SalesOrder, *, actor) -> None:
    from .services.orders import confirm_approved

    confirm_approved(order, actor=actor)


def _back_to_draft(order: SalesOrder, *, actor, reason: str) -> None:
    transition(order, to=SalesOrder.Status.DRAFT, actor=actor, reason=reason)


def register_approvals() -> None:
    register(
        DocumentType(
            key=key_for(SalesOrder),
            label=gettext_lazy("Sales order"),
            model=SalesOrder,
            conditions=("amount", "discount", "price_floor", "partner", "item_category", "warehouse", "credit_limit"),
            facts=order_facts,
            on_approved=order_approved,
            on_rejected=lambda order, *, actor, comment: _back_to_draft(
                order, actor=actor, reason=_("Rejected: %(comment)s") % {"comment": comment}
            ),
            on_withdrawn=lambda order, *, actor, reason: _back_to_draft(order, actor=actor, reason=reason),
            visible_to=orders_visible_to,
            detail_url=lambda order: reverse("sales:order-detail", args=[order.pk]),
        )
    )
