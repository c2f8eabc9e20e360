"""The worker against the real database: committed jobs, several workers, time moved by a clock."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
import typer
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from healthnet.core.db import get_engine, transaction
from healthnet.core.jobs import service
from healthnet.core.jobs.cli import worker as worker_command
from healthnet.core.jobs.models import Job, JobStatus, Schedule
from healthnet.core.jobs.registry import JobError, current_job
from healthnet.core.jobs.worker import (
    LEASE_EXPIRED_ERROR,
    Worker,
    start_in_process_worker,
    stop_in_process_worker,
)

pytestmark = pytest.mark.usefixtures("committed")


def load_job(job_id: str) -> Job:
    with transaction() as s:
        job = s.get(Job, job_id)
        assert job is not None
        return job


def jobs_of(kind: str) -> list[Job]:
    with transaction() as s:
        return list(s.scalars(select(Job).where(Job.kind == kind)).all())


def enqueue(kind: str, payload: dict[str, Any] | None = None, **kw: Any) -> str:
    with transaction() as s:
        return service.enqueue(session=s, kind=kind, payload=payload or {}, **kw).id


def test_a_job_runs_once_and_its_database_work_commits_with_its_success(clock, handler) -> None:  # type: ignore[no-untyped-def]
    follow_up = handler(lambda s, p: None)

    def work(session: Session, payload: dict[str, Any]) -> None:
        assert current_job().attempt == 1
        service.enqueue(session=session, kind=follow_up, payload={"after": payload["n"]})

    kind = handler(work)
    job_id = enqueue(kind, {"n": 7})
    worker = Worker(clock=clock, kinds=[kind])

    assert worker.run_once() == 1
    job = load_job(job_id)
    assert job.status == JobStatus.SUCCEEDED
    assert job.attempts == 1 and job.finished_at is not None and job.locked_by is None
    assert [j.payload for j in jobs_of(follow_up)] == [{"after": 7}]
    assert worker.run_once() == 0  # nothing left to run


def test_a_failing_handler_leaves_none_of_its_database_work(clock, handler) -> None:  # type: ignore[no-untyped-def]
    follow_up = handler(lambda s, p: None)

    def work(session: Session, payload: dict[str, Any]) -> None:
        service.enqueue(session=session, kind=follow_up)
        session.flush()
        raise JobError("receiver refused")

    kind = handler(work)
    job_id = enqueue(kind)
    Worker(clock=clock, kinds=[kind]).run_once()
    assert load_job(job_id).status == JobStatus.RETRYING
    assert jobs_of(follow_up) == []


def test_a_job_whose_worker_died_is_picked_up_again_after_its_lease_expires(  # type: ignore[no-untyped-def]
    clock, handler
) -> None:
    runs: list[str] = []
    kind = handler(lambda s, p: runs.append(current_job().job_id), lease=timedelta(minutes=5))
    job_id = enqueue(kind)
    dying = Worker(worker_id="dying", clock=clock, kinds=[kind])
    other = Worker(worker_id="other", clock=clock, kinds=[kind])

    claimed = dying.claim()  # ... and the process is killed before running it
    assert [c.id for c in claimed] == [job_id]
    assert load_job(job_id).locked_by == "dying"

    clock.advance(minutes=4, seconds=59)
    assert other.run_once() == 0, "the lease still holds: nobody else may take the job"

    clock.advance(seconds=2)
    assert other.run_once() == 1
    job = load_job(job_id)
    assert job.status == JobStatus.SUCCEEDED
    assert job.attempts == 2  # the lost attempt counts
    assert runs == [job_id]

    # The first worker wakes up (it was only stalled): it must not run or overwrite the job.
    assert dying.execute(claimed[0]) is False
    assert runs == [job_id]
    assert load_job(job_id).status == JobStatus.SUCCEEDED


def test_a_job_that_kills_its_worker_on_every_attempt_ends_dead(clock, handler) -> None:  # type: ignore[no-untyped-def]
    kind = handler(lambda s, p: None, max_attempts=2, lease=timedelta(seconds=30))
    job_id = enqueue(kind)
    for _ in range(2):
        assert len(Worker(clock=clock, kinds=[kind]).claim()) == 1  # claimed, worker dies
        clock.advance(seconds=31)
    assert Worker(clock=clock, kinds=[kind]).run_once() == 0
    job = load_job(job_id)
    assert job.status == JobStatus.DEAD
    assert job.last_error == LEASE_EXPIRED_ERROR
    assert job.attempts == 2


def test_failing_job_retries_with_backoff_then_is_dead_with_its_error_and_can_be_requeued(  # type: ignore[no-untyped-def]
    clock, handler
) -> None:
    receiver_up = threading.Event()

    def push(session: Session, payload: dict[str, Any]) -> None:
        if not receiver_up.is_set():
            raise JobError("receiver down: HTTP 503")

    kind = handler(push, max_attempts=3)
    job_id = enqueue(kind)
    worker = Worker(clock=clock, kinds=[kind], backoff_base=timedelta(seconds=10))

    # attempt 1 fails → retry after 5..10 s (equal jitter of 10 s)
    start = clock()
    assert worker.run_once() == 1
    job = load_job(job_id)
    assert job.status == JobStatus.RETRYING and job.attempts == 1
    assert "receiver down: HTTP 503" in (job.last_error or "")
    assert start + timedelta(seconds=5) <= job.run_at <= start + timedelta(seconds=10)

    clock.advance(seconds=4.9)
    assert worker.run_once() == 0, "no retry before the back-off delay"
    clock.now = job.run_at
    assert worker.run_once() == 1

    # attempt 2 fails → the delay doubles: 10..20 s
    job = load_job(job_id)
    assert job.status == JobStatus.RETRYING and job.attempts == 2
    assert clock() + timedelta(seconds=10) <= job.run_at <= clock() + timedelta(seconds=20)

    clock.now = job.run_at
    assert worker.run_once() == 1
    job = load_job(job_id)
    assert job.status == JobStatus.DEAD and job.attempts == 3
    assert job.last_error is not None and "JobError: receiver down: HTTP 503" in job.last_error
    assert job.finished_at is not None

    clock.advance(hours=2)
    assert worker.run_once() == 0, "a dead job is not retried by itself"

    with transaction() as s:
        service.requeue(session=s, job_id=job_id)
    receiver_up.set()
    assert worker.run_once() == 1
    job = load_job(job_id)
    assert job.status == JobStatus.SUCCEEDED and job.attempts == 1 and job.last_error is None


def test_the_recorded_error_holds_no_personal_data(clock, handler) -> None:  # type: ignore[no-untyped-def]
    def broken(session: Session, payload: dict[str, Any]) -> None:
        raise ValueError("张三 310101199003071234 13812345678")

    kind = handler(broken)
    job_id = enqueue(kind)
    Worker(clock=clock, kinds=[kind]).run_once()
    error = load_job(job_id).last_error or ""
    assert "ValueError" in error and "test_worker" in error  # what and where failed
    assert "张三" not in error and "310101" not in error and "138" not in error


def test_jobs_of_unknown_kinds_are_left_for_workers_that_know_them(clock, handler) -> None:  # type: ignore[no-untyped-def]
    known = handler(lambda s, p: None)
    job_id = enqueue("test.kind_only_newer_code_knows")
    Worker(clock=clock, kinds=[known]).run_once()
    assert load_job(job_id).status == JobStatus.PENDING


def test_a_schedule_fires_once_per_due_time_with_two_workers_ticking(clock, handler) -> None:  # type: ignore[no-untyped-def]
    kind = handler(lambda s, p: None)
    with transaction() as s:
        schedule = service.upsert_schedule(
            session=s,
            name="test.every5",
            cron="*/5 * * * *",
            kind=kind,
            payload={"x": 1},
            now=clock(),
        )
        first_due = schedule.next_run_at
    workers = [Worker(clock=clock, kinds=[kind]) for _ in range(2)]

    def tick_together(rounds: int) -> None:
        barrier = threading.Barrier(len(workers))
        errors: list[BaseException] = []

        def tick(w: Worker) -> None:
            try:
                for _ in range(rounds):
                    barrier.wait()
                    w.tick_schedules()
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=tick, args=(w,)) for w in workers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []

    tick_together(3)
    assert jobs_of(kind) == [], "not due yet"

    clock.now = first_due
    tick_together(5)
    jobs = jobs_of(kind)
    assert len(jobs) == 1
    assert jobs[0].run_at == first_due and jobs[0].payload == {"x": 1}

    clock.now = first_due + timedelta(minutes=5)
    tick_together(5)
    assert sorted(j.run_at for j in jobs_of(kind)) == [first_due, first_due + timedelta(minutes=5)]
    with transaction() as s:
        row = s.scalar(select(Schedule).where(Schedule.name == "test.every5"))
        assert row is not None
        assert row.next_run_at == first_due + timedelta(minutes=10)
        assert row.last_run_at == first_due + timedelta(minutes=5)


def test_runs_missed_while_no_worker_was_up_fire_once(clock, handler) -> None:  # type: ignore[no-untyped-def]
    kind = handler(lambda s, p: None)
    with transaction() as s:
        first_due = service.upsert_schedule(
            session=s, name="test.hourly", cron="0 * * * *", kind=kind, now=clock()
        ).next_run_at
    clock.now = first_due + timedelta(hours=5, minutes=30)  # five missed runs
    Worker(clock=clock).tick_schedules()
    assert len(jobs_of(kind)) == 1
    with transaction() as s:
        row = s.scalar(select(Schedule).where(Schedule.name == "test.hourly"))
        assert row is not None and row.next_run_at == first_due + timedelta(hours=6)


def test_a_disabled_schedule_does_not_fire(clock, handler) -> None:  # type: ignore[no-untyped-def]
    kind = handler(lambda s, p: None)
    with transaction() as s:
        row = service.upsert_schedule(
            session=s, name="test.off", cron="* * * * *", kind=kind, now=clock()
        )
        service.set_schedule_enabled(session=s, schedule_id=row.id, enabled=False)
    clock.advance(minutes=3)
    Worker(clock=clock).tick_schedules()
    assert jobs_of(kind) == []


@pytest.mark.skipif(
    get_engine().dialect.name != "postgresql",
    reason="needs PostgreSQL: SQLite lets one writer at a time into the file, so concurrent "
    "workers are only a PostgreSQL (FOR UPDATE SKIP LOCKED) concern; the SQLite "
    "compare-and-set claim is covered by the lease tests",
)
def test_on_postgresql_concurrent_workers_never_run_the_same_job(handler) -> None:  # type: ignore[no-untyped-def]
    runs: Counter[str] = Counter()
    by_worker: Counter[str] = Counter()
    lock = threading.Lock()

    def record(session: Session, payload: dict[str, Any]) -> None:
        job = current_job()
        with lock:
            runs[job.job_id] += 1
        time.sleep(0.002)  # long enough for the workers to overlap

    kind = handler(record)
    workers = [Worker(worker_id=f"w{i}", kinds=[kind]) for i in range(4)]
    with transaction() as s:
        ids = [service.enqueue(session=s, kind=kind, payload={"n": n}).id for n in range(200)]

    def drain(w: Worker) -> None:
        while True:
            claimed = w.claim(limit=2)
            if not claimed:
                return
            for job in claimed:
                assert w.execute(job)
                with lock:
                    by_worker[w.worker_id] += 1

    threads = [threading.Thread(target=drain, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(runs) == sorted(ids)
    assert set(runs.values()) == {1}, "a job ran twice"
    assert sum(by_worker.values()) == 200
    assert len(by_worker) >= 2, "the workers did not run concurrently"
    with transaction() as s:
        done = s.scalar(
            select(func.count())
            .select_from(Job)
            .where(Job.kind == kind, Job.status == JobStatus.SUCCEEDED.value)
        )
    assert done == 200


def test_in_process_worker_threads_drain_the_queue_and_stop(handler) -> None:  # type: ignore[no-untyped-def]
    done = threading.Event()
    kind = handler(lambda s, p: done.set())
    job_id = enqueue(kind)
    group = start_in_process_worker(concurrency=2, poll_interval=0.05, packages=[])
    try:
        assert start_in_process_worker(packages=[]) is group  # started once
        assert done.wait(10)
    finally:
        stop_in_process_worker(timeout=10)
    assert not group.alive()
    deadline = time.monotonic() + 5
    while load_job(job_id).status != JobStatus.SUCCEEDED and time.monotonic() < deadline:
        time.sleep(0.02)
    assert load_job(job_id).status == JobStatus.SUCCEEDED


def run_worker_command(*args: str) -> Any:
    """``healthnet worker ARGS`` (registered the way healthnet/cli.py does it)."""
    cli = typer.Typer()
    cli.command("worker")(worker_command)
    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def keep_signal_handlers():  # type: ignore[no-untyped-def]
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    yield
    for sig, h in saved.items():
        signal.signal(sig, h)


def test_worker_command_once_runs_due_jobs_and_exits(handler, keep_signal_handlers) -> None:  # type: ignore[no-untyped-def]
    kind = handler(lambda s, p: None)
    ids = [enqueue(kind) for _ in range(3)]
    result = run_worker_command("--once", "--concurrency", "2", "--poll-interval", "0.05")
    assert result.exit_code == 0, result.output
    assert {load_job(i).status for i in ids} == {JobStatus.SUCCEEDED}


def test_sigterm_lets_the_running_job_finish_then_stops(handler, keep_signal_handlers) -> None:  # type: ignore[no-untyped-def]
    started = threading.Event()

    def slow(session: Session, payload: dict[str, Any]) -> None:
        started.set()
        time.sleep(0.5)

    kind = handler(slow)
    first = enqueue(kind, {"n": 1})
    second = enqueue(kind, {"n": 2}, run_at=load_job(first).run_at + timedelta(microseconds=1))

    def terminate() -> None:
        if started.wait(10):
            os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=terminate, daemon=True).start()
    result = run_worker_command("--poll-interval", "0.05")
    assert result.exit_code == 0, result.output
    assert load_job(first).status == JobStatus.SUCCEEDED, "the running job was not abandoned"
    assert load_job(second).status == JobStatus.PENDING, "no new job after the stop signal"


@pytest.mark.skipif(
    get_engine().dialect.name != "postgresql",
    reason="PostgreSQL row locks: on SQLite the second worker would wait for the write lock",
)
def test_on_postgresql_a_slow_job_is_not_taken_over_while_its_worker_lives(  # type: ignore[no-untyped-def]
    clock, handler
) -> None:
    running, release = threading.Event(), threading.Event()
    runs: list[int] = []

    def slow(session: Session, payload: dict[str, Any]) -> None:
        runs.append(current_job().attempt)
        running.set()
        assert release.wait(10)

    kind = handler(slow, lease=timedelta(seconds=30))
    job_id = enqueue(kind)
    first = Worker(clock=clock, kinds=[kind])
    thread = threading.Thread(target=first.run_once)
    thread.start()
    try:
        assert running.wait(10)
        clock.advance(minutes=10)  # far past the lease
        assert Worker(clock=clock, kinds=[kind]).run_once() == 0
    finally:
        release.set()
        thread.join()
    assert runs == [1]
    assert load_job(job_id).status == JobStatus.SUCCEEDED
