from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from healthnet.core.jobs.models import JobStatus
from healthnet.core.schemas import ApiModel, InputModel, PageQuery


class JobQuery(PageQuery):
    status: JobStatus | None = None
    kind: str | None = Field(None, max_length=100)


class JobRead(ApiModel):
    id: str
    kind: str
    queue: str
    status: JobStatus
    attempts: int
    max_attempts: int
    run_at: datetime
    locked_by: str | None
    lease_expires_at: datetime | None
    last_error: str | None
    idempotency_key: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class JobDetail(JobRead):
    payload: dict[str, Any]


class ScheduleRead(ApiModel):
    id: str
    name: str
    cron: str
    timezone: str
    kind: str
    queue: str
    payload: dict[str, Any]
    enabled: bool
    next_run_at: datetime
    last_run_at: datetime | None


class ScheduleUpdate(InputModel):
    enabled: bool
