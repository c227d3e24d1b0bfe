"""A real Celery worker process for `worker` tests, on the test database and the test broker."""

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent.parent
READY_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0


def wait_until(predicate: Callable[[], object], *, timeout: float, message: str, interval: float = 0.1):
    """Poll `predicate` until it returns something truthy, or fail with `message` after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s: {message}")
        time.sleep(interval)


def database_url(settings_dict: dict) -> str:
    """The URL of the database Django is connected to (the test database, once it is set up)."""
    credentials = quote(settings_dict.get("USER") or "", safe="")
    if settings_dict.get("PASSWORD"):
        credentials += ":" + quote(settings_dict["PASSWORD"], safe="")
    host = settings_dict.get("HOST") or "localhost"
    port = settings_dict.get("PORT") or "5432"
    return f"postgres://{credentials}@{host}:{port}/{quote(settings_dict['NAME'], safe='')}"


def purge_broker(app, broker_url: str) -> None:
    """Drop queued tasks and the Redis transport's unacknowledged ones left by a killed worker."""
    import redis

    app.control.purge()
    redis.Redis.from_url(broker_url).delete("unacked", "unacked_index", "unacked_mutex")


class CeleryWorker:
    """`celery -A erp worker` in its own process group, so `kill()` takes its pool children too."""

    def __init__(
        self, *, app, settings_module: str, database_url: str, broker_url: str, log_dir: Path, concurrency: int = 1
    ) -> None:
        self.app = app
        self.settings_module = settings_module
        self.database_url = database_url
        self.broker_url = broker_url
        self.log_dir = log_dir
        self.concurrency = concurrency
        self.process: subprocess.Popen | None = None
        self.hostname = ""
        self.started = 0

    def start(self) -> None:
        """Start a fresh worker and wait until it answers a ping."""
        if self.process is not None and self.process.poll() is None:
            raise RuntimeError("a worker is already running; stop() or kill() it first")
        self.started += 1
        self.hostname = f"erp-test-{uuid.uuid4().hex[:8]}@localhost"
        self.log_path = self.log_dir / f"worker-{self.started}.log"
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": self.settings_module,
            "CELERY_SKIP_CHECKS": "1",
            "DATABASE_URL": self.database_url,
            "CELERY_BROKER_URL": self.broker_url,
            "ERP_TEST_WORKER": "1",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        }
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "erp",
            "worker",
            "--pool=prefork",
            f"--concurrency={self.concurrency}",
            f"--hostname={self.hostname}",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=INFO",
        ]
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        wait_until(self._answers_ping, timeout=READY_TIMEOUT, message=f"worker {self.hostname} to start")

    def _answers_ping(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"the worker exited with {self.process.returncode}:\n{self.log()}")
        return bool(self.app.control.ping(destination=[self.hostname], timeout=0.5))

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes, as a crash or an OOM kill would."""
        if self.process is None:
            return
        self._signal_group(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self._signal_group(signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill()

    def _signal_group(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):  # already gone
            os.killpg(self.process.pid, signum)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.started else ""
