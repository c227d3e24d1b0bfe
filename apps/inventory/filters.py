"""FilterSets shared by the inventory lists and API."""

import django_filters
from django.utils.translation import gettext_lazy as _

from apps.core.filters import DATE_INPUT, DocumentFilter, SearchFilterSet

from .models import Lot, StockAdjustment, StockBalance, StockCount, StockMove, StockTransfer


class StockAdjustmentFilter(DocumentFilter):
    search_fields = ("number", "reason")

    class Meta:
        model = StockAdjustment
        fields = ["status", "warehouse", "company"]


class StockTransferFilter(DocumentFilter):
    search_fields = ("number", "note")

    class Meta:
        model = StockTransfer
        fields = ["status", "from_warehouse", "to_warehouse", "company"]


class StockCountFilter(DocumentFilter):
    search_fields = ("number", "note")

    class Meta:
        model = StockCount
        fields = ["status", "warehouse", "company"]


class StockBalanceFilter(SearchFilterSet):
    search_fields = ("item__code", "item__name", "location__code", "lot__number")

    class Meta:
        model = StockBalance
        fields = ["warehouse", "location", "item", "lot"]


class StockMoveFilter(SearchFilterSet):
    search_fields = ("source_number", "item__code", "item__name", "lot__number")
    date_from = django_filters.DateFilter(field_name="move_date", lookup_expr="gte", label=_("From"), widget=DATE_INPUT)
    date_to = django_filters.DateFilter(field_name="move_date", lookup_expr="lte", label=_("To"), widget=DATE_INPUT)

    class Meta:
        model = StockMove
        fields = ["kind", "item", "lot", "from_location", "to_location"]


class LotFilter(SearchFilterSet):
    search_fields = ("number", "item__code", "item__name")
    expires_before = django_filters.DateFilter(
        field_name="expiry_date", lookup_expr="lte", label=_("Expires by"), widget=DATE_INPUT
    )

    class Meta:
        model = Lot
        fields = ["item"]
