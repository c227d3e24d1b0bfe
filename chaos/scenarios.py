"""The faults, each bounded in time and scale, each observed in figures.

A scenario returns what was done and what was seen; run.py follows each with `verify_books` and
writes docs/reliability.md. Scale and durations come from the environment (CHAOS_*), so CI can run
a shortened pass.
"""

import os
import statistics
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import requests
from django.db import connections

from . import books
from .stack import Stack, free_port, wait_until

EVENTS = int(os.environ.get("CHAOS_EVENTS", "5000"))
KILL_AT = float(os.environ.get("CHAOS_KILL_AT", "0.4"))
REDIS_DOWN_SECONDS = float(os.environ.get("CHAOS_REDIS_DOWN_SECONDS", "30"))
PG_DOWN_SECONDS = float(os.environ.get("CHAOS_PG_DOWN_SECONDS", "5"))
LOAD_SECONDS = float(os.environ.get("CHAOS_LOAD_SECONDS", "8"))
LOAD_CLIENTS = int(os.environ.get("CHAOS_LOAD_CLIENTS", "4"))
RACE_EVENTS = int(os.environ.get("CHAOS_RACE_EVENTS", str(max(100, EVENTS // 5))))
DOUBLE_CONFIRMS = int(os.environ.get("CHAOS_DOUBLE_CONFIRMS", "20"))
SWEEP_EVERY = float(os.environ.get("CHAOS_SWEEP_EVERY", "5"))
DRAIN_TIMEOUT = float(os.environ.get("CHAOS_DRAIN_TIMEOUT", "600"))
CLIENT_RETRY_SECONDS = 1.0  # the client honours Retry-After, shortened to keep the run short
CLIENT_GIVE_UP_SECONDS = 90.0


@dataclass
class Outcome:
    title: str
    done: str
    observed: dict[str, object] = field(default_factory=dict)
    passed: bool = True
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def expect(self, condition: bool, problem: str) -> None:
        if not condition:
            self.passed = False
            self.problems.append(problem)


class Beat(threading.Thread):
    """Stands in for celery beat's `outbox-sweep` entry: sends the sweep task every SWEEP_EVERY
    seconds (beat's own period is 30 s). While the broker is down the send fails, as beat's would."""

    def __init__(self) -> None:
        super().__init__(name="chaos-beat", daemon=True)
        self.halt = threading.Event()
        self.sent = 0
        self.refused = 0

    def run(self) -> None:
        from apps.core.tasks import sweep_outbox

        while not self.halt.wait(SWEEP_EVERY):
            try:
                sweep_outbox.apply_async(retry=False)
                self.sent += 1
            except Exception:  # broker down: beat would log it and try again next period
                self.refused += 1

    def stop(self) -> None:
        self.halt.set()
        self.join(timeout=SWEEP_EVERY + 5)


@dataclass
class Context:
    stack: Stack
    where: books.Place
    seed: list[int]
    worker: object = None
    workers_started: int = 0

    def start_worker(self):
        self.workers_started += 1
        self.worker = self.stack.worker(f"worker-{self.workers_started}")
        return self.worker

    def ensure_worker(self):
        if self.worker is None or not self.worker.alive:
            self.start_worker()


def _wait_posted(event_ids: list[int], timeout: float = DRAIN_TIMEOUT) -> float:
    started = time.monotonic()
    wait_until(
        lambda: books.posted_count(event_ids) >= len(event_ids),
        timeout=timeout,
        message="the events to post",
        interval=0.5,
    )
    return time.monotonic() - started


def _exactly_once(outcome: Outcome, event_ids: list[int]) -> None:
    from django.db.models import Count

    from apps.finance.models import JournalEntry

    entries = JournalEntry.objects.filter(event_id__in=event_ids)
    doubled = entries.values("event_id").annotate(n=Count("id")).filter(n__gt=1).count()
    statuses = books.status_counts(event_ids)
    outcome.observed["journal entries for the events"] = entries.count()
    outcome.observed["events posted twice"] = doubled
    outcome.observed["event statuses"] = ", ".join(f"{k} {v}" for k, v in sorted(statuses.items()))
    outcome.expect(entries.count() == len(event_ids), f"{entries.count()} entries for {len(event_ids)} events")
    outcome.expect(doubled == 0, f"{doubled} events posted twice")
    outcome.expect(statuses.get("done", 0) == len(event_ids), f"not every event done: {statuses}")


# --- 1. kill -9 a worker while it drains ---------------------------------------------------------


def worker_killed_mid_drain(ctx: Context) -> Outcome:
    outcome = Outcome(
        title="kill -9 a Celery worker in the middle of draining the outbox",
        done=(
            f"{EVENTS} pending money events (copies of a real +10/-10 stock adjustment pair) queued to Redis; "
            f"a worker (prefork, 2 processes) drains them; at {KILL_AT:.0%} posted its whole process group gets "
            "SIGKILL; a new worker is started; the sweep (sent every "
            f"{SWEEP_EVERY:.0f} s, as beat does) re-queues the events the dead worker held."
        ),
    )
    event_ids = books.backlog(ctx.seed, count=EVENTS, batch=f"kill-{uuid.uuid4().hex[:6]}")
    if ctx.worker is not None:
        ctx.worker.stop()
    outcome.observed["events"] = len(event_ids)
    outcome.observed["queued to Redis in (s)"] = round(books.enqueue_all(event_ids), 1)
    ctx.start_worker()
    started = time.monotonic()
    wait_until(
        lambda: books.posted_count(event_ids) >= len(event_ids) * KILL_AT,
        timeout=DRAIN_TIMEOUT,
        message="the drain to get going",
        interval=0.05,
    )
    at_kill = books.posted_count(event_ids)
    ctx.worker.kill()
    outcome.observed["posted when killed"] = at_kill
    outcome.observed["killed after (s, worker start included)"] = round(time.monotonic() - started, 1)
    time.sleep(1)
    outcome.observed["posted once the dead worker's transactions were gone"] = books.posted_count(event_ids)
    ctx.start_worker()
    outcome.observed["drained after the restart in (s)"] = round(_wait_posted(event_ids), 1)
    outcome.observed["posting rate, first to last entry (events/s)"] = books.posting_rate(event_ids)
    outcome.notes.append(
        "The killed worker's transactions rolled back with it. The tasks it had taken stay unacknowledged "
        "in Redis until the visibility timeout (1 h); the sweep queued their events again, and when the "
        "old messages come back the event is already done, so the task does nothing."
    )
    _exactly_once(outcome, event_ids)
    return outcome


# --- 2. Redis stopped while documents are confirmed ------------------------------------------------


def redis_down_while_confirming(ctx: Context) -> Outcome:
    reason = f"chaos redis {uuid.uuid4().hex[:6]}"
    before = after = min(10.0, REDIS_DOWN_SECONDS)
    outcome = Outcome(
        title=f"Redis stopped for {REDIS_DOWN_SECONDS:.0f} s while documents are confirmed",
        done=(
            f"Stock adjustments confirmed one after another through the service for {before:.0f} s, then Redis "
            f"shut down (nosave: what was queued is lost, as in a crash) for {REDIS_DOWN_SECONDS:.0f} s while "
            f"confirming goes on, then Redis restarted and confirming goes on for {after:.0f} s."
        ),
    )
    ctx.ensure_worker()
    timings: dict[str, list[float]] = {"before": [], "down": [], "after": []}
    failures: Counter = Counter()
    started = time.monotonic()
    phase = "before"
    pending_at_return = 0
    returned_at = 0.0
    worker_fate = ""
    while True:
        elapsed = time.monotonic() - started
        if phase == "before" and elapsed >= before:
            ctx.stack.redis.stop()
            phase = "down"
        elif phase == "down" and elapsed >= before + REDIS_DOWN_SECONDS:
            pending_at_return = books.pending_events()
            ctx.stack.redis.start()
            returned_at = time.monotonic()
            worker_fate = _supervise(ctx)
            phase = "after"
        elif phase == "after" and elapsed >= before + REDIS_DOWN_SECONDS + after:
            break
        confirm_started = time.monotonic()
        try:
            books.post_adjustment(ctx.where, Decimal("1"), reason=reason)
            timings[phase].append(time.monotonic() - confirm_started)
        except Exception as exc:
            failures[f"{phase}: {type(exc).__name__}"] += 1
        time.sleep(0.05)
    worker_fate = _supervise(ctx) or worker_fate
    documents = list(books.adjustments_by_reason(reason).values_list("pk", flat=True))
    event_ids = _event_ids(documents)
    _wait_posted(event_ids)
    for phase_name, values in timings.items():
        if values:
            outcome.observed[f"confirmed {phase_name}"] = len(values)
            outcome.observed[f"confirm time {phase_name}, median / max (ms)"] = (
                f"{statistics.median(values) * 1000:.0f} / {max(values) * 1000:.0f}"
            )
    outcome.observed["confirmations refused"] = sum(failures.values())
    outcome.observed["events pending when Redis came back"] = pending_at_return
    outcome.observed["all events posted, seconds after Redis came back"] = round(time.monotonic() - returned_at, 1)
    outcome.observed["worker survived the outage"] = worker_fate or "yes"
    if timings["down"] and statistics.median(timings["down"]) > 1:
        outcome.notes.append(
            f"While Redis is down a confirmation takes about {statistics.median(timings['down']):.0f} s: after "
            "the commit, the hand-off to the broker (apps.core.outbox.enqueue) waits for the Redis client's "
            "connection retries before it gives up. The document is committed all the same and its event "
            "waits in the outbox until the sweep queues it once Redis is back."
        )
    if worker_fate:
        outcome.notes.append(
            "A Celery worker can exit when its broker connection breaks: run workers under a supervisor "
            "that restarts them (systemd Restart=always, or the container's restart policy)."
        )
    outcome.expect(not failures, f"confirmations failed: {dict(failures)}")
    outcome.expect(bool(timings["down"]), "no document was confirmed while Redis was down")
    _exactly_once(outcome, event_ids)
    return outcome


def _supervise(ctx: Context) -> str:
    """Restart a worker that has exited, as a process supervisor (systemd Restart=always) would;
    say how it ended, or '' when it is still running."""
    dead = ctx.worker
    if dead.alive:
        return ""
    last_words = [line for line in dead.tail(400).splitlines() if "CRITICAL" in line or "Unrecoverable" in line]
    ended = last_words[0].split("]", 1)[-1].strip() if last_words else f"exit status {dead.popen.returncode}"
    ctx.start_worker()
    return f"no: the worker exited ({ended[:160]}); restarted as a process supervisor would"


def _event_ids(document_ids: list[int]) -> list[int]:
    from django.contrib.contenttypes.models import ContentType

    from apps.core.models import OutboxEvent
    from apps.inventory.models import StockAdjustment

    source_type = ContentType.objects.get_for_model(StockAdjustment)
    return list(
        OutboxEvent.objects.filter(source_type=source_type, source_id__in=document_ids).values_list("pk", flat=True)
    )


# --- 3. PostgreSQL restarted under HTTP load -------------------------------------------------------


class Client:
    """An API client that does what the 503 asks: waits Retry-After and sends the same request
    again with the same Idempotency-Key."""

    def __init__(self, base: str, token: str, tally: Counter, lock: threading.Lock) -> None:
        self.base, self.tally, self.lock = base, tally, lock
        self.latencies: list[float] = []
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Token {token}"

    def count(self, key: str) -> None:
        with self.lock:
            self.tally[key] += 1

    def post(self, path: str, body: dict | None = None) -> requests.Response | None:
        key = uuid.uuid4().hex
        give_up = time.monotonic() + CLIENT_GIVE_UP_SECONDS
        while time.monotonic() < give_up:
            sent = time.monotonic()
            try:
                response = self.session.post(
                    self.base + path, json=body or {}, headers={"Idempotency-Key": key}, timeout=30
                )
                self.latencies.append(time.monotonic() - sent)
            except requests.RequestException:
                self.count("connection errors")
                time.sleep(CLIENT_RETRY_SECONDS)
                continue
            self.count(f"HTTP {response.status_code}")
            if response.status_code == 503:
                self.count("503 with Retry-After" if response.headers.get("Retry-After") else "503 without Retry-After")
                time.sleep(CLIENT_RETRY_SECONDS)
                continue
            return response
        self.count("gave up")
        return None

    def get(self, path: str) -> None:
        try:
            response = self.session.get(self.base + path, timeout=30)
            self.count(f"HTTP {response.status_code}")
            if response.status_code == 503 and response.headers.get("Retry-After"):
                self.count("503 with Retry-After")
        except requests.RequestException:
            self.count("connection errors")


def _answer(response: requests.Response | None) -> str:
    if response is None:
        return "no answer"
    try:
        code = response.json().get("error", {}).get("code", "")
    except ValueError:
        code = ""
    return f"{response.status_code} {code}".strip()


def _load(
    client: Client, ctx: Context, reason: str, halt: threading.Event, created: list[int], lock: threading.Lock
) -> None:
    body = {
        "warehouse": ctx.where.warehouse.pk,
        "reason": reason,
        "document_date": date.today().isoformat(),
        "lines": [{"item": ctx.where.item.pk, "location": ctx.where.location.pk, "quantity": "1", "unit_cost": "1.00"}],
    }
    while not halt.is_set():
        response = client.post("/api/v1/inventory/adjustments/", body)
        if response is None or response.status_code != 201:
            client.count(f"creates not done ({_answer(response)})")
            continue
        document_id = response.json()["id"]
        with lock:
            created.append(document_id)
        posted = client.post(f"/api/v1/inventory/adjustments/{document_id}/post/")
        if posted is None or posted.status_code != 200:
            client.count(f"confirmations not done ({_answer(posted)})")
        client.get("/api/v1/inventory/adjustments/?page_size=20")


def _notes_on_retries(outcome: Outcome, tally: Counter) -> None:
    unfinished = {key: value for key, value in tally.items() if key.startswith(("creates not", "confirmations not"))}
    if unfinished:
        outcome.notes.append(
            "Requests whose final answer was not a success: "
            + ", ".join(f"{key}: {value}" for key, value in sorted(unfinished.items()))
            + ". Each is a clean refusal: no document is half-written (below)."
        )
    if any("invalid_transition" in key for key in unfinished):
        outcome.notes.append(
            "A confirmation refused as invalid_transition had been posted by its own earlier attempt, "
            "whose answer the outage cut off: the document is posted once, but the client is told "
            "'refused' because the idempotency claim of that attempt was not finished."
        )


def postgres_restart_under_load(ctx: Context) -> Outcome:
    reason = f"chaos pg {uuid.uuid4().hex[:6]}"
    outcome = Outcome(
        title="PostgreSQL restarted while the API is under load",
        done=(
            f"gunicorn (2 workers) on a free loopback port; {LOAD_CLIENTS} API clients each create a stock "
            "adjustment, confirm it and read the list, in a loop; after "
            f"{LOAD_SECONDS:.0f} s PostgreSQL is stopped (fast shutdown: connections cut), kept down "
            f"{PG_DOWN_SECONDS:.0f} s and started again; the load goes on {LOAD_SECONDS:.0f} s more. A client "
            "meeting a 503 waits and sends the same request again with the same Idempotency-Key."
        ),
    )
    ctx.ensure_worker()
    port = free_port()
    gunicorn = ctx.stack.gunicorn(port)
    token = books.api_token(ctx.where)
    tally: Counter = Counter()
    lock = threading.Lock()
    halt = threading.Event()
    created: list[int] = []
    users = [Client(f"http://127.0.0.1:{port}", token, tally, lock) for _ in range(LOAD_CLIENTS)]
    clients = [threading.Thread(target=_load, args=(user, ctx, reason, halt, created, lock)) for user in users]
    for thread in clients:
        thread.start()
    try:
        time.sleep(LOAD_SECONDS)
        connections.close_all()
        ctx.stack.postgres.stop("fast")
        down_at = time.monotonic()
        time.sleep(PG_DOWN_SECONDS)
        ctx.stack.postgres.start()
        outcome.observed["PostgreSQL down for (s)"] = round(time.monotonic() - down_at, 1)
        time.sleep(LOAD_SECONDS)
    finally:
        halt.set()
        for thread in clients:
            thread.join(timeout=CLIENT_GIVE_UP_SECONDS + 30)
        gunicorn.stop()
    connections.close_all()
    for key, value in sorted(tally.items()):
        outcome.observed[key] = value
    latencies = sorted(latency for user in users for latency in user.latencies)
    if latencies:
        outcome.observed["POST time, median / max (ms)"] = (
            f"{statistics.median(latencies) * 1000:.0f} / {latencies[-1] * 1000:.0f}"
        )
    _notes_on_retries(outcome, tally)
    outcome.observed["documents created (distinct ids)"] = len(set(created))
    stored = books.adjustments_by_reason(reason).count()
    outcome.observed["documents stored"] = stored
    problems = books.half_written(reason)
    outcome.observed["half-written documents"] = len(problems)
    outcome.expect(not problems, "; ".join(problems[:10]))
    outcome.expect(tally.get("HTTP 500", 0) == 0, f"{tally.get('HTTP 500')} responses were 500")
    outcome.expect(tally.get("503 without Retry-After", 0) == 0, "a 503 came without Retry-After")
    outcome.expect(stored == len(set(created)), f"{stored} documents stored for {len(set(created))} created")
    outcome.expect(tally.get("gave up", 0) == 0, "a client gave up retrying")
    event_ids = _event_ids(list(books.adjustments_by_reason(reason).values_list("pk", flat=True)))
    _wait_posted(event_ids)
    _exactly_once(outcome, event_ids)
    ctx.ensure_worker()
    return outcome


# --- 4. The sweep and the dispatcher on the same events --------------------------------------------


def sweep_races_dispatcher(ctx: Context) -> Outcome:
    outcome = Outcome(
        title="The sweep and the dispatcher on the same events at the same time",
        done=(
            f"{RACE_EVENTS} pending events, old enough for the sweep; at once: every event queued as on commit, "
            "the sweep run in a loop (queuing them again), and this process dispatching the same events "
            "itself; two workers (2 processes each) take the queued tasks."
        ),
    )
    ctx.ensure_worker()
    second = ctx.stack.worker(f"worker-race-{uuid.uuid4().hex[:4]}")
    event_ids = books.backlog(ctx.seed, count=RACE_EVENTS, batch=f"race-{uuid.uuid4().hex[:6]}", age_seconds=3600)
    swept, handled_here = [0], [0]

    def sweeping() -> None:
        try:
            while books.posted_count(event_ids) < len(event_ids):
                swept[0] += books.sweep()
        finally:
            connections.close_all()

    def dispatching() -> None:
        from apps.core.outbox import dispatch

        try:
            handled_here[0] = sum(dispatch(event_id).handled for event_id in reversed(event_ids))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sweeping), threading.Thread(target=dispatching)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    books.enqueue_all(event_ids)
    for thread in threads:
        thread.join(timeout=DRAIN_TIMEOUT)
    _wait_posted(event_ids)
    outcome.observed["events"] = len(event_ids)
    outcome.observed["queued again by the sweep"] = swept[0]
    outcome.observed["handled by this process"] = handled_here[0]
    outcome.observed["handled by the workers"] = len(event_ids) - handled_here[0]
    outcome.observed["all posted in (s)"] = round(time.monotonic() - started, 1)
    second.stop()
    _exactly_once(outcome, event_ids)
    return outcome


# --- 5. Two gunicorn workers confirming the same document ------------------------------------------


def double_confirm(ctx: Context) -> Outcome:
    reason = f"chaos double {uuid.uuid4().hex[:6]}"
    outcome = Outcome(
        title="Two gunicorn workers confirming the same document at once",
        done=(
            f"{DOUBLE_CONFIRMS} draft stock adjustments; for each, two API requests to confirm it sent at the "
            "same instant (a barrier) to gunicorn with 2 sync workers, so each worker takes one."
        ),
    )
    ctx.ensure_worker()
    port = free_port()
    gunicorn = ctx.stack.gunicorn(port)
    token = books.api_token(ctx.where)
    drafts = [books.draft_adjustment(ctx.where, Decimal("1"), reason=reason).pk for _ in range(DOUBLE_CONFIRMS)]
    outcomes: Counter = Counter()
    codes: Counter = Counter()
    try:
        for document_id in drafts:
            barrier = threading.Barrier(2)
            answers: list[requests.Response | None] = [None, None]

            def confirm(slot: int, document_id: int = document_id, barrier=barrier, answers=answers) -> None:
                session = requests.Session()
                session.headers["Authorization"] = f"Token {token}"
                barrier.wait(timeout=30)
                answers[slot] = session.post(
                    f"http://127.0.0.1:{port}/api/v1/inventory/adjustments/{document_id}/post/", timeout=30
                )

            pair = [threading.Thread(target=confirm, args=(slot,)) for slot in (0, 1)]
            for thread in pair:
                thread.start()
            for thread in pair:
                thread.join(timeout=60)
            statuses = sorted(answer.status_code if answer is not None else 0 for answer in answers)
            outcomes[" + ".join(map(str, statuses))] += 1
            for answer in answers:
                if answer is not None and answer.status_code >= 400:
                    codes[answer.json().get("error", {}).get("code", "?")] += 1
    finally:
        gunicorn.stop()
    for key, value in sorted(outcomes.items()):
        outcome.observed[f"pairs answered {key}"] = value
    for key, value in sorted(codes.items()):
        outcome.observed[f"refusal code {key}"] = value
    problems = books.half_written(reason)
    outcome.observed["documents with other than one stock move and one event"] = len(problems)
    outcome.expect(outcomes.get("200 + 409", 0) == len(drafts), f"answers were {dict(outcomes)}")
    outcome.expect(not problems, "; ".join(problems[:10]))
    event_ids = _event_ids(drafts)
    _wait_posted(event_ids)
    _exactly_once(outcome, event_ids)
    return outcome


SCENARIOS = [
    worker_killed_mid_drain,
    redis_down_while_confirming,
    postgres_restart_under_load,
    sweep_races_dispatcher,
    double_confirm,
]
