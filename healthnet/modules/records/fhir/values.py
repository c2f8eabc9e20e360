"""Reading FHIR data types: dateTimes, codings, decimals, business identifiers."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from healthnet.core.localtime import local_zone


def parse_datetime(value: str) -> datetime | None:
    """FHIR date/dateTime/instant → aware datetime; a date alone is local midnight (Shanghai)."""
    v = value.strip()
    try:
        if re.fullmatch(r"\d{4}", v):
            return datetime(int(v), 1, 1, tzinfo=local_zone()).astimezone(UTC)
        if re.fullmatch(r"\d{4}-\d{2}", v):
            return datetime(int(v[:4]), int(v[5:7]), 1, tzinfo=local_zone()).astimezone(UTC)
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
            return datetime.combine(date.fromisoformat(v), time(), local_zone()).astimezone(UTC)
        dt = datetime.fromisoformat(v.replace("Z", "+00:00"))
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=local_zone())
    return dt.astimezone(UTC)


def first_coding(concept: Any) -> dict[str, Any] | None:
    if not isinstance(concept, dict):
        return None
    codings = concept.get("coding") or []
    return codings[0] if codings else None


def concept_code(concept: Any) -> tuple[str | None, str | None, str | None]:
    """(system, code, display-or-text) of a CodeableConcept's first coding."""
    c = first_coding(concept)
    text = concept.get("text") if isinstance(concept, dict) else None
    if c is None:
        return None, None, text
    return c.get("system"), c.get("code"), c.get("display") or text


def decimal_of(value: Any) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def business_id(r: dict[str, Any]) -> str | None:
    """resource.identifier[0] as ``system|value`` (or the value alone), else ``id``."""
    for ident in r.get("identifier") or []:
        value = ident.get("value")
        if value:
            system = ident.get("system")
            return f"{system}|{value}"[:128] if system else str(value)[:128]
    rid = r.get("id")
    return str(rid)[:128] if rid else None
