"""Admin for the platform's records: users, outbox events (with retry), the security log,
document sequences and idempotency records. State changes go through the kernel's services."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from . import numbering, outbox
from .models import DocumentSequence, IdempotencyRecord, OutboxEvent, SecurityEvent, User


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written only by the system: viewable, never added, edited or deleted here."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(User)
class UserAdmin(SimpleHistoryAdmin, DjangoUserAdmin):
    fieldsets = (*DjangoUserAdmin.fieldsets, (_("Organisation"), {"fields": ("manager", "phone")}))
    add_fieldsets = (*DjangoUserAdmin.add_fieldsets, (_("Organisation"), {"fields": ("manager", "phone")}))
    list_display = ("username", "first_name", "last_name", "email", "manager", "is_active", "is_staff")
    autocomplete_fields = ("manager",)
    list_select_related = ("manager",)


@admin.register(OutboxEvent)
class OutboxEventAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "company", "status", "attempts", "created_at", "next_attempt_at", "processed_at")
    list_filter = ("status", "kind")
    list_select_related = ("company",)
    search_fields = ("key", "kind")
    date_hierarchy = "created_at"
    readonly_fields = (
        "key",
        "kind",
        "company",
        "source_type",
        "source_id",
        "payload",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "next_attempt_at",
        "processed_at",
    )
    actions = ("retry",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        # An event changes only through the outbox (dispatch, retry): its page is read-only, while
        # the list keeps the retry action for those allowed to change events.
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=_("Retry the selected failed events"), permissions=["change"])
    def retry(self, request, queryset) -> None:
        failed = list(queryset.filter(status=OutboxEvent.Status.FAILED))
        for event in failed:
            outbox.retry_failed(event=event, actor=request.user)
        self.message_user(
            request,
            ngettext("%(count)d event put back in the queue.", "%(count)d events put back in the queue.", len(failed))
            % {"count": len(failed)},
            messages.SUCCESS,
        )
        skipped = queryset.count() - len(failed)
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d event was not failed and was left alone.",
                    "%(count)d events were not failed and were left alone.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )


@admin.register(SecurityEvent)
class SecurityEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "kind", "username", "ip_address")
    list_filter = ("kind",)
    search_fields = ("username", "ip_address")
    date_hierarchy = "at"
    fields = ("at", "kind", "user", "username", "ip_address", "detail")


@admin.register(DocumentSequence)
class DocumentSequenceAdmin(admin.ModelAdmin):
    list_display = ("company", "document_type", "year", "prefix", "padding", "last_value")
    list_filter = ("document_type", "year")
    list_select_related = ("company",)
    fields = ("company", "document_type", "year", "prefix", "padding", "last_value")

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ("last_value",)
        return ("company", "document_type", "year", "last_value")

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # deleting a sequence would hand out its numbers again

    def save_model(self, request, obj, form, change) -> None:
        saved = numbering.configure_sequence(
            company_id=obj.company_id,
            document_type=obj.document_type,
            year=obj.year,
            prefix=obj.prefix,
            padding=obj.padding,
        )
        obj.pk = saved.pk
        obj.last_value = saved.last_value


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "user", "method", "path", "status_code")
    list_filter = ("method", "status_code")
    list_select_related = ("user",)
    search_fields = ("key", "path", "user__username")
    date_hierarchy = "created_at"
