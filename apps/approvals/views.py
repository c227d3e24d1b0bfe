"""Approval pages: the inbox, a request with its trail, mail links, delegations, notifications and rules.

Every decision goes through services.decide / decide_many, every rule through services.save_rule;
rows come from the selectors, so a request for a document the user may not see is a 404.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import View
from django.views.generic import ListView, TemplateView

from apps.core.errors import DomainError
from apps.core.forms import add_service_error
from apps.core.roles import role_label
from apps.core.views import Column, RecordCreateView, RecordDetailView, RecordEditView, RecordListView

from . import registry, selectors, services
from .filters import ApprovalRuleFilter
from .forms import BulkApproveForm, DecisionForm, DelegationForm, RuleForm, StepFormSet, step_initial
from .models import ApprovalRequest, ApprovalRule, ApprovalStep, Delegation, RequestStep
from .services import RULE_CONDITIONS

BOXES = {
    "waiting": (gettext_lazy("Waiting for me"), selectors.waiting_for),
    "submitted": (gettext_lazy("I submitted"), selectors.submitted_by),
    "decided": (gettext_lazy("I decided"), selectors.decided_by),
}


def document_type_label(key: str) -> str:
    known = {t.key: t.label for t in registry.document_types()}
    return str(known.get(key, key))


def refusal_text(error: ValidationError | DomainError) -> str:
    return error.message if isinstance(error, DomainError) else " ".join(error.messages)


@dataclass
class InboxRow:
    request: ApprovalRequest
    document_type: str
    step: RequestStep | None
    holders: list
    form: DecisionForm | None = None


def inbox_rows(requests: list[ApprovalRequest], *, with_forms: bool) -> list[InboxRow]:
    """Each request with its current step and who holds it, read for the whole page at once."""
    steps = selectors.current_steps(requests)
    labels = {t.key: t.label for t in registry.document_types()}
    rows = []
    for request in requests:
        step = steps.get(request.pk)
        rows.append(
            InboxRow(
                request=request,
                document_type=labels.get(request.document_type, request.document_type),
                step=step,
                holders=[a.user for a in step.assignees.all() if a.open] if step is not None else [],
                form=DecisionForm(prefix=f"r{request.pk}") if with_forms else None,
            )
        )
    return rows


class InboxView(LoginRequiredMixin, PermissionRequiredMixin, ListView):
    """Three boxes; in "waiting for me" each row can be approved or rejected, and ticked rows approved at once."""

    permission_required = "approvals.view_approvalrequest"
    template_name = "approvals/inbox.html"
    paginate_by = 50
    row_errors: dict[int, DecisionForm]

    def box(self) -> str:
        box = self.request.GET.get("box", "waiting")
        return box if box in BOXES else "waiting"

    def get_queryset(self):
        return BOXES[self.box()][1](self.request.user)

    def may_decide(self) -> bool:
        return self.box() == "waiting" and self.request.user.has_perm("approvals.add_decision")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = inbox_rows(list(context["object_list"]), with_forms=self.may_decide())
        for row in rows:
            if row.request.pk in getattr(self, "row_errors", {}):
                row.form = self.row_errors[row.request.pk]
        context.update(
            box=self.box(),
            boxes=[(key, label) for key, (label, _selector) in BOXES.items()],
            rows=rows,
            may_decide=self.may_decide(),
            bulk_form=kwargs.get("bulk_form") or BulkApproveForm(waiting=ApprovalRequest.objects.none()),
        )
        return context

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm("approvals.add_decision"):
            raise PermissionDenied
        if "approve_selected" in request.POST:
            return self.approve_selected()
        return self.decide_one()

    def approve_selected(self):
        user = self.request.user
        form = BulkApproveForm(self.request.POST, waiting=selectors.waiting_for(user))
        if not form.is_valid():
            return self.redisplay(bulk_form=form)
        results = services.decide_many(
            requests=list(form.cleaned_data["ids"]), actor=user, verdict="approve", comment=form.cleaned_data["comment"]
        )
        report_outcomes(self.request, results)
        return redirect(reverse("approvals:inbox"))

    def decide_one(self):
        target = get_object_or_404(selectors.request_visible_to(self.request.user), pk=self.request.POST.get("request"))
        form = DecisionForm(self.request.POST, prefix=f"r{target.pk}")
        if not form.is_valid():
            raise BadRequest
        try:
            outcome = services.decide(
                request=target,
                actor=self.request.user,
                verdict=form.cleaned_data["verdict"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            add_service_error(form, error)
            self.row_errors = {target.pk: form}
            return self.redisplay()
        except DomainError as error:
            messages.error(self.request, f"{target.document_number}: {error.message}")
        else:
            messages.success(self.request, decided_message(outcome))
        return redirect(reverse("approvals:inbox"))

    def redisplay(self, **context):
        self.object_list = self.get_queryset()
        return self.render_to_response(self.get_context_data(**context))


def decided_message(outcome: services.Outcome) -> str:
    number = outcome.request.document_number
    if outcome.verdict == "reject":
        return _("%(number)s was rejected and returned to its requester.") % {"number": number}
    if outcome.finished:
        return _("%(number)s was approved.") % {"number": number}
    return _("Your approval of %(number)s was recorded; the request moves on to its next approver.") % {
        "number": number
    }


def report_outcomes(request, results: list[tuple]) -> None:
    done = [outcome for _target, outcome, _error in results if outcome is not None]
    if done:
        numbers = ", ".join(outcome.request.document_number for outcome in done)
        count = len(done)
        messages.success(
            request,
            ngettext("%(count)d request approved: %(numbers)s", "%(count)d requests approved: %(numbers)s", count)
            % {"count": count, "numbers": numbers},
        )
    for target, _outcome, error in results:
        if error is not None:
            messages.error(request, f"{target.document_number}: {refusal_text(error)}")


# --- A request and its trail ---------------------------------------------------------------------


class RequestDetailView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """The document's summary, the request's trail, and the decision form while it waits for the viewer."""

    permission_required = "approvals.view_approvalrequest"
    template_name = "approvals/request_detail.html"

    def get(self, request, pk: int):
        return self.show(self.approval_request(pk))

    def post(self, request, pk: int):
        if not request.user.has_perm("approvals.add_decision"):
            raise PermissionDenied
        target = self.approval_request(pk)
        form = DecisionForm(request.POST)
        if not form.is_valid():
            raise BadRequest
        try:
            outcome = services.decide(
                request=target,
                actor=request.user,
                verdict=form.cleaned_data["verdict"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            add_service_error(form, error)
            return self.show(target, form=form)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect(reverse("approvals:request_detail", args=[target.pk]))
        messages.success(request, decided_message(outcome))
        return redirect(reverse("approvals:inbox"))

    def approval_request(self, pk: int) -> ApprovalRequest:
        return get_object_or_404(
            selectors.request_visible_to(self.request.user).select_related("company__base_currency"), pk=pk
        )

    def show(self, target: ApprovalRequest, form: DecisionForm | None = None):
        user = self.request.user
        document_type = registry.by_key(target.document_type)
        document = document_type.visible_to(user).get(pk=target.object_id)
        waits_for_me = user.has_perm("approvals.add_decision") and selectors.waits_for(user, target)
        trail = next((trail for trail in selectors.trail_for(document) if trail.request.pk == target.pk), None)
        context = {
            "approval_request": target,
            "document": document,
            "document_type": document_type,
            "document_url": document_type.detail_url(document),
            "trails": [trail] if trail is not None else [],
            "form": (form or DecisionForm()) if waits_for_me else None,
        }
        return render(self.request, self.template_name, context)


class LinkView(LoginRequiredMixin, View):
    """The single-use link of an approval e-mail: opens the request once, then says it was used."""

    def get(self, request, token: str):
        try:
            target = services.use_link(token=token, user=request.user)
        except DomainError as error:
            return render(request, "approvals/link.html", {"error": error}, status=error.status_code)
        return redirect(reverse("approvals:request_detail", args=[target.pk]))


# --- Delegations and notifications --------------------------------------------------------------


class DelegationsView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    """The delegations a user gave and received; a new one for a date range; ending one early."""

    permission_required = "approvals.view_delegation"
    template_name = "approvals/delegations.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        delegations = list(selectors.delegations_of(user).order_by("-start_date", "-id"))
        context.update(
            given=[d for d in delegations if d.delegator_id == user.pk],
            received=[d for d in delegations if d.delegate_id == user.pk],
            may_delegate=user.has_perm("approvals.add_delegation"),
        )
        if context["may_delegate"]:
            context["form"] = kwargs.get("form") or DelegationForm(user=user)
        return context

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm("approvals.add_delegation"):
            raise PermissionDenied
        if "end" in request.POST:
            return self.end(request.POST["end"])
        form = DelegationForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                delegation = services.save_delegation(actor=request.user, delegation=form.instance)
            except (ValidationError, DomainError) as error:
                add_service_error(form, error)
            else:
                messages.success(
                    request,
                    _("%(delegate)s decides for you from %(start)s to %(end)s.")
                    % {
                        "delegate": delegation.delegate,
                        "start": delegation.start_date.isoformat(),
                        "end": delegation.end_date.isoformat(),
                    },
                )
                return redirect(reverse("approvals:delegations"))
        return self.render_to_response(self.get_context_data(form=form))

    def end(self, pk: str):
        user = self.request.user
        delegation = get_object_or_404(Delegation, pk=pk if pk.isdigit() else None, delegator=user, active=True)
        delegation.active = False
        try:
            services.save_delegation(actor=user, delegation=delegation)
        except (ValidationError, DomainError) as error:
            messages.error(self.request, refusal_text(error))
        else:
            messages.success(
                self.request, _("The delegation to %(delegate)s ended.") % {"delegate": delegation.delegate}
            )
        return redirect(reverse("approvals:delegations"))


class NotificationsView(LoginRequiredMixin, PermissionRequiredMixin, ListView):
    permission_required = "approvals.view_notification"
    template_name = "approvals/notifications.html"
    paginate_by = 50

    def get_queryset(self):
        return selectors.notifications_of(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["unread"] = selectors.unread_notification_count(self.request.user)
        return context

    def post(self, request, *args, **kwargs):
        chosen = None if "all" in request.POST else [int(pk) for pk in request.POST.getlist("ids") if pk.isdigit()]
        marked = services.mark_read(user=request.user, notification_ids=chosen)
        messages.success(
            request,
            ngettext("%(count)d notification marked as read.", "%(count)d notifications marked as read.", marked)
            % {"count": marked},
        )
        return redirect(reverse("approvals:notifications"))


# --- Rules ---------------------------------------------------------------------------------------


class DocumentTypeColumn(Column):
    def of(self, obj) -> str:
        return document_type_label(obj.document_type)


class RulePages:
    model = ApprovalRule
    selector = staticmethod(selectors.rules_visible_to)
    url_prefix = "approvals:rule"
    action = "change"  # rules are for those who may change them

    def page_url(self, page: str, obj=None) -> str:
        name = "approvals:rules" if page == "list" else f"approvals:rule_{page}"
        return reverse(name, args=[obj.pk] if obj is not None else [])


class RuleListView(RulePages, RecordListView):
    filterset_class = ApprovalRuleFilter
    filter_fields = ("document_type", "active")
    default_sort = "priority"
    title = gettext_lazy("Approval rules")
    columns = (
        Column(gettext_lazy("Name"), "name", sort="name", link=True),
        DocumentTypeColumn(gettext_lazy("Document type"), "document_type", sort="document_type"),
        Column(gettext_lazy("Company"), "company.code", sort="company__code"),
        Column(gettext_lazy("Priority"), "priority", sort="priority"),
        Column(gettext_lazy("Amount at or above"), "min_amount", sort="min_amount"),
        Column(gettext_lazy("Steps"), "step_count"),
        Column(gettext_lazy("Version"), "version", sort="version"),
        Column(gettext_lazy("Active"), "active", sort="active"),
    )

    def get_queryset(self):
        return super().get_queryset().select_related("company").annotate(step_count=Count("steps"))

    def export_name(self) -> str:
        return "approval-rules"


class RuleDetailView(RulePages, RecordDetailView):
    template_name = "approvals/rule_detail.html"
    fields = ("company", "name", "priority", "active", "version")

    def get_queryset(self):
        return super().get_queryset().select_related("company")

    def details(self):
        rule = self.object
        details = super().details()
        details.insert(1, type(details[0])(label=_("Document type"), value=document_type_label(rule.document_type)))
        return details

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rule = self.object
        context.update(
            steps=[
                {"step": step, "approver": approver_label(step)}
                for step in rule.steps.select_related("user", "group", "fallback_user").order_by("order")
            ],
            conditions=rule_conditions(rule),
            versions=rule.history.select_related("history_user").order_by("-history_id")[:50],
        )
        return context


def approver_label(step: ApprovalStep) -> str:
    if step.kind == ApprovalStep.Kind.USER:
        return str(step.user)
    if step.kind == ApprovalStep.Kind.GROUP:
        return f"{role_label(step.group.name)} ({step.get_mode_display()})"
    return step.get_kind_display()


def rule_conditions(rule: ApprovalRule) -> list[tuple[str, str]]:
    """The conditions the rule sets, (label, value) in words; none means every document of its type."""
    conditions = []
    for name in RULE_CONDITIONS:
        model_field = ApprovalRule._meta.get_field(name)
        value = getattr(rule, name)
        if model_field.many_to_many:
            value = ", ".join(str(record) for record in value.all())
        elif isinstance(value, bool):
            value = _("Yes") if value else ""
        elif value is not None:
            value = f"{value:,}"
        if value:
            conditions.append((str(model_field.verbose_name), value))
    return conditions


class RuleFormMixin:
    """The rule with its ordered steps, saved together by services.save_rule (a new version each time)."""

    form_class = RuleForm
    template_name = "approvals/rule_form.html"

    def get_initial(self) -> dict:
        initial = super().get_initial()
        for name in ("company", "document_type"):
            if self.request.GET.get(name):
                initial[name] = self.request.GET[name]
        return initial

    def get(self, request, *args, **kwargs):
        if request.htmx and request.htmx.target == "rule-conditions":
            self.object = self.get_object() if self.kwargs.get("pk") else None
            return render(request, "approvals/_rule_conditions.html", {"form": self.get_form()})
        return super().get(request, *args, **kwargs)

    def step_formset(self) -> StepFormSet:
        if not hasattr(self, "_steps"):
            data = self.request.POST if self.request.method == "POST" else None
            rule = getattr(self, "object", None)
            initial = step_initial(rule) if rule is not None and rule.pk else None
            self._steps = StepFormSet(data, initial=initial, prefix="steps")
        return self._steps

    def post(self, request, *args, **kwargs):
        self.object = self.get_object() if self.kwargs.get("pk") else None
        form = self.get_form()
        valid = [form.is_valid(), self.step_formset().is_valid()]
        return self.form_valid(form) if all(valid) else self.form_invalid(form)

    def form_valid(self, form):
        steps = self.step_formset()
        step_forms = list(steps.ordered_forms)
        rule = form.instance
        try:
            self.object = services.save_rule(
                actor=self.request.user,
                rule=rule,
                steps=[step.step() for step in step_forms],
                **form.service_arguments(),
            )
        except ValidationError as error:
            self.show_refusal(form, steps, step_forms, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("%(rule)s was saved as version %(version)d.") % {"rule": self.object, "version": self.object.version},
        )
        return HttpResponseRedirect(self.page_url("detail", self.object))

    @staticmethod
    def show_refusal(form, steps, step_forms, error: ValidationError) -> None:
        """Step errors ("steps.1.user") go on their row, the rest on the rule's form."""
        rest = {}
        for name, errors in error.error_dict.items():
            parts = name.split(".")
            if parts[0] != "steps":
                rest[name] = errors
            elif len(parts) == 3 and int(parts[1]) < len(step_forms):
                step_forms[int(parts[1])].add_error(parts[2], errors)
            else:
                steps._non_form_errors = steps.error_class(ValidationError(errors).messages)
        if rest:
            add_service_error(form, ValidationError(rest))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["steps"] = self.step_formset()
        return context


class RuleCreateView(RulePages, RuleFormMixin, RecordCreateView):
    action = "add"

    def get_form_kwargs(self) -> dict:
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = ApprovalRule()
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = _("New approval rule")
        return context


class RuleEditView(RulePages, RuleFormMixin, RecordEditView):
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = _("Edit %(rule)s (version %(version)d)") % {
            "rule": self.object,
            "version": self.object.version,
        }
        return context
