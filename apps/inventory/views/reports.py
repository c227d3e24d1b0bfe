"""Stock reports: on hand (now or as of a past date), the stock at one location, the ledger of an item,
valuation, and items below their reorder point.

Each report filters, pages and exports (the export is security-logged), reads only the user's
warehouses, and where it shows money says how many events are still waiting to be posted.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet, Sum
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from apps.core import exports
from apps.core.views import EXPORT_FORMATS
from apps.finance.selectors import pending_event_count
from apps.masterdata.models import Company
from apps.masterdata.selectors import companies_visible_to, items_visible_to, locations_visible_to

from .. import selectors
from ..forms import (
    CompanyReportFilterForm,
    ItemSearchFilterForm,
    LedgerFilterForm,
    ReorderFilterForm,
    ReportFilterForm,
    StockOnHandFilterForm,
)
from .documents import source_url

Level = StockOnHandFilterForm.Level


@dataclass
class ReportCell:
    value: Any
    url: str = ""

    @property
    def numeric(self) -> bool:
        return isinstance(self.value, int | Decimal) and not isinstance(self.value, bool)


def ledger_url(item_id: int, warehouse_id: int | None = None) -> str:
    query = {"item": item_id, **({"warehouse": warehouse_id} if warehouse_id else {})}
    return f"{reverse('inventory:item-ledger')}?{urlencode(query)}"


def iterate(records):
    return records.iterator(chunk_size=2000) if isinstance(records, QuerySet) else iter(records)


class ReportView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    """A report page: filters, a paged table, an export of every row, notices and the pending postings."""

    template_name = "inventory/report.html"
    title = ""
    export_name = ""
    filter_form_class = ReportFilterForm
    paginate_by = 50
    shows_money = False
    prompt = ""  # shown instead of the table while `records()` is None (the report needs a choice first)

    def get(self, request, *args, **kwargs):
        self.filters = self.filter_form_class(request.GET, user=request.user)
        self.filters.is_valid()
        file_format = request.GET.get("export")
        if file_format in EXPORT_FORMATS and self.records() is not None:
            return exports.export_response(
                request=request,
                name=self.export_name,
                headers=self.headers(),
                rows=self.export_rows(),
                file_format=file_format,
            )
        return super().get(request, *args, **kwargs)

    def records(self):
        """Every row of the report (a queryset or a list), or None while a required filter is missing."""
        raise NotImplementedError

    def headers(self) -> list[str]:
        raise NotImplementedError

    def cells(self, record) -> list[ReportCell]:
        raise NotImplementedError

    def row_class(self, record) -> str:
        return ""

    def summary(self) -> list[tuple[str, Any]]:
        """Figures shown above the table (opening balance, totals): (label, value)."""
        return []

    def frozen(self) -> list:
        """Locations of the report frozen by a count in progress."""
        return []

    def companies(self) -> list[Company]:
        return list(companies_visible_to(self.request.user))

    def export_rows(self):
        return ([cell.value for cell in self.cells(record)] for record in iterate(self.records()))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        records = self.records()
        page = None
        if records is not None:
            page = Paginator(records, self.paginate_by).get_page(self.request.GET.get("page"))
        context.update(
            title=self.title,
            filters=self.filters,
            headers=self.headers(),
            rows=[{"cells": self.cells(record), "class": self.row_class(record)} for record in page or []],
            page_obj=page,
            # An empty page is falsy: test for None, or an empty report loses its paginator.
            paginator=page.paginator if page is not None else None,
            prompt=self.prompt,
            summary=self.summary(),
            frozen=self.frozen(),
            export_formats=EXPORT_FORMATS if records is not None else (),
            pending_postings=(
                sum(pending_event_count(company=company) for company in self.companies()) if self.shows_money else None
            ),
        )
        return context


# --- Stock on hand --------------------------------------------------------------------------------


@dataclass
class StockRow:
    item_id: int
    item: str
    on_hand: Decimal
    reserved: Decimal | None = None
    value: Decimal | None = None
    warehouse_id: int | None = None
    warehouse: str = ""
    location_id: int | None = None
    location: str = ""
    lot_id: int | None = None
    lot: str = ""

    @property
    def available(self) -> Decimal | None:
        return None if self.reserved is None else self.on_hand - self.reserved


GROUP_FIELDS = {
    Level.ITEM: ("item_id", "item__code", "item__name"),
    Level.WAREHOUSE: ("item_id", "item__code", "item__name", "warehouse_id", "warehouse__code"),
}


class StockOnHandView(ReportView):
    """On hand, reserved, available and value now (from the balance rows), or on hand at the end of a
    past day (from the ledger); by item and location, by item and warehouse, or by item."""

    permission_required = "inventory.view_stockbalance"
    title = gettext_lazy("Stock on hand")
    export_name = "stock-on-hand"
    filter_form_class = StockOnHandFilterForm

    @cached_property
    def level(self) -> str:
        return self.filters.value("by") or Level.LOCATION

    @cached_property
    def as_of(self) -> date | None:
        """The past day asked for; today or later is now."""
        as_of = self.filters.value("as_of")
        return as_of if as_of and as_of < timezone.localdate() else None

    @property
    def shows_money(self) -> bool:
        return self.as_of is None and self.request.user.has_perm("inventory.view_itemcost")

    def warehouse_id(self) -> int | None:
        warehouse = self.filters.value("warehouse")
        return warehouse.pk if warehouse else None

    @cached_property
    def balances(self) -> QuerySet:
        queryset = selectors.stock_on_hand(self.request.user, warehouse_id=self.warehouse_id())
        if search := (self.filters.value("q") or "").strip():
            queryset = queryset.filter(Q(item__code__icontains=search) | Q(item__name__icontains=search))
        if location := self.filters.value("location"):
            queryset = queryset.filter(location=location)
        return queryset

    @cached_property
    def result(self):
        if self.as_of is not None:
            return self.past_rows()
        if self.level == Level.LOCATION:
            return self.balances
        fields = GROUP_FIELDS[self.level]
        return (
            self.balances.values(*fields)
            .annotate(total_on_hand=Sum("on_hand"), total_reserved=Sum("reserved"), total_value=Sum("value"))
            .order_by(*fields[1:])
        )

    def records(self):
        return self.result

    def past_rows(self) -> list[StockRow]:
        """On hand at the end of `as_of`, grouped as asked; locations outside the user's warehouses are left out."""
        user = self.request.user
        moved = selectors.stock_on_hand_as_of(user, as_of=self.as_of, warehouse_id=self.warehouse_id())
        items = items_visible_to(user).in_bulk({row["item_id"] for row in moved})
        locations = locations_visible_to(user).in_bulk({row["location_id"] for row in moved})
        search = (self.filters.value("q") or "").strip().lower()
        chosen_location = self.filters.value("location")
        totals: dict[tuple, StockRow] = {}
        for row in moved:
            item, location = items.get(row["item_id"]), locations.get(row["location_id"])
            if item is None or location is None or (chosen_location and location != chosen_location):
                continue
            if search and search not in item.code.lower() and search not in item.name.lower():
                continue
            key = self.group_key(item, location)
            if key not in totals:
                totals[key] = StockRow(item_id=item.pk, item=str(item), on_hand=Decimal(0), **self.place(location))
            totals[key].on_hand += row["on_hand"]
        return [totals[key] for key in sorted(totals) if totals[key].on_hand != 0]

    def group_key(self, item, location) -> tuple:
        if self.level == Level.ITEM:
            return (item.code,)
        if self.level == Level.WAREHOUSE:
            return (item.code, location.warehouse.code)
        return (item.code, location.warehouse.code, location.path)

    def place(self, location) -> dict:
        """Where a grouped row stands: nothing by item, the warehouse by warehouse, both by location."""
        if self.level == Level.ITEM:
            return {}
        place = {"warehouse_id": location.warehouse_id, "warehouse": location.warehouse.code}
        if self.level == Level.LOCATION:
            place.update(location_id=location.pk, location=location.code)
        return place

    def stock_row(self, record) -> StockRow:
        if isinstance(record, StockRow):
            return record
        if isinstance(record, dict):
            return StockRow(
                item_id=record["item_id"],
                item=f"{record['item__code']} {record['item__name']}",
                on_hand=record["total_on_hand"],
                reserved=record["total_reserved"],
                value=record["total_value"],
                warehouse_id=record.get("warehouse_id"),
                warehouse=record.get("warehouse__code", ""),
            )
        return StockRow(
            item_id=record.item_id,
            item=str(record.item),
            on_hand=record.on_hand,
            reserved=record.reserved,
            value=record.value,
            warehouse_id=record.warehouse_id,
            warehouse=record.warehouse.code,
            location_id=record.location_id,
            location=record.location.code,
            lot_id=record.lot_id,
            lot=record.lot.number if record.lot_id else "",
        )

    def headers(self) -> list[str]:
        headers = [_("Item")]
        if self.level != Level.ITEM:
            headers.append(_("Warehouse"))
        if self.level == Level.LOCATION:
            headers.append(_("Location"))
            if self.as_of is None:
                headers.append(_("Lot"))
        headers.append(_("On hand"))
        if self.as_of is None:
            headers += [_("Reserved"), _("Available")]
        if self.shows_money:
            headers.append(_("Value"))
        return headers

    def cells(self, record) -> list[ReportCell]:
        row = self.stock_row(record)
        cells = [ReportCell(row.item, ledger_url(row.item_id, row.warehouse_id))]
        if self.level != Level.ITEM:
            cells.append(ReportCell(row.warehouse))
        if self.level == Level.LOCATION:
            cells.append(ReportCell(row.location, reverse("inventory:location-stock", args=[row.location_id])))
            if self.as_of is None:
                url = reverse("inventory:lot-detail", args=[row.lot_id]) if row.lot_id else ""
                cells.append(ReportCell(row.lot, url))
        cells.append(ReportCell(row.on_hand))
        if self.as_of is None:
            cells += [ReportCell(row.reserved), ReportCell(row.available)]
        if self.shows_money:
            cells.append(ReportCell(row.value))
        return cells

    def summary(self) -> list[tuple[str, Any]]:
        if self.as_of is not None:
            return [(_("On hand at the end of"), self.as_of)]
        if not self.shows_money:
            return []
        return [(_("Total value"), self.balances.aggregate(total=Sum("value"))["total"] or Decimal(0))]

    def frozen(self) -> list:
        location = self.filters.value("location")
        return list(
            selectors.frozen_locations(
                self.request.user, warehouse_id=self.warehouse_id(), location_id=location.pk if location else None
            )
        )


