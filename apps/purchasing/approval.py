"""Purchase orders, requisitions and supplier bills take part in approvals."""

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.approvals.registry import DocumentType, Facts, key_for, register
from apps.core.documents import transition
from apps.core.errors import DomainError

from .models import PurchaseOrder, PurchaseRequisition, SupplierBill
from .selectors import bills_visible_to, orders_visible_to, requisitions_visible_to


def _back_to_draft(document, *, actor, reason: str) -> None:
    transition(document, to=document.Status.DRAFT, actor=actor, reason=reason)


def _rejected(document, *, actor, comment: str) -> None:
    _back_to_draft(document, actor=actor, reason=_("Rejected: %(comment)s") % {"comment": comment})


def _withdrawn(document, *, actor, reason: str) -> None:
    _back_to_draft(document, actor=actor, reason=reason)


def order_facts(order: PurchaseOrder) -> Facts:
    lines = list(order.lines.select_related("item"))
    return Facts(
        amount=order.base_total,
        requester=order.created_by,
        company_id=order.company_id,
        number=order.number,
        summary=_("%(supplier)s, %(count)d lines") % {"supplier": order.supplier.name, "count": len(lines)},
        partner_ids={order.supplier_id},
        warehouse_ids={line.warehouse_id for line in lines},
        item_category_ids={line.item.category_id for line in lines if line.item.category_id},
    )


def order_approved(order: PurchaseOrder, *, actor) -> None:
    transition(order, to=PurchaseOrder.Status.CONFIRMED, actor=actor, reason=_("Approved and confirmed"))


def requisition_facts(requisition: PurchaseRequisition) -> Facts:
    from .services.requisitions import estimated_amount

    lines = list(requisition.lines.select_related("item"))
    return Facts(
        amount=estimated_amount(requisition),
        requester=requisition.created_by,
        company_id=requisition.company_id,
        number=requisition.number,
        summary=requisition.reason,
        warehouse_ids={requisition.warehouse_id},
        item_category_ids={line.item.category_id for line in lines if line.item.category_id},
    )


def requisition_approved(requisition: PurchaseRequisition, *, actor) -> None:
    transition(requisition, to=PurchaseRequisition.Status.APPROVED, actor=actor, reason=_("Approved"))


def bill_facts(bill: SupplierBill) -> Facts:
    return Facts(
        amount=bill.total * bill.exchange_rate,
        requester=bill.created_by,
        company_id=bill.company_id,
        number=bill.number,
        summary=_("%(supplier)s invoice %(invoice)s")
        % {"supplier": bill.supplier.name, "invoice": bill.supplier_invoice_number},
        partner_ids={bill.supplier_id},
        match_exception=bool(bill.match_exceptions),
    )


def bill_approved(bill: SupplierBill, *, actor) -> None:
    """Approved bills post at once; if posting fails now (a closed period) they stay approved."""
    from .services.bills import post_bill

    transition(bill, to=SupplierBill.Status.APPROVED, actor=actor, reason=_("Approved"))
    try:
        with transaction.atomic():
            post_bill(actor=actor, bill=bill)
    except DomainError:
        pass  # the approval stands; posting again shows the reason


def register_approvals() -> None:
    register(
        DocumentType(
            key=key_for(PurchaseOrder),
            label=gettext_lazy("Purchase order"),
            model=PurchaseOrder,
            conditions=("amount", "partner", "item_category", "warehouse"),
            facts=order_facts,
            on_approved=order_approved,
            on_rejected=_rejected,
            on_withdrawn=_withdrawn,
            visible_to=orders_visible_to,
            detail_url=lambda order: reverse("purchasing:order-detail", args=[order.pk]),
        )
    )
    register(
        DocumentType(
            key=key_for(PurchaseRequisition),
            label=gettext_lazy("Purchase requisition"),
            model=PurchaseRequisition,
            conditions=("amount", "item_category", "warehouse"),
            facts=requisition_facts,
            on_approved=requisition_approved,
            on_rejected=_rejected,
            on_withdrawn=_withdrawn,
            visible_to=requisitions_visible_to,
            detail_url=lambda requisition: reverse("purchasing:requisition-detail", args=[requisition.pk]),
        )
    )
    register(
        DocumentType(
            key=key_for(SupplierBill),
            label=gettext_lazy("Supplier bill"),
            model=SupplierBill,
            conditions=("amount", "partner", "match_exception"),
            facts=bill_facts,
            on_approved=bill_approved,
            on_rejected=_rejected,
            on_withdrawn=_withdrawn,
            visible_to=bills_visible_to,
            detail_url=lambda bill: reverse("purchasing:bill-detail", args=[bill.pk]),
        )
    )
