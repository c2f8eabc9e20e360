"""Fixtures of the jobs tests: worker tests need committed rows (the worker opens its own
transactions), so they clean the jobs tables afterwards; a clock tests can move forward."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, delete
from sqlalchemy.orm import Session

from healthnet.core.db import transaction
from healthnet.core.jobs import registry
from healthnet.core.jobs.models import Job, Schedule


class FakeClock:
    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime.now(UTC)
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self.now

    def advance(self, **delta: float) -> datetime:
        with self._lock:
            self.now += timedelta(**delta)
            return self.now


@pytest.fixture
def clock() -> FakeClock:
    # A little ahead of the wall clock, so jobs enqueued "now" by the test are already due.
    return FakeClock(datetime.now(UTC) + timedelta(seconds=1))


def _clean() -> None:
    with transaction() as s:
        s.execute(delete(Job))
        s.execute(delete(Schedule))


@pytest.fixture
def committed(engine: Engine) -> Iterator[None]:
    """For tests whose rows must be committed: the jobs tables are emptied before and after."""
    _clean()
    yield
    _clean()


@pytest.fixture
def handler() -> Iterator[Callable[..., str]]:
    """Register a throwaway job kind: ``kind = handler(func, max_attempts=..., lease=...)``."""
    kinds: list[str] = []

    def _register(func: Callable[[Session, dict[str, Any]], None], **kw: Any) -> str:
        kind = f"test.{uuid.uuid4().hex[:10]}"
        registry.job_handler(kind, **kw)(func)
        kinds.append(kind)
        return kind

    yield _register
    for kind in kinds:
        registry.unregister(kind)
