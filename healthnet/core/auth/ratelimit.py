"""Counters against guessing, kept in the database so every app process shares them.

* :func:`hit` — a sliding-window rate limit (the previous fixed window weighted by how much of it
  still overlaps, plus the current one), e.g. login attempts per client IP.
* :func:`register_failure` / :func:`locked_until` / :func:`clear` — consecutive login failures
  per account; N failures lock the key for M minutes (MLPS 2.0 8.1.4.1 b 登录失败处理).

Rows are created with an insert that ignores conflicts and then read under a row lock
(``FOR UPDATE`` on PostgreSQL; SQLite serialises writers with ``BEGIN IMMEDIATE``), so two
processes counting at the same moment cannot lose an increment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Table, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from healthnet.config import get_settings
from healthnet.core.auth.models import LoginLock, RateLimitBucket
from healthnet.core.crypto import blind_index
from healthnet.core.db import utcnow

_buckets: Table = RateLimitBucket.__table__  # type: ignore[assignment]
_locks: Table = LoginLock.__table__  # type: ignore[assignment]
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _insert_missing(session: Session, table: Table, values: dict[str, Any]) -> None:
    dialect = session.get_bind().dialect.name
    key = [c.name for c in table.primary_key.columns]
    if dialect == "postgresql":
        session.execute(
            postgresql.insert(table).values(**values).on_conflict_do_nothing(index_elements=key)
        )
    elif dialect == "sqlite":
        session.execute(
            sqlite.insert(table).values(**values).on_conflict_do_nothing(index_elements=key)
        )
    else:  # other dialects: a savepoint absorbs the duplicate
        try:
            with session.begin_nested():
                session.execute(table.insert().values(**values))
        except IntegrityError:
            pass


def _locked_row(session: Session, table: Table, key: str) -> Any:
    stmt = select(table).where(table.c.key == key)
    if session.get_bind().dialect.name != "sqlite":
        stmt = stmt.with_for_update()
    return session.execute(stmt).mappings().one()


# --------------------------------------------------------------------------- rate limit


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    estimate: float


def hit(
    *, session: Session, key: str, limit: int, window: timedelta, now: datetime | None = None
) -> RateDecision:
    """Count one event for ``key``; refused (and not counted) once the sliding-window estimate
    would exceed ``limit``."""
    now = now or utcnow()
    seconds = max(int(window.total_seconds()), 1)
    start = _EPOCH + timedelta(seconds=(int((now - _EPOCH).total_seconds()) // seconds) * seconds)
    _insert_missing(
        session, _buckets, {"key": key, "window_start": start, "count": 0, "prev_count": 0}
    )
    row = _locked_row(session, _buckets, key)
    stored = row["window_start"]
    stored = stored.replace(tzinfo=UTC) if stored.tzinfo is None else stored
    count, prev = int(row["count"]), int(row["prev_count"])
    if stored != start:
        prev = count if stored == start - timedelta(seconds=seconds) else 0
        count = 0
    overlap = 1 - (now - start).total_seconds() / seconds
    estimate = prev * overlap + count + 1
    allowed = estimate <= limit
    if allowed:
        count += 1
    session.execute(
        _buckets.update()
        .where(_buckets.c.key == key)
        .values(window_start=start, count=count, prev_count=prev)
    )
    return RateDecision(allowed, estimate)


def login_ip_hit(
    *, session: Session, client_ip: str | None, now: datetime | None = None
) -> RateDecision:
    settings = get_settings()
    return hit(
        session=session,
        key=f"login:ip:{client_ip or '-'}",
        limit=settings.login_ip_limit,
        window=timedelta(seconds=settings.login_ip_window_seconds),
        now=now,
    )


# --------------------------------------------------------------------------- lockout


def user_key(user_id: str) -> str:
    return f"u:{user_id}"


def name_key(login_name: str) -> str:
    """Key for a typed name that matches no account: HMAC, so the table holds no names."""
    return "n:" + blind_index(login_name.strip().lower(), purpose="auth.login.name")


def locked_until(*, session: Session, key: str, now: datetime | None = None) -> datetime | None:
    until: datetime | None = session.scalar(
        select(_locks.c.locked_until).where(_locks.c.key == key)
    )
    if until is None:
        return None
    until = until.replace(tzinfo=UTC) if until.tzinfo is None else until
    return until if until > (now or utcnow()) else None


def register_failure(*, session: Session, key: str, now: datetime | None = None) -> datetime | None:
    """Count one failure; returns the lock's end if the key is (now) locked."""
    now = now or utcnow()
    settings = get_settings()
    _insert_missing(
        session, _locks, {"key": key, "failures": 0, "locked_until": None, "updated_at": now}
    )
    row = _locked_row(session, _locks, key)
    failures = int(row["failures"])
    until: datetime | None = row["locked_until"]
    if until is not None:
        until = until.replace(tzinfo=UTC) if until.tzinfo is None else until
        if until > now:
            return until  # already locked: attempts while locked do not extend the lock
        failures, until = 0, None  # the lock ran out: count afresh
    failures += 1
    if failures >= settings.login_max_failures:
        until = now + timedelta(minutes=settings.login_lockout_minutes)
    session.execute(
        _locks.update()
        .where(_locks.c.key == key)
        .values(failures=failures, locked_until=until, updated_at=now)
    )
    return until


def clear(*, session: Session, key: str) -> None:
    session.execute(delete(_locks).where(_locks.c.key == key))
