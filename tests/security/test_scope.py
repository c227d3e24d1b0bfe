"""A user of another company, holding every action right, asks for each of our records by id: every page and
API endpoint that names a record answers 404 (never 403, never the record), whatever the method, and nothing
is changed.

The routes come from the URL resolver (tests/security/routes.py), so new pages and endpoints are tried as
soon as they exist; the few that are not object-scoped are listed there with the reason. Every route must
find a row of its model in tests/security/conftest.py (populate and add_every_record): a new app
without one fails here.
"""

import pytest
from django.db.models import Model

from .routes import NOT_OBJECT_SCOPED, WRITES, Route, not_scoped_reason, record_routes

pytestmark = pytest.mark.django_db

# What a forged write sends: a status move, a reason, a note; whatever the endpoint reads of it.
FORGED = {"status": "cancelled", "reason": "forged", "note": "forged", "quantity": "1"}


def our_row(model: type[Model]) -> Model | None:
    return model._default_manager.order_by("pk").first()


def scoped_routes(*, api: bool) -> list[Route]:
    return [route for route in record_routes() if route.is_api == api and not_scoped_reason(route) is None]


def targets(routes: list[Route]) -> dict[Route, Model]:
    """Our row for each route; fails naming the routes whose model has none in the scenario."""
    rows = {route: our_row(route.model) for route in routes}
    untried = [f"{route.path} ({route.model_label})" for route, row in rows.items() if row is None]
    assert not untried, "no row to try: add one in conftest.py add_every_record():\n" + "\n".join(untried)
    return rows


def snapshot(rows: dict[Route, Model]) -> dict[tuple[str, int], dict]:
    """Every column of every row tried, as stored: status, modified_at, amounts, ..."""
    return {
        (row._meta.label, row.pk): type(row)._default_manager.filter(pk=row.pk).values().get() for row in rows.values()
    }


def unexpected(response, method: str, route: Route) -> bool:
    """Anything but 404; 405 is right only where the route does not take the method at all."""
    if response.status_code == 405:
        return method in route.allowed
    return response.status_code != 404


def try_every_route(client, rows: dict[Route, Model], methods: tuple[str, ...] | None = None) -> list[str]:
    """The answers that were not 404 (or an honest 405), as "METHOD url (model): status"."""
    leaks = []
    for route, row in rows.items():
        url = route.url(row.pk)
        for method in methods or route.methods:
            data = FORGED if method in WRITES else {}
            response = getattr(client, method)(url, data, **({"format": "json"} if route.is_api else {}))
            if unexpected(response, method, route):
                leaks.append(f"{method.upper()} {url} ({route.model_label}): {response.status_code}")
    return leaks


def test_every_api_endpoint_answers_404_to_another_company(every_record, stranger, api_client):
    rows = targets(scoped_routes(api=True))
    assert len(rows) > 100
    before = snapshot(rows)

    leaks = try_every_route(api_client(stranger), rows)

    assert not leaks, "answers other than 404:\n" + "\n".join(leaks)
    assert snapshot(rows) == before


def test_every_page_answers_404_to_another_company(every_record, stranger, client):
    rows = targets(scoped_routes(api=False))
    assert len(rows) > 50
    before = snapshot(rows)
    client.force_login(stranger)

    leaks = try_every_route(client, rows)

    assert not leaks, "answers other than 404:\n" + "\n".join(leaks)
    assert snapshot(rows) == before


def test_no_api_endpoint_lets_another_company_put_patch_or_delete(every_record, stranger, api_client):
    rows = targets(scoped_routes(api=True))
    before = snapshot(rows)

    leaks = try_every_route(api_client(stranger), rows, WRITES)

    assert not leaks, "answers other than 404 (or 405 where the method is not routed):\n" + "\n".join(leaks)
    assert snapshot(rows) == before


def test_no_page_lets_another_company_put_patch_or_delete(every_record, stranger, client):
    """Only the methods a page's view takes (its edit form's PUT): Django answers 405 to the others before
    the view runs, and the API test above already tries every method."""
    rows = targets([route for route in scoped_routes(api=False) if set(route.allowed) & set(WRITES)])
    before = snapshot(rows)
    client.force_login(stranger)

    leaks = try_every_route(client, rows, WRITES)

    assert not leaks, "answers other than 404 (or 405 where the method is not routed):\n" + "\n".join(leaks)
    assert snapshot(rows) == before


def test_the_skip_list_names_only_routes_that_exist():
    paths = [route.path for route in record_routes()]
    labels = {route.model_label for route in record_routes()}

    for key in NOT_OBJECT_SCOPED:
        assert key in labels or any(path.startswith(key) for path in paths), f"{key} is in the skip-list but not routed"
