"""`make chaos`: scripted, bounded, loopback-only faults, each followed by `manage.py verify_books`.

Starts its own PostgreSQL (port CHAOS_PG_PORT, 5441) and Redis (CHAOS_REDIS_PORT, 6391) in a
temporary directory, its own gunicorn and Celery workers, loads the demo company, runs the
scenarios of chaos/scenarios.py, and writes docs/reliability.md. Migrating and seeding take minutes
on a busy 2-core machine, so the prepared database is kept as a pg_dump in var/chaos/, keyed by the
migrations, seed_demo and chaos/books.py, and restored on the next run (CHAOS_FRESH=1 ignores it).
Whatever happens, everything it started is stopped and its files removed (CHAOS_KEEP_FILES=1 keeps
them for a post-mortem).

Shorter runs: CHAOS_EVENTS=500 CHAOS_REDIS_DOWN_SECONDS=10 .venv/bin/python chaos/run.py
One scenario: CHAOS_ONLY=double_confirm (comma-separated names).
"""

import hashlib
import os
import platform
import socket
import subprocess
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from chaos.stack import PYTHON, ROOT, Stack

REPORT = ROOT / "docs" / "reliability.md"
SNAPSHOTS = ROOT / "var" / "chaos"
VERIFY_WAIT_SECONDS = os.environ.get("CHAOS_VERIFY_WAIT", "120")


def verify_books(stack: Stack) -> dict:
    """`manage.py verify_books` in its own process, waiting (bounded) for the workers to post."""
    started = time.monotonic()
    result = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [PYTHON, "manage.py", "verify_books", "--wait", VERIFY_WAIT_SECONDS],
        cwd=ROOT,
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=float(VERIFY_WAIT_SECONDS) + 120,
    )
    lines = [line.rstrip() for line in result.stdout.splitlines() if line.strip()]
    return {
        "exit": result.returncode,
        "seconds": round(time.monotonic() - started, 1),
        "lines": lines + [line for line in result.stderr.splitlines() if "verification" in line],
    }


def snapshot_path() -> Path:
    """Where the migrated, seeded database of this exact code is kept between runs."""
    digest = hashlib.sha256()
    sources = [*sorted(ROOT.glob("apps/*/migrations/*.py")), ROOT / "chaos" / "books.py"]
    sources += [ROOT / "apps" / "masterdata" / "management" / "commands" / "seed_demo.py"]
    for source in sources:
        digest.update(source.read_bytes())
    return SNAPSHOTS / f"{digest.hexdigest()[:16]}.dump"


