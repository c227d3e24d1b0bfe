"""The shop-floor screen (生产数字大屏): a full-screen board for a TV on the workshop wall.

It shows the work orders in progress with their completion, today's output against the plan, the
late orders and the material shortages, in Chinese whatever the viewer's language, and refreshes
its board every `SHOPFLOOR_REFRESH_SECONDS` (30 by default) through htmx. `?refresh=N` sets
another interval (at least one second) and `?warehouse=<id>` shows one workshop only.

Every read goes through `work_orders_visible_to(user)`, so a screen signed in as a workshop's
keeper shows that workshop's warehouses only. The board costs a fixed number of queries.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_FLOOR, Decimal

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.contrib.auth.views import redirect_to_login
from django.db.models import Count, DecimalField, F, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.views.generic import TemplateView

from apps.core.money import ZERO
from apps.inventory.selectors import balances_visible_to

from .models import ProductionOutput, WorkOrder, WorkOrderComponent
from .selectors import work_orders_visible_to

QUANTITY = DecimalField(max_digits=18, decimal_places=6)
ACTIVE = [WorkOrder.Status.RELEASED, WorkOrder.Status.IN_PROGRESS]
# The plan of a day: the orders due that day that are on the floor or already made.
PLANNED = [WorkOrder.Status.RELEASED, WorkOrder.Status.IN_PROGRESS, WorkOrder.Status.DONE, WorkOrder.Status.CLOSED]
ROWS_SHOWN = 12  # what a TV shows in large type; the rest is counted
MIN_REFRESH_SECONDS = 1
MAX_REFRESH_SECONDS = 3600


def percent(part: Decimal, whole: Decimal) -> int:
    """Whole percent, rounded down (a bar reads 100 only when the order is complete)."""
    if not whole:
        return 0
    return int((part * 100 / whole).to_integral_value(rounding=ROUND_FLOOR))


# --- The board's reads -----------------------------------------------------------------------------


def orders_on_floor(user, *, warehouse_id: int | None = None) -> QuerySet[WorkOrder]:
    orders = work_orders_visible_to(user)
    return orders.filter(warehouse_id=warehouse_id) if warehouse_id else orders


@dataclass(frozen=True)
class Progress:
    order: WorkOrder
    percent: int


def started(orders: QuerySet[WorkOrder]) -> QuerySet[WorkOrder]:
    """Orders started and not yet done, the earliest due first."""
    return orders.filter(status=WorkOrder.Status.IN_PROGRESS).order_by("due_date", "number")


def in_progress(orders: QuerySet[WorkOrder]) -> list[Progress]:
    """The started orders with their output over quantity."""
    return [Progress(order, min(percent(order.output_quantity, order.quantity), 100)) for order in started(orders)]


@dataclass(frozen=True)
class DayOutput:
    """Good output posted today against the plan: the quantity of the orders due today."""

    output: Decimal
    plan: Decimal
    orders_due: int

    @property
    def percent(self) -> int:
        return percent(self.output, self.plan)


def output_against_plan(orders: QuerySet[WorkOrder], *, today: date) -> DayOutput:
    output = ProductionOutput.objects.filter(
        work_order__in=orders.values("pk"), status=ProductionOutput.Status.POSTED, posting_date=today
    ).aggregate(total=Coalesce(Sum("quantity"), ZERO, output_field=QUANTITY))["total"]
    due = orders.filter(status__in=PLANNED, due_date=today).aggregate(
        plan=Coalesce(Sum("quantity"), ZERO, output_field=QUANTITY), count=Count("pk")
    )
    return DayOutput(output=output, plan=due["plan"], orders_due=due["count"])


@dataclass(frozen=True)
class Late:
    order: WorkOrder
    days: int
    percent: int


def overdue(orders: QuerySet[WorkOrder], *, today: date) -> QuerySet[WorkOrder]:
    """Released or started orders whose due date has passed, the longest overdue first."""
    return orders.filter(status__in=ACTIVE, due_date__lt=today).order_by("due_date", "number")


def late_orders(orders: QuerySet[WorkOrder], *, today: date) -> list[Late]:
    """The overdue orders with how many days late they are."""
    return [
        Late(order, (today - order.due_date).days, min(percent(order.output_quantity, order.quantity), 100))
        for order in overdue(orders, today=today)
    ]


@dataclass(frozen=True)
class Shortage:
    component: WorkOrderComponent
    needed: Decimal  # still to issue that the order's own reservation does not cover
    available: Decimal  # free stock in the order's warehouse left for it
    missing: Decimal


def shortages(user, orders: QuerySet[WorkOrder]) -> list[Shortage]:
    """Components of released or started orders whose remaining requirement stock cannot cover.

    Remaining requirement = required − issued. The order's reservation covers part of it; the rest
    must come from the warehouse's free stock (on hand − reserved), which the orders share in due
    date order. Two queries: the open components, and the free stock of their items.
    """
    components = list(
        WorkOrderComponent.objects.filter(
            work_order__in=orders.filter(status__in=ACTIVE).values("pk"),
            required_quantity__gt=F("issued_quantity") + F("reserved_quantity"),
        )
        .select_related("work_order", "item", "item__base_unit")
        .order_by("work_order__due_date", "work_order__number", "id")
    )
    free_stock = {
        (row["warehouse_id"], row["item_id"]): row["free"]
        for row in balances_visible_to(user)
        .filter(
            item_id__in={component.item_id for component in components},
            warehouse_id__in={component.work_order.warehouse_id for component in components},
        )
        .values("warehouse_id", "item_id")
        .annotate(free=Sum(F("on_hand") - F("reserved")))
        .order_by()
    }
    found = []
    for component in components:
        key = (component.work_order.warehouse_id, component.item_id)
        free = max(free_stock.get(key, ZERO), ZERO)
        needed = component.shortage
        if needed > free:
            found.append(Shortage(component, needed, free, needed - free))
        free_stock[key] = free - min(needed, free)
    return found


@dataclass(frozen=True)
class Rows:
    """A list as a TV shows it: the first ROWS_SHOWN rows, and how many more there are."""

    all: list

    @property
    def count(self) -> int:
        return len(self.all)

    @property
    def shown(self) -> list:
        return self.all[:ROWS_SHOWN]

    @property
    def more(self) -> int:
        return max(self.count - ROWS_SHOWN, 0)


@dataclass(frozen=True)
class Board:
    in_progress: Rows
    today: DayOutput
    late: Rows
    shortages: Rows
    refreshed_at: datetime


def board(user, *, today: date, warehouse_id: int | None = None) -> Board:
    orders = orders_on_floor(user, warehouse_id=warehouse_id)
    return Board(
        in_progress=Rows(in_progress(orders)),
        today=output_against_plan(orders, today=today),
        late=Rows(late_orders(orders, today=today)),
        shortages=Rows(shortages(user, orders)),
        refreshed_at=timezone.localtime(),
    )


# --- The pages ---------------------------------------------------------------------------------------


def refresh_seconds(requested: str | None) -> int:
    """The board's refresh interval: ?refresh=N when it is a whole number, at least one second."""
    default = getattr(settings, "SHOPFLOOR_REFRESH_SECONDS", 30)
    if not requested or not requested.isdigit():
        return default
    return min(max(int(requested), MIN_REFRESH_SECONDS), MAX_REFRESH_SECONDS)


