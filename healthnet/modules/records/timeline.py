"""The resident's record from all hospitals as one timeline, lab trends and documents.

Every function takes an :class:`~healthnet.modules.records.access.AccessGrant` from the accessor
(never a bare person id), withholds what the resident hid, and writes one audit record per call.

Paging is keyset (``(time, id)`` newest first), so page 500 costs what page 1 costs: each kind
is read with its ``(person_id, time)`` index, at most ``limit + 1`` keys, all kinds in one
``UNION ALL`` statement, and merged in memory; then the rows on the page are read, one query per
kind that has rows there. The children of the encounters on a page are found the same way (one
``UNION ALL`` of keys, then the rows of the kinds present: no N+1).
Grouping: with ``encounter`` among the kinds, rows that belong to an encounter appear inside it
and only rows without an encounter stand alone; without it every row stands alone.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, String, bindparam, literal, or_, select, union_all
from sqlalchemy.orm import Session

from healthnet.core.audit.context import AuditContext
from healthnet.core.errors import NotFound, ValidationFailed
from healthnet.core.i18n import t
from healthnet.core.localtime import local_datetime
from healthnet.core.orgs.models import Institution
from healthnet.modules.records.access import AccessGrant, record_view
from healthnet.modules.records.models import (
    Diagnosis,
    Document,
    Encounter,
    ExamReport,
    Immunization,
    LabResult,
    MedicationOrder,
)
from healthnet.modules.records.retrieval.schemas import (
    AccessInfo,
    DiagnosisDetail,
    DocumentRead,
    DocumentSummary,
    EncounterDetail,
    ExamDetail,
    ImmunizationDetail,
    LabDetail,
    LabTrend,
    MedicationDetail,
    PersonHeader,
    TimelineEntry,
    TimelinePage,
    TrendPoint,
)

MAX_PAGE = 100
DEFAULT_PAGE = 20
MAX_CHILDREN_PER_KIND = 2000  # per page: a long inpatient stay can have hundreds of results
MAX_TREND_POINTS = 500


@dataclass(frozen=True)
class _Kind:
    name: str
    model: Any
    at: Any  # the time column

    @property
    def id(self) -> Any:
        return self.model.id


KINDS: dict[str, _Kind] = {
    "encounter": _Kind("encounter", Encounter, Encounter.start_at),
    "diagnosis": _Kind("diagnosis", Diagnosis, Diagnosis.recorded_at),
    "medication": _Kind("medication", MedicationOrder, MedicationOrder.ordered_at),
    "lab": _Kind("lab", LabResult, LabResult.collected_at),
    "exam": _Kind("exam", ExamReport, ExamReport.performed_at),
    "document": _Kind("document", Document, Document.authored_at),
    "immunization": _Kind("immunization", Immunization, Immunization.occurred_at),
}
ALL_KINDS = tuple(KINDS)


@dataclass(frozen=True)
class TimelineQuery:
    date_from: date | None = None
    date_to: date | None = None  # inclusive (a local calendar day)
    institution_id: str | None = None
    kinds: tuple[str, ...] = ALL_KINDS
    cursor: str | None = None
    limit: int = DEFAULT_PAGE


def parse_kinds(value: str | None) -> tuple[str, ...]:
    if not value:
        return ALL_KINDS
    kinds = tuple(dict.fromkeys(k.strip() for k in value.split(",") if k.strip()))
    if not kinds or any(k not in KINDS for k in kinds):
        raise ValidationFailed.field("kinds", "records.kinds_unknown")
    return kinds


# ---------------------------------------------------------------- cursor and time range


def encode_cursor(at: datetime, row_id: str) -> str:
    raw = f"{at.astimezone(UTC).isoformat()}|{row_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at_text, row_id = raw.split("|", 1)
        at = datetime.fromisoformat(at_text)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise ValidationFailed.field("cursor", "records.cursor_invalid") from None
    if at.tzinfo is None or not row_id or len(row_id) > 32:
        raise ValidationFailed.field("cursor", "records.cursor_invalid")
    return at, row_id


def _day_start(day: date) -> datetime:
    return local_datetime(day)


def _check_range(date_from: date | None, date_to: date | None) -> None:
    if date_from is not None and date_to is not None and date_from > date_to:
        raise ValidationFailed.field("from", "records.range_invalid")


def _range(kind: _Kind, date_from: date | None, date_to: date | None) -> list[ColumnElement[bool]]:
    _check_range(date_from, date_to)
    conds: list[ColumnElement[bool]] = []
    if date_from is not None:
        conds.append(kind.at >= _day_start(date_from))
    if date_to is not None:
        conds.append(kind.at < _day_start(date_to + timedelta(days=1)))
    return conds


# ---------------------------------------------------------------- presenting rows


def _num(value: Any) -> float | None:
    return None if value is None else float(value)


def _lab_value(row: LabResult) -> float | None:
    """The numeric result; a sender that gave only the text "6.1" still gets a point."""
    if row.value_numeric is not None:
        return float(row.value_numeric)
    try:
        return float((row.value or "").strip())
    except ValueError:
        return None


def _detail(kind: str, row: Any) -> dict[str, Any]:
    if kind == "encounter":
        return {"encounter": EncounterDetail.model_validate(row)}
    if kind == "diagnosis":
        return {"diagnosis": DiagnosisDetail.model_validate(row)}
    if kind == "medication":
        return {
            "medication": MedicationDetail(
                drug_code=row.drug_code,
                generic_name=row.generic_name,
                atc_code=row.atc_code,
                dose=_num(row.dose),
                dose_unit=row.dose_unit,
                route=row.route,
                frequency=row.frequency,
                days_supply=row.days_supply,
                status=row.status,
            )
        }
    if kind == "lab":
        return {
            "lab": LabDetail(
                item_code=row.item_code,
                item_name=row.item_name,
                value=row.value,
                value_numeric=_num(row.value_numeric),
                unit=row.unit,
                reference_range=row.reference_range,
                abnormal_flag=row.abnormal_flag,
                specimen=row.specimen,
                reported_at=row.reported_at,
            )
        }
    if kind == "exam":
        return {"exam": ExamDetail.model_validate(row)}
    if kind == "document":
        return {"document": DocumentSummary.model_validate(row)}
    return {"immunization": ImmunizationDetail.model_validate(row)}


class _Counter:
    def __init__(self) -> None:
        self.shown = 0
        self.withheld = 0
        self.revealed = 0


def _entry(
    grant: AccessGrant, kind: _Kind, row: Any, names: dict[str, str], counts: _Counter
) -> TimelineEntry:
    at = getattr(row, kind.at.key)
    common: dict[str, Any] = {
        "kind": kind.name,
        "at": at,
        "institution_id": row.institution_id,
        "institution_name": names.get(row.institution_id),
    }
    if grant.withheld(institution_id=row.institution_id, sensitivity=row.sensitivity):
        counts.withheld += 1
        return TimelineEntry(
            id=None, withheld=True, withheld_message=t("records.withheld"), **common
        )
    counts.shown += 1
    revealed = grant.revealed(institution_id=row.institution_id, sensitivity=row.sensitivity)
    counts.revealed += int(revealed)
    return TimelineEntry(
        id=row.id,
        encounter_id=None if kind.name == "encounter" else row.encounter_id,
        revealed=revealed,
        **common,
        **_detail(kind.name, row),
    )


def institution_names(session: Session, ids: Iterable[str | None]) -> dict[str, str]:
    wanted = sorted({i for i in ids if i})
    if not wanted:
        return {}
    rows = session.execute(
        select(Institution.id, Institution.name).where(Institution.id.in_(wanted))
    )
    return {str(i): str(n) for i, n in rows}


def access_info(grant: AccessGrant, *, revealed: int = 0) -> AccessInfo:
    bg = grant.break_glass
    return AccessInfo(
        ground=grant.ground,
        purpose=grant.purpose,
        break_glass=bg is not None,
        break_glass_id=bg.id if bg is not None else None,
        expires_at=bg.expires_at if bg is not None else None,
        hidden_revealed=revealed > 0,
    )


def person_header(grant: AccessGrant) -> PersonHeader:
    p = grant.person
    return PersonHeader(
        id=p.id, master_id=p.master_id, name=p.name, sex_code=p.sex_code, birth_date=p.birth_date
    )


# ---------------------------------------------------------------- timeline


@dataclass(frozen=True)
class _Key:
    kind: str
    id: str
    at: datetime


# The statements below are built once per shape (kinds and which filters are set) with bound
# parameters and reused: building and hashing a seven-way UNION on every request cost more
# CPU than running it. The SQL sent is the same as if built per request.


def _key_select(kind: _Kind, conds: Sequence[ColumnElement[bool]]) -> Any:
    sub = (
        select(
            literal(kind.name, String()).label("kind"),
            kind.id.label("id"),
            kind.at.label("at"),
        )
        .where(*conds)
        .order_by(kind.at.desc(), kind.id.desc())
        .limit(bindparam("limit"))
        .subquery()
    )
    return select(sub.c.kind, sub.c.id, sub.c.at)


def _union(parts: list[Any]) -> Any:
    return parts[0] if len(parts) == 1 else union_all(*parts)


@lru_cache(maxsize=512)
def _top_keys_stmt(
    kinds: tuple[str, ...],
    date_from: bool,
    date_to: bool,
    institution: bool,
    grouped: bool,
    cursor: bool,
) -> Any:
    """The newest keys of each kind, newest first, for one page (parameters: ``person_id``,
    ``date_from``, ``date_to`` (exclusive), ``institution_id``, ``cursor_at``, ``cursor_id``,
    ``limit``)."""
    parts = []
    for name in kinds:
        kind = KINDS[name]
        m = kind.model
        conds: list[ColumnElement[bool]] = [m.person_id == bindparam("person_id")]
        if date_from:
            conds.append(kind.at >= bindparam("date_from"))
        if date_to:
            conds.append(kind.at < bindparam("date_to"))
        if institution:
            conds.append(m.institution_id == bindparam("institution_id"))
        if grouped and name != "encounter":
            conds.append(m.encounter_id.is_(None))
        if cursor:
            # The first term is a plain range on the (person_id, time) index; the second
            # breaks ties.
            at: Any = bindparam("cursor_at")
            row_id: Any = bindparam("cursor_id")
            conds += [kind.at <= at, or_(kind.at < at, kind.id < row_id)]
        parts.append(_key_select(kind, conds))
    return _union(parts)


@lru_cache(maxsize=64)
def _child_keys_stmt(kinds: tuple[str, ...]) -> Any:
    """The keys of the rows of ``kinds`` belonging to the encounters ``encounter_ids``."""
    return _union(
        [
            _key_select(
                KINDS[name],
                [
                    KINDS[name].model.person_id == bindparam("person_id"),
                    KINDS[name].model.encounter_id.in_(bindparam("encounter_ids", expanding=True)),
                ],
            )
            for name in kinds
        ]
    )


@lru_cache(maxsize=16)
def _rows_stmt(name: str) -> Any:
    kind = KINDS[name]
    m = kind.model
    return select(m).where(
        m.person_id == bindparam("person_id"),
        m.id.in_(bindparam("ids", expanding=True)),
        kind.at >= bindparam("first"),
        kind.at <= bindparam("last"),
    )


def _keys(session: Session, stmt: Any, params: dict[str, Any]) -> list[_Key]:
    return [_Key(str(k), str(i), at) for k, i, at in session.execute(stmt, params)]


def _rows(session: Session, grant: AccessGrant, keys: Sequence[_Key]) -> dict[tuple[str, str], Any]:
    """The rows behind ``keys``: one query per kind present (its time range prunes partitions)."""
    by_kind: dict[str, list[_Key]] = {}
    for key in keys:
        by_kind.setdefault(key.kind, []).append(key)
    found: dict[tuple[str, str], Any] = {}
    for name, ks in by_kind.items():
        rows = session.scalars(
            _rows_stmt(name),
            {
                "person_id": grant.person_id,
                "ids": [k.id for k in ks],
                "first": min(k.at for k in ks),
                "last": max(k.at for k in ks),
            },
        ).all()
        found.update(((name, r.id), r) for r in rows)
    return found


def _newest_first(keys: list[_Key]) -> list[_Key]:
    return sorted(keys, key=lambda k: (k.at, k.id), reverse=True)


def _top_level_keys(
    session: Session, grant: AccessGrant, q: TimelineQuery, grouped: bool, limit: int
) -> list[_Key]:
    _check_range(q.date_from, q.date_to)
    params: dict[str, Any] = {"person_id": grant.person_id, "limit": limit}
    if q.date_from is not None:
        params["date_from"] = _day_start(q.date_from)
    if q.date_to is not None:
        params["date_to"] = _day_start(q.date_to + timedelta(days=1))
    if q.institution_id:
        params["institution_id"] = q.institution_id
    if q.cursor:
        params["cursor_at"], params["cursor_id"] = decode_cursor(q.cursor)
    stmt = _top_keys_stmt(
        q.kinds,
        q.date_from is not None,
        q.date_to is not None,
        bool(q.institution_id),
        grouped,
        bool(q.cursor),
    )
    return _newest_first(_keys(session, stmt, params))


def _children(
    session: Session, grant: AccessGrant, kinds: Iterable[str], encounter_ids: list[str]
) -> list[tuple[_Kind, Any]]:
    child_kinds = tuple(name for name in kinds if name != "encounter")
    if not encounter_ids or not child_kinds:
        return []
    keys = _keys(
        session,
        _child_keys_stmt(child_kinds),
        {
            "person_id": grant.person_id,
            "encounter_ids": encounter_ids,
            "limit": MAX_CHILDREN_PER_KIND,
        },
    )
    rows = _rows(session, grant, keys)
    found: list[tuple[_Kind, Any]] = []
    for name in child_kinds:  # kind by kind, newest first within each (as the page shows them)
        found += [
            (KINDS[name], rows[(key.kind, key.id)])
            for key in _newest_first([k for k in keys if k.kind == name])
            if (key.kind, key.id) in rows
        ]
    return found


def timeline(
    *,
    session: Session,
    grant: AccessGrant,
    query: TimelineQuery,
    request: AuditContext | None = None,
) -> TimelinePage:
    """One page of the resident's timeline, newest first (audited as one view)."""
    limit = max(1, min(query.limit, MAX_PAGE))
    grouped = "encounter" in query.kinds
    merged = _top_level_keys(session, grant, query, grouped, limit + 1)
    page_keys, more = merged[:limit], len(merged) > limit
    page_rows = _rows(session, grant, page_keys)
    page: list[tuple[_Kind, Any]] = [
        (KINDS[k.kind], page_rows[(k.kind, k.id)]) for k in page_keys if (k.kind, k.id) in page_rows
    ]

    visible_encounters = [
        r.id
        for k, r in page
        if k.name == "encounter"
        and not grant.withheld(institution_id=r.institution_id, sensitivity=r.sensitivity)
    ]
    children = _children(session, grant, query.kinds, visible_encounters) if grouped else []
    names = institution_names(
        session, [r.institution_id for _, r in page] + [r.institution_id for _, r in children]
    )
    counts = _Counter()
    by_encounter: dict[str, list[TimelineEntry]] = {}
    for kind, row in children:
        by_encounter.setdefault(row.encounter_id, []).append(
            _entry(grant, kind, row, names, counts)
        )
    items: list[TimelineEntry] = []
    for kind, row in page:
        entry = _entry(grant, kind, row, names, counts)
        if kind.name == "encounter" and not entry.withheld:
            entry.children = sorted(by_encounter.get(row.id, []), key=lambda e: e.at)
        items.append(entry)

    next_cursor = None
    if more and page:
        last_kind, last = page[-1]
        next_cursor = encode_cursor(getattr(last, last_kind.at.key), last.id)
    record_view(
        session=session,
        grant=grant,
        view="timeline",
        detail={
            "kinds": ",".join(query.kinds),
            "institutionId": query.institution_id,
            "page": "next" if query.cursor else "first",
            "shown": counts.shown,
            "withheld": counts.withheld,
            "revealedHidden": counts.revealed,
        },
        request=request,
    )
    return TimelinePage(
        person=None if query.cursor else person_header(grant),
        access=access_info(grant, revealed=counts.revealed),
        items=items,
        next_cursor=next_cursor,
    )


