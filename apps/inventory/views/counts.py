"""Stock count pages: create, start (locations freeze, expected quantities are taken), enter what was
counted location by location, confirm (differences are posted) or cancel."""

from itertools import groupby

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from django.views.generic.detail import SingleObjectMixin

from apps.core.views import Column, ModelPermissionMixin, RecordCreateView, ScopedMixin

from .. import selectors, services
from ..filters import StockCountFilter
from ..forms import (
    CountEntryForm,
    CountForm,
    FoundStockFormSet,
    found_entries,
    item_choices,
    location_choices,
    place_errors,
)
from ..models import StockCount, StockCountLine
from .documents import DocumentAction, DocumentActionView, DocumentDetailView, DocumentListView, StatusColumn

Status = StockCount.Status


class CountPages:
    model = StockCount
    selector = staticmethod(selectors.counts_visible_to)
    url_prefix = "inventory:count"


def start(count: StockCount, *, actor, reason: str) -> StockCount:
    return services.start_count(actor=actor, count=count)


def confirm(count: StockCount, *, actor, reason: str) -> StockCount:
    return services.confirm_count(actor=actor, count=count)


def cancel(count: StockCount, *, actor, reason: str) -> StockCount:
    return services.cancel_count(actor=actor, count=count, reason=reason)


ACTIONS = (
    DocumentAction(
        slug="start",
        label=gettext_lazy("Start counting"),
        run=start,
        offered=lambda count: count.status == Status.DRAFT,
        confirm=gettext_lazy("Start the count? Its locations are frozen: no stock moves in or out until it ends."),
    ),
    DocumentAction(
        slug="confirm",
        label=gettext_lazy("Confirm"),
        run=confirm,
        offered=lambda count: count.status == Status.COUNTING,
        confirm=gettext_lazy("Confirm the count? Every difference is posted to stock and the locations are released."),
    ),
    DocumentAction(
        slug="cancel",
        label=gettext_lazy("Cancel"),
        run=cancel,
        offered=lambda count: count.status in (Status.DRAFT, Status.COUNTING),
        style="outline-danger",
        asks_reason=True,
    ),
)


def by_location(lines: list[StockCountLine]) -> list[tuple]:
    """[(location, [lines])] in the lines' order (location, item)."""
    return [(location, list(group)) for location, group in groupby(lines, key=lambda line: line.location)]


def count_lines(count: StockCount) -> list[StockCountLine]:
    return list(
        count.lines.select_related("item", "location__warehouse", "lot").order_by("location__path", "item__code")
    )


class CountListView(CountPages, DocumentListView):
    filterset_class = StockCountFilter
    filter_fields = ("status", "status_group", "warehouse", "date_from", "date_to")
    columns = (
        Column(gettext_lazy("Number"), "number", sort="number", link=True),
        Column(gettext_lazy("Date"), "document_date", sort="document_date"),
        Column(gettext_lazy("Warehouse"), "warehouse.code", sort="warehouse__code"),
        StatusColumn(gettext_lazy("Status"), "status", sort="status"),
        Column(gettext_lazy("Counting started at"), "started_at", sort="started_at"),
        Column(gettext_lazy("Difference value"), "difference_value", sort="difference_value"),
        Column(gettext_lazy("Note"), "note"),
    )


class CountDetailView(CountPages, DocumentDetailView):
    template_name = "inventory/count_detail.html"
    lines_template = "inventory/_count_lines.html"
    actions = ACTIONS
    fields = (
        "number",
        "company",
        "warehouse",
        "document_date",
        "status",
        "started_at",
        "note",
        "difference_value",
        "created_by",
    )

    def lines(self) -> list:
        return by_location(count_lines(self.object))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        count = self.object
        context["chosen_locations"] = list(count.locations.select_related("warehouse").order_by("path"))
        context["frozen"] = list(selectors.locations_counted_by(count))
        if count.status == Status.COUNTING and self.may_act():
            context["entry_url"] = reverse("inventory:count-entry", args=[count.pk])
        return context


class CountActionView(CountPages, DocumentActionView):
    actions = ACTIONS


class CountCreateView(CountPages, RecordCreateView):
    form_class = CountForm

    def save(self, form) -> StockCount:
        data = form.cleaned_data
        return services.create_count(
            actor=self.request.user,
            company=data["warehouse"].company,
            warehouse=data["warehouse"],
            document_date=data["document_date"],
            locations=list(data["locations"]),
            note=data["note"],
        )


class CountEntryView(CountPages, ModelPermissionMixin, ScopedMixin, SingleObjectMixin, TemplateView):
    """The counted quantities of a count in progress, grouped by location, and stock found unexpected."""

    action = "change"
    template_name = "inventory/count_entry.html"

    def dispatch(self, request, *args, **kwargs):
        if not self.has_permission():
            return self.handle_no_permission()
        self.object = self.get_object()
        if self.object.status != Status.COUNTING:
            messages.warning(request, _("Quantities are entered while the count is counting."))
            return redirect(self.page_url("detail", self.object))
        self.lines = count_lines(self.object)
        return super().dispatch(request, *args, **kwargs)

    def forms(self):
        data = self.request.POST if self.request.method == "POST" else None
        count = self.object
        user = self.request.user
        frozen = selectors.locations_counted_by(count).values_list("pk", flat=True)
        found = FoundStockFormSet(
            data,
            prefix="found",
            choices={
                "item": item_choices(user, company_ids=[count.company_id]),
                "location": location_choices(user, warehouse_ids=[count.warehouse_id], only_ids=list(frozen)),
            },
        )
        return CountEntryForm(data, lines=self.lines), found

    def post(self, request, *args, **kwargs):
        entry, found = self.forms()
        if entry.is_valid() and found.is_valid():
            entries, targets = entry.entries()
            found_rows, found_targets = found_entries(found)
            try:
                services.record_counts(actor=request.user, count=self.object, entries=entries + found_rows)
            except ValidationError as error:
                place_errors(entry, targets + found_targets, error, prefix="entries")
            else:
                messages.success(request, _("The counted quantities were saved."))
                return redirect(self.page_url("detail", self.object))
        return self.render_to_response(self.get_context_data(entry=entry, found=found))

    def get_context_data(self, **kwargs):
        if "entry" not in kwargs:
            kwargs["entry"], kwargs["found"] = self.forms()
        context = super().get_context_data(**kwargs)
        entry = context["entry"]
        context["groups"] = [
            (location, [(line, entry[entry.field_name(line)]) for line in lines])
            for location, lines in by_location(self.lines)
        ]
        context["detail_url"] = self.page_url("detail", self.object)
        return context