class LocationStockView(ReportView):
    """What one location holds now, and whether a count has frozen it."""

    permission_required = "inventory.view_stockbalance"
    filter_form_class = ItemSearchFilterForm

    @cached_property
    def location(self):
        return get_object_or_404(locations_visible_to(self.request.user), pk=self.kwargs["pk"])

    @property
    def title(self) -> str:
        return _("Stock at %(location)s") % {"location": self.location}

    @property
    def export_name(self) -> str:
        return f"stock-{self.location.warehouse.code}-{self.location.code}"

    @property
    def shows_money(self) -> bool:
        return self.request.user.has_perm("inventory.view_itemcost")

    def records(self):
        balances = selectors.stock_on_hand(self.request.user, warehouse_id=self.location.warehouse_id).filter(
            location=self.location
        )
        if search := (self.filters.value("q") or "").strip():
            balances = balances.filter(Q(item__code__icontains=search) | Q(item__name__icontains=search))
        return balances

    def headers(self) -> list[str]:
        headers = [_("Item"), _("Lot"), _("On hand"), _("Reserved"), _("Available")]
        return [*headers, _("Value")] if self.shows_money else headers

    def cells(self, balance) -> list[ReportCell]:
        cells = [
            ReportCell(str(balance.item), ledger_url(balance.item_id, balance.warehouse_id)),
            ReportCell(
                balance.lot.number if balance.lot_id else "",
                reverse("inventory:lot-detail", args=[balance.lot_id]) if balance.lot_id else "",
            ),
            ReportCell(balance.on_hand),
            ReportCell(balance.reserved),
            ReportCell(balance.available),
        ]
        return [*cells, ReportCell(balance.value)] if self.shows_money else cells

    def frozen(self) -> list:
        return list(selectors.frozen_locations(self.request.user, location_id=self.location.pk))

    def companies(self) -> list[Company]:
        return [self.location.warehouse.company]


