"""A user of another company, holding every action right, asks for each of our records by id: every page and
API endpoint that names a record answers 404 (never 403, never the record), and nothing is changed.

The routes come from the URL resolver (tests/security/routes.py), so new pages and endpoints are tried as
soon as they exist; the few that are not object-scoped are listed there with the reason.
"""

import warnings

import pytest
from django.db.models import Model

from apps.purchasing.models import PurchaseOrder
from apps.sales.models import SalesOrder

from .routes import Route, not_scoped_reason, record_routes

pytestmark = pytest.mark.django_db


def our_row(model: type[Model]) -> Model | None:
    return model._default_manager.order_by("pk").first()


def scoped_routes(*, api: bool) -> list[Route]:
    return [route for route in record_routes() if route.is_api == api and not_scoped_reason(route) is None]


def try_every_route(client, routes: list[Route]) -> tuple[list[str], list[str]]:
    """(answers other than 404, routes whose model has no row in the scenario)."""
    leaks, missing = [], []
    for route in routes:
        row = our_row(route.model)
        if row is None:
            missing.append(f"{route.path} ({route.model_label})")
            continue
        for method in route.methods:
            response = getattr(client, method)(route.url(row.pk))
            if response.status_code != 404:
                leaks.append(f"{method.upper()} {route.url(row.pk)} ({route.model_label}): {response.status_code}")
    return leaks, missing


def report_untried(missing: list[str]) -> None:
    """Routes whose model has no row in the scenario are named in the run's warnings, never dropped silently."""
    if missing:
        warnings.warn("not tried, no row in tests/security/conftest.py populate(): " + ", ".join(missing), stacklevel=2)


def statuses(world) -> tuple[str, str]:
    return (
        PurchaseOrder.objects.get(pk=world.purchase_order.pk).status,
        SalesOrder.objects.get(pk=world.sales_order.pk).status,
    )


def test_every_api_endpoint_answers_404_to_another_company(world, stranger, api_client):
    before = statuses(world)
    routes = scoped_routes(api=True)
    assert len(routes) > 100

    leaks, missing = try_every_route(api_client(stranger), routes)

    assert not leaks, "answers other than 404:\n" + "\n".join(leaks)
    report_untried(missing)
    assert statuses(world) == before


def test_every_page_answers_404_to_another_company(world, stranger, client):
    before = statuses(world)
    routes = scoped_routes(api=False)
    assert len(routes) > 50
    client.force_login(stranger)

    leaks, missing = try_every_route(client, routes)

    assert not leaks, "answers other than 404:\n" + "\n".join(leaks)
    report_untried(missing)
    assert statuses(world) == before


def test_the_skip_list_names_only_routes_that_exist():
    paths = [route.path for route in record_routes()]
    labels = {route.model_label for route in record_routes()}
    from .routes import NOT_OBJECT_SCOPED

    for key in NOT_OBJECT_SCOPED:
        assert key in labels or any(path.startswith(key) for path in paths), f"{key} is in the skip-list but not routed"
