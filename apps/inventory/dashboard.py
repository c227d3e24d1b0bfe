"""Stock on the home page's dashboard: its value per warehouse and the items below their reorder point.

The value reads the balance rows through `balances_visible_to(user)`, so a warehouse keeper sees
the value of the warehouses they keep.
"""

from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from apps.core.dashboard import Card, Chart, Figure, Panel, Scope
from apps.core.money import ZERO, round_amount

from . import selectors


def stock_value(scope: Scope) -> Panel:
    by_warehouse = list(
        selectors.balances_visible_to(scope.user)
        .filter(company=scope.company)
        .values("warehouse_id", "warehouse__code")
        .annotate(value=Sum("value"))
        .order_by("warehouse__code")
    )
    values = [round_amount(row["value"] or ZERO) for row in by_warehouse]
    url = scope.url("inventory:valuation")
    figures = [Figure("value", _("Stock value"), sum(values, ZERO), url, money=True)]
    if scope.user.has_perm("inventory.view_stockbalance"):
        below = selectors.below_reorder_point(scope.user, company=scope.company).count()
        figures.append(
            Figure(
                "reorder", _("Items below reorder point"), below, scope.url("inventory:reorder"), attention=below > 0
            )
        )
    return Panel(
        url=url,
        figures=figures,
        chart=Chart(
            kind="doughnut",
            label=_("Stock value by warehouse"),
            labels=[row["warehouse__code"] for row in by_warehouse],
            values=values,
            urls=[scope.url("inventory:valuation", warehouse=row["warehouse_id"]) for row in by_warehouse],
            money=True,
        ),
        note=_("At moving-average cost, in the warehouses you may see."),
    )


CARDS = [
    Card(key="stock", title=_("Stock value"), permission="inventory.view_itemcost", build=stock_value, order=30),
]