# --- The ledger of an item ------------------------------------------------------------------------


class ItemLedgerView(ReportView):
    """Every move of an item, seen from the chosen warehouse (or all the user's): in, out, running
    balance and value, each with its source document and lot."""

    permission_required = "inventory.view_stockmove"
    title = gettext_lazy("Stock ledger")
    filter_form_class = LedgerFilterForm
    shows_money = True
    prompt = gettext_lazy("Choose an item to see its ledger.")

    @property
    def export_name(self) -> str:
        item = self.filters.value("item")
        return f"stock-ledger-{item.code}" if item else "stock-ledger"

    @cached_property
    def ledger(self) -> tuple[Decimal, Decimal, QuerySet] | None:
        item = self.filters.value("item")
        if item is None:
            return None
        warehouse = self.filters.value("warehouse")
        return selectors.item_ledger(
            self.request.user,
            item=item,
            warehouse_id=warehouse.pk if warehouse else None,
            start=self.filters.value("date_from"),
            end=self.filters.value("date_to"),
        )

    def records(self):
        return None if self.ledger is None else self.ledger[2]

    def headers(self) -> list[str]:
        return [
            _("Date"),
            _("Document"),
            _("Kind"),
            _("Lot"),
            _("From"),
            _("To"),
            _("In"),
            _("Out"),
            _("Unit cost"),
            _("Value"),
            _("Balance"),
            _("Balance value"),
        ]

    def cells(self, move) -> list[ReportCell]:
        change = move.quantity_change
        return [
            ReportCell(move.move_date),
            ReportCell(move.source_number, source_url(move.source_type_id, move.source_id)),
            ReportCell(move.get_kind_display()),
            ReportCell(move.lot.number if move.lot_id else "", self.lot_url(move.lot_id)),
            ReportCell(str(move.from_location) if move.from_location_id else ""),
            ReportCell(str(move.to_location) if move.to_location_id else ""),
            ReportCell(change if change > 0 else None),
            ReportCell(-change if change < 0 else None),
            ReportCell(move.unit_cost),
            ReportCell(move.value_change),
            ReportCell(move.running_quantity),
            ReportCell(move.running_value),
        ]

    @staticmethod
    def lot_url(lot_id: int | None) -> str:
        return reverse("inventory:lot-detail", args=[lot_id]) if lot_id else ""

    def opening(self) -> tuple[Decimal, Decimal]:
        return self.ledger[0], self.ledger[1]

    def summary(self) -> list[tuple[str, Any]]:
        if self.ledger is None:
            return []
        quantity, value = self.opening()
        return [(_("Opening balance"), quantity), (_("Opening value"), value)]

    def export_rows(self):
        quantity, value = self.opening()
        yield ["", "", _("Opening balance"), "", "", "", "", "", "", "", quantity, value]
        yield from super().export_rows()

    def companies(self) -> list[Company]:
        item = self.filters.value("item")
        return [item.company] if item else []


