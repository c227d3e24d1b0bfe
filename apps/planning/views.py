"""Planning pages: runs (list, start, a run with its progress and planned orders), planned orders
(list with search and filters, detail with pegging and history) and converting the chosen ones."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import DetailView

from apps.core.errors import DomainError
from apps.core.forms import style_widgets
from apps.core.views import (
    Column,
    ModelPermissionMixin,
    RecordCreateView,
    RecordDetailView,
    RecordListView,
    ScopedMixin,
    ordering,
)
from apps.inventory.views.documents import error_text
from apps.masterdata.selectors import warehouses_visible_to

from . import selectors, services
from .filters import PlannedOrderFilter, RunFilter
from .forms import RunForm
from .models import MrpRun, PlannedOrder

ORDERS_PER_PAGE = 50
ORDER_SORTS = ("start_date", "need_date", "item__code", "kind", "quantity")
RUN_ORDER_FILTERS = ("q", "kind", "status", "warehouse", "late")


def limit_warehouses(form, user) -> None:
    form.fields["warehouse"].queryset = warehouses_visible_to(user).order_by("code")


class RunPages:
    model = MrpRun
    selector = staticmethod(selectors.runs_visible_to)
    url_prefix = "planning:run"


class PlannedOrderPages:
    model = PlannedOrder
    selector = staticmethod(selectors.planned_orders_visible_to)
    url_prefix = "planning:planned-order"


class RunListView(RunPages, RecordListView):
    filterset_class = RunFilter
    filter_fields = ("status",)
    default_sort = "-requested_at"
    columns = (
        Column(gettext_lazy("Run"), "pk", sort="id", link=True),
        Column(gettext_lazy("Requested at"), "requested_at", sort="requested_at"),
        Column(gettext_lazy("Requested by"), "requested_by.username"),
        Column(gettext_lazy("Horizon (days)"), "horizon_days"),
        Column(gettext_lazy("Status"), "get_status_display", sort="status"),
        Column(gettext_lazy("Data as of"), "as_of", sort="as_of"),
        Column(gettext_lazy("Planned purchases"), "purchase_count"),
        Column(gettext_lazy("Planned work orders"), "production_count"),
    )

    def export_name(self) -> str:
        return "mrp-runs"


class RunCreateView(RunPages, RecordCreateView):
    form_class = RunForm
    success_message = gettext_lazy("%(record)s was started.")

    def save(self, form) -> MrpRun:
        warehouse = form.cleaned_data["reorder_warehouse"]
        return services.start_run(
            actor=self.request.user,
            company=warehouse.company,
            horizon_days=form.cleaned_data["horizon_days"],
            reorder_warehouse=warehouse,
        )


def planned_orders_page(view, queryset, *, action_url: str) -> dict:
    """The planned-order table shared by the list page and a run's page: filters, sort, page, convert."""
    request = view.request
    filterset = PlannedOrderFilter(request.GET, queryset=queryset, request=request)
    limit_warehouses(filterset.form, request.user)
    style_widgets(filterset.form, small=True)
    sort = request.GET.get("sort", "")
    sort = sort if sort.lstrip("-") in ORDER_SORTS else "start_date"
    page = Paginator(filterset.qs.order_by(*ordering(sort), "pk"), ORDERS_PER_PAGE).get_page(request.GET.get("page"))
    user = request.user
    return {
        "filters": [filterset.form[name] for name in RUN_ORDER_FILTERS],
        "orders_page": page,
        "order_sort": sort,
        "order_sorts": ORDER_SORTS,
        "convert_url": reverse("planning:planned-order-convert"),
        "back_url": action_url,
        "may_convert": user.has_perm("planning.change_plannedorder"),
    }


