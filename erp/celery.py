import os

from celery import Celery
from celery.signals import task_postrun
from django.db import connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "erp.settings")

app = Celery("erp")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_postrun.connect
def drop_broken_connections(**kwargs) -> None:
    """Close a database connection that failed during the task (the server restarted, say).

    Celery keeps Django's connection across tasks (CELERY_DB_REUSE_MAX), so without this a worker
    would fail every task on the dead connection until its reuse count ran out.
    """
    for connection in connections.all(initialized_only=True):
        if connection.errors_occurred and not connection.is_usable():
            connection.close()
