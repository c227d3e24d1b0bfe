"""Test URLs: the project's routes, a Voucher API on the shared base, and a view that loses the database."""

from django.db import OperationalError
from django.urls import include, path


def database_gone(request):
    raise OperationalError("connection to server was lost")


urlpatterns = [
    path("api/v1/testapp/", include("tests.testapp.api_urls")),
    path("api/v1/testapp/database-gone/", database_gone, name="test-api-database-gone"),
    path("testapp/database-gone/", database_gone, name="test-database-gone"),
    path("", include("erp.urls")),
]