# --- Valuation and reorder ------------------------------------------------------------------------


@dataclass
class ValuationRow:
    category: str
    warehouse: str
    quantity: Decimal | None
    value: Decimal
    subtotal: bool = False


class ValuationView(ReportView):
    """Quantity and value per item category and warehouse, with a subtotal per category and the total."""

    permission_required = "inventory.view_itemcost"
    title = gettext_lazy("Stock valuation")
    export_name = "stock-valuation"
    filter_form_class = CompanyReportFilterForm
    shows_money = True
    paginate_by = 500

    @cached_property
    def result(self) -> list[ValuationRow]:
        company = self.filters.chosen_company()
        if company is None:
            return []
        warehouse, category = self.filters.value("warehouse"), self.filters.value("category")
        grouped: dict[str, list[ValuationRow]] = defaultdict(list)
        for row in selectors.valuation(self.request.user, company=company):
            if warehouse and row["warehouse_id"] != warehouse.pk:
                continue
            if category and row["item__category_id"] != category.pk:
                continue
            name = row["item__category__name"] or _("No category")
            label = f"{row['warehouse__code']} {row['warehouse__name']}"
            grouped[name].append(ValuationRow(name, label, row["quantity"], row["value"]))
        rows = []
        for name, category_rows in grouped.items():
            rows += category_rows
            total = sum((row.value for row in category_rows), Decimal(0))
            rows.append(ValuationRow(name, _("All warehouses"), None, total, subtotal=True))
        return rows

    def records(self):
        return self.result

    def headers(self) -> list[str]:
        return [_("Category"), _("Warehouse"), _("Quantity"), _("Value")]

    def cells(self, row: ValuationRow) -> list[ReportCell]:
        return [ReportCell(row.category), ReportCell(row.warehouse), ReportCell(row.quantity), ReportCell(row.value)]

    def row_class(self, row: ValuationRow) -> str:
        return "table-light fw-semibold" if row.subtotal else ""

    def summary(self) -> list[tuple[str, Any]]:
        company = self.filters.chosen_company()
        total = sum((row.value for row in self.result if not row.subtotal), Decimal(0))
        return [(_("Company"), company), (_("Total value"), total)] if company else []

    def companies(self) -> list[Company]:
        company = self.filters.chosen_company()
        return [company] if company else []


