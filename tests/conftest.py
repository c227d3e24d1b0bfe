"""Shared fixtures and the rules for tests that need PostgreSQL, a worker or a browser.

A test marked `postgres`, `worker` or `browser` is skipped, with the reason, when its environment
is missing; with CI=true a skipped test fails the run instead.
"""

import os

import pytest
from guardian.shortcuts import assign_perm
from rest_framework.test import APIClient

from apps.core.access import forget_permissions

from .factories import CompanyFactory, UserFactory

IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, which must run every test: {report.longrepr}"


@pytest.fixture
def company(db):
    return CompanyFactory(code="ACME", name="Acme Manufacturing Co., Ltd.")


@pytest.fixture
def make_user(db):
    """make_user(roles=[...], companies=[...], warehouses=[...], partners=[...], **fields)."""

    def make(*, roles=(), companies=(), warehouses=(), partners=(), **fields):
        user = UserFactory(roles=list(roles), **fields)
        for scope in (*companies, *warehouses, *partners):
            assign_perm(f"masterdata.access_{scope._meta.model_name}", user, scope)
        forget_permissions(user)
        return user

    return make


@pytest.fixture
def admin_user(make_user, company):
    return make_user(username="admin", roles=["administrator"], companies=[company], is_staff=True)


@pytest.fixture
def api_client():
    """api_client(user) -> an APIClient signed in as `user` (session-less, forced authentication)."""

    def make(user=None):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user=user)
        return client

    return make