# ---------------------------------------------------------------- lab trend


def lab_trend(
    *,
    session: Session,
    grant: AccessGrant,
    item_code: str,
    date_from: date | None = None,
    date_to: date | None = None,
    request: AuditContext | None = None,
) -> LabTrend:
    """The results of one lab item over time (oldest first, the latest 500), for a chart.
    Withheld results are counted, not plotted."""
    kind = KINDS["lab"]
    rows = session.scalars(
        select(LabResult)
        .where(
            LabResult.person_id == grant.person_id,
            LabResult.item_code == item_code,
            *_range(kind, date_from, date_to),
        )
        .order_by(LabResult.collected_at.desc(), LabResult.id.desc())
        .limit(MAX_TREND_POINTS)
    ).all()
    names = institution_names(session, [r.institution_id for r in rows])
    points: list[TrendPoint] = []
    withheld = revealed = 0
    for r in reversed(rows):
        if grant.withheld(institution_id=r.institution_id, sensitivity=r.sensitivity):
            withheld += 1
            continue
        shown_revealed = grant.revealed(institution_id=r.institution_id, sensitivity=r.sensitivity)
        revealed += int(shown_revealed)
        points.append(
            TrendPoint(
                id=r.id,
                at=r.collected_at,
                value=_lab_value(r),
                value_text=r.value,
                unit=r.unit,
                reference_low=_num(r.reference_low),
                reference_high=_num(r.reference_high),
                abnormal_flag=r.abnormal_flag,
                institution_id=r.institution_id,
                institution_name=names.get(r.institution_id),
                revealed=shown_revealed,
            )
        )
    latest = points[-1] if points else None
    record_view(
        session=session,
        grant=grant,
        view="lab_trend",
        detail={
            "itemCode": item_code[:64],
            "shown": len(points),
            "withheld": withheld,
            "revealedHidden": revealed,
        },
        request=request,
    )
    item_name = next((r.item_name for r in rows if r.id == latest.id), None) if latest else None
    return LabTrend(
        item_code=item_code,
        item_name=item_name,
        unit=latest.unit if latest else None,
        points=points,
        withheld=withheld,
        access=access_info(grant, revealed=revealed),
    )


