"""The platform's browser pages: sign-in, home, profile with API tokens, security log, error pages."""

import csv
import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from knox.models import AuthToken

from apps.core.models import OutboxEvent, SecurityEvent
from apps.core.services import create_api_token
from apps.masterdata import services
from apps.masterdata.models import UnitOfMeasure
from tests.factories import CompanyFactory, ItemFactory, PartnerFactory, WarehouseFactory


@pytest.fixture
def clerk(make_user, company):
    return make_user(username="clerk", roles=["sales_clerk"], companies=[company])


def signed_in(client, user):
    client.force_login(user)
    return client


def test_home_sends_anonymous_users_to_sign_in(client, db):
    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/"


def test_sign_in_with_the_form_records_the_sign_in(client, make_user):
    user = make_user(username="ann")

    page = client.get(reverse("login"))
    response = client.post(reverse("login"), {"username": "ann", "password": "secret-pass-123"})

    assert page.status_code == 200
    assert 'name="username"' in page.content.decode()
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.SIGN_IN, user=user).exists()


def test_wrong_password_shows_the_form_again(client, make_user):
    make_user(username="ann")

    response = client.post(reverse("login"), {"username": "ann", "password": "wrong"})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.SIGN_IN_FAILED, username="ann").exists()


def test_sign_out_is_a_post(client, clerk):
    signed_in(client, clerk)

    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_home_counts_only_visible_records_and_lists_my_changes(client, admin_user, company, make_user):
    other_company = CompanyFactory(code="OTHER")
    ItemFactory.create_batch(3, company=company)
    ItemFactory.create_batch(2, company=other_company)
    PartnerFactory(company=company)
    WarehouseFactory(company=company)
    buyer = make_user(username="bob", roles=["buyer"], companies=[company])
    services.create_item(
        actor=buyer, company=company, name="Hex bolt M8", base_unit=UnitOfMeasure.objects.get(code="PCS")
    )

    response = signed_in(client, buyer).get(reverse("home"))

    tiles = {str(tile["label"]): tile["count"] for tile in response.context["tiles"]}
    assert tiles["Items"] == 4
    assert tiles["Partners"] == 0  # a buyer sees only the partners they own
    assert tiles["Warehouses"] == 0
    changes = response.context["recent_changes"]
    assert [change.record for change in changes] == ["IT-000001 Hex bolt M8"]
    assert "Hex bolt M8" in response.content.decode()
    assert "postings" not in [shown.card.key for shown in response.context["cards"]]


def test_home_shows_pending_events_to_those_who_post_them(client, make_user, company):
    accountant = make_user(username="acc", roles=["accountant"], companies=[company])
    source = PartnerFactory(company=company)
    for number in range(2):
        OutboxEvent.objects.create(
            key=f"test-{number}",
            kind="test.event",
            company=company,
            source_type=ContentType.objects.get_for_model(source),
            source_id=source.pk,
        )

    response = signed_in(client, accountant).get(reverse("home"))

    [postings] = [shown for shown in response.context["cards"] if shown.card.key == "postings"]
    assert [figure.value for figure in postings.panel.figures if figure.key == "pending"] == [2]
    assert 'id="dashboard-postings"' in response.content.decode()


def test_navigation_shows_only_the_menus_the_user_may_open(client, clerk, admin_user):
    clerk_page = signed_in(client, clerk).get(reverse("home")).content.decode()
    admin_page = signed_in(client, admin_user).get(reverse("home")).content.decode()

    assert reverse("masterdata:partner-list") in clerk_page
    assert reverse("masterdata:import-item") not in clerk_page
    assert reverse("security-log") not in clerk_page
    assert reverse("masterdata:import-item") in admin_page
    assert reverse("security-log") in admin_page


def test_language_switch_serves_chinese(client, clerk):
    signed_in(client, clerk)

    response = client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"}, follow=True)

    assert response.status_code == 200
    assert '<html lang="zh-hans">' in response.content.decode()


def test_profile_creates_a_token_shown_once_and_logs_it(client, clerk):
    signed_in(client, clerk)

    created = client.post(reverse("profile"), {"create": "1"})
    again = client.get(reverse("profile"))

    token = AuthToken.objects.get(user=clerk)
    secret = created.context["new_secret"]
    assert secret.startswith(token.token_key)
    assert secret in created.content.decode()
    assert secret not in again.content.decode()
    assert token.token_key in again.content.decode()
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.TOKEN_CREATED)
    assert event.user == clerk
    assert event.detail["token_key"] == token.token_key
    assert event.ip_address == "127.0.0.1"


def test_profile_revokes_only_the_users_own_token(client, clerk, make_user):
    mine, _secret = create_api_token(user=clerk)
    theirs, _other = create_api_token(user=make_user(username="someone"))
    signed_in(client, clerk)

    refused = client.post(reverse("profile"), {"revoke": theirs.token_key}, follow=True)
    revoked = client.post(reverse("profile"), {"revoke": mine.token_key}, follow=True)

    assert "No such API token." in refused.content.decode()
    assert "The API token was revoked." in revoked.content.decode()
    assert list(AuthToken.objects.values_list("token_key", flat=True)) == [theirs.token_key]
    revocations = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.TOKEN_REVOKED)
    assert [(event.user, event.detail["token_key"]) for event in revocations] == [(clerk, mine.token_key)]


def test_security_log_is_for_administrators(client, clerk):
    response = signed_in(client, clerk).get(reverse("security-log"))

    assert response.status_code == 403


def test_security_log_searches_filters_and_exports(client, admin_user, make_user):
    make_user(username="mallory")
    client.post(reverse("login"), {"username": "mallory", "password": "bad"})
    client.post(reverse("login"), {"username": "trent", "password": "bad"})
    signed_in(client, admin_user)

    failed = client.get(reverse("security-log"), {"kind": SecurityEvent.Kind.SIGN_IN_FAILED, "q": "mall"})
    exported = client.get(reverse("security-log"), {"kind": SecurityEvent.Kind.SIGN_IN_FAILED, "export": "csv"})

    assert [event.username for event in failed.context["object_list"]] == ["mallory"]
    content = exported.content.decode("utf-8")
    assert content.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(content.removeprefix("\ufeff"))))
    assert rows[0] == ["Time", "Event", "User", "Address", "Detail"]
    assert sorted(row[2] for row in rows[1:]) == ["mallory", "trent"]
    export = SecurityEvent.objects.get(kind=SecurityEvent.Kind.EXPORT)
    assert (export.user, export.detail["rows"], export.detail["format"]) == (admin_user, 2, "csv")


def test_unknown_page_is_a_404_page(client, clerk):
    response = signed_in(client, clerk).get("/no/such/page/")

    assert response.status_code == 404
    assert "There is nothing here" in response.content.decode()


def test_lost_database_answers_the_standalone_503_page(client, db):
    response = client.get(reverse("test-database-gone"))

    assert response.status_code == 503
    assert "nothing was saved" in response.content.decode()
