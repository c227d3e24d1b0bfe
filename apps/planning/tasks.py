from celery import shared_task

from . import services


@shared_task(acks_late=True)
def run_mrp(run_id: int) -> bool:
    """Execute a queued MRP run; a duplicate delivery of the task finds it claimed or done and does nothing."""
    return services.execute_run(run_id) is not None
