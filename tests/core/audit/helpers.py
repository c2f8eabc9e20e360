"""Helpers shared by the audit tests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, select, text
from sqlalchemy.orm import Session

from healthnet.core.audit import chain, service
from healthnet.core.audit.context import AuditContext
from healthnet.core.audit.grants import AUDIT_TABLES
from healthnet.core.audit.models import AuditRecord
from healthnet.core.audit.verify import VerifyReport, verify
from healthnet.core.rbac.actor import Actor

DOCTOR = Actor(
    "u-doctor-1",
    "doctor1",
    "inst-1",
    "310101",
    frozenset({"patients:person:read"}),
    role_codes=("doctor",),
)
CTX = AuditContext(client_ip="10.1.2.3", user_agent="Mozilla/5.0 test", request_id="req-1")


def wipe(engine: Engine) -> None:
    with engine.begin() as conn:
        for table in AUDIT_TABLES:
            conn.execute(text(f"DELETE FROM {table}"))


def write(session: Session, n: int, now: bool = True, **kw: Any) -> list[service.AuditRef]:
    """``n`` records; written at once (``now``) or, as in a request, queued for the commit."""
    refs = []
    for i in range(n):
        args: dict[str, Any] = {
            "actor": DOCTOR,
            "action": "patients.person.read",
            "resource_type": "patient",
            "resource_id": f"p{i}",
            "patient_id": f"p{i}",
            "request": CTX,
            "detail": {"fields": ["name", "birthDate"], "i": i},
        }
        args.update(kw)
        refs.append(service.record(session=session, **args))
    if now:
        service.write_pending(session)
    return refs


def check(session_or_conn: Session | Connection, **kw: Any) -> VerifyReport:
    if isinstance(session_or_conn, Session):
        service.write_pending(session_or_conn)
    conn = (
        session_or_conn.connection() if isinstance(session_or_conn, Session) else (session_or_conn)
    )
    return verify(bind=conn, **kw)


def read_row(conn: Connection, seq: int) -> dict[str, Any]:
    """The row at ``seq`` as an attacker with database access reads it."""
    table = AuditRecord.__table__
    return dict(conn.execute(select(table).where(table.c.seq == seq)).mappings().one())


def rehash(values: dict[str, Any]) -> str:
    """What an attacker who knows the (public) algorithm computes for a row."""
    return chain.record_hash(values["prev_hash"], [values[f] for f in chain.FIELDS])
