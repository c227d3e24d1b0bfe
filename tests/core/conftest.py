"""Fixtures for the kernel's tests: vouchers (the test app's document) and outbox events."""

from datetime import date

import pytest
from django.db import transaction

from apps.core import outbox
from tests.testapp import services
from tests.testapp.models import Voucher


@pytest.fixture
def clerk(make_user, company):
    return make_user(username="clerk", companies=[company])


@pytest.fixture
def make_voucher(company, clerk):
    """make_voucher(note="", document_date=date(2026, 3, 1), company=..., actor=...) -> a draft Voucher."""

    def make(*, note: str = "", document_date: date = date(2026, 3, 1), **overrides) -> Voucher:
        return services.create_voucher(
            company=overrides.get("company", company),
            document_date=document_date,
            note=note,
            actor=overrides.get("actor", clerk),
        )

    return make


@pytest.fixture
def emit_event(make_voucher, company):
    """emit_event(payload={...}, kind="test.posted") -> an OutboxEvent written in a committed transaction.

    In a test wrapped in a transaction, commit callbacks do not run by themselves: the caller decides,
    e.g. with django_capture_on_commit_callbacks.
    """

    def emit(*, payload: dict | None = None, kind: str = "test.posted", source=None):
        source = source or make_voucher()
        with transaction.atomic():
            return outbox.emit(kind=kind, source=source, company_id=source.company_id, payload=payload or {})

    return emit


@pytest.fixture
def broker_down(monkeypatch):
    """Committed events are not handed to Celery, as when the broker is unreachable."""
    monkeypatch.setattr(outbox, "enqueue", lambda event_id: None)