class ReorderView(ReportView):
    """Stock items whose available quantity in the user's warehouses is under their reorder point."""

    permission_required = "inventory.view_stockbalance"
    title = gettext_lazy("Below reorder point")
    export_name = "below-reorder-point"
    filter_form_class = ReorderFilterForm

    def records(self):
        company = self.filters.chosen_company()
        if company is None:
            return []
        warehouse = self.filters.value("warehouse")
        items = selectors.reorder_suggestions(
            self.request.user, company=company, warehouse_id=warehouse.pk if warehouse else None
        )
        if search := (self.filters.value("q") or "").strip():
            items = items.filter(Q(code__icontains=search) | Q(name__icontains=search))
        if category := self.filters.value("category"):
            items = items.filter(category__path__startswith=category.path)
        return items

    def headers(self) -> list[str]:
        return [
            _("Item"),
            _("Category"),
            _("Unit"),
            _("Available"),
            _("Reorder point"),
            _("Reorder quantity"),
            _("Suggested quantity"),
        ]

    def cells(self, item) -> list[ReportCell]:
        warehouse = self.filters.value("warehouse")
        return [
            ReportCell(str(item), ledger_url(item.pk, warehouse.pk if warehouse else None)),
            ReportCell(item.category.name if item.category_id else ""),
            ReportCell(item.base_unit.code),
            ReportCell(item.available),
            ReportCell(item.reorder_point),
            ReportCell(item.reorder_quantity),
            ReportCell(item.suggested_quantity),
        ]
