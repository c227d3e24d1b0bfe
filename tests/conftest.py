"""Shared fixtures and the rules for tests that need PostgreSQL, a worker or a browser.

A test marked `postgres`, `worker` or `browser` is skipped, with the reason, when its environment
is missing; with CI=true a skipped test fails the run instead.

A transactional test (`django_db(transaction=True)`, `transactional_db`, `live_server`) empties
every table when it ends; it is made to restore the migrated reference data (currencies, units,
tax rates, role groups, ...) so the tests after it start from the same database.
"""

import functools
import importlib.util
import os
from pathlib import Path

import pytest
from guardian.shortcuts import assign_perm
from rest_framework.test import APIClient

from apps.core.access import forget_permissions

from .factories import CompanyFactory, UserFactory

pytest_plugins = ["tests.books"]

IN_CI = os.environ.get("CI", "").lower() == "true"
ENVIRONMENT_MARKERS = ("postgres", "worker", "browser")


def _on_postgres() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


def _postgres_missing() -> str | None:
    return None if _on_postgres() else "needs PostgreSQL: set DATABASE_URL"


def _worker_missing() -> str | None:
    from django.conf import settings

    if not _on_postgres():
        return "needs PostgreSQL and Redis for a real worker: set DATABASE_URL and CELERY_BROKER_URL"
    broker = settings.WORKER_BROKER_URL
    if not broker.startswith(("redis://", "rediss://")):
        return "needs Redis for a real worker: set CELERY_BROKER_URL (or REDIS_URL)"
    import redis

    try:
        redis.Redis.from_url(broker, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        return f"needs a reachable Redis for a real worker at {broker}: {exc}"
    return None


def _chromium_path() -> str:
    return os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"


def _browser_missing() -> str | None:
    if not Path(_chromium_path()).exists():
        return "needs Chromium: install /usr/bin/chromium or set CHROMIUM_PATH"
    if importlib.util.find_spec("playwright") is None:
        return "needs playwright: make install-dev"
    return None


MISSING_ENVIRONMENT = {"postgres": _postgres_missing, "worker": _worker_missing, "browser": _browser_missing}


def _restores_reference_data(item: pytest.Item) -> None:
    """Make a transactional test restore the migrated data after it empties the tables."""
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", ())
    uses_transactional = "transactional_db" in fixtures or "live_server" in fixtures
    if marker is None:
        if uses_transactional:
            item.add_marker(pytest.mark.django_db(transaction=True, serialized_rollback=True), append=False)
        return
    from pytest_django.fixtures import validate_django_db

    transaction, reset_sequences, databases, serialized_rollback, available_apps = validate_django_db(marker)
    if (transaction or reset_sequences or uses_transactional) and not serialized_rollback:
        item.add_marker(
            pytest.mark.django_db(
                transaction=True,
                reset_sequences=reset_sequences,
                databases=databases,
                serialized_rollback=True,
                available_apps=available_apps,
            ),
            append=False,
        )


def pytest_collection_modifyitems(config, items):
    missing = {name: functools.cache(check) for name, check in MISSING_ENVIRONMENT.items()}
    for item in items:
        needs = {name for name in ENVIRONMENT_MARKERS if item.get_closest_marker(name) is not None}
        if "celery_worker_process" in getattr(item, "fixturenames", ()):
            needs.add("worker")
        for name in sorted(needs):
            if reason := missing[name]():
                item.add_marker(pytest.mark.skip(reason=reason))
                break
        _restores_reference_data(item)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    """The test database, with its migrated data kept for the transactional tests to restore.

    Django keeps that copy on the connection object, but Playwright's event loop gives the tests after
    it another connection object (Django's connections are context-local); kept on the class, the copy
    reaches every connection to the one test database.
    """
    from django.db import DEFAULT_DB_ALIAS, connections

    connection = connections[DEFAULT_DB_ALIAS]
    if "_test_serialized_contents" in connection.__dict__:
        type(connection)._test_serialized_contents = connection._test_serialized_contents


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


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """The Chromium that `browser` tests drive: CHROMIUM_PATH, else /usr/bin/chromium."""
    return _chromium_path()


@pytest.fixture
def celery_worker_process(transactional_db, tmp_path):
    """A real `celery -A erp worker` on the test database; the test process sends tasks to the broker.

    `worker.kill()` SIGKILLs it (pool included), `worker.start()` starts a fresh one. Use with
    `@pytest.mark.worker` and `@pytest.mark.django_db(transaction=True)`: the worker only sees
    committed rows.
    """
    from django.conf import settings
    from django.db import connection

    from erp.celery import app

    from .testapp.worker import CeleryWorker, database_url, purge_broker

    purge_broker(app, settings.WORKER_BROKER_URL)
    worker = CeleryWorker(
        app=app,
        settings_module=settings.SETTINGS_MODULE,
        database_url=database_url(connection.settings_dict),
        broker_url=settings.WORKER_BROKER_URL,
        log_dir=tmp_path,
    )
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        worker.start()
        yield worker
    finally:
        worker.stop()
        app.conf.task_always_eager = eager
        purge_broker(app, settings.WORKER_BROKER_URL)