def prepare(stack: Stack) -> tuple[object, list[int], str]:
    """Django on the run's own database, migrated, with the demo company and its books: restored
    from the snapshot of an earlier run of the same code when there is one (CHAOS_FRESH=1: never)."""
    os.environ.update(stack.env)
    os.environ["LOG_LEVEL"] = "ERROR"  # this process expects the broker to fail at times: no tracebacks
    import django

    django.setup()
    from django.core.management import call_command

    from chaos import books

    snapshot = snapshot_path()
    if snapshot.exists() and os.environ.get("CHAOS_FRESH") != "1":
        stack.postgres.restore(snapshot)
        # The snapshot may hold seed events whose messages were in the last run's Redis: queue them again.
        from apps.core import outbox

        outbox.sweep()
        how = f"restored from the snapshot {snapshot.relative_to(ROOT)} (migrate + seed_demo of this code)"
    else:
        call_command("migrate", verbosity=0)
        call_command("seed_demo", force=True, verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
        books.place()
        SNAPSHOTS.mkdir(parents=True, exist_ok=True)
        stack.postgres.dump(snapshot)
        how = "migrated and loaded with seed_demo"
    where = books.place()
    return where, books.seed_pair(where, reason="chaos seed"), how


def machine(stack: Stack) -> dict[str, str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor() or "unknown",
    )
    memory_kb = next(
        (
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ),
        0,
    )
    return {
        "host": socket.gethostname(),
        "cpu": f"{cpu}, {os.cpu_count()} cores",
        "memory": f"{memory_kb / 1024 / 1024:.1f} GiB",
        "os": platform.platform(),
        "python": platform.python_version(),
        "postgresql": stack.postgres.version,
        "redis": stack.redis.version,
        "load average at start": " ".join(f"{value:.2f}" for value in os.getloadavg()),
    }


def write_report(started: datetime, seconds: float, about: dict, baseline: dict, results: list[dict]) -> None:
    settings = {name: value for name, value in os.environ.items() if name.startswith("CHAOS_")}
    out = [
        "# Reliability: faults injected, books verified",
        "",
        "Regenerated by `make chaos` (chaos/run.py); do not edit by hand. Every fault is injected into a",
        "PostgreSQL cluster, a Redis server, gunicorn and Celery workers that the run starts for itself on",
        "loopback, and each scenario is followed by `manage.py verify_books --wait` (docs/operations.md).",
        "",
        f"- run: {started:%Y-%m-%d %H:%M} UTC, {seconds:.0f} s in all",
        *[f"- {name}: {value}" for name, value in about.items()],
        f"- settings: {', '.join(f'{k}={v}' for k, v in sorted(settings.items())) or 'defaults'}",
        "",
        "| scenario | outcome | invariant (verify_books) |",
        "|---|---|---|",
        f"| books before any fault | — | {_verdict(baseline)} |",
        *[f"| {r['outcome'].title} | {_promise(r['outcome'])} | {_verdict(r['verify'])} |" for r in results],
        "",
    ]
    for number, result in enumerate(results, start=1):
        outcome = result["outcome"]
        out += [f"## {number}. {outcome.title}", "", f"**Done.** {outcome.done}", "", "**Observed.**", ""]
        out += ["| figure | value |", "|---|---|", *[f"| {k} | {v} |" for k, v in outcome.observed.items()], ""]
        out += [f"Scenario time: {result['seconds']:.1f} s."]
        if outcome.notes:
            out += ["", "**Reading the figures.**", "", *[f"- {note}" for note in outcome.notes]]
        if outcome.problems:
            out += ["", "**Broken promises:**", "", *[f"- {problem}" for problem in outcome.problems]]
        out += [
            "",
            f"**Invariant.** `verify_books` exit {result['verify']['exit']} after {result['verify']['seconds']} s:",
            "",
        ]
        out += ["```", *result["verify"]["lines"], "```", ""]
    REPORT.write_text("\n".join(out))


def _print_verdict(what: str, verify: dict) -> None:
    print(f"{what}: {_verdict(verify)} ({verify['seconds']} s)", flush=True)
    if verify["exit"]:
        print("\n".join(verify["lines"]), flush=True)


def _promise(outcome) -> str:
    return "as promised" if outcome.passed else "NOT as promised"


def _verdict(verify: dict) -> str:
    return "all checks pass" if verify["exit"] == 0 else f"DIFFERENCES (exit {verify['exit']})"


def main() -> int:
    from chaos import scenarios

    only = {name.strip() for name in os.environ.get("CHAOS_ONLY", "").split(",") if name.strip()}
    chosen = [scenario for scenario in scenarios.SCENARIOS if not only or scenario.__name__ in only]
    started_at, started = datetime.now(UTC), time.monotonic()
    stack = Stack()
    results: list[dict] = []
    beat = None
    try:
        stack.start()
        about = machine(stack)
        where, seed, how = prepare(stack)
        about["database"] = f"{how}, ready in {time.monotonic() - started:.0f} s"
        context = scenarios.Context(stack=stack, where=where, seed=seed)
        context.start_worker()
        baseline = verify_books(stack)
        _print_verdict("books before any fault", baseline)
        beat = scenarios.Beat()
        beat.start()
        for scenario in chosen:
            print(f"--- {scenario.__name__}", flush=True)
            scenario_started = time.monotonic()
            try:
                outcome = scenario(context)
            except Exception as exc:
                outcome = scenarios.Outcome(title=scenario.__name__, done="(the scenario did not finish)")
                outcome.expect(False, f"{type(exc).__name__}: {exc}")
                traceback.print_exc()
                context.ensure_worker()
            seconds = time.monotonic() - scenario_started
            verify = verify_books(stack)
            results.append({"outcome": outcome, "seconds": seconds, "verify": verify})
            print(f"    {_promise(outcome)} {'; '.join(outcome.problems)}; {seconds:.0f} s", flush=True)
            _print_verdict("    books", verify)
            for name, value in outcome.observed.items():
                print(f"    {name}: {value}", flush=True)
        write_report(started_at, time.monotonic() - started, about, baseline, results)
        print(f"wrote {REPORT.relative_to(ROOT)}")
    finally:
        if beat is not None:
            beat.stop()
        stack.close()
    failed = baseline["exit"] != 0 or any(not r["outcome"].passed or r["verify"]["exit"] != 0 for r in results)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
