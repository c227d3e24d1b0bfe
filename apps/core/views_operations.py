"""Operator pages: the events the books could not post yet (with their retry), and webhook
subscriptions with every delivery, attempt by attempt, and its replay."""

import functools
from datetime import timedelta

import django_filters
from django import forms
from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import DetailView

from . import exports, outbox, webhooks
from .access import scoped
from .context_processors import navigation_modules
from .errors import DomainError
from .filters import SearchFilterSet
from .forms import ServiceModelForm
from .models import OutboxEvent, WebhookDelivery, WebhookSubscription
from .views import Column, ModelPermissionMixin, RecordCreateView, RecordDetailView, RecordEditView, RecordListView

# A pending event older than this was neither posted nor retried on schedule: the broker, the
# workers or a subscriber needs an operator's eye.
LONG_PENDING = timedelta(minutes=5)


@functools.cache
def _source_pages() -> dict[str, str]:
    """'app_label.model' -> the URL name of that document's page, from each app's navigation RECORD_PAGES."""
    return {
        model._meta.label_lower: url_name
        for module in navigation_modules()
        for model, url_name in getattr(module, "RECORD_PAGES", {}).items()
    }


def source_url(source_type: ContentType | None, source_id: int | None) -> str:
    """The page of the document an event or a journal entry came from; '' when its app has none (yet)."""
    if source_type is None or source_id is None:
        return ""
    name = _source_pages().get(f"{source_type.app_label}.{source_type.model}")
    if not name:
        return ""
    try:
        return reverse(name, args=[source_id])
    except NoReverseMatch:
        return ""


def _companies(user) -> QuerySet:
    company_model = apps.get_model("masterdata", "Company")
    return scoped(company_model.objects.all(), user=user, perm="masterdata.access_company", scope_model=company_model)


def _in_visible_company(queryset: QuerySet, user, *, through: str) -> QuerySet:
    company_model = apps.get_model("masterdata", "Company")
    return scoped(queryset, user=user, perm="masterdata.access_company", scope_model=company_model, through=through)


def webhook_subscriptions_visible_to(user) -> QuerySet[WebhookSubscription]:
    return _in_visible_company(
        WebhookSubscription.objects.select_related("company", "created_by"), user, through="company"
    )


def webhook_deliveries_visible_to(user) -> QuerySet[WebhookDelivery]:
    return _in_visible_company(
        WebhookDelivery.objects.select_related("subscription", "event"), user, through="subscription__company"
    )


# --- Posting errors ------------------------------------------------------------------------------


def posting_problems(user) -> QuerySet[OutboxEvent]:
    """Failed events, and pending ones left waiting far longer than a dispatch takes."""
    waiting_since = timezone.now() - LONG_PENDING
    return (
        outbox.outbox_events_visible_to(user)
        .select_related("company")
        .filter(
            Q(status=OutboxEvent.Status.FAILED) | Q(status=OutboxEvent.Status.PENDING, created_at__lt=waiting_since)
        )
    )


class PostingErrorFilter(SearchFilterSet):
    search_fields = ("kind", "key", "last_error", "payload__source_number")

    class Meta:
        model = OutboxEvent
        fields = ["status", "company"]


