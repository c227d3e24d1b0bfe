"""Browser forms for approvals. They collect input; services.py decides, delegates and saves rules."""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from apps.core.filters import DATE_INPUT
from apps.core.forms import ServiceModelForm, style_widgets
from apps.core.roles import role_label
from apps.masterdata import selectors as masterdata

from . import registry
from .models import ApprovalRule, ApprovalStep, Delegation
from .services import RULE_CONDITIONS

COMMENT_INPUT = forms.Textarea(attrs={"rows": 2})
# Conditions on related records (partners, item categories, warehouses): save_rule takes them apart.
RELATED_CONDITIONS = tuple(name for name in RULE_CONDITIONS if ApprovalRule._meta.get_field(name).many_to_many)


def active_users() -> QuerySet:
    return get_user_model().objects.filter(is_active=True).order_by("username")


def person(user) -> str:
    return user.get_full_name() or user.username


class DecisionForm(forms.Form):
    """Approve or reject one request; the service refuses a rejection without a comment."""

    verdict = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))], widget=forms.HiddenInput)
    comment = forms.CharField(label=_("Comment"), required=False, max_length=2000, widget=COMMENT_INPUT)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        style_widgets(self, small=True)


class BulkApproveForm(forms.Form):
    """Approve the ticked requests among those waiting for the user."""

    ids = forms.ModelMultipleChoiceField(
        queryset=None,
        error_messages={"required": _("Tick the requests to approve.")},
    )
    comment = forms.CharField(label=_("Comment"), required=False, max_length=2000)

    def __init__(self, *args, waiting: QuerySet, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ids"].queryset = waiting
        style_widgets(self, small=True)


class DelegationForm(ServiceModelForm):
    class Meta:
        model = Delegation
        fields = ["delegate", "start_date", "end_date", "reason"]
        widgets = {"start_date": DATE_INPUT, "end_date": DATE_INPUT}

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.instance.delegator = user
        self.fields["delegate"].queryset = active_users().exclude(pk=user.pk)
        self.fields["delegate"].label_from_instance = person


# --- Rules ---------------------------------------------------------------------------------------


class RuleForm(ServiceModelForm):
    """A rule's header and conditions; only the conditions its document type offers are shown.

    Company and document type are chosen when the rule is created and stay with it.
    """

    document_type = forms.ChoiceField(label=_("Document type"))
    reason = forms.CharField(label=_("Reason for the change"), required=False, max_length=100)

    class Meta:
        model = ApprovalRule
        fields = ["company", "document_type", "name", "priority", "active", *RULE_CONDITIONS]

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, user=user, **kwargs)
        rule = self.instance
        if rule.pk:
            self.fields.pop("company")
            self.fields.pop("document_type")
        else:
            self.fields["company"].queryset = masterdata.companies_visible_to(user).filter(active=True)
            self.fields["company"].initial = self.fields["company"].initial or masterdata.default_company_for(user)
            self.fields["company"].empty_label = None
            self.fields["document_type"].choices = [(t.key, t.label) for t in registry.document_types()]
            self.fields.pop("reason")
            refresh_conditions = {
                "hx-get": reverse("approvals:rule_create"),
                "hx-trigger": "change",
                "hx-target": "#rule-conditions",
                "hx-swap": "outerHTML",
                "hx-include": "[name='company'], [name='document_type']",
            }
            for name in ("company", "document_type"):
                self.fields[name].widget.attrs.update(refresh_conditions)
        offered = self.offered_conditions()
        for name, condition in RULE_CONDITIONS.items():
            if condition not in offered:
                self.fields.pop(name)
        company = self.rule_company()
        choices = {
            "partners": masterdata.partners_visible_to(user),
            "item_categories": masterdata.categories_visible_to(user).order_by("path"),
            "warehouses": masterdata.warehouses_visible_to(user),
        }
        for name, queryset in choices.items():
            if name in self.fields:
                self.fields[name].queryset = queryset.filter(company=company)
                self.fields[name].widget.attrs["size"] = 6

    def chosen(self, name: str) -> str:
        """A create-time choice as far as it is known: posted, asked for by the page, or the default."""
        field = self.fields[name]
        value = self.data.get(self.add_prefix(name)) if self.is_bound else self.initial.get(name)
        if value:
            return str(getattr(value, "pk", value))
        if isinstance(field, forms.ModelChoiceField):
            default = field.initial or field.queryset.first()
            return str(getattr(default, "pk", default or ""))
        return str(field.choices[0][0]) if field.choices else ""

    def document_type_key(self) -> str:
        return self.instance.document_type if self.instance.pk else self.chosen("document_type")

    def offered_conditions(self) -> tuple[str, ...]:
        key = self.document_type_key()
        known = {t.key: t for t in registry.document_types()}
        return known[key].conditions if key in known else ()

    def rule_company(self):
        if self.instance.pk:
            return self.instance.company
        chosen = self.chosen("company")
        if not chosen.isdigit():
            return None
        return self.fields["company"].queryset.filter(pk=int(chosen)).first()

    def conditions(self) -> list:
        return [self[name] for name in RULE_CONDITIONS if name in self.fields]

    def header(self) -> list:
        return [field for field in self if field.name not in RULE_CONDITIONS]

    def service_arguments(self) -> dict:
        """What save_rule takes besides the rule and its steps."""
        return {name: list(self.cleaned_data.get(name) or []) for name in RELATED_CONDITIONS if name in self.fields} | {
            "reason": self.cleaned_data.get("reason", "")
        }


class StepForm(forms.Form):
    """One step of a rule's chain; the service checks the step names whom it needs."""

    kind = forms.ChoiceField(label=_("Approver"), choices=ApprovalStep.Kind.choices)
    user = forms.ModelChoiceField(label=_("User"), queryset=None, required=False)
    group = forms.ModelChoiceField(label=_("Group"), queryset=None, required=False)
    mode = forms.ChoiceField(label=_("Decision"), choices=ApprovalStep.Mode.choices, initial=ApprovalStep.Mode.ANY)
    escalate_after_hours = forms.IntegerField(label=_("Escalate after (hours)"), required=False, min_value=1)
    fallback_user = forms.ModelChoiceField(label=_("Fallback approver"), queryset=None, required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("user", "fallback_user"):
            self.fields[name].queryset = active_users()
            self.fields[name].label_from_instance = person
        self.fields["group"].queryset = Group.objects.order_by("name")
        self.fields["group"].label_from_instance = lambda group: role_label(group.name)
        style_widgets(self, small=True)

    def step(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.fields if name not in ("ORDER", "DELETE")}


StepFormSet = forms.formset_factory(StepForm, extra=1, can_delete=True, can_order=True)


def step_initial(rule: ApprovalRule) -> list[dict]:
    return [
        {
            "kind": step.kind,
            "user": step.user_id,
            "group": step.group_id,
            "mode": step.mode,
            "escalate_after_hours": step.escalate_after_hours,
            "fallback_user": step.fallback_user_id,
        }
        for step in rule.steps.order_by("order")
    ]
