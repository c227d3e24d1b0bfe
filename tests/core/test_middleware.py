import pytest
from django.db import OperationalError
from django.http import HttpResponse
from django.test import RequestFactory

from apps.core.middleware import DatabaseUnavailableMiddleware

pytestmark = pytest.mark.django_db


def test_a_lost_database_is_a_503_in_the_api_error_shape(client):
    response = client.get("/api/v1/testapp/database-gone/")

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.json()["error"]["code"] == "service_unavailable"
    assert response.json()["error"]["message"]


def test_a_lost_database_is_a_503_page_in_the_browser(client):
    response = client.get("/testapp/database-gone/")

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "The database is unavailable" in response.content.decode()


def test_the_page_falls_back_to_plain_html_when_the_layout_needs_the_database(monkeypatch):
    def layout_needs_the_database(self):
        raise OperationalError("still gone")

    monkeypatch.setattr("django.template.response.TemplateResponse.render", layout_needs_the_database)
    middleware = DatabaseUnavailableMiddleware(lambda request: HttpResponse())

    response = middleware.process_exception(RequestFactory().get("/"), OperationalError("gone"))

    assert response.status_code == 503
    assert b"The database is unavailable" in response.content


def test_other_errors_are_left_to_django():
    middleware = DatabaseUnavailableMiddleware(lambda request: HttpResponse())

    assert middleware.process_exception(RequestFactory().get("/api/x"), ValueError("bug")) is None
