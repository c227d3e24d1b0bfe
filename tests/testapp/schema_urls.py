"""Only the core API and the test API, so a schema check covers the API base and nothing else."""

from django.urls import include, path

urlpatterns = [
    path("api/v1/core/", include("apps.core.api_urls")),
    path("api/v1/testapp/", include("tests.testapp.api_urls")),
]
