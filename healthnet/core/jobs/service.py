"""Producers' API (enqueue inside their own transaction) and the operators' API (list,
re-queue, schedules). The worker that runs jobs is in :mod:`healthnet.core.jobs.worker`.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from healthnet.config import get_settings
from healthnet.core.audit.context import AuditContext
from healthnet.core.db import utcnow
from healthnet.core.errors import Conflict, NotFound, ValidationFailed
from healthnet.core.jobs import messages as _messages  # noqa: F401  (registers the catalogue)
from healthnet.core.jobs.models import Job, JobStatus, Schedule
from healthnet.core.jobs.registry import (
    DEFAULT_MAX_ATTEMPTS,
    JobError,
    current_job,
    get_handler,
    job_handler,
    register_schedule,
    schedule_specs,
)
from healthnet.core.rbac.actor import Actor

# Handler authors may import everything from here.
__all__ = [
    "JobError",
    "current_job",
    "enqueue",
    "get_job",
    "job_handler",
    "list_jobs",
    "list_schedules",
    "register_schedule",
    "requeue",
    "set_schedule_enabled",
    "upsert_schedule",
]


def enqueue(
    *,
    session: Session,
    kind: str,
    payload: dict[str, Any] | None = None,
    run_at: datetime | None = None,
    idempotency_key: str | None = None,
    max_attempts: int | None = None,
    queue: str = "default",
) -> Job:
    """Add a job to the caller's transaction: it exists if and only if that transaction commits
    (transactional outbox), so no push is lost and none is sent for work that was rolled back.

    With ``idempotency_key`` a second enqueue of the same key returns the first job instead.
    ``payload`` must be JSON and should hold identifiers, not personal data.
    """
    if not kind or len(kind) > 100:
        raise ValueError("job kind must be 1..100 characters")
    if not queue or len(queue) > 50:
        raise ValueError("queue must be 1..50 characters")
    if run_at is not None and run_at.tzinfo is None:
        raise ValueError("run_at must be timezone-aware")
    body = dict(payload or {})
    json.dumps(body)  # refuse what the JSON column could not store, here rather than at flush
    if max_attempts is None:
        spec = get_handler(kind)
        max_attempts = spec.max_attempts if spec else DEFAULT_MAX_ATTEMPTS
    if max_attempts < 1:
        raise ValueError("max_attempts must be at least 1")

    if idempotency_key is not None:
        existing = session.scalar(select(Job).where(Job.idempotency_key == idempotency_key))
        if existing is not None:
            return existing
    job = Job(
        kind=kind,
        queue=queue,
        payload=body,
        status=JobStatus.PENDING.value,
        attempts=0,
        max_attempts=max_attempts,
        run_at=run_at or utcnow(),
        idempotency_key=idempotency_key,
    )
    if idempotency_key is None:
        session.add(job)
        session.flush()
        return job
    try:
        # A savepoint, so losing the race to another transaction with the same key does not
        # spoil the caller's transaction.
        with session.begin_nested():
            session.add(job)
    except IntegrityError:
        existing = session.scalar(select(Job).where(Job.idempotency_key == idempotency_key))
        if existing is None:
            raise
        return existing
    return job


def get_job(*, session: Session, job_id: str) -> Job:
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound("jobs.job_not_found")
    return job


def list_jobs(
    *,
    session: Session,
    status: JobStatus | None = None,
    kind: str | None = None,
    offset: int = 0,
    limit: int = 20,
) -> tuple[list[Job], int]:
    """Newest first; ``(items, total)``."""
    query = select(Job)
    if status is not None:
        query = query.where(Job.status == status.value)
    if kind:
        query = query.where(Job.kind == kind)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    items = session.scalars(
        query.order_by(Job.created_at.desc(), Job.id).offset(offset).limit(limit)
    ).all()
    return list(items), total


def requeue(
    *,
    session: Session,
    job_id: str,
    now: datetime | None = None,
    actor: Actor | None = None,
    request: AuditContext | None = None,
) -> Job:
    """Give a dead job a fresh set of attempts, due now. Its last error stays visible."""
    job = get_job(session=session, job_id=job_id)
    if job.status != JobStatus.DEAD.value:
        raise Conflict("jobs.not_dead", status=job.status)
    job.status = JobStatus.PENDING.value
    job.attempts = 0
    job.run_at = now or utcnow()
    job.locked_by = None
    job.lease_expires_at = None
    job.finished_at = None
    session.flush()
    _audit(session, actor, request, "jobs.job.requeue", "job", job.id, {"kind": job.kind})
    return job


def purge_succeeded(*, session: Session, older_than: timedelta, now: datetime | None = None) -> int:
    """Delete succeeded jobs finished before ``now - older_than``; dead jobs are kept."""
    cutoff = (now or utcnow()) - older_than
    result = session.execute(
        delete(Job).where(Job.status == JobStatus.SUCCEEDED.value, Job.finished_at < cutoff)
    )
    return int(getattr(result, "rowcount", 0) or 0)


# --- schedules --------------------------------------------------------------------------------


def validate_cron(cron: str, tz: str) -> ZoneInfo:
    """Five classic cron fields or an @alias (seconds fields would flood the queue)."""
    cron = cron.strip()
    fields_ok = cron.startswith("@") or len(cron.split()) == 5
    if not fields_ok or not croniter.is_valid(cron):
        raise ValidationFailed.field("cron", "jobs.cron_invalid")
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed.field("timezone", "jobs.timezone_invalid") from None


def next_fire_time(cron: str, tz: str, after: datetime) -> datetime:
    """The first due time of ``cron`` (read in ``tz``) strictly after ``after``, in UTC."""
    zone = validate_cron(cron, tz)
    nxt = croniter(cron.strip(), after.astimezone(zone)).get_next(datetime)
    assert isinstance(nxt, datetime)
    return nxt.astimezone(UTC)


def upsert_schedule(
    *,
    session: Session,
    name: str,
    cron: str,
    kind: str,
    payload: dict[str, Any] | None = None,
    queue: str = "default",
    enabled: bool | None = None,
    timezone: str | None = None,
    now: datetime | None = None,
) -> Schedule:
    """Create a schedule, or update its definition. ``enabled=None`` keeps the stored choice
    (an operator who disabled a schedule keeps it disabled across deployments)."""
    now = now or utcnow()
    tz = timezone or get_settings().timezone
    validate_cron(cron, tz)
    body = dict(payload or {})
    json.dumps(body)
    row = session.scalar(select(Schedule).where(Schedule.name == name))
    if row is None:
        row = Schedule(
            name=name,
            cron=cron.strip(),
            timezone=tz,
            kind=kind,
            queue=queue,
            payload=body,
            enabled=True if enabled is None else enabled,
            next_run_at=next_fire_time(cron, tz, now),
        )
        session.add(row)
        session.flush()
        return row
    if (row.cron, row.timezone) != (cron.strip(), tz):
        row.cron, row.timezone = cron.strip(), tz
        row.next_run_at = next_fire_time(cron, tz, now)
    row.kind, row.queue, row.payload = kind, queue, body
    if enabled is not None:
        _set_enabled(row, enabled, now)
    session.flush()
    return row


def sync_schedules(*, session: Session, now: datetime | None = None) -> None:
    """Copy the schedules declared in code (:func:`register_schedule`) into the table."""
    for spec in schedule_specs():
        row = session.scalar(select(Schedule).where(Schedule.name == spec.name))
        try:
            with session.begin_nested():
                upsert_schedule(
                    session=session,
                    name=spec.name,
                    cron=spec.cron,
                    kind=spec.kind,
                    payload=spec.payload,
                    queue=spec.queue,
                    enabled=spec.enabled if row is None else None,
                    now=now,
                )
        except IntegrityError:
            continue  # another worker inserted it at the same moment: theirs is as good


def get_schedule(*, session: Session, schedule_id: str) -> Schedule:
    row = session.get(Schedule, schedule_id)
    if row is None:
        raise NotFound("jobs.schedule_not_found")
    return row


def list_schedules(
    *, session: Session, offset: int = 0, limit: int = 20
) -> tuple[list[Schedule], int]:
    total = session.scalar(select(func.count()).select_from(Schedule)) or 0
    items = session.scalars(select(Schedule).order_by(Schedule.name).offset(offset).limit(limit))
    return list(items.all()), total


def _set_enabled(row: Schedule, enabled: bool, now: datetime) -> None:
    if enabled and not row.enabled:
        # Re-enabling resumes from now: the runs missed while disabled are not fired.
        row.next_run_at = next_fire_time(row.cron, row.timezone, now)
    row.enabled = enabled


def set_schedule_enabled(
    *,
    session: Session,
    schedule_id: str,
    enabled: bool,
    now: datetime | None = None,
    actor: Actor | None = None,
    request: AuditContext | None = None,
) -> Schedule:
    row = get_schedule(session=session, schedule_id=schedule_id)
    _set_enabled(row, enabled, now or utcnow())
    session.flush()
    action = "jobs.schedule.enable" if enabled else "jobs.schedule.disable"
    _audit(session, actor, request, action, "schedule", row.id, {"schedule": row.name})
    return row


def _audit(
    session: Session,
    actor: Actor | None,
    request: AuditContext | None,
    action: str,
    resource_type: str,
    resource_id: str,
    detail: dict[str, str],
) -> None:
    # Imported here: the audit slice schedules its checkpoints through this one.
    from healthnet.core.audit import service as audit

    audit.record(
        session=session,
        actor=actor,
        action=action,
        resource_type=resource_type,
        resource_id=resource_id,
        purpose="ADMIN",
        detail=detail,
        request=request,
        username=None if actor else "system",
    )


def schedule_job_key(name: str, due: datetime) -> str:
    """The idempotency key of the job a schedule fires at ``due``: one job per due time."""
    return f"schedule:{name}:{due.astimezone(UTC).isoformat()}"


def fire_schedule(
    *,
    session: Session,
    schedule_id: str,
    name: str,
    cron: str,
    timezone: str,
    due: datetime,
    now: datetime,
) -> Job | None:
    """Enqueue the run of a schedule due at ``due``, exactly once however many workers try.

    The schedule row is advanced with a compare-and-set on ``next_run_at`` (first statement of
    the transaction, so on SQLite it takes the write lock before reading anything); only the
    caller whose update matched enqueues, and the job's idempotency key would stop a repeat
    anyway. Runs missed while no worker was up collapse into this one (fire once, then resume
    from now).
    """
    nxt = next_fire_time(cron, timezone, max(now, due))
    result = session.execute(
        update(Schedule)
        .where(
            Schedule.id == schedule_id,
            Schedule.next_run_at == due,
            Schedule.enabled.is_(True),
            Schedule.cron == cron,
        )
        .values(next_run_at=nxt, last_run_at=due)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        return None
    row = session.get(Schedule, schedule_id)
    assert row is not None
    return enqueue(
        session=session,
        kind=row.kind,
        payload=row.payload,
        queue=row.queue,
        run_at=due,
        idempotency_key=schedule_job_key(name, due),
    )
