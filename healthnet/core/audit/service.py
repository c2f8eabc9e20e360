"""The audit trail's one write path, its checkpoints, search, archive and verification runs.

Other slices call :func:`record` inside their own transaction (the read of patient data and
its audit record commit together) or :func:`record_separately` for outcomes whose business
transaction is rolled back (failed logins, denials).

Concurrency: appending locks the one chain head (``SELECT ... FOR UPDATE`` on PostgreSQL; on
SQLite the database serialises writers) until the transaction ends, so two transactions can
never append the same position. To keep that city-wide critical section short,
:func:`record` only checks and prepares the record and queues it on the session; the queue is
appended when the session commits (a ``before_commit`` hook: lock the head, insert, move the
head, then straight on to COMMIT in the same thread), so the head is held for a few statements
and one commit, not for the rest of the request. Inside the transaction the queue is written
earlier only when something needs it: a statement through the session that names an audit
table (so the transaction reads its own records), an :class:`AuditRef`'s ``seq``/``hash``, or
:func:`write_pending`. A rolled-back transaction or savepoint drops what it queued — the
record and the work it audits still commit together or not at all.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Select,
    Table,
    TextClause,
    bindparam,
    delete,
    event,
    exists,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction
from sqlalchemy.sql.util import find_tables

from healthnet.core.audit import chain, export
from healthnet.core.audit import messages as _messages  # noqa: F401  (registers the catalogue)
from healthnet.core.audit.checkpoints import (
    SigningKeyInfo,
    checkpoint,
    list_checkpoints,
    rotate_signing_key,
    signing_keys,
)
from healthnet.core.audit.context import AuditContext, current_context
from healthnet.core.audit.export import ExportFile
from healthnet.core.audit.models import (
    GENESIS_HASH,
    HEAD_ID,
    AuditChainHead,
    AuditCheckpoint,
    AuditRecord,
    AuditRecordArchive,
    AuditVerification,
)
from healthnet.core.audit.verify import VerifyReport, verify
from healthnet.core.crypto import (
    CryptoError,
)
from healthnet.core.db import is_postgres, transaction, utcnow
from healthnet.core.errors import NotFound, RuleViolation, ServiceUnavailable
from healthnet.core.rbac.actor import Actor

log = logging.getLogger("healthnet.audit")

# HL7 v3 PurposeOfUse (v3-PurposeOfUse) codes where one fits; EMERGENCY is HL7's ETREAT/BTG,
# ADMIN its HSYSADMIN, AUDIT has no HL7 code.
PURPOSES = (
    "TREAT",
    "EMERGENCY",
    "COC",
    "PATRQT",
    "PUBHLTH",
    "HQUALIMP",
    "HOPERAT",
    "HRESCH",
    "ADMIN",
    "AUDIT",
)
OUTCOMES = ("success", "failure", "denied")
ACTION_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
DETAIL_MAX_BYTES = 2000
EXPORT_MAX_ROWS = 100_000

# detail must never carry personal data (SECURITY.md "no personal data in logs"): refuse the
# obvious keys and values that look like a resident ID number (GB 11643) or a mobile number.
_FORBIDDEN_DETAIL_KEYS = {
    "name",
    "fullname",
    "realname",
    "idnumber",
    "idno",
    "idcard",
    "identifier",
    "phone",
    "mobile",
    "telephone",
    "address",
    "password",
    "token",
    "secret",
    "birthdate",
}
# Standalone digit runs only (not inside hex ids): an 18- or 15-character resident ID number
# (GB 11643-1999) or an 11-digit mainland mobile number.
_PERSONAL_VALUE_RE = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15}|1[3-9]\d{9})(?![0-9A-Za-z])")
_LIMITS = {
    "actor_id": 32,
    "actor_username": 64,
    "actor_roles": 255,
    "institution_id": 32,
    "client_ip": 45,
    "user_agent": 255,
    "resource_type": 64,
    "resource_id": 64,
    "patient_id": 32,
    "request_id": 64,
}

_live: Table = AuditRecord.__table__  # type: ignore[assignment]
_archive: Table = AuditRecordArchive.__table__  # type: ignore[assignment]
_head: Table = AuditChainHead.__table__  # type: ignore[assignment]


class AuditRef:
    """Where a record lands in the chain: known once it is written (at commit, or when
    ``seq``/``hash`` is first read, which writes the session's queued records now)."""

    __slots__ = ("_hash", "_seq", "_session")

    def __init__(self, session: Session | None = None) -> None:
        self._session = session
        self._seq: int | None = None
        self._hash: str | None = None

    def _written(self, seq: int, digest: str) -> None:
        self._seq, self._hash, self._session = seq, digest, None

    def _resolve(self) -> tuple[int, str]:
        if self._seq is None and self._session is not None:
            write_pending(self._session)
        if self._seq is None or self._hash is None:
            raise RuntimeError("the audit record was not written (its transaction rolled back)")
        return self._seq, self._hash

    @property
    def seq(self) -> int:
        return self._resolve()[0]

    @property
    def hash(self) -> str:
        return self._resolve()[1]

    def __repr__(self) -> str:
        return f"AuditRef(seq={self._seq}, hash={self._hash})"


@dataclass
class _Pending:
    values: dict[str, Any]
    ref: AuditRef
    # The innermost transaction (savepoint) that queued it: its rollback drops the record.
    tx: SessionTransaction | None


_PENDING = "healthnet.audit.pending"
_WRITING = "healthnet.audit.writing"
_AUDIT_TABLE_NAMES = ("audit_record", "audit_record_archive", "audit_chain_head")


class _ChainHeadMissing(Exception):
    pass


# --------------------------------------------------------------------------- writing


def _clean(value: str | None, limit: int) -> str | None:
    if value is None:
        return None
    # PostgreSQL text cannot hold NUL; other control characters only hide things in exports.
    value = "".join(ch for ch in str(value) if ch >= " " or ch == "\t")
    return value[:limit]


def _check_detail_value(value: Any, depth: int = 0) -> None:
    if depth > 4:
        raise ValueError("audit detail is nested too deeply")
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError("audit detail keys must be text")
            if key.replace("_", "").replace("-", "").lower() in _FORBIDDEN_DETAIL_KEYS:
                raise ValueError(f"audit detail must not carry personal data ({key!r})")
            _check_detail_value(item, depth + 1)
    elif isinstance(value, list | tuple):
        for item in value:
            _check_detail_value(item, depth + 1)
    elif isinstance(value, str):
        if _PERSONAL_VALUE_RE.search(value):
            raise ValueError("audit detail must not carry ID or phone numbers")
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("audit detail numbers must be finite")
    elif value is not None and not isinstance(value, bool | int):
        raise ValueError(f"audit detail cannot hold {type(value).__name__}")


def canonical_detail(detail: Mapping[str, Any] | None) -> str | None:
    """The stored (and hashed) text of ``detail``: sorted keys, no spaces, at most 2000 bytes."""
    if not detail:
        return None
    _check_detail_value(detail)
    text = json.dumps(detail, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    if len(text.encode("utf-8")) > DETAIL_MAX_BYTES:
        raise ValueError("audit detail is too large (keep it small; no documents)")
    return text


def _role_codes(actor: Actor | None, roles: Sequence[str] | None) -> str | None:
    if roles is None and actor is not None:
        roles = actor.role_codes
    if not roles:
        return None
    return ",".join(str(r) for r in roles)


def _values(
    *,
    actor: Actor | None,
    username: str | None,
    roles: Sequence[str] | None,
    institution_id: str | None,
    action: str,
    resource_type: str,
    resource_id: str | None,
    patient_id: str | None,
    purpose: str,
    outcome: str,
    detail: Mapping[str, Any] | None,
    ctx: AuditContext,
) -> dict[str, Any]:
    # Wrong codes are programming errors: refuse them rather than write an unsearchable record.
    if not ACTION_RE.match(action) or len(action) > 64:
        raise ValueError(f"audit action {action!r} is not like 'patients.person.read'")
    if purpose not in PURPOSES:
        raise ValueError(f"audit purpose {purpose!r} is not one of {PURPOSES}")
    if outcome not in OUTCOMES:
        raise ValueError(f"audit outcome {outcome!r} is not one of {OUTCOMES}")
    raw = {
        "actor_id": actor.user_id if actor is not None else None,
        "actor_username": username
        if username is not None
        else (actor.username if actor is not None else None),
        "actor_roles": _role_codes(actor, roles),
        "institution_id": institution_id
        if institution_id is not None
        else (actor.institution_id if actor is not None else None),
        "client_ip": ctx.client_ip,
        "user_agent": ctx.user_agent,
        "resource_type": resource_type,
        "resource_id": resource_id,
        "patient_id": patient_id,
        "request_id": ctx.request_id,
    }
    values: dict[str, Any] = {k: _clean(v, _LIMITS[k]) for k, v in raw.items()}
    if not values["resource_type"]:
        raise ValueError("audit resource_type is required")
    values.update(action=action, purpose=purpose, outcome=outcome, detail=canonical_detail(detail))
    return values


# Built once (the values are bound per call): every audited request runs them.
_READ_HEAD = select(_head.c.last_seq, _head.c.last_hash).where(_head.c.id == HEAD_ID)
_READ_HEAD_FOR_UPDATE = _READ_HEAD.with_for_update()
_TOUCH_HEAD = update(_head).where(_head.c.id == HEAD_ID).values(last_seq=_head.c.last_seq)
_MOVE_HEAD = (
    update(_head)
    .where(_head.c.id == HEAD_ID)
    .values(last_seq=bindparam("seq"), last_hash=bindparam("hash"), updated_at=bindparam("at"))
)


def _lock_head(session: Session) -> tuple[int, str]:
    """Lock the chain head for this transaction and return (last seq, last hash)."""
    pg = is_postgres(session)
    if not pg:
        # SQLite: take the write lock *before* reading the head, so a concurrent writer makes
        # this one wait (busy timeout) instead of both reading the same head.
        session.execute(_TOUCH_HEAD)
    stmt = _READ_HEAD_FOR_UPDATE if pg else _READ_HEAD
    row = session.execute(stmt).one_or_none()
    if row is None:
        _create_head(session)
        # Either ours, or one another writer committed since (then records exist, too).
        row = session.execute(stmt).one_or_none()
        if row is None:
            raise _ChainHeadMissing
    return int(row[0]), str(row[1])


def _create_head(session: Session) -> None:
    has_records = session.scalar(select(exists().select_from(_live))) or session.scalar(
        select(exists().select_from(_archive))
    )
    if has_records:
        # Never start a second chain over existing records: if no concurrent first writer
        # committed the head meanwhile, it was removed behind the application's back.
        return
    values = {"id": HEAD_ID, "last_seq": 0, "last_hash": GENESIS_HASH, "updated_at": utcnow()}
    ins = postgresql.insert(_head) if is_postgres(session) else sqlite.insert(_head)
    session.execute(ins.values(**values).on_conflict_do_nothing(index_elements=["id"]))


def _append(session: Session, values: dict[str, Any]) -> tuple[int, str]:
    last_seq, last_hash = _lock_head(session)
    seq = last_seq + 1
    values["seq"] = seq
    # Taken under the lock, so time order follows chain order (archive relies on it).
    values["occurred_at"] = utcnow()
    digest = chain.record_hash(last_hash, [values[f] for f in chain.FIELDS])
    values.update(prev_hash=last_hash, hash=digest, mac=chain.record_mac(digest))
    session.execute(insert(_live), values)
    session.execute(_MOVE_HEAD, {"seq": seq, "hash": digest, "at": values["occurred_at"]})
    return seq, digest


def write_pending(session: Session) -> None:
    """Append the records queued on ``session`` now (in queue order), locking the chain head
    until the transaction ends. Commit does this by itself; call it only when the records must
    exist before the commit. Fails closed like :func:`record` (``ServiceUnavailable``)."""
    pending: list[_Pending] | None = session.info.get(_PENDING)
    if not pending or session.info.get(_WRITING):
        return
    session.info[_WRITING] = True
    try:
        while pending:
            item = pending.pop(0)
            try:
                item.ref._written(*_append(session, item.values))
            except _ChainHeadMissing:
                log.critical("audit chain head is missing while records exist; refusing to write")
                raise ServiceUnavailable("audit.unavailable") from None
            except (SQLAlchemyError, CryptoError) as exc:
                # The exception text may hold SQL parameters (personal data): type only.
                log.error("audit record could not be written (%s)", type(exc).__name__)
                raise ServiceUnavailable("audit.unavailable") from None
    finally:
        session.info[_WRITING] = False


def _names_audit_table(statement: Any) -> bool:
    if isinstance(statement, TextClause):
        text = statement.text.lower()
        return any(name in text for name in _AUDIT_TABLE_NAMES)
    return any(
        getattr(t, "name", None) in _AUDIT_TABLE_NAMES
        for t in find_tables(statement, include_crud=True, include_joins=True)
    )


@event.listens_for(Session, "do_orm_execute")
def _write_before_audit_reads(state: ORMExecuteState) -> None:
    # The transaction sees its own records: write the queue before a statement that names an
    # audit table (tests, search and checkpoints in the same transaction as a record()).
    session = state.session
    if (
        session.info.get(_PENDING)
        and not session.info.get(_WRITING)
        and _names_audit_table(state.statement)
    ):
        write_pending(session)


@event.listens_for(Session, "before_commit")
def _write_at_commit(session: Session) -> None:
    # Fired for savepoint releases, too: those leave the queue to the real commit.
    if not session.info.get(_PENDING) or session.in_nested_transaction():
        return
    session.flush()  # the business rows first, so the head lock is the last thing taken
    write_pending(session)


@event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    pending: list[_Pending] | None = session.info.get(_PENDING)
    if not pending:
        return
    kept = []
    for item in pending:
        tx = item.tx
        while tx is not None and tx is not previous_transaction:
            tx = tx.parent
        if tx is None:
            kept.append(item)
    pending[:] = kept


@event.listens_for(Session, "after_transaction_end")
def _forget_at_end(session: Session, transaction: SessionTransaction) -> None:
    # Committed: the queue is empty. Rolled back or closed without a commit: its records go.
    if transaction.parent is None and session.info.get(_PENDING):
        session.info[_PENDING] = []


def record(
    *,
    session: Session,
    actor: Actor | None,
    action: str,
    resource_type: str,
    resource_id: str | None = None,
    patient_id: str | None = None,
    purpose: str = "TREAT",
    outcome: str = "success",
    detail: Mapping[str, Any] | None = None,
    request: AuditContext | None = None,
    username: str | None = None,
    roles: Sequence[str] | None = None,
    institution_id: str | None = None,
) -> AuditRef:
    """Append one audit record in the caller's transaction (it commits with the caller's work).

    ``actor`` is None for attempts without an account (pass the attempted ``username``).
    ``detail`` is a small dict of codes and ids — never names, ID numbers, phones or addresses.
    ``request`` defaults to the bound :func:`~healthnet.core.audit.context.current_context`.
    Fails closed: if the record cannot be written, ``ServiceUnavailable`` (503) is raised — by
    the commit, which then does not happen (the record is written at commit: module docstring).
    """
    values = _values(
        actor=actor,
        username=username,
        roles=roles,
        institution_id=institution_id,
        action=action,
        resource_type=resource_type,
        resource_id=resource_id,
        patient_id=patient_id,
        purpose=purpose,
        outcome=outcome,
        detail=detail,
        ctx=request or current_context(),
    )
    ref = AuditRef(session)
    tx = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_PENDING, []).append(_Pending(values, ref, tx))
    return ref


def record_separately(
    *,
    actor: Actor | None,
    action: str,
    resource_type: str,
    resource_id: str | None = None,
    patient_id: str | None = None,
    purpose: str = "TREAT",
    outcome: str = "success",
    detail: Mapping[str, Any] | None = None,
    request: AuditContext | None = None,
    username: str | None = None,
    roles: Sequence[str] | None = None,
    institution_id: str | None = None,
) -> AuditRef:
    """:func:`record` in its own transaction, committed now — for failures and denials whose
    business transaction is rolled back. Call it after that transaction has ended: on SQLite a
    still-open writing transaction of the same process would make it wait for the lock."""
    try:
        with transaction() as session:
            return record(
                session=session,
                actor=actor,
                action=action,
                resource_type=resource_type,
                resource_id=resource_id,
                patient_id=patient_id,
                purpose=purpose,
                outcome=outcome,
                detail=detail,
                request=request,
                username=username,
                roles=roles,
                institution_id=institution_id,
            )
    except SQLAlchemyError as exc:  # the commit itself failed
        log.error("audit record could not be committed (%s)", type(exc).__name__)
        raise ServiceUnavailable("audit.unavailable") from None


# --------------------------------------------------------------------------- search and export


@dataclass(frozen=True)
class RecordFilter:
    actor_id: str | None = None
    actor_username: str | None = None
    patient_id: str | None = None
    action: str | None = None  # exact, or a prefix when it ends with "*"
    resource_type: str | None = None
    resource_id: str | None = None
    outcome: str | None = None
    purpose: str | None = None
    occurred_from: datetime | None = None
    occurred_to: datetime | None = None  # exclusive
    archived: bool = False

    def summary(self) -> dict[str, Any]:
        """The filters as audit detail (ids and codes only)."""
        out: dict[str, Any] = {}
        for key, value in self.__dict__.items():
            if value is None or value is False:
                continue
            head, *rest = key.split("_")
            out[head + "".join(p.title() for p in rest)] = (
                chain.format_time(value) if isinstance(value, datetime) else value
            )
        return out


def _where(table: Table, f: RecordFilter) -> list[ColumnElement[bool]]:
    c = table.c
    conds: list[ColumnElement[bool]] = []
    for name in (
        "actor_id",
        "actor_username",
        "patient_id",
        "resource_type",
        "resource_id",
        "outcome",
        "purpose",
    ):
        value = getattr(f, name)
        if value is not None:
            conds.append(c[name] == value)
    if f.action is not None:
        if f.action.endswith("*"):
            prefix = f.action[:-1].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            conds.append(c.action.like(prefix + "%", escape="\\"))
        else:
            conds.append(c.action == f.action)
    if f.occurred_from is not None:
        conds.append(c.occurred_at >= f.occurred_from)
    if f.occurred_to is not None:
        conds.append(c.occurred_at < f.occurred_to)
    return conds


def _select(f: RecordFilter) -> tuple[Table, Select[Any]]:
    table = _archive if f.archived else _live
    return table, select(table).where(*_where(table, f))


def search(
    *,
    session: Session,
    actor: Actor,
    filters: RecordFilter,
    offset: int = 0,
    limit: int = 20,
    request: AuditContext | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """Records matching ``filters``, newest first; the search itself is audited (audit.search)."""
    table, stmt = _select(filters)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.execute(stmt.order_by(table.c.seq.desc()).offset(offset).limit(limit))
    items = [dict(r) for r in rows.mappings()]
    record(
        session=session,
        actor=actor,
        action="audit.search",
        resource_type="audit_record",
        purpose="AUDIT",
        detail={**filters.summary(), "results": int(total)},
        request=request,
    )
    return items, int(total)


def get_record(
    *, session: Session, actor: Actor, seq: int, request: AuditContext | None = None
) -> dict[str, Any]:
    row = None
    for table in (_live, _archive):
        row = session.execute(select(table).where(table.c.seq == seq)).mappings().first()
        if row is not None:
            break
    if row is None:
        raise NotFound("audit.record_not_found")
    record(
        session=session,
        actor=actor,
        action="audit.record.read",
        resource_type="audit_record",
        resource_id=str(seq),
        purpose="AUDIT",
        request=request,
    )
    return dict(row)


def export_file(
    *,
    session: Session,
    actor: Actor,
    filters: RecordFilter,
    file_format: str,
    request: AuditContext | None = None,
) -> ExportFile:
    """Matching records oldest first as CSV or Excel; at most 100,000 rows; audited."""
    table, stmt = _select(filters)
    count = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    if count > EXPORT_MAX_ROWS:
        raise RuleViolation("audit.export_too_large", count=count, limit=EXPORT_MAX_ROWS)
    rows = session.execute(stmt.order_by(table.c.seq)).mappings()
    result = export.render((dict(r) for r in rows), file_format, utcnow())
    record(
        session=session,
        actor=actor,
        action="audit.export",
        resource_type="audit_record",
        purpose="AUDIT",
        detail={**filters.summary(), "format": file_format, "results": int(count)},
        request=request,
    )
    return result


# --------------------------------------------------------------------------- archive


def archive(*, session: Session, before: datetime, limit: int = 50_000) -> tuple[int, int]:
    """Move the oldest live records that occurred before ``before`` into the archive.

    Moves one contiguous range (at most ``limit`` rows) so the archive stays a prefix of the
    chain and the live table its suffix; nothing is deleted from the chain. Returns
    ``(moved, up_to_seq)``; call again with the same ``before`` (not later than the time of
    the first call: each call audits itself) until ``moved`` is 0. Needs DELETE on ``audit_record``,
    which the application's PostgreSQL role does not have: run it as the owner role.
    """
    up_to = session.scalar(select(func.max(_live.c.seq)).where(_live.c.occurred_at < before))
    if up_to is None:
        return 0, 0
    first = session.scalar(select(func.min(_live.c.seq)))
    assert first is not None
    up_to = min(int(up_to), int(first) + limit - 1)
    cols = [c.name for c in _live.columns]
    session.execute(
        insert(_archive).from_select(
            cols, select(*[_live.c[n] for n in cols]).where(_live.c.seq <= up_to)
        )
    )
    result = session.execute(delete(_live).where(_live.c.seq <= up_to))
    moved = int(getattr(result, "rowcount", 0) or 0)
    record(
        session=session,
        actor=None,
        username="system",
        action="audit.archive",
        resource_type="audit_record",
        purpose="ADMIN",
        detail={"upToSeq": up_to, "moved": int(moved)},
    )
    return int(moved), up_to


# --------------------------------------------------------------------------- verification


def save_verification(
    *, session: Session, report: VerifyReport, triggered_by: str
) -> AuditVerification:
    row = AuditVerification(
        started_at=report.started_at,
        finished_at=report.finished_at,
        ok=report.ok,
        records_checked=report.records,
        archived_records=report.archived,
        checkpoints_checked=report.checkpoints,
        last_seq=report.last_seq,
        problems=[p.as_dict() for p in report.problems],
        triggered_by=triggered_by[:64],
        duration_ms=int(report.seconds * 1000),
    )
    session.add(row)
    session.flush()
    return row


def run_verification(
    *,
    session: Session,
    actor: Actor,
    request: AuditContext | None = None,
    bind: Engine | Connection | None = None,
) -> AuditVerification:
    """Verify the whole chain now (its own read snapshot), keep the result, audit the run."""
    report = verify(bind=bind)
    row = save_verification(session=session, report=report, triggered_by=actor.username)
    record(
        session=session,
        actor=actor,
        action="audit.chain.verify",
        resource_type="audit_chain",
        purpose="AUDIT",
        outcome="success" if report.ok else "failure",
        detail={
            "records": report.records,
            "problems": len(report.problems),
            "firstBadSeq": report.first_bad_seq,
        },
        request=request,
    )
    return row


def latest_verification(*, session: Session) -> AuditVerification | None:
    return session.scalar(
        select(AuditVerification).order_by(AuditVerification.started_at.desc()).limit(1)
    )


def chain_status(*, session: Session) -> dict[str, Any]:
    """Head, record counts and the last checkpoint: what the verification page shows."""
    head = session.execute(select(_head.c.last_seq, _head.c.last_hash)).one_or_none()
    last_cp = session.scalar(
        select(AuditCheckpoint)
        .order_by(AuditCheckpoint.seq.desc(), AuditCheckpoint.signed_at.desc())
        .limit(1)
    )
    return {
        "last_seq": int(head[0]) if head else 0,
        "last_hash": str(head[1]) if head else GENESIS_HASH,
        "live_records": int(session.scalar(select(func.count()).select_from(_live)) or 0),
        "archived_records": int(session.scalar(select(func.count()).select_from(_archive)) or 0),
        "last_checkpoint_seq": last_cp.seq if last_cp else None,
        "last_checkpoint_at": last_cp.signed_at if last_cp else None,
    }


__all__ = [
    "OUTCOMES",
    "PURPOSES",
    "AuditContext",
    "AuditRef",
    "RecordFilter",
    "SigningKeyInfo",
    "archive",
    "chain_status",
    "checkpoint",
    "export_file",
    "get_record",
    "latest_verification",
    "list_checkpoints",
    "record",
    "record_separately",
    "rotate_signing_key",
    "run_verification",
    "search",
    "signing_keys",
    "verify",
    "write_pending",
]
