"""Two people issuing the last units at the same moment: the balance row lock decides."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from apps.inventory import services
from apps.inventory.models import StockBalance, StockMove
from apps.inventory.services import StockError

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_concurrent_issues_of_the_last_five_units(books, admin_user, warehouse, location, item):
    receipt = services.create_adjustment(
        actor=admin_user,
        company=books,
        warehouse=warehouse,
        reason="opening",
        document_date=date.today(),
        lines=[{"item": item, "location": location, "quantity": Decimal("5"), "unit_cost": Decimal("1")}],
    )
    services.post_adjustment(actor=admin_user, adjustment=receipt)
    drafts = [
        services.create_adjustment(
            actor=admin_user,
            company=books,
            warehouse=warehouse,
            reason=f"issue {n}",
            document_date=date.today(),
            lines=[{"item": item, "location": location, "quantity": Decimal("-5")}],
        )
        for n in range(2)
    ]
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def issue(draft):
        try:
            start.wait()
            services.post_adjustment(actor=admin_user, adjustment=draft)
            outcomes.append("posted")
        except StockError as refused:
            outcomes.append(refused.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue, args=(draft,)) for draft in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["insufficient_stock", "posted"]
    balance = StockBalance.objects.get(item=item, location=location)
    assert balance.on_hand == Decimal("0")
    assert StockMove.objects.filter(from_location=location).count() == 1
