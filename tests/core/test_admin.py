"""The platform's admin pages: outbox retry, read-only logs, sequences, users with history."""

import pytest
from django.urls import reverse

from apps.core import outbox
from apps.core.models import DocumentSequence, OutboxEvent, SecurityEvent
from apps.core.numbering import configure_sequence

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(make_user):
    return make_user(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_site(client, superuser):
    client.force_login(superuser)
    return client


def test_failed_events_are_retried_from_the_list(admin_site, emit_event, make_voucher, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 1
    failed = emit_event(payload={"fail": True})
    outbox.dispatch(failed.pk)
    pending = emit_event(source=make_voucher())

    response = admin_site.post(
        reverse("admin:core_outboxevent_changelist"),
        {"action": "retry", "_selected_action": [failed.pk, pending.pk]},
        follow=True,
    )

    assert response.status_code == 200
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (OutboxEvent.Status.PENDING, 0)
    messages = [str(message) for message in response.context["messages"]]
    assert "1 event put back in the queue." in messages
    assert "1 event was not failed and was left alone." in messages


def test_the_outbox_list_filters_by_status_and_kind(admin_site, emit_event):
    event = emit_event()

    response = admin_site.get(reverse("admin:core_outboxevent_changelist"), {"status__exact": "pending"})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [event]
    assert {spec.title for spec in response.context["cl"].filter_specs} == {"status", "kind"}


def test_an_event_page_is_read_only(admin_site, emit_event):
    event = emit_event()
    url = reverse("admin:core_outboxevent_change", args=[event.pk])

    page = admin_site.get(url)
    admin_site.post(url, {"status": "done"})

    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    event.refresh_from_db()
    assert event.status == OutboxEvent.Status.PENDING


def test_the_security_log_is_view_only(admin_site, superuser):
    event = SecurityEvent.objects.create(kind=SecurityEvent.Kind.EXPORT, username="clerk")

    assert admin_site.get(reverse("admin:core_securityevent_changelist")).status_code == 200
    assert admin_site.get(reverse("admin:core_securityevent_add")).status_code == 403
    assert (
        admin_site.post(reverse("admin:core_securityevent_delete", args=[event.pk]), {"post": "yes"}).status_code == 403
    )
    assert SecurityEvent.objects.filter(pk=event.pk).exists()


def test_a_sequence_format_is_edited_without_touching_its_counter(admin_site, company):
    sequence = configure_sequence(company_id=company.pk, document_type="po", year=2026, prefix="PO", padding=5)
    DocumentSequence.objects.filter(pk=sequence.pk).update(last_value=41)

    response = admin_site.post(
        reverse("admin:core_documentsequence_change", args=[sequence.pk]),
        {"prefix": "CG", "padding": 3},
    )

    assert response.status_code == 302
    sequence.refresh_from_db()
    assert (sequence.prefix, sequence.padding, sequence.last_value) == ("CG", 3, 41)


def test_a_sequence_is_defined_before_its_first_document(admin_site, company):
    response = admin_site.post(
        reverse("admin:core_documentsequence_add"),
        {"company": company.pk, "document_type": "po", "year": 2027, "prefix": "PO", "padding": 4},
    )

    assert response.status_code == 302
    assert DocumentSequence.objects.get(company=company, document_type="po", year=2027).format(1) == "PO-2027-0001"


def test_a_user_is_edited_with_manager_and_phone_and_has_history(admin_site, make_user):
    boss = make_user(username="boss")
    clerk = make_user(username="clerk")
    page = admin_site.get(reverse("admin:core_user_change", args=[clerk.pk]))
    form = page.context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name != "password"}
    data.update(
        {
            "manager": boss.pk,
            "phone": "+86 21 5555 0101",
            "groups": [],
            "user_permissions": [],
            "last_login_0": "",
            "last_login_1": "",
            "date_joined_0": "2026-01-05",
            "date_joined_1": "09:00:00",
        }
    )

    response = admin_site.post(reverse("admin:core_user_change", args=[clerk.pk]), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    clerk.refresh_from_db()
    assert (clerk.manager, clerk.phone) == (boss, "+86 21 5555 0101")
    history = admin_site.get(reverse("admin:core_user_history", args=[clerk.pk]))
    assert history.status_code == 200
    assert clerk.history.latest().history_user.username == "root"


def test_idempotency_records_are_view_only(admin_site):
    assert admin_site.get(reverse("admin:core_idempotencyrecord_changelist")).status_code == 200
    assert admin_site.get(reverse("admin:core_idempotencyrecord_add")).status_code == 403
