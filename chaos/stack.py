"""The chaos run's own stack, on loopback only: a PostgreSQL cluster, a Redis server, gunicorn and
Celery workers, each started here and each stopped here. Nothing touches a service this script did
not start: faults are injected into these processes only.
"""

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable
BIN = Path(PYTHON).parent
PG_PORT = int(os.environ.get("CHAOS_PG_PORT", "5441"))
REDIS_PORT = int(os.environ.get("CHAOS_REDIS_PORT", "6391"))
DATABASE = "erp_chaos"
START_TIMEOUT = 60.0
STOP_TIMEOUT = 20.0


def wait_until(predicate: Callable[[], object], *, timeout: float, message: str, interval: float = 0.2):
    """Poll `predicate` until truthy; raise TimeoutError with `message` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {message}")
        time.sleep(interval)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_open(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def run(command: list[str], *, timeout: float = START_TIMEOUT, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - fixed commands built here
        command, capture_output=True, text=True, timeout=timeout, check=check
    )


class Postgres:
    """A throwaway cluster in a temporary directory, run as the `postgres` OS user on PG_PORT."""

    def __init__(self, workdir: Path) -> None:
        versions = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name))
        if not versions:
            raise RuntimeError("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin")
        self.bin = Path(versions[-1])
        self.data = workdir / "pgdata"
        self.log = workdir / "postgres.log"
        self.url = f"postgres://postgres@127.0.0.1:{PG_PORT}/{DATABASE}"
        self.running = False

    def _as_postgres(self, *command: str, timeout: float = START_TIMEOUT) -> subprocess.CompletedProcess:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        return run([*prefix, *command], timeout=timeout)

    @property
    def version(self) -> str:
        return run([str(self.bin / "postgres"), "--version"]).stdout.strip()

    def init(self) -> None:
        if port_open(PG_PORT):
            raise RuntimeError(f"port {PG_PORT} is taken: refusing to start a second PostgreSQL there")
        self.data.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.data, "postgres", "postgres")
            self.log.touch()
            shutil.chown(self.log, "postgres", "postgres")
        self._as_postgres(
            str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8"
        )
        self.start()
        self._as_postgres(str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(PG_PORT), "-U", "postgres", DATABASE)

    def start(self) -> None:
        options = f"-p {PG_PORT} -c listen_addresses=127.0.0.1 -k {self.data} -c fsync=off -c max_connections=200"
        self._as_postgres(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start"
        )
        self.running = True

    def dump(self, path: Path) -> None:
        run([str(self.bin / "pg_dump"), "-Fc", "-f", str(path), self.url], timeout=300)

    def restore(self, path: Path) -> None:
        run([str(self.bin / "pg_restore"), "--no-owner", "-d", self.url, str(path)], timeout=300)

    def stop(self, mode: str = "fast") -> None:
        self._as_postgres(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop", timeout=STOP_TIMEOUT
        )
        self.running = False


class Redis:
    """redis-server on REDIS_PORT, without persistence: a stop loses what was queued, as a crash would."""

    def __init__(self, workdir: Path) -> None:
        self.dir = workdir / "redis"
        self.dir.mkdir()
        self.url = f"redis://127.0.0.1:{REDIS_PORT}/0"
        self.running = False

    @property
    def version(self) -> str:
        return run(["redis-server", "--version"]).stdout.strip()

    def start(self) -> None:
        if port_open(REDIS_PORT):
            raise RuntimeError(f"port {REDIS_PORT} is taken: refusing to start a second Redis there")
        run(
            [
                "redis-server",
                "--port",
                str(REDIS_PORT),
                "--bind",
                "127.0.0.1",
                "--daemonize",
                "yes",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.dir),
                "--logfile",
                str(self.dir / "redis.log"),
            ]
        )
        wait_until(lambda: port_open(REDIS_PORT), timeout=START_TIMEOUT, message="Redis to listen")
        self.running = True

    def stop(self) -> None:
        run(["redis-cli", "-p", str(REDIS_PORT), "shutdown", "nosave"], check=False, timeout=STOP_TIMEOUT)
        wait_until(lambda: not port_open(REDIS_PORT), timeout=STOP_TIMEOUT, message="Redis to stop")
        self.running = False


class Process:
    """A child in its own process group, so a kill takes its own children (a prefork pool) with it."""

    def __init__(self, name: str, command: list[str], *, env: dict[str, str], log: Path) -> None:
        self.name, self.command, self.env, self.log_path = name, command, env, log
        self.popen: subprocess.Popen | None = None

    def start(self) -> None:
        self.log_file = open(self.log_path, "a")  # noqa: SIM115 - kept open while the process runs
        self.popen = subprocess.Popen(  # noqa: S603 - fixed commands built here
            self.command, cwd=ROOT, env=self.env, stdout=self.log_file, stderr=subprocess.STDOUT, start_new_session=True
        )

    @property
    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def signal_group(self, signum: int) -> None:
        if self.alive:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signum)

    def kill(self) -> None:
        """kill -9 the whole group, at once, as a crash or the OOM killer would."""
        self.signal_group(signal.SIGKILL)
        if self.popen is not None:
            self.popen.wait(timeout=STOP_TIMEOUT)

    def stop(self) -> None:
        if not self.alive:
            return
        self.signal_group(signal.SIGTERM)
        try:
            self.popen.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill()
        # Pool children left behind by a parent that went first.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


class Stack:
    """Everything the run starts, with the environment its Django processes share; `close()` stops it all."""

    def __init__(self) -> None:
        self.workdir = Path(tempfile.mkdtemp(prefix="erp-chaos-"))
        self.workdir.chmod(0o755)
        self.postgres = Postgres(self.workdir)
        self.redis = Redis(self.workdir)
        self.processes: list[Process] = []
        self.env = {
            **os.environ,
            "DATABASE_URL": self.postgres.url,
            "CELERY_BROKER_URL": self.redis.url,
            "REDIS_URL": self.redis.url,
            "DJANGO_SETTINGS_MODULE": "erp.settings",
            "SECRET_KEY": "chaos-run-only-not-secret-" + "x" * 40,
            "ERP_VAR_DIR": str(self.workdir / "var"),
            "SECURE_SSL_REDIRECT": "false",
            "LANGUAGE_CODE": "en",
            "OUTBOX_SWEEP_AFTER_SECONDS": os.environ.get("CHAOS_SWEEP_AFTER_SECONDS", "5"),
            "CELERY_SKIP_CHECKS": "1",
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }

    def start(self) -> None:
        self.postgres.init()
        self.redis.start()

    def worker(self, name: str, *, concurrency: int = 2) -> Process:
        process = Process(
            name,
            [
                str(BIN / "celery"),
                "-A",
                "erp",
                "worker",
                "--loglevel=WARNING",
                f"--concurrency={concurrency}",
                f"--hostname={name}@chaos",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            env=self.env,
            log=self.workdir / f"{name}.log",
        )
        return self._started(process)

    def gunicorn(self, port: int, *, workers: int = 2) -> Process:
        process = Process(
            "gunicorn",
            [
                str(BIN / "gunicorn"),
                "erp.wsgi",
                f"--workers={workers}",
                f"--bind=127.0.0.1:{port}",
                "--timeout=30",
                "--graceful-timeout=5",
            ],
            env=self.env,
            log=self.workdir / "gunicorn.log",
        )
        self._started(process)
        wait_until(lambda: port_open(port), timeout=START_TIMEOUT, message="gunicorn to listen")
        return process

    def _started(self, process: Process) -> Process:
        process.start()
        self.processes.append(process)
        return process

    def close(self) -> None:
        """Stop every process this run started, then Redis and PostgreSQL, then remove the files."""
        for process in reversed(self.processes):
            process.stop()
        if self.redis.running or port_open(REDIS_PORT):
            self.redis.stop()
        if self.postgres.data.exists():
            with contextlib.suppress(subprocess.SubprocessError):
                self.postgres.stop(mode="immediate")
        if os.environ.get("CHAOS_KEEP_FILES") != "1":
            shutil.rmtree(self.workdir, ignore_errors=True)
