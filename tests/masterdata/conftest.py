"""Fixtures for the master-data tests: the reference units and users in the jobs that use the API."""

import pytest

from apps.masterdata.models import UnitOfMeasure
from apps.masterdata.validation import USCC_CHARSET, USCC_WEIGHTS


@pytest.fixture
def units(db) -> dict[str, UnitOfMeasure]:
    """The units loaded by the reference-data migration, by code (PCS, BOX, KG, ...)."""
    return {unit.code: unit for unit in UnitOfMeasure.objects.all()}


@pytest.fixture
def buyer(make_user, company):
    return make_user(username="buyer", roles=["buyer"], companies=[company])


@pytest.fixture
def clerk(make_user, company):
    """A salesperson: sees the partners they own or were granted, nothing else."""
    return make_user(username="clerk", roles=["sales_clerk"], companies=[company])


@pytest.fixture
def uscc():
    """uscc("91310000MA1FL1234") -> the 18-character unified social credit code with its check digit."""

    def make(body: str) -> str:
        total = sum(USCC_CHARSET.index(char) * weight for char, weight in zip(body, USCC_WEIGHTS, strict=True))
        return body + USCC_CHARSET[(31 - total % 31) % 31]

    return make
