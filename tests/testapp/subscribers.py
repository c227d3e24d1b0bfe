import time

from apps.core.outbox import subscribe

from .models import HandledEvent


@subscribe("test.*", name="tests.handled")
def record_handled(event) -> None:
    """Handle `test.*` events; the payload may ask for a pause (to kill a worker mid-task) or a failure."""
    pause = float(event.payload.get("sleep", 0))
    if pause:
        time.sleep(pause)
    if event.payload.get("fail"):
        raise RuntimeError("subscriber asked to fail")
    HandledEvent.objects.create(event=event)
