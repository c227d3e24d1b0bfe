"""Bill of materials pages: list, detail with lines and the cost roll-up, form with inline lines,
and the Activate / Deactivate actions."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic.detail import SingleObjectMixin

from apps.core.errors import DomainError
from apps.core.views import (
    Column,
    ModelPermissionMixin,
    RecordCreateView,
    RecordDetailView,
    RecordEditView,
    RecordListView,
    ScopedMixin,
)
from apps.inventory.forms import item_choices
from apps.inventory.views.documents import DocumentLinesMixin, error_text

from .. import selectors, services
from ..filters import BomFilter
from ..forms import BomForm, BomLineFormSet, unit_choices
from ..models import BillOfMaterials, BomLine

LINE_FIELDS = ("component", "quantity", "unit", "scrap_percent")


class BomPages:
    model = BillOfMaterials
    selector = staticmethod(selectors.boms_visible_to)
    url_prefix = "production:bom"
    editable_statuses = ()


class BomListView(BomPages, RecordListView):
    filterset_class = BomFilter
    filter_fields = ("is_active",)
    default_sort = "item__code,version"
    columns = (
        Column(gettext_lazy("Item"), "item", sort="item__code,version", link=True),
        Column(gettext_lazy("Version"), "version", sort="version"),
        Column(gettext_lazy("Output quantity"), "output_quantity"),
        Column(gettext_lazy("Active"), "is_active", sort="is_active"),
        Column(gettext_lazy("Valid from"), "valid_from", sort="valid_from"),
        Column(gettext_lazy("Valid to"), "valid_to", sort="valid_to"),
    )


class BomDetailView(BomPages, RecordDetailView):
    template_name = "production/bom_detail.html"
    fields = ("company", "item", "version", "output_quantity", "is_active", "valid_from", "valid_to", "notes")

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .prefetch_related(Prefetch("lines", BomLine.objects.select_related("component", "unit").order_by("id")))
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        bom = self.object
        context.update(
            may_change=self.may("change"),
            work_orders=bom.work_orders.order_by("-id")[:20],
        )
        if context["tab"] == "details":
            context["rollup"] = selectors.cost_rollup(bom)
        return context


class BomFormMixin(DocumentLinesMixin):
    form_class = BomForm
    formset_class = BomLineFormSet
    line_fields = LINE_FIELDS
    template_name = "production/bom_form.html"

    def line_choices(self, form) -> dict:
        companies = (
            sorted({item.company_id for item in form.fields["item"].queryset})
            if "item" in form.fields
            else [self.object.company_id]
        )
        return {
            "component": item_choices(
                self.request.user, company_ids=companies, current_ids=self.saved_line_ids("component")
            ),
            "unit": unit_choices(),
        }

    def refuse_if_not_editable(self):
        return None


class BomCreateView(BomPages, BomFormMixin, RecordCreateView):
    def save(self, form, lines: list[dict]) -> BillOfMaterials:
        data = form.cleaned_data
        return services.create_bom(
            actor=self.request.user,
            company=data["item"].company,
            item=data["item"],
            version=data["version"],
            output_quantity=data["output_quantity"],
            valid_from=data.get("valid_from"),
            valid_to=data.get("valid_to"),
            notes=data.get("notes", ""),
            lines=lines,
            activate=data.get("activate", False),
        )


class BomEditView(BomPages, BomFormMixin, RecordEditView):
    def save(self, form, lines: list[dict]) -> BillOfMaterials:
        data = form.cleaned_data
        return services.update_bom(
            actor=self.request.user,
            bom=self.object,
            version=data["version"],
            output_quantity=data["output_quantity"],
            valid_from=data.get("valid_from"),
            valid_to=data.get("valid_to"),
            notes=data.get("notes", ""),
            lines=lines,
        )


class BomActionView(BomPages, ModelPermissionMixin, ScopedMixin, SingleObjectMixin, View):
    """POST: make the version the item's active one, or step it down."""

    action = "change"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        bom = self.get_object()
        run = services.activate_bom if kwargs["slug"] == "activate" else services.deactivate_bom
        try:
            bom = run(actor=request.user, bom=bom)
        except (ValidationError, DomainError) as error:
            messages.error(request, error_text(error))
        else:
            message = _("%(bom)s is now the active version.") if bom.is_active else _("%(bom)s is no longer active.")
            messages.success(request, message % {"bom": bom})
        return redirect(self.page_url("detail", bom))