# ---------------------------------------------------------------- documents


def document(
    *,
    session: Session,
    grant: AccessGrant,
    document_id: str,
    request: AuditContext | None = None,
) -> DocumentRead:
    """One document of this resident with its content, or its withheld placeholder."""
    row = session.scalar(
        select(Document).where(Document.id == document_id, Document.person_id == grant.person_id)
    )
    if row is None:
        raise NotFound("records.document_not_found")
    names = institution_names(session, [row.institution_id])
    common: dict[str, Any] = {
        "at": row.authored_at,
        "institution_id": row.institution_id,
        "institution_name": names.get(row.institution_id),
        "encounter_id": row.encounter_id,
    }
    withheld = grant.withheld(institution_id=row.institution_id, sensitivity=row.sensitivity)
    revealed = grant.revealed(institution_id=row.institution_id, sensitivity=row.sensitivity)
    record_view(
        session=session,
        grant=grant,
        view="document",
        resource_id=row.id,
        detail={"withheld": int(withheld), "revealedHidden": int(revealed)},
        request=request,
    )
    if withheld:
        return DocumentRead(
            id=None,
            withheld=True,
            withheld_message=t("records.withheld"),
            access=access_info(grant),
            **common,
        )
    return DocumentRead(
        id=row.id,
        revealed=revealed,
        type_code=row.type_code,
        type_name=row.type_name,
        title=row.title,
        content_type=row.content_type,
        content=row.content,
        access=access_info(grant, revealed=int(revealed)),
        **common,
    )
