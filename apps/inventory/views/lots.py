"""Lots: the list, and each lot's page tracing its moves from receipt to every issue."""

from django.utils.translation import gettext_lazy as _

from apps.core.views import Column, RecordDetailView, RecordListView
from apps.masterdata.models import Item
from apps.masterdata.selectors import items_visible_to

from .. import selectors
from ..filters import LotFilter
from ..models import Lot
from .documents import source_url


class LotPages:
    model = Lot
    selector = staticmethod(selectors.lots_with_stock_visible_to)
    url_prefix = "inventory:lot"


class LotListView(LotPages, RecordListView):
    filterset_class = LotFilter
    filter_fields = ("item", "expires_before")
    default_sort = "item__code,number"
    has_create = False
    columns = (
        Column(_("Lot number"), "number", sort="number", link=True),
        Column(_("Item"), "item", sort="item__code,number"),
        Column(_("Expiry date"), "expiry_date", sort="expiry_date"),
        Column(_("On hand"), "on_hand", sort="on_hand"),
        Column(_("Created at"), "created_at", sort="created_at"),
    )

    def limit_filters(self, form) -> None:
        super().limit_filters(form)
        form.fields["item"].queryset = (
            items_visible_to(self.request.user).filter(lot_tracked=True, item_type=Item.ItemType.STOCK).order_by("code")
        )


class LotDetailView(LotPages, RecordDetailView):
    """The lot, where it is now, and every move of it in the user's warehouses."""

    template_name = "inventory/lot_detail.html"
    fields = ("item", "number", "expiry_date", "created_at")

    def may(self, action: str) -> bool:
        return action != "change" and super().may(action)  # a lot is written by the documents that move it

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if context["tab"] == "details":
            user = self.request.user
            context["balances"] = selectors.balances_visible_to(user).filter(lot=self.object).exclude(on_hand=0)
            context["trace"] = [
                (move, source_url(move.source_type_id, move.source_id))
                for move in selectors.lot_trace_visible_to(user, lot=self.object)
            ]
        return context
