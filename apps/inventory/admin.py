"""Admin for stock: the ledger and its balances view-only; documents with history, their status moved
only by actions that call the services; settings saved through a service with history."""

from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from apps.core.access import scoped
from apps.core.admin import ReadOnlyAdmin
from apps.core.errors import DomainError
from apps.masterdata.admin import MasterDataAdmin
from apps.masterdata.models import Company
from apps.masterdata.selectors import ACCESS_COMPANY, warehouses_visible_to

from . import selectors, services
from .models import (
    InventorySettings,
    ItemCost,
    LocationFreeze,
    Lot,
    Reservation,
    StockAdjustment,
    StockAdjustmentLine,
    StockBalance,
    StockCount,
    StockCountLine,
    StockMove,
    StockTransfer,
    StockTransferLine,
)


def in_visible_companies(queryset, user):
    return scoped(queryset, user=user, perm=ACCESS_COMPANY, scope_model=Company, through="company")


class VisibleRows:
    """Rows come from the model's `visible_to` selector, as on every other page."""

    visible: Callable = None

    def get_queryset(self, request):
        queryset = type(self).visible(request.user)
        ordering = self.get_ordering(request)
        return queryset.order_by(*ordering) if ordering else queryset


class LedgerAdmin(VisibleRows, ReadOnlyAdmin):
    """Ledger rows and the balances kept with them: written by postings only."""

    show_full_result_count = False  # the ledger is large; the page count is enough


class ReadOnlyHistoryAdmin(VisibleRows, SimpleHistoryAdmin, ReadOnlyAdmin):
    """Records with history that only a service writes (lots, reservations, document lines)."""


class ReadOnlyLines(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class ReasonActionForm(helpers.ActionForm):
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=200, help_text=_("Needed to cancel or to reopen.")
    )


class DocumentAdmin(VisibleRows, SimpleHistoryAdmin):
    """A document is entered and edited in its own pages; here it is read, and its status moves only
    through the actions below, each calling the document's service (which checks every rule)."""

    action_form = ReasonActionForm
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        # The list keeps the actions for those allowed to change documents; a document's page is read-only.
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def apply(self, request, queryset, service: Callable, done: Callable[[int], str]) -> None:
        """Run `service(document)` on each selected document; a refusal is reported, the rest go on."""
        count = 0
        for document in queryset:
            try:
                service(document)
            except (DomainError, ValidationError) as refused:
                reasons = refused.messages if isinstance(refused, ValidationError) else [refused.message]
                self.message_user(request, f"{document}: {' '.join(reasons)}", messages.ERROR)
            else:
                count += 1
        if count:
            self.message_user(request, done(count) % {"count": count}, messages.SUCCESS)

    @staticmethod
    def reason(request) -> str:
        """The reason typed beside the action; the service refuses a cancellation without one."""
        return request.POST.get("reason", "")

    @staticmethod
    def cancelled(count: int) -> str:
        return ngettext("%(count)d document cancelled.", "%(count)d documents cancelled.", count)


# --- Settings ----------------------------------------------------------------------------------


@admin.register(InventorySettings)
class InventorySettingsAdmin(MasterDataAdmin):
    actions = ()
    list_display = ("company", "allow_negative_stock")
    list_select_related = ("company",)

    @staticmethod
    def visible(user):
        return in_visible_companies(InventorySettings.objects.select_related("company"), user)


# --- Ledger and balances -------------------------------------------------------------------------


@admin.register(StockMove)
class StockMoveAdmin(LedgerAdmin):
    visible = selectors.moves_visible_to
    list_display = (
        "move_date",
        "kind",
        "source_number",
        "item",
        "from_location",
        "to_location",
        "lot",
        "quantity",
        "unit_cost",
        "value",
    )
    list_filter = ("kind", "move_date")
    search_fields = ("source_number", "item__code", "item__name", "lot__number")
    date_hierarchy = "move_date"


@admin.register(StockBalance)
class StockBalanceAdmin(LedgerAdmin):
    visible = selectors.balances_visible_to
    list_display = ("item", "warehouse", "location", "lot", "on_hand", "reserved", "value")
    list_filter = ("warehouse",)
    search_fields = ("item__code", "item__name", "location__code", "lot__number")


@admin.register(ItemCost)
class ItemCostAdmin(LedgerAdmin):
    list_display = ("item", "quantity", "value", "average_cost", "company")
    list_filter = ("company",)
    search_fields = ("item__code", "item__name")

    @staticmethod
    def visible(user):
        return in_visible_companies(ItemCost.objects.select_related("item", "company"), user)


@admin.register(LocationFreeze)
class LocationFreezeAdmin(LedgerAdmin):
    list_display = ("location", "count")

    @staticmethod
    def visible(user):
        return LocationFreeze.objects.filter(location__warehouse__in=warehouses_visible_to(user)).select_related(
            "location", "count"
        )


@admin.register(Lot)
class LotAdmin(ReadOnlyHistoryAdmin):
    visible = selectors.lots_visible_to
    list_display = ("number", "item", "expiry_date", "created_at")
    search_fields = ("number", "item__code", "item__name")
    date_hierarchy = "created_at"


@admin.register(Reservation)
class ReservationAdmin(ReadOnlyHistoryAdmin):
    visible = selectors.reservations_visible_to
    list_display = ("item", "location", "lot", "quantity", "open_quantity", "status", "source_type", "source_id")
    list_filter = ("status",)
    search_fields = ("item__code", "item__name")


# --- Documents ---------------------------------------------------------------------------------


class AdjustmentLineInline(ReadOnlyLines):
    model = StockAdjustmentLine
    fields = ("item", "location", "lot_number", "expiry_date", "quantity", "unit_cost", "value")


