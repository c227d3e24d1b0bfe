"""Money lines for the outbox events of stock documents: amounts by role, never accounts.

Finance maps each role (with the item category and warehouse) to an account; inventory only says
what moved where at what value.
"""

from collections import defaultdict
from decimal import Decimal

from apps.core.money import ZERO

from ..models import StockMove

INVENTORY = "inventory"


def money_lines(moves: list[StockMove], *, counter_role: str, partner_id: int | None = None) -> list[dict]:
    """Stock in debits inventory, stock out credits it; the other side goes to `counter_role`.

    A transfer between warehouses debits the destination's inventory and credits the source's, so
    finance can post it when their accounts differ (and the entry nets to zero when they do not).
    """
    totals: dict[tuple, Decimal] = defaultdict(Decimal)  # (role, category, warehouse, side) -> amount
    for move in moves:
        if move.value == 0:
            continue
        category = move.item.category_id
        if move.to_location is not None:
            totals[(INVENTORY, category, move.to_location.warehouse_id, "debit")] += move.value
        else:
            totals[(counter_role, category, None, "debit")] += move.value
        if move.from_location is not None:
            totals[(INVENTORY, category, move.from_location.warehouse_id, "credit")] += move.value
        else:
            totals[(counter_role, category, None, "credit")] += move.value
    return [
        {
            "role": role,
            "item_category": category,
            "warehouse": warehouse,
            "partner": partner_id if role != INVENTORY else None,
            "debit": str(amount if side == "debit" else ZERO),
            "credit": str(amount if side == "credit" else ZERO),
        }
        for (role, category, warehouse, side), amount in sorted(totals.items(), key=lambda kv: str(kv[0]))
        if amount != 0
    ]


def event_payload(*, document, on_date, description: str, lines: list[dict]) -> dict:
    return {
        "date": on_date.isoformat(),
        "source_number": document.number,
        "description": description,
        "lines": lines,
    }
