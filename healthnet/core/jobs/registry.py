"""Which code runs a job kind, and the periodic schedules declared in code.

Slices declare handlers in their ``jobs.py`` at import time::

    @job_handler("notify.send_sms", max_attempts=8)
    def send_sms(session: Session, payload: dict[str, Any]) -> None: ...

A handler runs inside its own transaction (the worker commits it together with marking the
job succeeded), so its database changes happen exactly once. Calls to systems outside the
database may repeat after a crash: send ``current_job().idempotency_key`` with them.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

Handler = Callable[[Session, dict[str, Any]], None]

DEFAULT_MAX_ATTEMPTS = 5
DEFAULT_LEASE = timedelta(minutes=5)


@dataclass(frozen=True)
class HandlerSpec:
    kind: str
    func: Handler
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    # How long a worker may hold the job before others assume it died; longer than the
    # slowest expected run, since a run past its lease may be repeated by another worker.
    lease: timedelta = DEFAULT_LEASE


@dataclass(frozen=True)
class ScheduleSpec:
    name: str
    cron: str
    kind: str
    payload: dict[str, Any] = field(default_factory=dict)
    queue: str = "default"
    enabled: bool = True


_HANDLERS: dict[str, HandlerSpec] = {}
_SCHEDULES: dict[str, ScheduleSpec] = {}


def job_handler(
    kind: str, *, max_attempts: int = DEFAULT_MAX_ATTEMPTS, lease: timedelta = DEFAULT_LEASE
) -> Callable[[Handler], Handler]:
    """Register ``func`` as the code that runs jobs of ``kind``."""
    if not kind or len(kind) > 100:
        raise ValueError("job kind must be 1..100 characters")
    if max_attempts < 1:
        raise ValueError("max_attempts must be at least 1")

    def register(func: Handler) -> Handler:
        existing = _HANDLERS.get(kind)
        if existing is not None and existing.func is not func:
            raise ValueError(f"job kind {kind!r} already has a handler")
        _HANDLERS[kind] = HandlerSpec(kind, func, max_attempts, lease)
        return func

    return register


def unregister(kind: str) -> None:
    """Forget a handler (tests register throwaway kinds)."""
    _HANDLERS.pop(kind, None)


def get_handler(kind: str) -> HandlerSpec | None:
    return _HANDLERS.get(kind)


def handler_kinds() -> list[str]:
    return sorted(_HANDLERS)


def register_schedule(
    name: str,
    cron: str,
    kind: str,
    payload: dict[str, Any] | None = None,
    *,
    queue: str = "default",
    enabled: bool = True,
) -> None:
    """Declare a periodic job in code; workers copy it into ``jobs_schedule`` at start.

    The table keeps the operator's enabled/disabled choice across restarts.
    """
    _SCHEDULES[name] = ScheduleSpec(name, cron, kind, dict(payload or {}), queue, enabled)


def schedule_specs() -> list[ScheduleSpec]:
    return list(_SCHEDULES.values())


def discover(packages: Iterable[str]) -> None:
    """Import ``<package>.jobs`` of every slice and module that has one (registers handlers)."""
    for package in packages:
        name = f"{package}.jobs"
        if importlib.util.find_spec(package) is None:
            continue
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name)


class JobError(Exception):
    """A failure whose message is safe to keep and show (it must hold no personal data).

    Other exceptions are recorded by type and code location only, since their messages may
    carry personal data or SQL parameters.
    """


@dataclass(frozen=True)
class JobContext:
    job_id: str
    kind: str
    attempt: int
    max_attempts: int

    @property
    def idempotency_key(self) -> str:
        """Stable across retries of this job: receivers use it to drop repeats."""
        return f"healthnet-job-{self.job_id}"


_current: ContextVar[JobContext | None] = ContextVar("healthnet_current_job", default=None)


def current_job() -> JobContext:
    """The job the calling handler is running (only valid inside a handler)."""
    ctx = _current.get()
    if ctx is None:
        raise RuntimeError("current_job() called outside a job handler")
    return ctx
