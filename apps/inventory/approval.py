"""Stock adjustments take part in approvals: amount, warehouse and item categories decide the rule."""

from decimal import Decimal

from django.db import transaction
from django.db.models import Prefetch, prefetch_related_objects
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.approvals.registry import DocumentType, Facts, key_for, register
from apps.core.documents import transition
from apps.core.errors import DomainError

from .models import ItemCost, StockAdjustment, StockAdjustmentLine
from .selectors import adjustments_visible_to


def adjustment_facts(adjustment: StockAdjustment) -> Facts:
    """The value at stake: every line at its given cost, else the item's current average cost."""
    prefetch_related_objects(
        [adjustment], Prefetch("lines", queryset=StockAdjustmentLine.objects.select_related("item"))
    )
    lines = list(adjustment.lines.all())
    at_average = [line for line in lines if line.unit_cost is None or line.quantity < 0]
    averages = (
        dict(
            ItemCost.objects.filter(item_id__in=[line.item_id for line in at_average]).values_list(
                "item_id", "average_cost"
            )
        )
        if at_average
        else {}
    )
    amount = Decimal(0)
    for line in lines:
        cost = line.unit_cost if line.unit_cost is not None and line.quantity > 0 else None
        if cost is None:
            cost = averages.get(line.item_id) or line.item.standard_price
        amount += abs(line.quantity) * cost
    return Facts(
        amount=amount,
        requester=adjustment.created_by,
        company_id=adjustment.company_id,
        number=adjustment.number,
        summary=_("%(warehouse)s: %(reason)s") % {"warehouse": adjustment.warehouse, "reason": adjustment.reason},
        item_category_ids={line.item.category_id for line in lines if line.item.category_id},
        warehouse_ids={adjustment.warehouse_id},
    )


def adjustment_approved(adjustment: StockAdjustment, *, actor) -> None:
    """Approved adjustments post at once; if the stock has changed meanwhile they stay approved to post later."""
    from .services import post_adjustment

    transition(adjustment, to=StockAdjustment.Status.APPROVED, actor=actor, reason=_("Approved"))
    try:
        with transaction.atomic():
            post_adjustment(actor=actor, adjustment=adjustment)
    except DomainError:
        pass  # the approval stands; the requester sees the approved draft and the reason when posting


def adjustment_rejected(adjustment: StockAdjustment, *, actor, comment: str) -> None:
    transition(
        adjustment,
        to=StockAdjustment.Status.DRAFT,
        actor=actor,
        reason=_("Rejected: %(comment)s") % {"comment": comment},
    )


def adjustment_withdrawn(adjustment: StockAdjustment, *, actor, reason: str) -> None:
    transition(adjustment, to=StockAdjustment.Status.DRAFT, actor=actor, reason=reason)


def register_approvals() -> None:
    register(
        DocumentType(
            key=key_for(StockAdjustment),
            label=gettext_lazy("Stock adjustment"),
            model=StockAdjustment,
            conditions=("amount", "item_category", "warehouse"),
            facts=adjustment_facts,
            on_approved=adjustment_approved,
            on_rejected=adjustment_rejected,
            on_withdrawn=adjustment_withdrawn,
            visible_to=adjustments_visible_to,
            detail_url=lambda adjustment: reverse("inventory:adjustment-detail", args=[adjustment.pk]),
        )
    )