class PostingErrorListView(RecordListView):
    model = OutboxEvent
    selector = staticmethod(posting_problems)
    filterset_class = PostingErrorFilter
    filter_fields = ("status", "company")
    template_name = "core/operations/posting_errors.html"
    default_sort = "-id"
    has_detail = False
    has_create = False
    title = gettext_lazy("Posting errors")
    columns = (
        Column(gettext_lazy("Event"), "pk", sort="id"),
        Column(gettext_lazy("Kind"), "kind", sort="kind"),
        Column(gettext_lazy("Company"), "company.code", sort="company__code"),
        Column(gettext_lazy("Source"), "source_label"),
        Column(gettext_lazy("Status"), "get_status_display", sort="status"),
        Column(gettext_lazy("Attempts"), "attempts", sort="attempts"),
        Column(gettext_lazy("Last error"), "last_error"),
        Column(gettext_lazy("Created at"), "created_at", sort="created_at"),
        Column(gettext_lazy("Next attempt at"), "next_attempt_at", sort="next_attempt_at"),
    )

    def limit_filters(self, form) -> None:
        form.fields["company"].queryset = _companies(self.request.user)
        form.fields["status"].choices = [
            ("", _("Failed and long pending")),
            (OutboxEvent.Status.FAILED, OutboxEvent.Status.FAILED.label),
            (OutboxEvent.Status.PENDING, OutboxEvent.Status.PENDING.label),
        ]

    def export(self, queryset, file_format: str):
        rows = (
            [column.of(describe_source(event)) for column in self.columns]
            for event in queryset.iterator(chunk_size=2000)
        )
        return exports.export_response(
            request=self.request,
            name=self.export_name(),
            headers=[column.label for column in self.columns],
            rows=rows,
            file_format=file_format,
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for event in context["object_list"]:
            describe_source(event)
        context.update(
            may_retry=self.request.user.has_perm("core.change_outboxevent"),
            long_pending_minutes=int(LONG_PENDING.total_seconds() // 60),
            max_attempts=settings.OUTBOX_MAX_ATTEMPTS,
        )
        return context

    def export_name(self) -> str:
        return "posting-errors"


def describe_source(event: OutboxEvent) -> OutboxEvent:
    """Name the event's source document (its number when the payload carries it) and its page."""
    number = event.payload.get("source_number") if isinstance(event.payload, dict) else None
    event.source_label = number or f"{event.source_type.app_label}.{event.source_type.model} #{event.source_id}"
    event.source_url = source_url(event.source_type, event.source_id)
    return event


class RetryEventView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """Put a failed event back in the queue; from the list, htmx swaps its row in place."""

    permission_required = "core.change_outboxevent"
    http_method_names = ["post"]

    def post(self, request, pk: int):
        event = get_object_or_404(outbox.outbox_events_visible_to(request.user).select_related("company"), pk=pk)
        try:
            outbox.retry_failed(event=event, actor=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Event %(event)s is queued again.") % {"event": event.pk})
        if request.htmx:
            event.refresh_from_db()
            return render(
                request,
                "core/operations/_posting_error_row.html",
                {"event": describe_source(event), "may_retry": True, "retried": True},
            )
        return redirect("posting-errors")


# --- Webhooks ------------------------------------------------------------------------------------


class WebhookSubscriptionFilter(SearchFilterSet):
    search_fields = ("name", "url", "event_kinds")
    active = django_filters.BooleanFilter(label=gettext_lazy("Active"))

    class Meta:
        model = WebhookSubscription
        fields = ["company"]


class WebhookSubscriptionForm(ServiceModelForm):
    url = forms.URLField(label=gettext_lazy("URL"), max_length=500, assume_scheme="https")

    class Meta:
        model = WebhookSubscription
        fields = ["company", "name", "url", "event_kinds", "active"]

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, user=user, **kwargs)
        if self.instance.pk:
            self.fields.pop("company")
        else:
            self.fields["company"].queryset = _companies(user).filter(active=True)
            self.fields["company"].empty_label = None
        self.fields["url"].widget.attrs["placeholder"] = "https://erp-hooks.example.com/"


class WebhookPages:
    model = WebhookSubscription
    selector = staticmethod(webhook_subscriptions_visible_to)
    url_prefix = "webhook"


class WebhookListView(WebhookPages, RecordListView):
    filterset_class = WebhookSubscriptionFilter
    filter_fields = ("company", "active")
    default_sort = "name"
    title = gettext_lazy("Webhooks")
    columns = (
        Column(gettext_lazy("Name"), "name", sort="name", link=True),
        Column(gettext_lazy("URL"), "url", sort="url"),
        Column(gettext_lazy("Event kinds"), "event_kinds"),
        Column(gettext_lazy("Company"), "company.code", sort="company__code"),
        Column(gettext_lazy("Active"), "active", sort="active"),
    )

    def limit_filters(self, form) -> None:
        form.fields["company"].queryset = _companies(self.request.user)


class WebhookDetailView(WebhookPages, RecordDetailView):
    template_name = "core/operations/webhook_detail.html"
    fields = ("company", "name", "url", "event_kinds", "active", "created_by", "created_at")
    deliveries_per_page = 25

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["may_rotate"] = self.may("change")
        if context["tab"] == "details" and user.has_perm("core.view_webhookdelivery"):
            deliveries = webhook_deliveries_visible_to(user).filter(subscription=self.object).order_by("-id")
            status = self.request.GET.get("status", "")
            if status in WebhookDelivery.Status.values:
                deliveries = deliveries.filter(status=status)
            page = Paginator(deliveries, self.deliveries_per_page).get_page(self.request.GET.get("page"))
            context.update(
                deliveries=page,
                delivery_status=status,
                delivery_statuses=WebhookDelivery.Status.choices,
            )
        return context


def _show_secret(request, subscription: WebhookSubscription, *, rotated: bool):
    """The signing secret, on this one response: it is never shown again."""
    return render(
        request,
        "core/operations/webhook_secret.html",
        {"subscription": subscription, "secret": subscription.secret, "rotated": rotated},
    )


class WebhookCreateView(WebhookPages, RecordCreateView):
    form_class = WebhookSubscriptionForm

    def save(self, form) -> WebhookSubscription:
        return webhooks.save_subscription(actor=self.request.user, subscription=form.instance)

    def form_valid(self, form):
        response = super().form_valid(form)
        if response.status_code != 302:  # refused: the form with its errors
            return response
        return _show_secret(self.request, self.object, rotated=False)


class WebhookEditView(WebhookPages, RecordEditView):
    form_class = WebhookSubscriptionForm

    def save(self, form) -> WebhookSubscription:
        return webhooks.save_subscription(actor=self.request.user, subscription=form.instance)


class RotateSecretView(WebhookPages, ModelPermissionMixin, View):
    action = "change"
    http_method_names = ["post"]

    def post(self, request, pk: int):
        subscription = get_object_or_404(webhook_subscriptions_visible_to(request.user), pk=pk)
        webhooks.rotate_secret(actor=request.user, subscription=subscription)
        return _show_secret(request, subscription, rotated=True)


class DeliveryDetailView(ModelPermissionMixin, DetailView):
    """One delivery: its event, every attempt with status and response time, and Replay."""

    model = WebhookDelivery
    template_name = "core/operations/webhook_delivery.html"

    def get_queryset(self):
        return webhook_deliveries_visible_to(self.request.user).select_related("event__source_type")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        delivery = self.object
        context.update(
            attempts=delivery.attempt_log.order_by("-at", "-id"),
            may_replay=self.request.user.has_perm("core.change_webhookdelivery")
            and delivery.status != WebhookDelivery.Status.PENDING,
            body=webhooks.event_body(delivery.event).decode(),
            source=describe_source(delivery.event),
        )
        return context


class ReplayDeliveryView(ModelPermissionMixin, View):
    model = WebhookDelivery
    action = "change"
    http_method_names = ["post"]

    def post(self, request, pk: int):
        delivery = get_object_or_404(webhook_deliveries_visible_to(request.user), pk=pk)
        try:
            webhooks.replay(actor=request.user, delivery=delivery)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The delivery is queued to be sent again."))
        return redirect("webhook-delivery-detail", pk=delivery.pk)
