"""Approvals over REST, so an integrator can bring the inbox into a chat tool.

Requests read through the selectors (a request for a document the user may not see is a 404) and
are decided through services.decide / decide_many: self-approval answers 403 `self_approval`, a
request already decided 409 `already_decided`.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core.api import ErpModelViewSet, ErpReadOnlyViewSet
from apps.core.errors import DomainError

from . import selectors, services
from .filters import ApprovalRequestFilter, ApprovalRuleFilter, NotificationFilter
from .forms import RELATED_CONDITIONS
from .models import ApprovalRequest, ApprovalRule, Delegation, Notification
from .serializers import (
    ApprovalRequestDetailSerializer,
    ApprovalRequestSerializer,
    ApprovalRuleSerializer,
    BulkDecisionInputSerializer,
    BulkDecisionOutputSerializer,
    DecisionInputSerializer,
    DelegationSerializer,
    MarkReadInputSerializer,
    MarkReadOutputSerializer,
    NotificationSerializer,
)

DECIDE = ["approvals.add_decision"]
BOXES = {"waiting": selectors.waiting_for, "submitted": selectors.submitted_by, "decided": selectors.decided_by}
TRAIL = ("steps__assignees__user", "steps__decisions__decided_by", "steps__decisions__on_behalf_of")


class BoxQuerySerializer(serializers.Serializer):
    box = serializers.ChoiceField(
        choices=[
            ("waiting", _("waiting for me, including what is delegated to me")),
            ("submitted", _("I submitted")),
            ("decided", _("I decided")),
        ],
        default="waiting",
        help_text=_("Which requests to list: waiting (the default), submitted or decided."),
    )


def refusal(error: DomainError | ValidationError) -> dict:
    if isinstance(error, DomainError):
        return {"code": error.code, "message": error.message}
    return {"code": "validation_error", "message": " ".join(error.messages)}


class ApprovalRequestViewSet(ErpReadOnlyViewSet):
    """Approval requests: the user's inbox (`box`), each with the step it waits on and who holds it.

    A single request comes with its whole trail: every step, its decisions (and on whose behalf), its holders.
    """

    queryset = ApprovalRequest.objects.none()  # for the schema; rows come from get_queryset
    filterset_class = ApprovalRequestFilter
    ordering_fields = ["submitted_at", "amount", "id"]
    action_permissions = {"approve": DECIDE, "reject": DECIDE, "decide": DECIDE}

    def get_queryset(self):
        user = self.request.user
        if self.action == "list":
            box = BoxQuerySerializer(data=self.request.query_params)
            box.is_valid(raise_exception=True)
            return BOXES[box.validated_data["box"]](user)
        return selectors.request_visible_to(user).prefetch_related(*TRAIL)

    def get_serializer_class(self):
        return ApprovalRequestSerializer if self.action == "list" else ApprovalRequestDetailSerializer

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), "current_steps": getattr(self, "current_steps", {})}

    @extend_schema(parameters=[BoxQuerySerializer])
    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        self.current_steps = selectors.current_steps(page)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(request=DecisionInputSerializer, responses=ApprovalRequestDetailSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, *args, **kwargs):
        """Approve the step this request waits on for you (or for whoever delegated to you)."""
        return self._decide(request, verdict="approve")

    @extend_schema(request=DecisionInputSerializer, responses=ApprovalRequestDetailSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, *args, **kwargs):
        """Reject the request (a comment is required): the chain ends and the document goes back to draft."""
        return self._decide(request, verdict="reject")

    def _decide(self, request, *, verdict: str) -> Response:
        target = self.get_object()
        payload = DecisionInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.decide(request=target, actor=request.user, verdict=verdict, comment=payload.validated_data["comment"])
        return Response(self.get_serializer(self.get_queryset().get(pk=target.pk)).data)

    @extend_schema(request=BulkDecisionInputSerializer, responses=BulkDecisionOutputSerializer)
    @action(detail=False, methods=["post"])
    def decide(self, request, *args, **kwargs):
        """Decide several requests at once, each on its own: one refusal does not hold up the others."""
        payload = BulkDecisionInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        ids = list(dict.fromkeys(payload.validated_data["ids"]))
        found = selectors.request_visible_to(request.user).in_bulk(ids)
        results = services.decide_many(
            requests=[found[pk] for pk in ids if pk in found],
            actor=request.user,
            verdict=payload.validated_data["verdict"],
            comment=payload.validated_data["comment"],
        )
        decided = {target.pk: (target, outcome, error) for target, outcome, error in results}
        rows = []
        for pk in ids:
            if pk not in decided:
                missing = {"code": "not_found", "message": _("No such request, or not one you may see.")}
                rows.append({"id": pk, "status": None, "finished": False, "error": missing})
                continue
            target, outcome, error = decided[pk]
            rows.append(
                {
                    "id": pk,
                    "status": (outcome.request if outcome else target).status,
                    "finished": bool(outcome and outcome.finished),
                    "error": refusal(error) if error is not None else None,
                }
            )
        return Response(BulkDecisionOutputSerializer({"results": rows}).data)


class DelegationViewSet(ErpModelViewSet):
    """Delegations the user gave or received; an approver delegates their own approvals for a date range."""

    serializer_class = DelegationSerializer
    filterset_fields = ["active"]
    ordering_fields = ["start_date", "end_date", "id"]
    # Changing one's own delegation needs only the right to delegate; the service refuses anyone else's.
    action_permissions = {"update": ["approvals.add_delegation"], "partial_update": ["approvals.add_delegation"]}

    queryset = Delegation.objects.none()  # for the schema; rows come from get_queryset

    def get_queryset(self):
        return selectors.delegations_of(self.request.user).order_by("-start_date", "-id")

    def perform_create(self, serializer):
        delegation = Delegation(delegator=self.request.user, **serializer.validated_data)
        serializer.instance = services.save_delegation(actor=self.request.user, delegation=delegation)

    def perform_update(self, serializer):
        delegation = serializer.instance
        for name, value in serializer.validated_data.items():
            setattr(delegation, name, value)
        serializer.instance = services.save_delegation(actor=self.request.user, delegation=delegation)


class NotificationViewSet(ErpReadOnlyViewSet):
    """The user's in-app notifications, newest first."""

    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter
    action_permissions = {"mark_read": ["approvals.view_notification"]}

    queryset = Notification.objects.none()  # for the schema; rows come from get_queryset

    def get_queryset(self):
        return selectors.notifications_of(self.request.user)

    @extend_schema(request=MarkReadInputSerializer, responses=MarkReadOutputSerializer)
    @action(detail=False, methods=["post"], url_path="mark-read")
    def mark_read(self, request, *args, **kwargs):
        """Mark the notifications named in `ids` as read, or every unread one when `ids` is left out."""
        payload = MarkReadInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        marked = services.mark_read(user=request.user, notification_ids=payload.validated_data.get("ids"))
        return Response(MarkReadOutputSerializer({"marked": marked}).data)


