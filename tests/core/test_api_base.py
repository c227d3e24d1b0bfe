"""The API base every module builds on, through the test app's Voucher resource."""

import threading

import pytest
from django.db import OperationalError, connection, transaction
from django.test import RequestFactory
from django.test.client import encode_multipart
from django.urls import reverse

from apps.core import idempotency
from apps.core.models import IdempotencyRecord
from tests.testapp.models import Voucher

pytestmark = pytest.mark.django_db


@pytest.fixture
def integrator(make_user, company):
    return make_user(username="integrator", is_superuser=True, companies=[company])


@pytest.fixture
def client(api_client, integrator):
    return api_client(integrator)


def vouchers_url() -> str:
    return reverse("voucher-list")


def voucher_url(voucher) -> str:
    return reverse("voucher-detail", args=[voucher.pk])


def test_a_post_with_an_idempotency_key_replays_its_stored_response(client, company):
    body = {"company": company.pk, "document_date": "2026-03-01", "note": "first"}

    first = client.post(vouchers_url(), body, format="json", headers={"Idempotency-Key": "order-42"})
    again = client.post(vouchers_url(), body, format="json", headers={"Idempotency-Key": "order-42"})

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert Voucher.objects.count() == 1
    record = IdempotencyRecord.objects.get(key="order-42")
    assert (record.status_code, record.response_body["number"]) == (201, first.json()["number"])


