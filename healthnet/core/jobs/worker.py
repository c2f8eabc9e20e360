"""The worker: claims due jobs under a lease, runs their handlers, retries with back-off.

Life of a job::

    pending ──claim──▶ running ──handler ok──▶ succeeded
       ▲                  │ └──lease expired (worker died)──▶ claimable again
       │                  └──handler raised──▶ retrying (run_at = now + back-off) ──claim──▶ …
       │                                        └─ out of attempts ──▶ dead ──requeue──┘

Every step is a transaction of its own opened with :func:`healthnet.core.db.transaction`;
several workers (threads or processes, on one or many machines) may run at once.

A handler's transaction begins by updating its own job row. On PostgreSQL that row lock keeps a
job whose worker is alive (however slow) from being taken over; the lease only frees the jobs of
workers that are gone. On SQLite it means a running handler holds the database's write lock, so
handlers there must be short: bound any network call well below the 30 s busy timeout.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import traceback
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, or_, select, update
from sqlalchemy.orm import Session

from healthnet.core import db
from healthnet.core.db import is_postgres, utcnow
from healthnet.core.errors import DomainError
from healthnet.core.jobs import service
from healthnet.core.jobs.models import CLAIMABLE, Job, JobStatus, Schedule
from healthnet.core.jobs.registry import (
    DEFAULT_LEASE,
    JobContext,
    JobError,
    _current,
    discover,
    get_handler,
    handler_kinds,
)

log = logging.getLogger("healthnet.jobs")

Clock = Callable[[], datetime]
MAX_ERROR_CHARS = 2000
LEASE_EXPIRED_ERROR = "lease expired: the worker stopped or stalled before finishing this attempt"


@dataclass(frozen=True)
class ClaimedJob:
    id: str
    kind: str
    payload: dict[str, Any]
    attempt: int  # 1 for the first run
    max_attempts: int


def backoff_delay(
    attempt: int, base: timedelta, cap: timedelta, rng: random.Random | None = None
) -> timedelta:
    """Delay before the retry that follows failed attempt ``attempt`` (1-based).

    Exponential with "equal jitter" (AWS Architecture Blog, "Exponential Backoff And Jitter",
    2015): half of the delay is fixed so a retry never comes too soon, half is random so jobs
    that failed together (the receiver was down) do not all come back at the same instant.
    """
    exp = min(cap.total_seconds(), base.total_seconds() * 2 ** min(attempt - 1, 60))
    return timedelta(seconds=exp / 2 + (rng or random).uniform(0, exp / 2))


def describe_error(exc: BaseException) -> str:
    """What failed, without personal data: messages of arbitrary exceptions may carry names,
    ID numbers or SQL parameters, so only :class:`JobError` text, domain error codes and OS
    error numbers are kept; otherwise the type and the code location (module, not file path).
    """
    kind = f"{type(exc).__module__}.{type(exc).__qualname__}".removeprefix("builtins.")
    if isinstance(exc, JobError):
        text = f"{kind}: {exc}"
    elif isinstance(exc, DomainError):
        text = f"{kind}: {exc.code}"
    elif isinstance(exc, OSError) and exc.errno is not None:
        text = f"{kind}: [errno {exc.errno}] {exc.strerror}"
    else:
        text = kind
    frames = list(traceback.walk_tb(exc.__traceback__))
    if frames:
        frame, lineno = frames[-1]
        text += f" (at {frame.f_globals.get('__name__', '?')}.{frame.f_code.co_name}:{lineno})"
    return text[:MAX_ERROR_CHARS]


class LeaseLost(Exception):
    """Another worker took the job over (our lease expired); our run must not count."""


class Worker:
    """One claimer/runner. Threads and processes each get their own instance (and id).

    ``clock`` is injectable so tests can move time past leases and back-off delays.
    """

    def __init__(
        self,
        *,
        worker_id: str | None = None,
        queues: Sequence[str] = ("default",),
        clock: Clock = utcnow,
        backoff_base: timedelta = timedelta(seconds=10),
        backoff_max: timedelta = timedelta(hours=1),
        kinds: Iterable[str] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.worker_id = worker_id or (
            f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        )
        self.queues = tuple(queues)
        self.clock = clock
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self._kinds = tuple(kinds) if kinds is not None else None
        self._rng = rng or random.Random()

    # --- claiming ---------------------------------------------------------------------------

    def kinds(self) -> tuple[str, ...]:
        """Only kinds this process can run are claimed: a worker running older code leaves
        newer kinds to the workers that know them."""
        return self._kinds if self._kinds is not None else tuple(handler_kinds())

    def _claimable(self, now: datetime, kinds: Sequence[str]) -> ColumnElement[bool]:
        return and_(
            Job.queue.in_(self.queues),
            Job.kind.in_(kinds),
            or_(
                and_(Job.status.in_(CLAIMABLE), Job.run_at <= now),
                # A running job whose lease ran out: its worker died (or stalled).
                and_(Job.status == JobStatus.RUNNING.value, Job.lease_expires_at < now),
            ),
        )

    def claim(self, limit: int = 1) -> list[ClaimedJob]:
        """Atomically take up to ``limit`` due jobs under a lease for this worker."""
        now = self.clock()
        kinds = self.kinds()
        if not kinds or limit < 1:
            return []
        candidates = (
            select(Job.id, Job.kind).where(self._claimable(now, kinds)).order_by(Job.run_at, Job.id)
        )
        with db.transaction() as session:
            if is_postgres(session):
                # ---- PostgreSQL only (the one dialect-specific statement of this slice) ----
                # FOR UPDATE SKIP LOCKED: concurrent workers each lock different rows and never
                # wait for one another; the guarded update below is then certain to match.
                rows = session.execute(
                    candidates.limit(limit).with_for_update(skip_locked=True)
                ).all()
                taken = [self._take(session, r.id, r.kind, now) for r in rows]
                return [c for c in taken if c is not None]
        # Portable path (SQLite): read candidates, then take each with a compare-and-set update
        # in its own transaction. The update is the transaction's first statement, so SQLite
        # grants the write lock before anything is read; a job another worker took in between
        # no longer matches and is skipped.
        with db.transaction() as session:
            rows = session.execute(candidates.limit(limit * 4)).all()
        claimed: list[ClaimedJob] = []
        for r in rows:
            with db.transaction() as session:
                job = self._take(session, r.id, r.kind, now)
            if job is not None:
                claimed.append(job)
                if len(claimed) >= limit:
                    break
        return claimed

    def _take(self, session: Session, job_id: str, kind: str, now: datetime) -> ClaimedJob | None:
        spec = get_handler(kind)
        lease = spec.lease if spec else DEFAULT_LEASE
        expired = and_(Job.status == JobStatus.RUNNING.value, Job.lease_expires_at < now)
        # A job that used its last attempt on a worker that died is not run again: dead.
        gone = session.execute(
            update(Job)
            .where(Job.id == job_id, expired, Job.attempts >= Job.max_attempts)
            .values(
                status=JobStatus.DEAD.value,
                last_error=LEASE_EXPIRED_ERROR,
                locked_by=None,
                lease_expires_at=None,
                finished_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        if _rowcount(gone):
            log.warning(
                "job dead: lease expired on its last attempt",
                extra={"job_id": job_id, "job_kind": kind},
            )
            return None
        result = session.execute(
            update(Job)
            .where(Job.id == job_id, self._claimable(now, (kind,)))
            .values(
                # An attempt is counted when it starts, so a job that kills its worker every
                # time still runs out of attempts.
                attempts=Job.attempts + 1,
                last_error=case((expired, LEASE_EXPIRED_ERROR), else_=Job.last_error),
                status=JobStatus.RUNNING.value,
                locked_by=self.worker_id,
                lease_expires_at=now + lease,
                started_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        if not _rowcount(result):
            return None
        row = session.execute(
            select(Job.payload, Job.attempts, Job.max_attempts).where(Job.id == job_id)
        ).one()
        return ClaimedJob(job_id, kind, dict(row.payload or {}), row.attempts, row.max_attempts)

    # --- running ----------------------------------------------------------------------------

    def _mine(self, job: ClaimedJob) -> ColumnElement[bool]:
        return and_(
            Job.id == job.id,
            Job.status == JobStatus.RUNNING.value,
            Job.locked_by == self.worker_id,
            Job.attempts == job.attempt,
        )

    def execute(self, job: ClaimedJob) -> bool:
        """Run the handler of a claimed job; True if it succeeded."""
        spec = get_handler(job.kind)
        token = _current.set(JobContext(job.id, job.kind, job.attempt, job.max_attempts))
        try:
            with db.transaction() as session:
                # First statement: prove the lease is still ours. It also locks the job row
                # (PostgreSQL: a reclaiming worker skips it; SQLite: takes the write lock
                # before the handler reads, so the handler's writes cannot hit a stale
                # snapshot). Handlers should therefore be short on SQLite.
                touched = session.execute(
                    update(Job)
                    .where(self._mine(job))
                    .values(updated_at=self.clock())
                    .execution_options(synchronize_session=False)
                )
                if not _rowcount(touched):
                    raise LeaseLost
                if spec is None:
                    raise JobError(f"no handler registered for job kind {job.kind}")
                spec.func(session, dict(job.payload))
                # Marked succeeded in the handler's own transaction: its database work and
                # the success are committed together or not at all.
                session.execute(
                    update(Job)
                    .where(self._mine(job))
                    .values(
                        status=JobStatus.SUCCEEDED.value,
                        finished_at=self.clock(),
                        locked_by=None,
                        lease_expires_at=None,
                        last_error=None,
                    )
                    .execution_options(synchronize_session=False)
                )
        except LeaseLost:
            log.warning(
                "job skipped: lease lost to another worker",
                extra={"job_id": job.id, "job_kind": job.kind},
            )
            return False
        except Exception as exc:
            self._fail(job, exc)
            return False
        finally:
            _current.reset(token)
        log.info("job succeeded", extra={"job_id": job.id, "job_kind": job.kind})
        return True

    def _fail(self, job: ClaimedJob, exc: BaseException) -> None:
        error = describe_error(exc)
        now = self.clock()
        values: dict[str, Any] = {"last_error": error, "locked_by": None, "lease_expires_at": None}
        if job.attempt >= job.max_attempts:
            values.update(status=JobStatus.DEAD.value, finished_at=now)
        else:
            delay = backoff_delay(job.attempt, self.backoff_base, self.backoff_max, self._rng)
            values.update(status=JobStatus.RETRYING.value, run_at=now + delay)
        with db.transaction() as session:
            session.execute(
                update(Job)
                .where(self._mine(job))
                .values(**values)
                .execution_options(synchronize_session=False)
            )
        log.warning(
            "job %s after attempt %d/%d: %s",
            values["status"],
            job.attempt,
            job.max_attempts,
            error,
            extra={"job_id": job.id, "job_kind": job.kind},
        )

    # --- schedules --------------------------------------------------------------------------

    def tick_schedules(self) -> int:
        """Turn every due schedule into one job; safe to call from many workers at once."""
        now = self.clock()
        with db.transaction() as session:
            due = session.execute(
                select(
                    Schedule.id,
                    Schedule.name,
                    Schedule.cron,
                    Schedule.timezone,
                    Schedule.next_run_at,
                ).where(Schedule.enabled.is_(True), Schedule.next_run_at <= now)
            ).all()
        fired = 0
        for s in due:
            with db.transaction() as session:
                job = service.fire_schedule(
                    session=session,
                    schedule_id=s.id,
                    name=s.name,
                    cron=s.cron,
                    timezone=s.timezone,
                    due=s.next_run_at,
                    now=now,
                )
            fired += job is not None
        return fired

    def sync_schedules(self) -> None:
        with db.transaction() as session:
            service.sync_schedules(session=session, now=self.clock())

    # --- loops ------------------------------------------------------------------------------

    def run_once(self, *, limit: int = 1, tick: bool = True) -> int:
        """One round: fire due schedules, claim and run up to ``limit`` jobs. Returns how many
        jobs were run (successfully or not)."""
        if tick:
            self.tick_schedules()
        jobs = self.claim(limit)
        for job in jobs:
            self.execute(job)
        return len(jobs)

    def run(
        self,
        stop: threading.Event,
        *,
        poll_interval: float = 2.0,
        once: bool = False,
        tick: bool = True,
    ) -> None:
        """Work until ``stop`` is set (the current job is always finished first); with
        ``once``, until no job is due."""
        last_tick = 0.0
        while not stop.is_set():
            try:
                now = self.clock().timestamp()
                do_tick = tick and now - last_tick >= poll_interval
                if do_tick:
                    last_tick = now
                ran = self.run_once(tick=do_tick)
            except Exception as exc:
                # e.g. the database is down: wait and try again; leases protect the jobs.
                log.error("worker round failed: %s", describe_error(exc))
                ran = 0
            if ran == 0:
                if once:
                    return
                stop.wait(poll_interval)


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


# --- running several workers, in a command or inside the web process ---------------------------


def enabled_packages() -> tuple[str, ...]:
    from healthnet import app  # the app's list of enabled slices and modules

    return tuple(app.CORE_SLICES) + tuple(app.MODULES)


class WorkerGroup:
    """``concurrency`` worker threads sharing one stop flag."""

    def __init__(
        self,
        *,
        concurrency: int = 1,
        poll_interval: float = 2.0,
        queues: Sequence[str] = ("default",),
        once: bool = False,
        backoff_base: timedelta = timedelta(seconds=10),
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.stop_event = threading.Event()
        self.poll_interval = poll_interval
        self.once = once
        base_id = f"{socket.gethostname()}:{os.getpid()}"
        self.workers = [
            Worker(
                worker_id=f"{base_id}:{i}:{uuid.uuid4().hex[:6]}",
                queues=queues,
                backoff_base=backoff_base,
            )
            for i in range(concurrency)
        ]
        self.threads: list[threading.Thread] = []

    def start(self) -> None:
        try:
            self.workers[0].sync_schedules()
        except Exception as exc:
            # The schedules stored by an earlier start still fire; do not stay down for this.
            log.error("could not sync schedules: %s", describe_error(exc))
        for i, worker in enumerate(self.workers):
            thread = threading.Thread(
                target=worker.run,
                args=(self.stop_event,),
                # One thread per process fires schedules; others are covered by the CAS anyway.
                kwargs={"poll_interval": self.poll_interval, "once": self.once, "tick": i == 0},
                name=f"healthnet-worker-{i}",
                daemon=True,
            )
            thread.start()
            self.threads.append(thread)

    def stop(self, timeout: float | None = 30.0) -> None:
        """Ask every thread to stop after its current job, and wait for them."""
        self.stop_event.set()
        self.join(timeout)

    def join(self, timeout: float | None = None) -> None:
        for thread in self.threads:
            thread.join(timeout)

    def alive(self) -> bool:
        return any(t.is_alive() for t in self.threads)


_in_process: WorkerGroup | None = None
_in_process_lock = threading.Lock()


def start_in_process_worker(
    *, concurrency: int = 1, poll_interval: float = 2.0, packages: Iterable[str] | None = None
) -> WorkerGroup:
    """Run workers as threads of this process (the embedded default). Idempotent."""
    global _in_process
    with _in_process_lock:
        if _in_process is not None and _in_process.alive():
            return _in_process
        discover(packages if packages is not None else enabled_packages())
        group = WorkerGroup(concurrency=concurrency, poll_interval=poll_interval)
        group.start()
        _in_process = group
        log.info("in-process worker started (%d thread(s))", concurrency)
        return group


def stop_in_process_worker(timeout: float | None = 30.0) -> None:
    global _in_process
    with _in_process_lock:
        if _in_process is not None:
            _in_process.stop(timeout)
            _in_process = None
