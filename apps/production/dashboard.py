"""Production on the home page's dashboard: the shop-floor screen's figures for one company, each
opening the screen. Scoped by warehouse through `work_orders_visible_to(user)`."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from apps.core.dashboard import Card, Figure, Panel, Scope

from .screens import orders_on_floor, output_against_plan, overdue, shortages, started


def production(scope: Scope) -> Panel:
    orders = orders_on_floor(scope.user).filter(company=scope.company)
    today = output_against_plan(orders, today=scope.today)
    late = overdue(orders, today=scope.today).count()
    short = len(shortages(scope.user, orders))
    url = reverse("shopfloor:screen")
    return Panel(
        url=url,
        figures=[
            Figure("in_progress", _("Work orders in progress"), started(orders).count(), url),
            Figure("output_today", _("Output today"), today.output, url),
            Figure("plan_today", _("Plan today"), today.plan, url),
            Figure("late", _("Late work orders"), late, url, attention=late > 0),
            Figure("shortages", _("Material shortages"), short, url, attention=short > 0),
        ],
        note=_("Quantities in the items' base units; the shop-floor screen shows the details."),
    )


CARDS = [
    Card(
        key="production",
        title=_("Production"),
        permission="production.view_workorder",
        build=production,
        order=70,
    )
]