class ApprovalRuleViewSet(ErpModelViewSet):
    """Approval rules with their ordered steps, for administrators. Every save is a new version; a rule
    is retired with `active: false` (requests keep the version they started under)."""

    serializer_class = ApprovalRuleSerializer
    filterset_class = ApprovalRuleFilter
    ordering_fields = ["priority", "name", "id"]

    def get_queryset(self):
        return selectors.rules_visible_to(self.request.user).prefetch_related(
            "steps", "partners", "item_categories", "warehouses"
        )

    def perform_create(self, serializer):
        fields = dict(serializer.validated_data)
        steps, related, reason = self._split(fields, rule=None)
        rule = services.save_rule(
            actor=self.request.user, rule=ApprovalRule(**fields), steps=steps, reason=reason, **related
        )
        serializer.instance = self.get_queryset().get(pk=rule.pk)

    def perform_update(self, serializer):
        rule = serializer.instance
        fields = dict(serializer.validated_data)
        steps, related, reason = self._split(fields, rule=rule)
        for name, value in fields.items():
            setattr(rule, name, value)
        services.save_rule(actor=self.request.user, rule=rule, steps=steps, reason=reason, **related)
        serializer.instance = self.get_queryset().get(pk=rule.pk)

    @staticmethod
    def _split(fields: dict, *, rule: ApprovalRule | None) -> tuple[list[dict], dict, str]:
        """The steps, conditions on related records and reason save_rule takes apart; a partial update keeps
        what it leaves out."""
        steps = fields.pop("steps", None)
        if steps is None:
            steps = [
                {
                    "kind": step.kind,
                    "user": step.user,
                    "group": step.group,
                    "mode": step.mode,
                    "escalate_after_hours": step.escalate_after_hours,
                    "fallback_user": step.fallback_user,
                }
                for step in rule.steps.select_related("user", "group", "fallback_user").order_by("order")
            ]
        related = {
            name: fields.pop(name) if name in fields else (list(getattr(rule, name).all()) if rule else [])
            for name in RELATED_CONDITIONS
        }
        return [dict(step) for step in steps], related, fields.pop("reason", "")
