"""The API's view of approvals: requests with their steps, decisions and holders; delegations;
notifications; rules with nested steps. Decisions and rule saves go through services.py."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.masterdata.serializers import UserSummarySerializer, VisibleRelatedField, not_found

from . import registry
from .models import ApprovalRequest, ApprovalRule, ApprovalStep, Decision, Delegation, Notification, RequestStep
from .services import RULE_CONDITIONS

VERDICTS = [("approve", _("Approve")), ("reject", _("Reject"))]
# Row ids are 64-bit: a larger number is refused as input, not sent to the database.
LARGEST_ID = 2**63 - 1


def document_type_choices() -> list[tuple[str, str]]:
    return [(t.key, t.label) for t in registry.document_types()]


class DecisionSerializer(serializers.ModelSerializer):
    decided_by = UserSummarySerializer(read_only=True)
    on_behalf_of = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = Decision
        fields = ["id", "verdict", "comment", "decided_by", "on_behalf_of", "decided_at"]


class CurrentStepSerializer(serializers.Serializer):
    """The step a request waits on, and who may decide it now."""

    order = serializers.IntegerField()
    label = serializers.CharField()
    waiting_since = serializers.DateTimeField(source="activated_at", allow_null=True)
    holders = UserSummarySerializer(many=True)


class RequestStepSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    holders = serializers.SerializerMethodField()
    decisions = DecisionSerializer(many=True, read_only=True)

    class Meta:
        model = RequestStep
        fields = [
            "order",
            "label",
            "kind",
            "mode",
            "status",
            "status_label",
            "activated_at",
            "escalated_at",
            "decided_at",
            "holders",
            "decisions",
        ]

    @extend_schema_field(UserSummarySerializer(many=True))
    def get_holders(self, step: RequestStep) -> list[dict]:
        return UserSummarySerializer([a.user for a in step.assignees.all() if a.open], many=True).data


class ApprovalRequestSerializer(serializers.ModelSerializer):
    """A request as the inbox lists it: the document, its requester and amount, and the step it waits on.

    The view puts the page's current steps in the context (`current_steps`), read for the whole page at once.
    """

    document_type_label = serializers.SerializerMethodField()
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    requester = UserSummarySerializer(read_only=True)
    current_step = serializers.SerializerMethodField()

    class Meta:
        model = ApprovalRequest
        fields = [
            "id",
            "company",
            "document_type",
            "document_type_label",
            "object_id",
            "document_number",
            "summary",
            "amount",
            "requester",
            "status",
            "status_label",
            "rule",
            "rule_version",
            "submitted_at",
            "closed_at",
            "current_step",
        ]
        read_only_fields = fields

    def get_document_type_label(self, request: ApprovalRequest) -> str:
        known = {t.key: t.label for t in registry.document_types()}
        return str(known.get(request.document_type, request.document_type))

    @extend_schema_field(CurrentStepSerializer(allow_null=True))
    def get_current_step(self, request: ApprovalRequest) -> dict | None:
        step = self.context.get("current_steps", {}).get(request.pk)
        if step is None:
            return None
        holders = [a.user for a in step.assignees.all() if a.open]
        return CurrentStepSerializer(
            {"order": step.order, "label": step.label, "activated_at": step.activated_at, "holders": holders}
        ).data


class ApprovalRequestDetailSerializer(ApprovalRequestSerializer):
    """A request with its whole trail: every step, its decisions, and who holds it now."""

    steps = RequestStepSerializer(many=True, read_only=True)
    document_url = serializers.SerializerMethodField()

    class Meta(ApprovalRequestSerializer.Meta):
        fields = [*ApprovalRequestSerializer.Meta.fields, "document_url", "steps"]
        read_only_fields = fields

    def get_document_url(self, request: ApprovalRequest) -> str:
        """The document's page in the browser."""
        document_type = registry.by_key(request.document_type)
        http_request = self.context["request"]
        document = document_type.visible_to(http_request.user).get(pk=request.object_id)
        return http_request.build_absolute_uri(document_type.detail_url(document))


class DecisionInputSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class BulkDecisionInputSerializer(DecisionInputSerializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=LARGEST_ID), min_length=1, max_length=200
    )
    verdict = serializers.ChoiceField(choices=VERDICTS)


class RefusalSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class BulkDecisionResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField(allow_null=True, help_text=_("The request's status afterwards."))
    finished = serializers.BooleanField(help_text=_("The chain ended with this decision."))
    error = RefusalSerializer(allow_null=True)


class BulkDecisionOutputSerializer(serializers.Serializer):
    results = BulkDecisionResultSerializer(many=True)


# --- Delegations and notifications --------------------------------------------------------------


class DelegationSerializer(serializers.ModelSerializer):
    serializer_related_field = VisibleRelatedField
    delegator = UserSummarySerializer(read_only=True)
    delegate_detail = UserSummarySerializer(source="delegate", read_only=True)

    class Meta:
        model = Delegation
        fields = ["id", "delegator", "delegate", "delegate_detail", "start_date", "end_date", "reason", "active"]


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "message", "request", "created_at", "read_at"]
        read_only_fields = fields


class MarkReadInputSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=LARGEST_ID),
        required=False,
        help_text=_("The notifications to mark; all unread ones when left out."),
    )


class MarkReadOutputSerializer(serializers.Serializer):
    marked = serializers.IntegerField()


# --- Rules ---------------------------------------------------------------------------------------


class ApprovalStepSerializer(serializers.ModelSerializer):
    serializer_related_field = VisibleRelatedField
    user = VisibleRelatedField(queryset=get_user_model().objects.all(), required=False, allow_null=True)
    fallback_user = VisibleRelatedField(queryset=get_user_model().objects.all(), required=False, allow_null=True)
    group = serializers.PrimaryKeyRelatedField(queryset=Group.objects.all(), required=False, allow_null=True)

    class Meta:
        model = ApprovalStep
        fields = ["order", "kind", "user", "group", "mode", "escalate_after_hours", "fallback_user"]
        read_only_fields = ["order"]


class ApprovalRuleSerializer(serializers.ModelSerializer):
    """A rule with its ordered steps (the list's order is the chain's order); every save is a new version."""

    serializer_related_field = VisibleRelatedField
    document_type = serializers.ChoiceField(choices=[])
    steps = ApprovalStepSerializer(many=True)
    reason = serializers.CharField(
        write_only=True, required=False, allow_blank=True, max_length=100, help_text=_("Why the rule changed.")
    )

    class Meta:
        model = ApprovalRule
        fields = [
            "id",
            "company",
            "document_type",
            "name",
            "priority",
            "active",
            "version",
            *RULE_CONDITIONS,
            "steps",
            "reason",
        ]
        read_only_fields = ["version"]

    def get_fields(self):
        fields = super().get_fields()
        fields["document_type"].choices = document_type_choices()
        return fields

    def validate(self, attrs):
        attrs = super().validate(attrs)
        rule = self.instance
        errors = {}
        if rule is not None:
            kept = {"company": rule.company, "document_type": rule.document_type}
            for name, value in kept.items():
                if name in attrs and attrs[name] != value:
                    errors[name] = [
                        serializers.ErrorDetail(_("A rule keeps its company and document type."), code="immutable")
                    ]
        company_id = attrs["company"].pk if "company" in attrs else rule.company_id
        for name in RULE_CONDITIONS:
            if not ApprovalRule._meta.get_field(name).many_to_many:
                continue
            wrong = [record.pk for record in attrs.get(name, []) if record.company_id != company_id]
            if wrong:
                errors[name] = not_found(wrong[0]).detail
        if errors:
            raise serializers.ValidationError(errors)
        return attrs