@admin.register(StockAdjustment)
class StockAdjustmentAdmin(DocumentAdmin):
    visible = selectors.adjustments_visible_to
    inlines = (AdjustmentLineInline,)
    list_display = ("number", "document_date", "warehouse", "reason", "status", "total_value", "created_by")
    list_filter = ("status", "warehouse")
    search_fields = ("number", "reason")
    date_hierarchy = "document_date"
    actions = ("post", "cancel")

    @admin.action(description=_("Post the selected adjustments"), permissions=["change"])
    def post(self, request, queryset) -> None:
        self.apply(
            request,
            queryset,
            lambda adjustment: services.post_adjustment(actor=request.user, adjustment=adjustment),
            lambda n: ngettext("%(count)d adjustment posted.", "%(count)d adjustments posted.", n),
        )

    @admin.action(description=_("Cancel the selected adjustments (posted ones are reversed)"), permissions=["change"])
    def cancel(self, request, queryset) -> None:
        self.apply(
            request,
            queryset,
            lambda adjustment: services.cancel_adjustment(
                actor=request.user, adjustment=adjustment, reason=self.reason(request)
            ),
            self.cancelled,
        )


class TransferLineInline(ReadOnlyLines):
    model = StockTransferLine
    fields = ("item", "from_location", "to_location", "lot", "quantity")


@admin.register(StockTransfer)
class StockTransferAdmin(DocumentAdmin):
    visible = selectors.transfers_visible_to
    inlines = (TransferLineInline,)
    list_display = ("number", "document_date", "from_warehouse", "to_warehouse", "status", "shipped_date")
    list_filter = ("status", "from_warehouse", "to_warehouse")
    search_fields = ("number", "note")
    date_hierarchy = "document_date"
    actions = ("complete", "receive", "cancel")

    @admin.action(description=_("Move or ship the selected transfers"), permissions=["change"])
    def complete(self, request, queryset) -> None:
        self.apply(
            request,
            queryset,
            lambda transfer: services.complete_transfer(actor=request.user, transfer=transfer),
            lambda n: ngettext("%(count)d transfer moved or shipped.", "%(count)d transfers moved or shipped.", n),
        )

    @admin.action(description=_("Receive the selected transfers from transit"), permissions=["change"])
    def receive(self, request, queryset) -> None:
        self.apply(
            request,
            queryset,
            lambda transfer: services.receive_transfer(actor=request.user, transfer=transfer),
            lambda n: ngettext("%(count)d transfer received.", "%(count)d transfers received.", n),
        )

    @admin.action(description=_("Cancel the selected transfers (stock in transit goes back)"), permissions=["change"])
    def cancel(self, request, queryset) -> None:
        self.apply(
            request,
            queryset,
            lambda transfer: services.cancel_transfer(
                actor=request.user, transfer=transfer, reason=self.reason(request)
            ),
            self.cancelled,
        )


class CountLineInline(ReadOnlyLines):
    model = StockCountLine
    fields = ("location", "item", "lot", "expected_quantity", "counted_quantity")


@admin.register(StockCount)
class StockCountAdmin(DocumentAdmin):
    visible = selectors.counts_visible_to
    inlines = (CountLineInline,)
    list_display = ("number", "document_date", "warehouse", "status", "started_at", "difference_value")
    list_filter = ("status", "warehouse")
    search_fields = ("number", "note")
    date_hierarchy = "document_date"
    actions = ("start", "confirm", "cancel")

    @admin.action(description=_("Start counting (freezes the locations)"), permissions=["change"])
    def start(self, request, queryset) -> None:
        self.apply(
            request,
            queryset,
            lambda count: services.start_count(actor=request.user, count=count),
            lambda n: ngettext("%(count)d count started.", "%(count)d counts started.", n),
        )

    @admin.action(description=_("Confirm the selected counts (posts the differences)"), permissions=["change"])
    def confirm(self, request, queryset) -> None:
        self.apply(
            request,
            queryset,
            lambda count: services.confirm_count(actor=request.user, count=count),
            lambda n: ngettext("%(count)d count confirmed.", "%(count)d counts confirmed.", n),
        )

    @admin.action(description=_("Cancel the selected counts"), permissions=["change"])
    def cancel(self, request, queryset) -> None:
        self.apply(
            request,
            queryset,
            lambda count: services.cancel_count(actor=request.user, count=count, reason=self.reason(request)),
            self.cancelled,
        )


# --- Document lines (their history; they change only with their document) ---------------------


@admin.register(StockAdjustmentLine)
class StockAdjustmentLineAdmin(ReadOnlyHistoryAdmin):
    list_display = ("adjustment", "item", "location", "quantity", "value")
    search_fields = ("adjustment__number", "item__code")

    @staticmethod
    def visible(user):
        return StockAdjustmentLine.objects.filter(adjustment__in=selectors.adjustments_visible_to(user)).select_related(
            "adjustment", "item", "location"
        )


@admin.register(StockTransferLine)
class StockTransferLineAdmin(ReadOnlyHistoryAdmin):
    list_display = ("transfer", "item", "from_location", "to_location", "quantity")
    search_fields = ("transfer__number", "item__code")

    @staticmethod
    def visible(user):
        return StockTransferLine.objects.filter(transfer__in=selectors.transfers_visible_to(user)).select_related(
            "transfer", "item", "from_location", "to_location"
        )


@admin.register(StockCountLine)
class StockCountLineAdmin(ReadOnlyHistoryAdmin):
    list_display = ("count", "item", "location", "expected_quantity", "counted_quantity")
    search_fields = ("count__number", "item__code")

    @staticmethod
    def visible(user):
        return StockCountLine.objects.filter(count__in=selectors.counts_visible_to(user)).select_related(
            "count", "item", "location"
        )
