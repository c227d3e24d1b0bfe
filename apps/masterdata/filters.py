"""django-filter FilterSets shared by the browser lists and the API, so both filter alike."""

import django_filters
from django.utils.translation import gettext_lazy as _

from apps.core.filters import SearchFilterSet

from .models import Item, ItemCategory, Location, Partner, Warehouse


class ItemFilter(SearchFilterSet):
    search_fields = ("code", "name", "barcode")
    category = django_filters.NumberFilter(method="in_category", label=_("Category (with subcategories)"))

    class Meta:
        model = Item
        fields = ["item_type", "active", "lot_tracked", "company", "base_unit", "tax_rate"]

    def in_category(self, queryset, name, value):
        category = ItemCategory.objects.filter(pk=value).only("path").first()
        if category is None:
            return queryset.none()
        return queryset.filter(category__path__startswith=category.path)


class PartnerFilter(SearchFilterSet):
    search_fields = ("code", "name", "tax_id", "phone", "email")

    class Meta:
        model = Partner
        fields = ["is_customer", "is_supplier", "active", "company", "owner", "tax_id_kind", "payment_terms"]


class ItemCategoryFilter(SearchFilterSet):
    search_fields = ("code", "name")

    class Meta:
        model = ItemCategory
        fields = ["active", "company", "parent"]


class WarehouseFilter(SearchFilterSet):
    search_fields = ("code", "name", "address")

    class Meta:
        model = Warehouse
        fields = ["active", "company"]


class LocationFilter(SearchFilterSet):
    search_fields = ("code", "name")

    class Meta:
        model = Location
        fields = ["warehouse", "kind", "active", "parent"]
