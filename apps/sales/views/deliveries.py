"""Delivery pages: list, entry of the suggested picks of an order (reserved stock first, lots by earliest
expiry; ship less and the rest stays a backorder), detail with Ship and Cancel."""

from django.utils.translation import gettext_lazy as _

from apps.core.documents import can_transition
from apps.core.views import Column
from apps.inventory.views.documents import DocumentAction, DocumentActionView, StatusColumn

from .. import selectors, services
from ..filters import DeliveryFilter
from ..forms import DeliveryForm, Entry, OrderChoiceForm
from ..models import Delivery, SalesOrder
from .common import EntryView, SalesDetailView, SalesListView

Status = Delivery.Status


class DeliveryPages:
    model = Delivery
    selector = staticmethod(selectors.deliveries_visible_to)
    url_prefix = "sales:delivery"
    editable_statuses = ()


ACTIONS = (
    DocumentAction(
        slug="post",
        label=_("Ship"),
        run=lambda delivery, *, actor, reason: services.post_delivery(actor=actor, delivery=delivery),
        offered=lambda delivery: can_transition(delivery, Status.POSTED),
        confirm=_("Ship this delivery? Stock leaves the warehouse at once."),
    ),
    DocumentAction(
        slug="cancel",
        label=_("Cancel"),
        run=lambda delivery, *, actor, reason: services.cancel_delivery(actor=actor, delivery=delivery, reason=reason),
        offered=lambda delivery: can_transition(delivery, Status.CANCELLED),
        style="outline-danger",
        asks_reason=True,
    ),
)


class DeliveryListView(DeliveryPages, SalesListView):
    filterset_class = DeliveryFilter
    filter_fields = ("status", "status_group", "customer", "warehouse", "date_from", "date_to")
    warehouse_filters = ("warehouse",)
    columns = (
        Column(_("Number"), "number", sort="number", link=True),
        Column(_("Date"), "document_date", sort="document_date"),
        Column(_("Customer"), "customer", sort="customer__code"),
        Column(_("Sales order"), "order.number", sort="order__number"),
        Column(_("Warehouse"), "warehouse.code", sort="warehouse__code"),
        StatusColumn(_("Status"), "status", sort="status"),
        Column(_("Cost of goods"), "total_cost", sort="total_cost"),
    )

    def limit_filters(self, form) -> None:
        super().limit_filters(form)
        form.fields["order"].queryset = SalesOrder.objects.none()


class DeliveryDetailView(DeliveryPages, SalesDetailView):
    actions = ACTIONS
    fields = ("number", "customer", "order", "warehouse", "document_date", "status", "shipping_address", "total_cost")
    line_columns = (
        Column(_("Item"), "item"),
        Column(_("Pick from"), "location"),
        Column(_("Lot"), "lot.number"),
        Column(_("Quantity"), "quantity"),
        Column(_("Unit cost"), "unit_cost"),
        Column(_("Cost"), "cost"),
        Column(_("Invoiced"), "invoiced_quantity"),
        Column(_("Returned"), "returned_quantity"),
    )

    def line_records(self):
        return self.object.lines.select_related("item", "location", "lot")


class DeliveryActionView(DeliveryPages, DocumentActionView):
    actions = ACTIONS


def deliverable_orders(user):
    return selectors.orders_to_ship_visible_to(user).filter(
        status__in=[SalesOrder.Status.CONFIRMED, SalesOrder.Status.PARTIALLY_DELIVERED]
    )


class DeliveryCreateView(DeliveryPages, EntryView):
    """Ship an order: its suggested picks, each quantity editable (empty or 0 skips the pick)."""

    form_class = DeliveryForm
    title = _("New delivery")

    def choice(self):
        return deliverable_orders(self.request.user).filter(pk=self.request.GET.get("order") or 0).first()

    def choice_form(self):
        return OrderChoiceForm(orders=deliverable_orders(self.request.user).order_by("-document_date", "-id"))

    def entries(self) -> list[Entry]:
        picks = services.suggest_picks(self.chosen)
        return [
            Entry(
                key=f"pick_{pick.order_line.pk}_{pick.location.pk}_{pick.lot.pk if pick.lot else 0}",
                cells=[pick.order_line.item, pick.location, pick.lot.number if pick.lot else None, pick.quantity],
                initial=pick.quantity,
                payload={"order_line": pick.order_line, "location": pick.location, "lot": pick.lot},
                limit=pick.order_line.open_quantity,
            )
            for pick in picks
        ]

    def save(self, form) -> Delivery:
        return services.create_delivery(
            actor=self.request.user,
            order=self.chosen,
            document_date=form.cleaned_data["document_date"],
            shipping_address=form.cleaned_data.get("shipping_address", ""),
            lines=form.chosen(),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["subtitle"] = self.chosen
        return context
