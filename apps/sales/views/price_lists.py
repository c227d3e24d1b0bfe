"""Price list pages: list, detail with its price breaks, and a form with inline lines."""

from django.utils.translation import gettext_lazy as _

from apps.core.views import Column, RecordCreateView, RecordDetailView, RecordEditView, RecordListView
from apps.inventory.views.documents import DocumentLinesMixin

from .. import selectors, services
from ..filters import PriceListFilter
from ..forms import PriceListForm, PriceListLineFormSet, item_choices
from ..models import PriceList

LINE_FIELDS = ("item", "min_quantity", "price", "floor_price")


class PriceListPages:
    model = PriceList
    selector = staticmethod(selectors.price_lists_visible_to)
    url_prefix = "sales:price-list"


class PriceListListView(PriceListPages, RecordListView):
    filterset_class = PriceListFilter
    filter_fields = ("customer", "customer_group", "active")
    default_sort = "priority"
    columns = (
        Column(_("Name"), "name", sort="name", link=True),
        Column(_("Customer"), "customer", sort="customer__code"),
        Column(_("Customer group"), "customer_group", sort="customer_group__name"),
        Column(_("Currency"), "currency.code"),
        Column(_("Valid from"), "valid_from", sort="valid_from"),
        Column(_("Valid until"), "valid_until", sort="valid_until"),
        Column(_("Priority"), "priority", sort="priority"),
        Column(_("Active"), "active"),
    )

    def limit_filters(self, form) -> None:
        from ..forms import customers_of
        from ..serializers import customer_groups_visible_to

        form.fields["customer"].queryset = customers_of(self.request.user)
        form.fields["customer_group"].queryset = customer_groups_visible_to(self.request.user)


class PriceListDetailView(PriceListPages, RecordDetailView):
    template_name = "sales/price_list_detail.html"
    fields = ("name", "company", "currency", "customer", "customer_group", "valid_from", "valid_until", "priority")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["lines"] = self.object.lines.select_related("item")
        return context


class PriceListFormMixin(DocumentLinesMixin):
    form_class = PriceListForm
    formset_class = PriceListLineFormSet
    line_fields = LINE_FIELDS
    template_name = "inventory/document_form.html"

    def refuse_if_not_editable(self):
        return None

    def line_choices(self, form) -> dict:
        return {
            "item": item_choices(
                self.request.user, company_ids=form.company_ids(), current_ids=self.saved_line_ids("item")
            )
        }

    def save(self, form, lines: list[dict]) -> PriceList:
        data = form.cleaned_data
        return services.save_price_list(
            actor=self.request.user,
            price_list=self.object,
            company=self.object.company if self.object else data["company"],
            name=data["name"],
            currency=data["currency"],
            customer=data.get("customer"),
            customer_group=data.get("customer_group"),
            valid_from=data.get("valid_from"),
            valid_until=data.get("valid_until"),
            priority=data.get("priority") or 100,
            active=data.get("active", True),
            lines=lines,
        )


class PriceListCreateView(PriceListPages, PriceListFormMixin, RecordCreateView):
    pass


class PriceListEditView(PriceListPages, PriceListFormMixin, RecordEditView):
    pass