def test_a_request_cut_off_after_its_writes_keeps_nothing_and_its_key_runs_again(client, company, monkeypatch):
    """The database lost after the document was written, while the response was being stored: the
    document, the claim and the response go together, so the retry creates the one document."""
    body = {"company": company.pk, "document_date": "2026-03-01", "note": "first"}

    def connection_lost(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    with monkeypatch.context() as patched:
        patched.setattr(idempotency, "finish", connection_lost)
        cut_off = client.post(vouchers_url(), body, format="json", headers={"Idempotency-Key": "order-7"})
    assert cut_off.status_code == 503 and cut_off.headers["Retry-After"]
    assert not Voucher.objects.exists() and not IdempotencyRecord.objects.exists()

    retried = client.post(vouchers_url(), body, format="json", headers={"Idempotency-Key": "order-7"})
    assert retried.status_code == 201 and Voucher.objects.count() == 1
    assert IdempotencyRecord.objects.get(key="order-7").status_code == 201


def test_the_same_key_with_another_body_is_a_conflict(client, company):
    body = {"company": company.pk, "document_date": "2026-03-01", "note": "first"}
    client.post(vouchers_url(), body, format="json", headers={"Idempotency-Key": "order-42"})

    reused = client.post(
        vouchers_url(), {**body, "note": "second"}, format="json", headers={"Idempotency-Key": "order-42"}
    )

    assert reused.status_code == 409
    assert reused.json()["error"]["code"] == "idempotency_key_reused"
    assert list(Voucher.objects.values_list("note", flat=True)) == ["first"]


def test_keys_belong_to_their_user(client, api_client, make_user, company):
    body = {"company": company.pk, "document_date": "2026-03-01"}
    other = api_client(make_user(username="other", is_superuser=True))

    client.post(vouchers_url(), body, format="json", headers={"Idempotency-Key": "k1"})
    other.post(vouchers_url(), body, format="json", headers={"Idempotency-Key": "k1"})

    assert Voucher.objects.count() == 2


def test_posts_without_a_key_are_not_deduplicated(client, company):
    body = {"company": company.pk, "document_date": "2026-03-01"}

    client.post(vouchers_url(), body, format="json")
    client.post(vouchers_url(), body, format="json")

    assert Voucher.objects.count() == 2
    assert not IdempotencyRecord.objects.exists()


def test_a_multipart_post_is_recognised_whatever_its_boundary(client, company):
    fields = {"company": str(company.pk), "document_date": "2026-03-01", "note": "from a form"}
    responses = [
        client.generic(
            "POST",
            vouchers_url(),
            encode_multipart(boundary, fields),
            content_type=f"multipart/form-data; boundary={boundary}",
            headers={"Idempotency-Key": "form-1"},
        )
        for boundary in ("----first", "----second")
    ]

    assert [response.status_code for response in responses] == [201, 201]
    assert responses[1].headers["Idempotent-Replayed"] == "true"
    assert Voucher.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first_commits", [True, False])
def test_a_retry_sent_while_the_first_request_runs_waits_for_its_claim(integrator, first_commits):
    def keyed_post():
        return RequestFactory().post("/api/v1/vouchers/", {"note": "one"}, content_type="application/json")

    outcomes: list = []

    def retry() -> None:
        try:
            with transaction.atomic():
                idempotency.begin(request=keyed_post(), user=integrator, key="k-1")
            outcomes.append("ran")
        except idempotency.IdempotentReplay as replay:
            outcomes.append(replay.record.status_code)
        finally:
            connection.close()

    retrying = threading.Thread(target=retry)
    with transaction.atomic():
        claim = idempotency.begin(request=keyed_post(), user=integrator, key="k-1")
        retrying.start()
        retrying.join(timeout=0.5)
        assert retrying.is_alive()  # held by the claim of the request still running
        idempotency.finish(claim, status_code=201, body={"id": 1})
        transaction.set_rollback(not first_commits)
    retrying.join(timeout=30)

    assert outcomes == ([201] if first_commits else ["ran"])
    assert IdempotencyRecord.objects.filter(key="k-1").count() == 1


def test_an_overlong_key_is_refused(client, company):
    response = client.post(
        vouchers_url(),
        {"company": company.pk, "document_date": "2026-03-01"},
        format="json",
        headers={"Idempotency-Key": "k" * 256},
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_idempotency_key"
    assert not Voucher.objects.exists()


def test_validation_errors_share_one_shape_with_field_messages(client):
    response = client.post(vouchers_url(), {"document_date": "someday", "note": "x" * 101}, format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["message"]
    assert set(error["fields"]) == {"company", "document_date", "note"}
    assert error["fields"]["company"][0]["code"] == "required"
    assert error["fields"]["note"][0]["code"] == "max_length"
    assert error["fields"]["document_date"][0]["message"]


def test_a_refused_transition_answers_409_with_its_code(client, make_voucher):
    voucher = make_voucher()
    client.post(reverse("voucher-confirm", args=[voucher.pk]))

    again = client.post(reverse("voucher-confirm", args=[voucher.pk]))

    assert again.status_code == 409
    assert again.json() == {
        "error": {"code": "invalid_transition", "message": again.json()["error"]["message"], "fields": {}}
    }


def test_a_missing_record_is_a_404_in_the_same_shape(client):
    response = client.get(reverse("voucher-detail", args=[999999]))

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_the_api_refuses_anonymous_callers(api_client):
    response = api_client().get(vouchers_url())

    assert response.status_code in {401, 403}
    assert response.json()["error"]["code"] in {"not_authenticated", "authentication_failed"}


def test_decimals_and_pages_follow_the_api_conventions(client, make_voucher):
    for _ in range(3):
        make_voucher()

    page = client.get(vouchers_url(), {"page_size": 2}).json()

    assert page["count"] == 3
    assert len(page["results"]) == 2
    assert page["next"]


def test_an_update_with_the_current_etag_succeeds(client, make_voucher):
    voucher = make_voucher(note="draft")
    etag = client.get(voucher_url(voucher)).headers["ETag"]

    response = client.patch(voucher_url(voucher), {"note": "checked"}, format="json", headers={"If-Match": etag})

    assert response.status_code == 200
    assert response.headers["ETag"] != etag
    voucher.refresh_from_db()
    assert voucher.note == "checked"


def test_an_update_with_a_stale_etag_is_refused(client, make_voucher):
    voucher = make_voucher(note="draft")
    stale = client.get(voucher_url(voucher)).headers["ETag"]
    client.patch(voucher_url(voucher), {"note": "someone else's change"}, format="json")

    response = client.patch(voucher_url(voucher), {"note": "mine"}, format="json", headers={"If-Match": stale})

    assert response.status_code == 412
    assert response.json()["error"]["code"] == "precondition_failed"
    voucher.refresh_from_db()
    assert voucher.note == "someone else's change"


def test_the_history_endpoint_lists_field_changes(client, make_voucher):
    voucher = make_voucher(note="draft")
    client.patch(voucher_url(voucher), {"note": "checked"}, format="json")

    entries = client.get(reverse("voucher-history", args=[voucher.pk])).json()

    assert [entry["kind"] for entry in entries] == ["~", "+"]
    assert entries[0]["user"] == "integrator"
    assert {"field": "note", "label": "note", "old": "draft", "new": "checked"} in entries[0]["changes"]
    assert {"field": "modified_by", "label": "modified by", "old": "clerk", "new": "integrator"} in entries[0][
        "changes"
    ]
