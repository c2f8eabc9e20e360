"""The login log: every attempt, success or failure, with who, where from, what and why."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from healthnet.core.auth.accounts import mask_login_name
from healthnet.core.auth.models import LoginLog
from healthnet.core.db import utcnow

# result values
SUCCESS = "success"  # a session was opened
NEXT_STEP = "next_step"  # this factor passed; another step follows
FAILURE = "failure"
LOCKED = "locked"
RATE_LIMITED = "rate_limited"


def write(
    *,
    session: Session,
    username: str,
    step: str,
    result: str,
    reason: str | None = None,
    user_id: str | None = None,
    client_ip: str | None = None,
    user_agent: str | None = None,
    now: datetime | None = None,
) -> LoginLog:
    row = LoginLog(
        occurred_at=now or utcnow(),
        user_id=user_id,
        username=mask_login_name(username),
        client_ip=(client_ip or None) and client_ip[:45],
        user_agent=(user_agent or None) and "".join(c for c in user_agent if c >= " ")[:255],
        step=step,
        result=result,
        reason=reason,
    )
    session.add(row)
    session.flush()
    return row


def query(
    *,
    user_id: str | None = None,
    user_ids: Select[Any] | None = None,
    client_ip: str | None = None,
    result: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Select[Any]:
    stmt = select(LoginLog)
    if user_id:
        stmt = stmt.where(LoginLog.user_id == user_id)
    if user_ids is not None:
        stmt = stmt.where(LoginLog.user_id.in_(user_ids))
    if client_ip:
        stmt = stmt.where(LoginLog.client_ip == client_ip)
    if result:
        stmt = stmt.where(LoginLog.result == result)
    if since:
        stmt = stmt.where(LoginLog.occurred_at >= since)
    if until:
        stmt = stmt.where(LoginLog.occurred_at < until)
    return stmt


def page(
    *, session: Session, stmt: Select[Any], offset: int, limit: int
) -> tuple[list[LoginLog], int]:
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    ordered = stmt.order_by(LoginLog.occurred_at.desc(), LoginLog.id)
    rows: list[LoginLog] = list(session.scalars(ordered.offset(offset).limit(limit)))
    return rows, int(total)
