"""The job table (a transactional outbox) and the cron-like schedule table."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from healthnet.core.db import Base, IdMixin, TimestampMixin, utcnow


class JobStatus(StrEnum):
    PENDING = "pending"  # waiting for run_at
    RUNNING = "running"  # claimed by locked_by until lease_expires_at
    RETRYING = "retrying"  # failed, will run again at run_at (back-off)
    SUCCEEDED = "succeeded"
    DEAD = "dead"  # dead letter: out of attempts, kept with its error until re-queued


# Statuses a worker may claim once run_at has come.
CLAIMABLE = (JobStatus.PENDING.value, JobStatus.RETRYING.value)


class Job(Base, IdMixin, TimestampMixin):
    """One unit of background work, inserted in the producer's own transaction.

    The payload carries identifiers, never personal data: it is shown to operators.
    """

    __tablename__ = "jobs_job"
    __table_args__ = (
        # The claim query: claimable statuses whose run_at has come, oldest first.
        Index("ix_jobs_job_status_run_at", "status", "run_at"),
    )

    kind: Mapped[str] = mapped_column(String(100), index=True)
    queue: Mapped[str] = mapped_column(String(50), default="default")
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(20), default=JobStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=5)
    run_at: Mapped[datetime] = mapped_column(default=utcnow)
    locked_by: Mapped[str | None] = mapped_column(String(200), default=None)
    lease_expires_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True, default=None)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)


class Schedule(Base, IdMixin, TimestampMixin):
    """A periodic job: at each due time of ``cron`` one job of ``kind`` is enqueued."""

    __tablename__ = "jobs_schedule"

    name: Mapped[str] = mapped_column(String(100), unique=True)
    cron: Mapped[str] = mapped_column(String(100))
    # Cron fields are read in this zone (operators think in Shanghai time); times stored UTC.
    timezone: Mapped[str] = mapped_column(String(50), default="Asia/Shanghai")
    kind: Mapped[str] = mapped_column(String(100))
    queue: Mapped[str] = mapped_column(String(50), default="default")
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    next_run_at: Mapped[datetime] = mapped_column()
    last_run_at: Mapped[datetime | None] = mapped_column(default=None)
