"""FHIR search over the record: the parameters each type supports, date prefixes, paging.

Supported (and listed in the CapabilityStatement): ``_id``; ``patient`` (``subject`` too);
``date`` with the prefixes eq/ne/gt/ge/lt/le at year, month, day or instant precision (dates
without a time zone are Shanghai time), repeatable; ``code`` as ``code`` or ``system|code``
(MedicationRequest: the drug code, or the ATC / ingredient code by its system);
``encounter``; Encounter ``class``; Patient ``identifier``; ``_count`` (1–200, default 20);
``_sort`` = ``date`` or ``-date`` (default ``-date``); ``_offset`` (the paging links carry it).
Other parameters starting with ``_`` are ignored; any other unknown parameter is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, and_, func, not_, or_, select
from sqlalchemy.orm import Session

from healthnet.core.localtime import local_zone
from healthnet.modules.records.fhir import systems
from healthnet.modules.records.fhir.outcome import FhirError, issue
from healthnet.modules.records.models import (
    Diagnosis,
    Document,
    Encounter,
    ExamReport,
    Immunization,
    LabResult,
    MedicationOrder,
)

DEFAULT_COUNT = 20
MAX_COUNT = 200

MODEL_OF_TYPE: dict[str, Any] = {
    "Encounter": Encounter,
    "Condition": Diagnosis,
    "MedicationRequest": MedicationOrder,
    "Observation": LabResult,
    "DiagnosticReport": ExamReport,
    "DocumentReference": Document,
    "Immunization": Immunization,
}
DATE_COLUMN = {
    "Encounter": "start_at",
    "Condition": "recorded_at",
    "MedicationRequest": "ordered_at",
    "Observation": "collected_at",
    "DiagnosticReport": "performed_at",
    "DocumentReference": "authored_at",
    "Immunization": "occurred_at",
}
CODE_COLUMN = {
    "Condition": "icd10_code",
    "MedicationRequest": "drug_code",
    "Observation": "item_code",
    "DiagnosticReport": "item_code",
    "DocumentReference": "type_code",
    "Immunization": "vaccine_code",
}
# Search parameters per type (besides the common _id/_count/_sort/_offset/_format).
PARAMS: dict[str, tuple[str, ...]] = {
    "Patient": ("identifier",),
    "Encounter": ("patient", "subject", "date", "class"),
    "Condition": ("patient", "subject", "date", "code", "encounter"),
    "MedicationRequest": ("patient", "subject", "date", "code", "encounter"),
    "Observation": ("patient", "subject", "date", "code", "encounter"),
    "DiagnosticReport": ("patient", "subject", "date", "code", "encounter"),
    "DocumentReference": ("patient", "subject", "date", "type", "encounter"),
    "Immunization": ("patient", "date", "vaccine-code"),
}
COMMON = ("_id", "_count", "_sort", "_offset", "_format", "_total")
_PREFIX = re.compile(r"^(eq|ne|gt|ge|lt|le|sa|eb|ap)?(.+)$")


def bad(param: str) -> FhirError:
    return FhirError(400, [issue("invalid", "records.fhir.search_param", param, param=param)])


def date_range(value: str, param: str = "date") -> tuple[datetime, datetime]:
    """[start, end) of a FHIR date at its precision."""
    v = value.strip()
    try:
        if re.fullmatch(r"\d{4}", v):
            start = datetime(int(v), 1, 1, tzinfo=local_zone())
            end = datetime(int(v) + 1, 1, 1, tzinfo=local_zone())
        elif re.fullmatch(r"\d{4}-\d{2}", v):
            y, m = int(v[:4]), int(v[5:7])
            start = datetime(y, m, 1, tzinfo=local_zone())
            end = datetime(y + (m == 12), m % 12 + 1, 1, tzinfo=local_zone())
        elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
            start = datetime.combine(date.fromisoformat(v), time(), local_zone())
            end = start + timedelta(days=1)
        else:
            dt = datetime.fromisoformat(v.replace("Z", "+00:00"))
            start = dt if dt.tzinfo else dt.replace(tzinfo=local_zone())
            end = start + timedelta(seconds=1)
    except ValueError:
        raise bad(f"{param}={value}") from None
    return start.astimezone(UTC), end.astimezone(UTC)


def date_clause(column: Any, raw: str) -> Any:
    m = _PREFIX.match(raw)
    assert m is not None
    prefix, value = m.group(1) or "eq", m.group(2)
    if prefix in ("sa", "eb", "ap"):
        raise bad(f"date={raw}")
    start, end = date_range(value)
    return {
        "eq": and_(column >= start, column < end),
        "ne": not_(and_(column >= start, column < end)),
        "gt": column >= end,
        "ge": column >= start,
        "lt": column < start,
        "le": column < end,
    }[prefix]


def ref_id(value: str, rtype: str) -> str:
    """``Patient/abc`` or ``abc`` (or an absolute URL ending so) → ``abc``."""
    parts = value.rstrip("/").split("/")
    if len(parts) >= 2 and parts[-2] != rtype:
        raise bad(f"{rtype.lower()}={value}")
    return parts[-1]


@dataclass
class Query:
    rtype: str
    count: int
    offset: int
    descending: bool
    stmt: Select[Any]
    person_ids: list[str] | None


def count_of(params: dict[str, list[str]]) -> int:
    """Page size; 0 asks for the total only (FHIR R4 §3.1.1.5.7)."""
    raw = (params.get("_count") or [str(DEFAULT_COUNT)])[-1]
    if not raw.isdigit():
        raise bad(f"_count={raw}")
    return min(int(raw), MAX_COUNT)


def offset_of(params: dict[str, list[str]]) -> int:
    raw = (params.get("_offset") or ["0"])[-1]
    if not raw.isdigit():
        raise bad(f"_offset={raw}")
    return int(raw)


def check_params(rtype: str, params: dict[str, list[str]]) -> None:
    """Unknown search parameters are refused (a misspelt filter must not widen a result);
    unknown result parameters (``_elements``, ``_totalMethod`` ...) are ignored, as FHIR's
    lenient handling allows."""
    allowed = set(PARAMS[rtype]) | set(COMMON)
    for name in params:
        if name not in allowed and not name.startswith("_"):
            raise bad(name)


def build(session: Session, rtype: str, params: dict[str, list[str]], person_ids_of: Any) -> Query:
    """The statement for a search of a clinical type (not Patient)."""
    check_params(rtype, params)
    model = MODEL_OF_TYPE[rtype]
    date_col = getattr(model, DATE_COLUMN[rtype])
    stmt = select(model)
    person_ids: list[str] | None = None
    for name in ("patient", "subject"):
        for value in params.get(name, []):
            pid = ref_id(value, "Patient")
            person_ids = person_ids_of(session, pid)
            stmt = stmt.where(model.person_id.in_(person_ids))
    for value in params.get("_id", []):
        stmt = stmt.where(model.id.in_(value.split(",")))
    for raw in params.get("date", []):
        stmt = stmt.where(date_clause(date_col, raw))
    for name in ("code", "type", "vaccine-code"):
        for raw in params.get(name, []):
            stmt = stmt.where(or_(*[_code_clause(rtype, model, v) for v in raw.split(",")]))
    for raw in params.get("class", []):
        wanted = [systems.ENCOUNTER_CLASSES.get(v.split("|")[-1].upper()) for v in raw.split(",")]
        stmt = stmt.where(model.class_code.in_([w for w in wanted if w]))
    for raw in params.get("encounter", []):
        stmt = stmt.where(model.encounter_id == ref_id(raw, "Encounter"))
    sort = (params.get("_sort") or ["-date"])[-1]
    if sort not in ("date", "-date"):
        raise bad(f"_sort={sort}")
    descending = sort == "-date"
    order = (date_col.desc(), model.id.desc()) if descending else (date_col.asc(), model.id.asc())
    return Query(
        rtype, count_of(params), offset_of(params), descending, stmt.order_by(*order), person_ids
    )


def _code_clause(rtype: str, model: Any, raw: str) -> Any:
    system, sep, code = raw.rpartition("|")
    if not sep:
        system, code = "", raw
    if rtype == "MedicationRequest":
        if system == systems.ATC:
            return model.atc_code == code
        if system == systems.INGREDIENT:
            return model.ingredient_code == code
        if not system:
            return or_(
                model.drug_code == code, model.atc_code == code, model.ingredient_code == code
            )
    return getattr(model, CODE_COLUMN[rtype]) == code


def total_of(session: Session, stmt: Select[Any]) -> int:
    sub = stmt.order_by(None).subquery()
    return int(session.scalar(select(func.count()).select_from(sub)) or 0)


def page_links(
    base_url: str, params: dict[str, list[str]], offset: int, count: int, total: int
) -> list[dict[str, str]]:
    """self/first/previous/next/last, each a full URL with ``_offset`` and ``_count``."""
    from urllib.parse import urlencode

    def url(at: int) -> str:
        pairs = [(k, v) for k, vs in params.items() if k not in ("_offset", "_count") for v in vs]
        pairs += [("_count", str(count)), ("_offset", str(at))]
        return f"{base_url}?{urlencode(pairs)}"

    if count == 0:
        return [{"relation": "self", "url": url(offset)}]
    last = max(0, (total - 1) // count * count) if total else 0
    links = [{"relation": "self", "url": url(offset)}, {"relation": "first", "url": url(0)}]
    if offset > 0:
        links.append({"relation": "previous", "url": url(max(0, offset - count))})
    if offset + count < total:
        links.append({"relation": "next", "url": url(offset + count)})
    links.append({"relation": "last", "url": url(last)})
    return links
