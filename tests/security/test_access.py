"""Who is not signed in, or signs in with a revoked or made-up token, or posts a form without its CSRF
token, gets nothing and changes nothing."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from apps.core.services import create_api_token
from apps.masterdata.models import Partner
from apps.purchasing.models import PurchaseOrder

from .routes import all_routes

pytestmark = pytest.mark.django_db

# Routes open to everyone, and why.
PUBLIC = {
    "/accounts/login/": "the sign-in page itself",
    "/accounts/logout/": "signing out answers the same to anyone",
    "/approvals/link/": "an approver's one-time signed link: the token is the credential (tests/approvals)",
}


def public(url: str) -> bool:
    return url.startswith(tuple(PUBLIC))


def test_every_api_endpoint_answers_401_to_an_anonymous_client(world):
    client = APIClient()
    refused = []
    for route in (route for route in all_routes() if route.is_api):
        for method in route.methods:
            response = getattr(client, method)(route.url(world.purchase_order.pk), {}, format="json")
            if response.status_code != 401:
                refused.append(f"{method.upper()} {route.url(world.purchase_order.pk)}: {response.status_code}")
    assert not refused, "answers other than 401:\n" + "\n".join(refused)


def test_every_page_sends_an_anonymous_visitor_to_sign_in(world):
    client = Client()
    wrong = []
    for route in (route for route in all_routes() if not route.is_api):
        url = route.url(world.purchase_order.pk)
        if public(url):
            continue
        for method in route.methods:
            response = getattr(client, method)(url)
            if response.status_code != 302 or not response["Location"].startswith("/accounts/login/"):
                wrong.append(f"{method.upper()} {url}: {response.status_code} {response.get('Location', '')}")
    assert not wrong, "pages that did not send the visitor to sign in:\n" + "\n".join(wrong)
    assert PurchaseOrder.objects.get(pk=world.purchase_order.pk).status == world.purchase_order.status


def test_a_revoked_token_is_refused(world, admin_user):
    _token, secret = create_api_token(user=admin_user)
    api = APIClient(HTTP_AUTHORIZATION=f"Token {secret}")
    assert api.get("/api/v1/purchasing/orders/").status_code == 200

    browser = Client()
    browser.force_login(admin_user)
    browser.post("/accounts/profile/", {"revoke": secret[:15]})

    response = api.get("/api/v1/purchasing/orders/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] in {"authentication_failed", "not_authenticated"}
    assert api.post("/api/v1/purchasing/orders/1/cancel/", {"reason": "x"}, format="json").status_code == 401


def test_a_made_up_token_is_refused(world):
    api = APIClient(HTTP_AUTHORIZATION="Token " + "0" * 64)
    assert api.get("/api/v1/sales/orders/").status_code == 401


def test_a_browser_form_posted_without_its_csrf_token_is_refused_and_writes_nothing(world, admin_user):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(admin_user)
    partners = Partner.objects.count()

    created = browser.post(
        "/masterdata/partners/new/", {"code": "CSRF1", "name": "Forged Partner", "is_customer": "on"}
    )
    cancelled = browser.post(f"/purchasing/orders/{world.purchase_order.pk}/actions/cancel/", {"reason": "forged"})
    token = browser.post("/accounts/profile/", {"create": "1"})

    assert (created.status_code, cancelled.status_code, token.status_code) == (403, 403, 403)
    assert Partner.objects.count() == partners
    assert PurchaseOrder.objects.get(pk=world.purchase_order.pk).status == world.purchase_order.status
    assert not admin_user.auth_token_set.exists()


def test_the_api_with_a_browser_session_needs_the_csrf_token_too(world, admin_user):
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(admin_user)

    response = browser.post(f"/api/v1/purchasing/orders/{world.purchase_order.pk}/cancel/", {"reason": "forged"})

    assert response.status_code == 403
    assert PurchaseOrder.objects.get(pk=world.purchase_order.pk).status == world.purchase_order.status
