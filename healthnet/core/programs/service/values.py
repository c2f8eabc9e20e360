"""Checking and normalising captured values against a program version's data elements.

Values are stored as JSON keyed by element code: text, numbers, ``"YYYY-MM-DD"`` dates,
booleans, option codes (a list for multi-option), canonical ICD-10 codes, institution ids and
``[longitude, latitude]``. Every problem names the field as ``values.<code>``.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from healthnet.core.codes import service as codes
from healthnet.core.errors import FieldError, NotFound, ValidationFailed
from healthnet.core.i18n import t
from healthnet.core.localtime import local_today
from healthnet.core.orgs import service as orgs
from healthnet.core.programs.definition import DataElement
from healthnet.core.programs.service._base import Compiled

_MAX_MAGNITUDE = 2**53  # beyond that JSON numbers lose precision anyway


def _err(code: str, message_key: str, **params: Any) -> FieldError:
    return FieldError(f"values.{code}", message_key, t(message_key, **params))


def _fmt(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else str(v)


def check_value(
    session: Session, compiled: Compiled, el: DataElement, value: Any
) -> tuple[Any, FieldError | None]:
    """``(normalised value, None)`` or ``(None, error)`` for one non-empty value."""
    name = el.name
    vt = el.value_type
    if vt in ("text", "long_text"):
        if not isinstance(value, str):
            return None, _err(el.code, "programs.value_text", name=name)
        value = value.strip()
        limit = el.max_length or (255 if vt == "text" else 5000)
        if len(value) > limit:
            return None, _err(el.code, "programs.value_too_long", name=name, max=limit)
        return value, None
    if vt in ("integer", "number"):
        if isinstance(value, bool):
            return None, _err(el.code, f"programs.value_{vt}", name=name)
        if isinstance(value, str):
            try:
                value = float(value.strip()) if vt == "number" else int(value.strip())
            except ValueError:
                return None, _err(el.code, f"programs.value_{vt}", name=name)
        if vt == "integer":
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            if not isinstance(value, int):
                return None, _err(el.code, "programs.value_integer", name=name)
        elif not isinstance(value, int | float) or not math.isfinite(value):
            return None, _err(el.code, "programs.value_number", name=name)
        if abs(value) > _MAX_MAGNITUDE:
            return None, _err(el.code, f"programs.value_{vt}", name=name)
        unit = el.unit or ""
        if el.min is not None and value < el.min:
            return None, _err(
                el.code, "programs.value_below_min", name=name, min=_fmt(el.min), unit=unit
            )
        if el.max is not None and value > el.max:
            return None, _err(
                el.code, "programs.value_above_max", name=name, max=_fmt(el.max), unit=unit
            )
        if vt == "number" and el.decimals is not None:
            value = round(float(value), el.decimals)
        return value, None
    if vt == "date":
        if isinstance(value, date):
            d = value
        else:
            try:
                d = date.fromisoformat(str(value).strip())
            except ValueError:
                return None, _err(el.code, "programs.value_date", name=name)
            if len(str(value).strip()) != 10:
                return None, _err(el.code, "programs.value_date", name=name)
        if not el.allow_future and d > local_today():
            return None, _err(el.code, "programs.value_future_date", name=name)
        return d.isoformat(), None
    if vt == "boolean":
        if not isinstance(value, bool):
            return None, _err(el.code, "programs.value_boolean", name=name)
        return value, None
    if vt == "option":
        opts = compiled.options.get(el.option_set or "", {})
        if not isinstance(value, str) or value not in opts:
            return None, _err(
                el.code,
                "programs.value_option",
                name=name,
                value=str(value)[:40],
                option_set=el.option_set,
            )
        return value, None
    if vt == "multi_option":
        opts = compiled.options.get(el.option_set or "", {})
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return None, _err(el.code, "programs.value_options", name=name)
        for v in value:
            if v not in opts:
                return None, _err(
                    el.code,
                    "programs.value_option",
                    name=name,
                    value=v[:40],
                    option_set=el.option_set,
                )
        return sorted(set(value), key=list(opts).index), None
    if vt == "icd10":
        if not isinstance(value, str) or not value.strip():
            return None, _err(el.code, "programs.value_icd", name=name)
        try:
            concept = codes.validate_code(
                session=session, system="icd10", code=value, field=f"values.{el.code}"
            )
        except ValidationFailed as e:
            return None, e.errors[0]
        except NotFound:  # the ICD-10 edition is not loaded at all
            return None, _err(el.code, "programs.value_icd", name=name)
        code = concept.code
        if el.code_prefixes and not any(
            code.upper().startswith(p.upper()) for p in el.code_prefixes
        ):
            return None, _err(
                el.code,
                "programs.value_icd_prefix",
                name=name,
                value=code,
                prefixes="、".join(el.code_prefixes),
            )
        return code, None
    if vt == "organisation":
        if not isinstance(value, str):
            return None, _err(el.code, "programs.value_organisation", name=name)
        try:
            orgs.get_institution(session=session, institution_id=value)
        except NotFound:
            return None, _err(el.code, "programs.value_organisation", name=name)
        return value, None
    if vt == "coordinate":
        ok = (
            isinstance(value, list)
            and len(value) == 2
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
            and -180 <= value[0] <= 180
            and -90 <= value[1] <= 90
        )
        if not ok:
            return None, _err(el.code, "programs.value_coordinate", name=name)
        return [float(value[0]), float(value[1])], None
    return None, _err(el.code, "programs.value_text", name=name)  # pragma: no cover


def empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def check_values(
    session: Session, compiled: Compiled, form: str, values: dict[str, Any]
) -> tuple[dict[str, Any], list[FieldError]]:
    """Normalised values of ``form`` and the problems (unknown codes, wrong types, ranges).
    Empty values are dropped; "required" is checked after the rules ran."""
    elements = {e.code: e for e in compiled.form(form)}
    out: dict[str, Any] = {}
    errors: list[FieldError] = []
    for code, value in values.items():
        el = elements.get(code)
        if el is None:
            errors.append(
                _err(str(code)[:64], "programs.value_unknown_element", element=str(code)[:64])
            )
            continue
        if empty(value) or el.computed:  # computed: the rules fill it in (rules.run)
            continue
        norm, problem = check_value(session, compiled, el, value)
        if problem is not None:
            errors.append(problem)
        else:
            out[code] = norm
    return out, errors