class ShopFloorMixin(LoginRequiredMixin, PermissionRequiredMixin):
    """Chinese whatever the viewer's language: rendered inside the override, not after it."""

    permission_required = "production.view_workorder"

    def dispatch(self, request, *args, **kwargs):
        with translation.override("zh-hans"):
            response = super().dispatch(request, *args, **kwargs)
            if hasattr(response, "render"):
                response.render()
        response.headers["Content-Language"] = "zh-hans"
        return response

    def handle_no_permission(self):
        if self.request.htmx and not self.request.user.is_authenticated:
            # The board polled after the session ended: send the whole screen to sign in, not the board.
            login = redirect_to_login(reverse("shopfloor:screen"), settings.LOGIN_URL)
            return HttpResponse(headers={"HX-Redirect": login.url})
        return super().handle_no_permission()

    def warehouse_id(self) -> int | None:
        wanted = self.request.GET.get("warehouse", "")
        return int(wanted) if wanted.isdigit() else None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        refresh = refresh_seconds(self.request.GET.get("refresh"))
        warehouse_id = self.warehouse_id()
        query = {"refresh": refresh, **({"warehouse": warehouse_id} if warehouse_id else {})}
        context.update(
            board=board(self.request.user, today=timezone.localdate(), warehouse_id=warehouse_id),
            refresh=refresh,
            query=urlencode(query),
        )
        return context


class ShopFloorView(ShopFloorMixin, TemplateView):
    """The whole screen: a dark full-screen page around the board."""

    template_name = "production/shopfloor.html"


class ShopFloorBoardView(ShopFloorMixin, TemplateView):
    """The board alone, which the screen fetches again every `refresh` seconds."""

    template_name = "production/shopfloor_board.html"
