"""Planning over REST: runs (start one, follow its progress), planned orders (filter, read with their
pegging, history) and one action converting the chosen planned orders."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response

from apps.core.api import ErpReadOnlyViewSet, HistoryAction
from apps.inventory.api import validated
from apps.masterdata.serializers import chosen_company

from . import filters, selectors, services
from .serializers import (
    ConvertPlannedOrdersSerializer,
    PlanConversionSerializer,
    PlannedOrderDetailSerializer,
    PlannedOrderSerializer,
    RunProgressSerializer,
    RunSerializer,
    StartRunSerializer,
)


class RunViewSet(HistoryAction, mixins.CreateModelMixin, ErpReadOnlyViewSet):
    """MRP runs: `POST` starts one (it runs on a worker), `progress/` is what a page polls."""

    serializer_class = RunSerializer
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_class = filters.RunFilter
    ordering_fields = ["id", "requested_at", "finished_at"]
    ordering = ["-id"]
    action_permissions = {"progress": ["planning.view_mrprun"], "history": ["planning.view_mrprun"]}

    def get_queryset(self):
        return selectors.runs_visible_to(self.request.user)

    @extend_schema(request=StartRunSerializer, responses={202: RunSerializer})
    def create(self, request, *args, **kwargs):
        """Queue a run of the company's plan; follow it with `progress/`."""
        data = validated(StartRunSerializer, request.data, self.get_serializer_context())
        run = services.start_run(
            actor=request.user,
            company=chosen_company(request.user, data.get("company")),
            horizon_days=data["horizon_days"],
            reorder_warehouse=data.get("reorder_warehouse"),
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=run.pk)).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses=RunProgressSerializer)
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def progress(self, request, *args, **kwargs):
        """Status, percent done and what the run is doing now; `as_of` once it has read its data."""
        return Response(RunProgressSerializer(self.get_object()).data)


class PlannedOrderViewSet(HistoryAction, ErpReadOnlyViewSet):
    """Planned purchases and work orders of the runs, in the user's warehouses; `convert/` turns chosen
    ones into draft requisitions and work orders."""

    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_class = filters.PlannedOrderFilter
    ordering_fields = ["id", "start_date", "need_date", "item__code", "quantity"]
    ordering = ["start_date", "id"]
    action_permissions = {
        "convert": ["planning.change_plannedorder"],
        "history": ["planning.view_plannedorder"],
    }

    def get_queryset(self):
        return selectors.planned_orders_visible_to(self.request.user)

    def get_serializer_class(self):
        return PlannedOrderDetailSerializer if self.action == "retrieve" else PlannedOrderSerializer

    @extend_schema(request=ConvertPlannedOrdersSerializer, responses=PlanConversionSerializer)
    @action(detail=False, methods=["post"])
    def convert(self, request, *args, **kwargs):
        """Purchases become draft requisitions (one per warehouse), work orders draft work orders from MRP.
        All or nothing: one already converted, or from a superseded run, refuses the whole request (409)."""
        data = validated(ConvertPlannedOrdersSerializer, request.data, self.get_serializer_context())
        orders = data["planned_orders"]
        if not request.user.has_perms(services.permissions_to_convert(orders)):
            raise PermissionDenied(_("You may not create what these planned orders become."))
        conversion = services.convert_planned_orders(
            actor=request.user, planned_orders=orders, document_date=data.get("document_date")
        )
        return Response(PlanConversionSerializer(conversion).data)
