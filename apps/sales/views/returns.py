"""Sales return pages: goods of a customer's shipped lines coming back into stock at their delivered
cost; posting credits the part already invoiced."""

from django.db.models import F
from django.utils.translation import gettext_lazy as _

from apps.core.documents import can_transition
from apps.core.views import Column
from apps.inventory.views.documents import DocumentAction, DocumentActionView, StatusColumn
from apps.masterdata.selectors import warehouses_visible_to

from .. import selectors, services
from ..filters import SalesReturnFilter
from ..forms import CustomerChoiceForm, Entry, ReturnForm, customers_of
from ..models import Delivery, DeliveryLine, SalesReturn
from .common import EntryView, SalesDetailView, SalesListView

Status = SalesReturn.Status


class ReturnPages:
    model = SalesReturn
    selector = staticmethod(selectors.returns_visible_to)
    url_prefix = "sales:return"
    editable_statuses = ()


ACTIONS = (
    DocumentAction(
        slug="post",
        label=_("Post"),
        run=lambda sales_return, *, actor, reason: services.post_return(actor=actor, sales_return=sales_return),
        offered=lambda sales_return: can_transition(sales_return, Status.POSTED),
        confirm=_("Post this return? The goods go back into stock and the invoiced part is credited."),
    ),
    DocumentAction(
        slug="cancel",
        label=_("Cancel"),
        run=lambda sales_return, *, actor, reason: services.cancel_draft_return(
            actor=actor, sales_return=sales_return, reason=reason
        ),
        offered=lambda sales_return: can_transition(sales_return, Status.CANCELLED),
        style="outline-danger",
        asks_reason=True,
    ),
)


class ReturnListView(ReturnPages, SalesListView):
    filterset_class = SalesReturnFilter
    filter_fields = ("status", "status_group", "customer", "warehouse", "date_from", "date_to")
    warehouse_filters = ("warehouse",)
    columns = (
        Column(_("Number"), "number", sort="number", link=True),
        Column(_("Date"), "document_date", sort="document_date"),
        Column(_("Customer"), "customer", sort="customer__code"),
        Column(_("Warehouse"), "warehouse.code", sort="warehouse__code"),
        Column(_("Reason"), "reason"),
        StatusColumn(_("Status"), "status", sort="status"),
        Column(_("Cost of goods returned"), "total_cost", sort="total_cost"),
    )


class ReturnDetailView(ReturnPages, SalesDetailView):
    actions = ACTIONS
    fields = ("number", "customer", "warehouse", "document_date", "status", "reason", "total_cost")
    line_columns = (
        Column(_("Item"), "item"),
        Column(_("Delivery"), "delivery_line.delivery.number"),
        Column(_("Return to"), "location"),
        Column(_("Quantity"), "quantity"),
        Column(_("Cost"), "cost"),
    )

    def line_records(self):
        return self.object.lines.select_related("item", "location", "delivery_line__delivery")


class ReturnActionView(ReturnPages, DocumentActionView):
    actions = ACTIONS


class ReturnCreateView(ReturnPages, EntryView):
    """Goods back from a customer, against the lines shipped to them."""

    form_class = ReturnForm
    title = _("New sales return")

    def choice(self):
        return customers_of(self.request.user).filter(pk=self.request.GET.get("customer") or 0).first()

    def choice_form(self):
        return CustomerChoiceForm(user=self.request.user)

    def get_form_kwargs(self) -> dict:
        kwargs = super().get_form_kwargs()
        kwargs["warehouses"] = warehouses_visible_to(self.request.user).filter(company=self.chosen.company)
        return kwargs

    def entries(self) -> list[Entry]:
        deliveries = selectors.deliveries_visible_to(self.request.user).filter(
            customer=self.chosen, status=Delivery.Status.POSTED
        )
        lines = (
            DeliveryLine.objects.filter(delivery__in=deliveries.values("pk"), quantity__gt=F("returned_quantity"))
            .select_related("item", "delivery", "lot")
            .order_by("-delivery__document_date", "-id")
        )
        return [
            Entry(
                key=f"line_{line.pk}",
                cells=[
                    line.item,
                    line.delivery.number,
                    line.lot.number if line.lot else None,
                    line.quantity - line.returned_quantity,
                ],
                initial=None,
                payload={"delivery_line": line},
                limit=line.quantity - line.returned_quantity,
            )
            for line in lines
        ]

    def save(self, form) -> SalesReturn:
        data = form.cleaned_data
        return services.create_return(
            actor=self.request.user,
            company=self.chosen.company,
            customer=self.chosen,
            warehouse=data["warehouse"],
            document_date=data["document_date"],
            reason=data["reason"],
            lines=form.chosen(),
        )
