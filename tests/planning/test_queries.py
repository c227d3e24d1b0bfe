"""A run reads in a fixed number of queries: three times the items, BOMs and demand, the same count."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.planning import services
from apps.planning.models import MrpRun
from tests.factories import CompanyFactory, LocationFactory, WarehouseFactory

from .world import build_world

pytestmark = pytest.mark.django_db


def run_world(actor, *, code: str, scale: int) -> tuple[MrpRun, int]:
    company = CompanyFactory(code=code)
    warehouse = WarehouseFactory(company=company, code=f"{code}-WH")
    location = LocationFactory(warehouse=warehouse, code=f"{code}-A1")
    # Small enough that SQLite writes the plan in one INSERT per table too (its 999-parameter limit
    # splits bigger inserts; PostgreSQL writes any size in one, see bench/mrp_run.py).
    build_world(
        company=company,
        actor=actor,
        warehouse=warehouse,
        location=location,
        items=10 * scale,
        boms=3 * scale,
        demand_lines=4 * scale,
        depth=3,
        prefix=code,
    )
    run = services.start_run(actor=actor, company=company, horizon_days=60)
    with CaptureQueriesContext(connection) as queries:
        services.execute_run(run.pk)
    run.refresh_from_db()
    assert run.status == MrpRun.Status.DONE, run.error
    return run, len(queries)


def test_query_count_does_not_grow_with_items(admin_user):
    small, small_queries = run_world(admin_user, code="S", scale=1)
    big, big_queries = run_world(admin_user, code="B", scale=3)
    assert big.planned_orders.count() > 2 * small.planned_orders.count() > 0
    assert big.planned_orders.count() < 45  # one SQLite INSERT of planned orders and of their history
    assert big_queries == small_queries
