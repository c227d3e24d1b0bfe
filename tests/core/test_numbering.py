import threading
from datetime import date

import pytest
from django.db import connection, transaction

from apps.core import numbering
from apps.core.models import DocumentSequence
from apps.core.numbering import allocate_numbers, configure_sequence, next_number, register_document_type
from tests.factories import CompanyFactory

MARCH = date(2026, 3, 1)


class Abandoned(Exception):
    pass


@pytest.fixture(autouse=True)
def _registered_formats(monkeypatch):
    """Registrations made here do not leak into other tests."""
    monkeypatch.setattr(numbering, "DEFAULT_FORMATS", dict(numbering.DEFAULT_FORMATS))


def take(company, document_type: str = "po", on_date: date | None = MARCH) -> str:
    with transaction.atomic():
        return next_number(company_id=company.pk, document_type=document_type, on_date=on_date)


def test_numbers_carry_prefix_year_and_padding():
    sequence = DocumentSequence(prefix="PO", year=2026, padding=5)

    assert sequence.format(42) == "PO-2026-00042"
    assert DocumentSequence(prefix="ITEM", year=0, padding=6).format(42) == "ITEM-000042"


@pytest.mark.django_db
def test_a_registered_document_type_numbers_from_one_with_its_prefix(company):
    register_document_type("po", prefix="PO", padding=5)

    assert [take(company), take(company)] == ["PO-2026-00001", "PO-2026-00002"]


@pytest.mark.django_db
def test_sequences_are_per_company_type_and_year(company):
    other = CompanyFactory(code="OTHER")
    register_document_type("po", prefix="PO")
    register_document_type("grn", prefix="GRN")

    numbers = [take(company), take(other), take(company, "grn"), take(company, on_date=date(2027, 1, 2))]

    assert numbers == ["PO-2026-00001", "PO-2026-00001", "GRN-2026-00001", "PO-2027-00001"]


@pytest.mark.django_db
def test_a_configured_format_applies_and_carries_into_the_next_year(company):
    configure_sequence(company_id=company.pk, document_type="po", year=2026, prefix="CG", padding=3)

    assert take(company) == "CG-2026-001"
    assert take(company, on_date=date(2027, 1, 2)) == "CG-2027-001"


@pytest.mark.django_db
def test_configuring_a_sequence_keeps_its_counter(company):
    take(company)
    take(company)

    sequence = configure_sequence(company_id=company.pk, document_type="po", year=2026, prefix="P", padding=2)

    assert sequence.last_value == 2
    assert take(company) == "P-2026-03"


@pytest.mark.django_db
def test_codes_without_a_year_do_not_restart(company):
    register_document_type("item", prefix="IT", padding=4)

    assert take(company, "item", on_date=None) == "IT-0001"
    assert DocumentSequence.objects.get(company=company, document_type="item").year == 0


@pytest.mark.django_db
def test_a_rolled_back_transaction_gives_its_number_back(company):
    register_document_type("po", prefix="PO")
    with pytest.raises(Abandoned), transaction.atomic():
        assert next_number(company_id=company.pk, document_type="po", on_date=MARCH) == "PO-2026-00001"
        raise Abandoned

    assert take(company) == "PO-2026-00001"


@pytest.mark.django_db
def test_a_batch_of_numbers_is_consecutive(company):
    register_document_type("po", prefix="PO")
    with transaction.atomic():
        numbers = allocate_numbers(company_id=company.pk, document_type="po", count=3, on_date=MARCH)

    assert numbers == ["PO-2026-00001", "PO-2026-00002", "PO-2026-00003"]
    assert take(company) == "PO-2026-00004"


@pytest.mark.django_db(transaction=True)
def test_numbers_are_only_taken_inside_a_transaction(company):
    with pytest.raises(RuntimeError, match="inside the transaction"):
        next_number(company_id=company.pk, document_type="po", on_date=MARCH)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_transactions_take_twenty_consecutive_numbers(company):
    register_document_type("po", prefix="PO")
    start = threading.Barrier(20)
    taken: list[str] = []
    errors: list[BaseException] = []

    def take_one() -> None:
        try:
            with transaction.atomic():
                start.wait(timeout=30)
                number = next_number(company_id=company.pk, document_type="po", on_date=MARCH)
            taken.append(number)
        except BaseException as exc:  # reported below, in the test's own thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=take_one) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sorted(taken) == [f"PO-2026-{value:05d}" for value in range(1, 21)]
    assert DocumentSequence.objects.get(company=company, document_type="po", year=2026).last_value == 20
