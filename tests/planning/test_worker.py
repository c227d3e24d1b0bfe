"""An MRP run on a real Celery worker: started by the API, executed through the broker, its progress
and result read back; the same task delivered again changes nothing."""

import re

import pytest

from apps.planning import tasks
from apps.planning.models import MrpRun, PlannedOrder
from tests.testapp.worker import wait_until

DUPLICATE_DONE = re.compile(r"run_mrp\[[^\]]+\] succeeded in [0-9.e-]+s: False")
pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_run_on_a_real_worker_and_its_duplicate(celery_worker_process, bicycles, planner, api_client):
    response = api_client(planner).post("/api/v1/planning/runs/", {"horizon_days": 60}, format="json")
    assert response.status_code == 202, response.json()
    run = MrpRun.objects.get(pk=response.json()["id"])
    try:
        wait_until(lambda: MrpRun.objects.get(pk=run.pk).finished, timeout=90, message="the worker to finish the run")
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n--- worker log ---\n{celery_worker_process.log()}") from None
    run.refresh_from_db()
    assert run.status == MrpRun.Status.DONE, run.error
    assert run.as_of is not None and run.progress_percent == 100
    assert PlannedOrder.objects.filter(run=run).count() == 5

    tasks.run_mrp.delay(run.pk)  # duplicate deliveries: the worker finds the run done
    tasks.run_mrp.delay(run.pk)
    wait_until(
        lambda: len(DUPLICATE_DONE.findall(celery_worker_process.log())) == 2,
        timeout=60,
        message="the worker to handle both duplicates",
    )
    assert PlannedOrder.objects.filter(run=run).count() == 5
    assert MrpRun.objects.get(pk=run.pk).finished_at == run.finished_at
