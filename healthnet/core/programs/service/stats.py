"""Reading program indicators (issue #6 "Statistics"): the definitions, values by district or
institution for one period, a trend over periods, an Excel export, and queuing a refresh.

Reads are indexed look-ups in ``programs_indicator_value`` (filled by
:mod:`healthnet.core.programs.indicators`), never scans of enrolments or events. The caller's
data scope limits the rows: a district user sums only their district's institutions, an
institution user sees their institution. Values are aggregates, but reading them is audited
like the neighbouring searches (no patient in the record).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from healthnet.core.audit import service as audit
from healthnet.core.audit.context import AuditContext
from healthnet.core.errors import Forbidden, ValidationFailed
from healthnet.core.jobs import service as jobs
from healthnet.core.localtime import local_today
from healthnet.core.programs import indicators
from healthnet.core.programs.definition import Indicator
from healthnet.core.programs.models import IndicatorRun, IndicatorValue, Program
from healthnet.core.programs.schemas import (
    IndicatorListRead,
    IndicatorPoint,
    IndicatorRead,
    IndicatorTrendQuery,
    IndicatorTrendRead,
    IndicatorValueRow,
    IndicatorValuesQuery,
    IndicatorValuesRead,
    RefreshQueued,
)
from healthnet.core.programs.service._base import (
    RESTRICTED,
    RESTRICTED_PERMISSION,
    current,
    get_program,
)
from healthnet.core.rbac.actor import Actor
from healthnet.core.rbac.scope import apply_scope

MAX_TREND_POINTS = 120
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _refreshed_at(session: Session, program: Program) -> datetime | None:
    run = session.get(IndicatorRun, program.id)
    return run.refreshed_at if run else None


def _indicator_map(session: Session, program: Program) -> dict[str, Indicator]:
    return {i.code: i for i in current(session, program).spec.indicators}


def value_of(numerator: int, denominator: int | None, ind: Indicator) -> float | None:
    """numerator / denominator × factor rounded half up to the indicator's decimals; None when
    the denominator is 0; the numerator itself for an indicator without a denominator."""
    if denominator is None:
        return float(numerator)
    if denominator == 0:
        return None
    raw = Decimal(numerator) * Decimal(str(ind.factor)) / Decimal(denominator)
    return float(raw.quantize(Decimal(1).scaleb(-ind.decimals), rounding=ROUND_HALF_UP))


def _readable(session: Session, actor: Actor, program_code: str) -> Program:
    """The program, if ``actor`` may see its statistics: counts of a restricted program (severe
    mental disorders) per institution are as sensitive as its list, so they need the same
    clearance (SECURITY.md security labels)."""
    program = get_program(session, program_code)
    if current(session, program).spec.sensitivity == RESTRICTED and not actor.can(
        RESTRICTED_PERMISSION
    ):
        raise Forbidden("programs.restricted_program", program=program.name)
    return program


def list_indicators(*, session: Session, actor: Actor, program_code: str) -> IndicatorListRead:
    program = _readable(session, actor, program_code)
    return IndicatorListRead(
        indicators=[
            IndicatorRead(
                code=i.code,
                name=i.name,
                description=i.description,
                factor=i.factor,
                decimals=i.decimals,
                has_denominator=i.denominator is not None,
            )
            for i in _indicator_map(session, program).values()
        ],
        refreshed_at=_refreshed_at(session, program),
    )


def _period(field: str, period_type: str, key: str | None) -> str:
    if key is None:
        return indicators.period_key(period_type, local_today())
    try:
        return indicators.normalise_period(period_type, key)
    except ValueError:
        raise ValidationFailed.field(
            field, f"programs.indicator_period_{period_type}", value=key[:16]
        ) from None


def _check_indicator(ind_map: dict[str, Indicator], code: str | None) -> None:
    if code is not None and code not in ind_map:
        raise ValidationFailed.field("indicator", "programs.indicator_unknown", indicator=code)


def _scoped(stmt: Any, actor: Actor) -> Any:
    return apply_scope(
        stmt,
        actor,
        institution_column=IndicatorValue.org_unit_id,
        district_column=IndicatorValue.district_code,
    )


def _narrowed(stmt: Any, query: IndicatorValuesQuery | IndicatorTrendQuery) -> Any:
    """``stmt`` limited to the district / institution the query names (within the scope)."""
    if query.district:
        stmt = stmt.where(IndicatorValue.district_code == query.district)
    if query.institution:
        stmt = stmt.where(IndicatorValue.org_unit_id == query.institution)
    return stmt


def _names(session: Session, org_ids: set[str]) -> tuple[dict[str, str], dict[str, str]]:
    """Institution names by id and district names by code."""
    from healthnet.core.orgs import service as orgs
    from healthnet.core.orgs.models import Institution

    districts = {d.code: d.name for d in orgs.list_districts(session=session)}
    names: dict[str, str] = {}
    ids = sorted(org_ids)
    for i in range(0, len(ids), 500):
        stmt = select(Institution.id, Institution.name).where(Institution.id.in_(ids[i : i + 500]))
        names.update({k: n for k, n in session.execute(stmt)})
    return names, districts


def _audit(
    session: Session,
    actor: Actor,
    action: str,
    program: Program,
    request: AuditContext | None,
    detail: dict[str, Any],
) -> None:
    audit.record(
        session=session,
        actor=actor,
        action=action,
        resource_type="programs.indicator",
        resource_id=program.code,
        purpose="PUBHLTH",
        detail={"program": program.code, **detail},
        request=request,
    )


def _values(
    session: Session, actor: Actor, program: Program, query: IndicatorValuesQuery
) -> IndicatorValuesRead:
    ind_map = _indicator_map(session, program)
    _check_indicator(ind_map, query.indicator)
    period = _period("period", query.period_type, query.period)
    # (row key, its district): the district twice when grouping by district
    if query.group_by == "district":
        cols: tuple[Any, ...] = (IndicatorValue.district_code.label("k"),)
        group: tuple[Any, ...] = (IndicatorValue.district_code,)
    else:
        cols = (IndicatorValue.org_unit_id.label("k"),)
        group = (IndicatorValue.org_unit_id, IndicatorValue.district_code)
    stmt = (
        select(
            *cols,
            IndicatorValue.district_code,
            IndicatorValue.indicator,
            func.sum(IndicatorValue.numerator),
            func.sum(IndicatorValue.denominator),
        )
        .where(
            IndicatorValue.program_id == program.id,
            IndicatorValue.period_type == query.period_type,
            IndicatorValue.period == period,
        )
        .group_by(*group, IndicatorValue.indicator)
    )
    if query.indicator:
        stmt = stmt.where(IndicatorValue.indicator == query.indicator)
    result = session.execute(_scoped(_narrowed(stmt, query), actor)).all()
    org_ids = {r[0] for r in result} if query.group_by == "institution" else set()
    inst_names, district_names = _names(session, org_ids)
    order = {code: i for i, code in enumerate(ind_map)}
    rows: list[IndicatorValueRow] = []
    for r in result:
        key, district, code, num, den = r
        name = (district_names if query.group_by == "district" else inst_names).get(key, key)
        ind = ind_map.get(code)
        if ind is None:  # an indicator removed from the program since the last refresh
            continue
        numerator = int(num or 0)
        denominator = None if ind.denominator is None else int(den or 0)
        rows.append(
            IndicatorValueRow(
                org_key=key,
                org_name=name,
                district_code=district,
                district_name=district_names.get(district, district),
                indicator=code,
                numerator=numerator,
                denominator=denominator,
                value=value_of(numerator, denominator, ind),
            )
        )
    rows.sort(key=lambda r: (r.district_code, r.org_name, r.org_key, order.get(r.indicator, 0)))
    return IndicatorValuesRead(
        period_type=query.period_type,
        period=period,
        group_by=query.group_by,
        refreshed_at=_refreshed_at(session, program),
        rows=rows,
    )


def indicator_values(
    *,
    session: Session,
    actor: Actor,
    program_code: str,
    query: IndicatorValuesQuery,
    request: AuditContext | None = None,
) -> IndicatorValuesRead:
    program = _readable(session, actor, program_code)
    out = _values(session, actor, program, query)
    _audit(
        session,
        actor,
        "programs.indicator.read",
        program,
        request,
        {"periodType": out.period_type, "period": out.period, "groupBy": out.group_by},
    )
    return out


def indicator_trend(
    *,
    session: Session,
    actor: Actor,
    program_code: str,
    query: IndicatorTrendQuery,
    request: AuditContext | None = None,
) -> IndicatorTrendRead:
    program = _readable(session, actor, program_code)
    ind_map = _indicator_map(session, program)
    _check_indicator(ind_map, query.indicator)
    ind = ind_map[query.indicator]
    pt = query.period_type
    last = _period("to", pt, query.to)
    if query.from_ is None:
        first = indicators.period_key(pt, indicators.parse_period(pt, last)[0].replace(month=1))
    else:
        first = _period("from", pt, query.from_)
    keys = indicators.periods_between(pt, first, last)
    if not keys:
        raise ValidationFailed.field("from", "programs.indicator_range_reversed")
    if len(keys) > MAX_TREND_POINTS:
        raise ValidationFailed.field(
            "from", "programs.indicator_range_too_long", limit=MAX_TREND_POINTS
        )
    stmt = (
        select(
            IndicatorValue.period,
            func.sum(IndicatorValue.numerator),
            func.sum(IndicatorValue.denominator),
        )
        .where(
            IndicatorValue.program_id == program.id,
            IndicatorValue.indicator == ind.code,
            IndicatorValue.period_type == pt,
            IndicatorValue.period >= first,
            IndicatorValue.period <= last,
        )
        .group_by(IndicatorValue.period)
    )
    rows = session.execute(_scoped(_narrowed(stmt, query), actor))
    found = {p: (int(n or 0), int(d or 0)) for p, n, d in rows}
    points = []
    for k in keys:
        num, den = found.get(k, (0, 0))
        denominator = None if ind.denominator is None else den
        points.append(
            IndicatorPoint(
                period=k,
                numerator=num,
                denominator=denominator,
                value=value_of(num, denominator, ind),
            )
        )
    _audit(
        session,
        actor,
        "programs.indicator.read",
        program,
        request,
        {"periodType": pt, "from": first, "to": last, "indicator": ind.code},
    )
    return IndicatorTrendRead(
        period_type=pt,
        indicator=ind.code,
        refreshed_at=_refreshed_at(session, program),
        points=points,
    )


@dataclass(frozen=True)
class ExportFile:
    content: bytes
    media_type: str
    filename: str


_PERIOD_NAMES = {"month": "月", "quarter": "季度", "year": "年"}


def export_values(
    *,
    session: Session,
    actor: Actor,
    program_code: str,
    query: IndicatorValuesQuery,
    request: AuditContext | None = None,
) -> ExportFile:
    """The values of :func:`indicator_values` as an Excel sheet with Chinese headers."""
    from openpyxl import Workbook

    program = _readable(session, actor, program_code)
    data = _values(session, actor, program, query)
    ind_map = _indicator_map(session, program)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("指标")
    org_title = "区" if data.group_by == "district" else "机构"
    ws.append(
        [
            "项目",
            "统计周期",
            "期间",
            f"{org_title}代码",
            org_title,
            "所属区代码",
            "所属区",
            "指标代码",
            "指标名称",
            "分子",
            "分母",
            "指标值",
        ]
    )
    for r in data.rows:
        ind = ind_map[r.indicator]
        ws.append(
            [
                program.name,
                _PERIOD_NAMES[data.period_type],
                data.period,
                r.org_key,
                r.org_name,
                r.district_code,
                r.district_name,
                r.indicator,
                ind.name,
                r.numerator,
                r.denominator,
                r.value,
            ]
        )
    out = io.BytesIO()
    wb.save(out)
    _audit(
        session,
        actor,
        "programs.indicator.export",
        program,
        request,
        {"periodType": data.period_type, "period": data.period, "rows": len(data.rows)},
    )
    name = f"indicators-{program.code}-{data.period_type}-{data.period}.xlsx"
    return ExportFile(out.getvalue(), XLSX, name)


def request_refresh(
    *, session: Session, actor: Actor, program_code: str, request: AuditContext | None = None
) -> RefreshQueued:
    """Queue a refresh of the program's indicators (the job worker runs it)."""
    from healthnet.core.programs.jobs import REFRESH_KIND

    program = get_program(session, program_code)
    job = jobs.enqueue(session=session, kind=REFRESH_KIND, payload={"program": program.code})
    _audit(session, actor, "programs.indicator.refresh", program, request, {"jobId": job.id})
    return RefreshQueued(job_id=job.id)
