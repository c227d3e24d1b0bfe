"""/api/v1/core/: the outbox's events with their retry action, and the security log."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from apps.core import outbox
from apps.core.models import OutboxEvent, SecurityEvent
from tests.factories import CompanyFactory
from tests.testapp.models import HandledEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def accountant(make_user, company):
    return make_user(username="accountant", roles=["accountant"], companies=[company])


@pytest.fixture
def failed_event(emit_event, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 1
    event = emit_event(payload={"fail": True})
    outbox.dispatch(event.pk)
    event.refresh_from_db()
    assert event.status == OutboxEvent.Status.FAILED
    return event


def events_url() -> str:
    return reverse("core-outbox-event-list")


def test_outbox_events_are_listed_and_filtered_by_status_and_kind(api_client, accountant, emit_event, make_voucher):
    done = emit_event()
    outbox.dispatch(done.pk)
    pending = emit_event(source=make_voucher(), kind="test.invoiced")
    client = api_client(accountant)

    by_status = client.get(events_url(), {"status": "pending"}).json()
    by_kind = client.get(events_url(), {"kind": "test.posted"}).json()

    assert [event["id"] for event in by_status["results"]] == [pending.pk]
    assert [event["id"] for event in by_kind["results"]] == [done.pk]
    assert by_kind["results"][0]["status"] == "done"
    assert by_kind["results"][0]["source_type"] == "testapp.voucher"


def test_an_outbox_event_is_retrieved_with_its_error(api_client, accountant, failed_event):
    body = api_client(accountant).get(reverse("core-outbox-event-detail", args=[failed_event.pk])).json()

    assert body["status"] == "failed"
    assert body["attempts"] == 1
    assert "subscriber asked to fail" in body["last_error"]
    assert body["payload"] == {"fail": True}


def test_events_of_another_company_are_not_found(api_client, accountant, emit_event, make_voucher):
    elsewhere = emit_event(source=make_voucher(company=CompanyFactory(code="ELSEWHERE")))
    client = api_client(accountant)

    assert client.get(events_url()).json()["count"] == 0
    assert client.get(reverse("core-outbox-event-detail", args=[elsewhere.pk])).status_code == 404


def test_retrying_a_failed_event_puts_it_back_and_handles_it(
    api_client, accountant, failed_event, django_capture_on_commit_callbacks
):
    OutboxEvent.objects.filter(pk=failed_event.pk).update(payload={})  # the cause was fixed

    with django_capture_on_commit_callbacks(execute=True):
        response = api_client(accountant).post(reverse("core-outbox-event-retry", args=[failed_event.pk]))
        assert response.status_code == 200
        assert (response.json()["status"], response.json()["attempts"]) == ("pending", 0)

    failed_event.refresh_from_db()
    assert failed_event.status == OutboxEvent.Status.DONE
    assert HandledEvent.objects.filter(event=failed_event).count() == 1


def test_retrying_an_event_that_has_not_failed_is_a_conflict(api_client, accountant, emit_event):
    event = emit_event()

    response = api_client(accountant).post(reverse("core-outbox-event-retry", args=[event.pk]))

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "not_failed"


def test_retrying_needs_the_change_permission(api_client, make_user, company, failed_event):
    viewer = make_user(username="viewer", companies=[company])
    viewer.user_permissions.add(Permission.objects.get(codename="view_outboxevent"))

    response = api_client(viewer).post(reverse("core-outbox-event-retry", args=[failed_event.pk]))

    assert response.status_code == 403
    failed_event.refresh_from_db()
    assert failed_event.status == OutboxEvent.Status.FAILED


def test_the_security_log_is_for_administrators(api_client, admin_user, accountant):
    SecurityEvent.objects.create(kind=SecurityEvent.Kind.EXPORT, username="clerk", ip_address="10.0.0.5")
    url = reverse("core-security-event-list")

    administrator_view = api_client(admin_user).get(url, {"kind": "export"})
    accountant_view = api_client(accountant).get(url)

    assert administrator_view.status_code == 200
    [event] = administrator_view.json()["results"]
    assert (event["username"], event["ip_address"], event["kind_label"]) == ("clerk", "10.0.0.5", "Data exported")
    assert accountant_view.status_code == 403


def test_the_security_log_cannot_be_written_through_the_api(api_client, admin_user):
    response = api_client(admin_user).post(reverse("core-security-event-list"), {"kind": "export"}, format="json")

    assert response.status_code == 405