class RunDetailView(RunPages, RecordDetailView):
    template_name = "planning/run_detail.html"
    fields = ("company", "requested_by", "requested_at", "horizon_days", "reorder_warehouse", "status")

    def may(self, action: str) -> bool:
        return action != "change" and super().may(action)  # a run is written only by its task

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.object.status == MrpRun.Status.DONE and self.request.user.has_perm("planning.view_plannedorder"):
            orders = selectors.planned_orders_visible_to(self.request.user).filter(run=self.object)
            context.update(planned_orders_page(self, orders, action_url=self.request.get_full_path()))
            latest = selectors.latest_run(self.object.company)
            context["superseded"] = latest is not None and latest.pk != self.object.pk
        return context


class RunProgressView(RunPages, ModelPermissionMixin, ScopedMixin, DetailView):
    """The progress card a running run's page polls; once finished it asks the page to reload."""

    template_name = "planning/_run_progress.html"

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        if self.object.finished and self.request.headers.get("HX-Request"):
            response["HX-Refresh"] = "true"
        return response


class PlannedOrderListView(PlannedOrderPages, RecordListView):
    template_name = "planning/planned_order_list.html"
    filterset_class = PlannedOrderFilter
    filter_fields = ("run", *RUN_ORDER_FILTERS[1:])
    default_sort = "start_date"
    has_create = False
    columns = (
        Column(gettext_lazy("Planned order"), "pk", sort="id", link=True),
        Column(gettext_lazy("Run"), "run_id", sort="run"),
        Column(gettext_lazy("Kind"), "get_kind_display", sort="kind"),
        Column(gettext_lazy("Item"), "item", sort="item__code"),
        Column(gettext_lazy("Quantity"), "quantity", sort="quantity"),
        Column(gettext_lazy("Warehouse"), "warehouse.code", sort="warehouse__code"),
        Column(gettext_lazy("Order or start on"), "start_date", sort="start_date"),
        Column(gettext_lazy("Needed on"), "need_date", sort="need_date"),
        Column(gettext_lazy("Supplier"), "supplier"),
        Column(gettext_lazy("Status"), "get_status_display", sort="status"),
    )

    def limit_filters(self, form) -> None:
        limit_warehouses(form, self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            convert_url=reverse("planning:planned-order-convert"),
            back_url=self.request.get_full_path(),
            may_convert=self.may("change"),
        )
        return context


class PlannedOrderDetailView(PlannedOrderPages, RecordDetailView):
    template_name = "planning/planned_order_detail.html"
    fields = (
        "run",
        "kind",
        "item",
        "quantity",
        "warehouse",
        "need_date",
        "start_date",
        "level",
        "supplier",
        "bom",
        "status",
        "converted_by",
        "converted_at",
    )

    def may(self, action: str) -> bool:
        return action != "change" and super().may(action)  # a planned order changes only by its conversion

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["peggings"] = selectors.peggings_of(self.object)
        return context


class PlannedOrderConvertView(PlannedOrderPages, ModelPermissionMixin, ScopedMixin, View):
    """POST the chosen planned orders: draft requisitions and work orders, then back where the user was."""

    action = "change"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        back = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            back = reverse("planning:planned-order-list")
        ids = [value for value in request.POST.getlist("planned_orders") if value.isdigit()]
        orders = list(self.get_queryset().filter(pk__in=ids))
        if not orders or len(orders) != len(set(ids)):
            messages.error(request, _("Choose the planned orders to convert."))
            return redirect(back)
        if not request.user.has_perms(services.permissions_to_convert(orders)):
            messages.error(request, _("You may not create what these planned orders become."))
            return redirect(back)
        try:
            conversion = services.convert_planned_orders(actor=request.user, planned_orders=orders)
        except (ValidationError, DomainError) as error:
            messages.error(request, _("Nothing was converted: %(reason)s") % {"reason": error_text(error)})
            return redirect(back)
        made = [*conversion.requisitions, *conversion.work_orders]
        messages.success(
            request,
            _("Converted into %(documents)s.") % {"documents": ", ".join(document.number for document in made)},
        )
        return redirect(back)
