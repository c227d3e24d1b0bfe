"""Sales order pages: list, form with inline lines (prices from the price lists, availability and credit
shown as you type), detail with Confirm, Close and Cancel, and a printable order."""

from django.db.models import Prefetch
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView

from apps.core.documents import can_transition
from apps.core.views import Column, ModelPermissionMixin, RecordCreateView, RecordEditView, ScopedMixin
from apps.inventory.views.documents import DocumentAction, DocumentActionView, DocumentLinesMixin, StatusColumn

from .. import selectors, services
from ..filters import SalesOrderFilter
from ..forms import OrderForm, OrderLineFormSet, item_choices, tax_rate_choices
from ..models import SalesOrder, SalesOrderLine
from .common import SalesDetailView, SalesListView

Status = SalesOrder.Status
LINE_FIELDS = ("item", "quantity", "price", "discount_percent", "tax_rate")
DELIVERABLE = (Status.CONFIRMED, Status.PARTIALLY_DELIVERED)


class OrderPages:
    model = SalesOrder
    selector = staticmethod(selectors.orders_visible_to)
    url_prefix = "sales:order"
    editable_statuses = (Status.DRAFT, Status.PENDING_APPROVAL)


ACTIONS = (
    DocumentAction(
        slug="confirm",
        label=_("Confirm"),
        run=lambda order, *, actor, reason: services.confirm_order(actor=actor, order=order),
        offered=lambda order: order.status == Status.DRAFT,
    ),
    DocumentAction(
        slug="reserve",
        label=_("Reserve backorders"),
        run=lambda order, *, actor, reason: services.reserve_backorders(actor=actor, order=order),
        offered=lambda order: order.status in DELIVERABLE,
        style="outline-primary",
    ),
    DocumentAction(
        slug="close",
        label=_("Close short"),
        run=lambda order, *, actor, reason: services.close_order(actor=actor, order=order, reason=reason),
        offered=lambda order: can_transition(order, Status.CLOSED) and order.status != Status.DRAFT,
        style="outline-secondary",
        asks_reason=True,
    ),
    DocumentAction(
        slug="cancel",
        label=_("Cancel"),
        run=lambda order, *, actor, reason: services.cancel_order(actor=actor, order=order, reason=reason),
        offered=lambda order: order.status in (Status.DRAFT, Status.PENDING_APPROVAL, Status.CONFIRMED),
        style="outline-danger",
        asks_reason=True,
    ),
)


class OrderListView(OrderPages, SalesListView):
    filterset_class = SalesOrderFilter
    filter_fields = ("status", "status_group", "customer", "warehouse", "date_from", "date_to")
    warehouse_filters = ("warehouse",)
    columns = (
        Column(_("Number"), "number", sort="number", link=True),
        Column(_("Date"), "document_date", sort="document_date"),
        Column(_("Customer"), "customer", sort="customer__code"),
        Column(_("Ship from"), "warehouse.code", sort="warehouse__code"),
        Column(_("Requested"), "requested_date", sort="requested_date"),
        StatusColumn(_("Status"), "status", sort="status"),
        Column(_("Total"), "total", sort="total"),
        Column(_("Currency"), "currency.code"),
        Column(_("Salesperson"), "salesperson.username"),
    )

    def limit_filters(self, form) -> None:
        super().limit_filters(form)
        from ..serializers import ship_from_warehouses

        form.fields["warehouse"].queryset = ship_from_warehouses(self.request.user).order_by("code")


LINE_COLUMNS = (
    Column(_("Item"), "item"),
    Column(_("Quantity"), "quantity"),
    Column(_("Unit"), "unit.code"),
    Column(_("List price"), "list_price"),
    Column(_("Unit price"), "price"),
    Column(_("Discount (%)"), "discount_percent"),
    Column(_("Amount"), "net_amount"),
    Column(_("Tax"), "tax_amount"),
)


class OrderDetailView(OrderPages, SalesDetailView):
    actions = ACTIONS
    print_page = "sales:order-print"
    fields = (
        "number",
        "customer",
        "warehouse",
        "document_date",
        "requested_date",
        "status",
        "currency",
        "exchange_rate",
        "payment_terms",
        "customer_reference",
        "salesperson",
        "quotation",
        "subtotal",
        "tax_total",
        "total",
        "base_total",
        "note",
    )
    line_columns = (
        *LINE_COLUMNS,
        Column(_("Reserved"), "reserved_quantity"),
        Column(_("Delivered"), "delivered_quantity"),
        Column(_("Invoiced"), "invoiced_quantity"),
    )

    def line_records(self):
        return self.object.lines.select_related("item", "unit")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        order = self.object
        context["credit_check"] = order.credit_check
        if order.status in DELIVERABLE and self.request.user.has_perm("sales.add_delivery"):
            context["deliver_url"] = f"{reverse('sales:delivery-create')}?order={order.pk}"
        return context


class OrderActionView(OrderPages, DocumentActionView):
    actions = ACTIONS


class PricedLinesMixin(DocumentLinesMixin):
    """Inline priced lines: items and tax rates read once per page; prices, availability and credit live."""

    template_name = "sales/priced_form.html"
    line_fields = LINE_FIELDS
    live_total = True

    def line_choices(self, form) -> dict:
        return {
            "item": item_choices(
                self.request.user, company_ids=form.company_ids(), current_ids=self.saved_line_ids("item")
            ),
            "tax_rate": tax_rate_choices(self.request.user),
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            lookup_urls={
                "price": reverse("sales-api:order-price"),
                "credit": reverse("sales-api:order-credit"),
                "availability": reverse("sales-api:order-availability"),
            },
            document_customer=self.object.customer_id if self.object else "",
            document_warehouse=getattr(self.object, "warehouse_id", "") if self.object else "",
        )
        return context


class OrderFormMixin(PricedLinesMixin):
    form_class = OrderForm
    formset_class = OrderLineFormSet


class OrderCreateView(OrderPages, OrderFormMixin, RecordCreateView):
    def save(self, form, lines: list[dict]) -> SalesOrder:
        data = form.cleaned_data
        return services.create_order(
            actor=self.request.user,
            company=data["customer"].company,
            customer=data["customer"],
            warehouse=data["warehouse"],
            document_date=data["document_date"],
            requested_date=data.get("requested_date"),
            customer_reference=data.get("customer_reference", ""),
            note=data.get("note", ""),
            lines=lines,
        )


class OrderEditView(OrderPages, OrderFormMixin, RecordEditView):
    def save(self, form, lines: list[dict]) -> SalesOrder:
        data = form.cleaned_data
        return services.update_order(
            actor=self.request.user,
            order=self.object,
            document_date=data["document_date"],
            requested_date=data.get("requested_date"),
            customer_reference=data.get("customer_reference", ""),
            note=data.get("note", ""),
            lines=lines,
        )


class OrderPrintView(OrderPages, ModelPermissionMixin, ScopedMixin, DetailView):
    """The order as the customer receives it: an HTML page laid out for printing."""

    template_name = "sales/order_print.html"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("payment_terms", "company")
            .prefetch_related(Prefetch("lines", SalesOrderLine.objects.select_related("item", "unit", "tax_rate")))
        )
