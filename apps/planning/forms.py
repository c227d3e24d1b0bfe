"""Browser forms for planning: starting a run. The service validates and writes."""

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.core.forms import ServiceModelForm
from apps.masterdata.selectors import warehouses_visible_to

from .models import MrpRun
from .services import MAX_HORIZON_DAYS


class RunForm(ServiceModelForm):
    horizon_days = forms.IntegerField(
        label=_("Horizon (days)"),
        min_value=1,
        max_value=MAX_HORIZON_DAYS,
        initial=60,
        help_text=_("Demand due later than this many days from today is not planned."),
    )

    class Meta:
        model = MrpRun
        fields = ["horizon_days", "reorder_warehouse"]

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, user=user, **kwargs)
        warehouses = warehouses_visible_to(user).filter(active=True).select_related("company").order_by("code")
        self.fields["reorder_warehouse"].queryset = warehouses
        self.fields["reorder_warehouse"].initial = warehouses.first()
        self.fields["reorder_warehouse"].help_text = _(
            "Where stock is kept at the items' reorder points; the run plans the warehouse's company."
        )
