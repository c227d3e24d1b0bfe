"""Admin for approvals: history on rules, requests and delegations; requests, decisions and
notifications are records of what happened and read-only. Rules are edited on their own pages
(services.save_rule versions them); delegations save through services.save_delegation."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .models import ApprovalRequest, ApprovalRule, ApprovalStep, Decision, Delegation, Notification, RequestStep
from .services import RULE_CONDITIONS


class ReadOnly:
    """Shown, never written here: the services own every change."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ApprovalStepInline(ReadOnly, admin.TabularInline):
    model = ApprovalStep
    fields = ("order", "kind", "user", "group", "mode", "escalate_after_hours", "fallback_user")
    readonly_fields = fields
    extra = 0


@admin.register(ApprovalRule)
class ApprovalRuleAdmin(ReadOnly, SimpleHistoryAdmin):
    list_display = ("name", "document_type", "company", "priority", "version", "active", "edit_link")
    list_filter = ("document_type", "active", "company")
    search_fields = ("name",)
    readonly_fields = (
        "company",
        "document_type",
        "name",
        "priority",
        "active",
        "version",
        *RULE_CONDITIONS,
    )
    fields = readonly_fields
    inlines = [ApprovalStepInline]

    @admin.display(description=_("edit"))
    def edit_link(self, rule: ApprovalRule) -> str:
        return format_html('<a href="{}">{}</a>', reverse("approvals:rule_edit", args=[rule.pk]), _("Edit the rule"))


class RequestStepInline(ReadOnly, admin.TabularInline):
    model = RequestStep
    fields = ("order", "label", "mode", "status", "activated_at", "escalated_at", "decided_at")
    readonly_fields = fields
    extra = 0


class DecisionInline(ReadOnly, admin.TabularInline):
    model = Decision
    fields = ("step", "verdict", "decided_by", "on_behalf_of", "comment", "decided_at")
    readonly_fields = fields
    extra = 0


@admin.register(ApprovalRequest)
class ApprovalRequestAdmin(ReadOnly, SimpleHistoryAdmin):
    list_display = ("document_number", "document_type", "company", "requester", "amount", "status", "submitted_at")
    list_filter = ("status", "document_type", "company")
    search_fields = ("document_number", "summary")
    list_select_related = ("company", "requester")
    readonly_fields = (
        "company",
        "document_type",
        "document_number",
        "summary",
        "amount",
        "requester",
        "rule",
        "rule_version",
        "status",
        "submitted_at",
        "closed_at",
    )
    fields = readonly_fields
    inlines = [RequestStepInline, DecisionInline]


@admin.register(Decision)
class DecisionAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("request", "verdict", "decided_by", "on_behalf_of", "decided_at")
    list_filter = ("verdict",)
    search_fields = ("request__document_number", "comment")
    list_select_related = ("request", "decided_by", "on_behalf_of")
    readonly_fields = ("request", "step", "verdict", "decided_by", "on_behalf_of", "comment", "decided_at")
    fields = readonly_fields


@admin.register(Delegation)
class DelegationAdmin(SimpleHistoryAdmin):
    list_display = ("delegator", "delegate", "start_date", "end_date", "active")
    list_filter = ("active",)
    search_fields = ("delegator__username", "delegate__username", "reason")
    list_select_related = ("delegator", "delegate")
    fields = ("delegator", "delegate", "start_date", "end_date", "reason", "active")

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # a delegation ends (active off); its history stays

    def save_model(self, request, obj, form, change) -> None:
        services.save_delegation(actor=request.user, delegation=obj)


@admin.register(Notification)
class NotificationAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("user", "message", "created_at", "read_at")
    search_fields = ("user__username", "message")
    list_select_related = ("user",)
    readonly_fields = ("user", "request", "message", "created_at", "read_at")
    fields = readonly_fields
