"""Computing program indicators into ``programs_indicator_value`` (issue #6 "Statistics").

A refresh computes every indicator of a program for every month, quarter and year of a range
of years, per managing institution (the enrolment's ``org_unit_id`` now), and replaces the
program's rows in the caller's transaction — one job per program, so readers see the old
numbers or the new ones, never half of each. Districts are sums of their institutions.

How a part (numerator or denominator, :class:`~healthnet.core.programs.definition.IndicatorPart`)
is counted:

* without a filter it is one set-based SQL ``GROUP BY`` per period type (``COUNT(*)`` for rows,
  a ``HAVING COUNT(*) >= minEvents`` sub-select for distinct enrolments);
* with a filter (an expression of the safe language, which reads JSON values SQL cannot type
  the same way on SQLite and PostgreSQL) it is one streaming pass over the rows in enrolment
  order, evaluating the filter with :mod:`healthnet.core.programs.expr`;
* ``period: active`` (enrolments under management during the period) is a streaming pass over
  the enrolments: counted in every period between the enrolment date and the closing date.

Duplicate reports (``duplicate_of_id`` set) are never counted: they are the same case.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Integer, case, cast, delete, func, insert, select
from sqlalchemy.orm import Session

from healthnet.core.db import utcnow
from healthnet.core.localtime import local_date, local_today
from healthnet.core.programs import expr, filter_sql
from healthnet.core.programs.definition import Indicator, IndicatorPart
from healthnet.core.programs.models import (
    Enrolment,
    Event,
    IndicatorRun,
    IndicatorValue,
    Program,
    StateChange,
)
from healthnet.core.programs.periods import (
    PERIOD_TYPES,
    normalise_period,
    parse_period,
    period_key,
    periods_between,
)
from healthnet.core.programs.periods import keys_of_month as _keys_of_month
from healthnet.core.programs.periods import month_index as _month_index
from healthnet.core.programs.service._base import Compiled, current

# (org unit id, period type, period key) → count
Counts = Counter[tuple[str, str, str]]
_BATCH = 5000


def fingerprint(indicator: Indicator) -> str:
    body = json.dumps(indicator.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(body.encode()).hexdigest()[:16]


# ---------------------------------------------------------------- SQL building blocks


def _period_sql(session: Session, period_type: str, column: Any) -> ColumnElement[str]:
    """The period key of a date column, in SQL (the same text as :func:`period_key`)."""
    if session.get_bind().dialect.name == "postgresql":
        fmt = {"month": "YYYY-MM", "quarter": 'YYYY"Q"Q', "year": "YYYY"}[period_type]
        return func.to_char(column, fmt)
    if period_type == "month":
        return func.strftime("%Y-%m", column)
    if period_type == "year":
        return func.strftime("%Y", column)
    quarter = (cast(func.strftime("%m", column), Integer) + 2) // 3
    return func.printf("%sQ%d", func.strftime("%Y", column), quarter)


@dataclass(frozen=True)
class _Range:
    first: date
    last: date

    def months(self) -> range:
        return range(_month_index(self.first), _month_index(self.last) + 1)


def _date_column(part: IndicatorPart) -> Any:
    if part.of == "enrolments":
        return Enrolment.incident_on if part.period == "incident_date" else Enrolment.enrolled_on
    return Event.due_on if part.period == "due_date" else Event.event_on


def _base_where(program: Program, part: IndicatorPart, rng: _Range) -> list[ColumnElement[bool]]:
    col = _date_column(part)
    conds: list[ColumnElement[bool]] = [
        Enrolment.program_id == program.id,
        Enrolment.duplicate_of_id.is_(None),
    ]
    if part.of == "events":
        conds.append(Event.program_id == program.id)
        if part.stage is not None:
            conds.append(Event.stage == part.stage)
    if part.period != "active":
        conds += [col.is_not(None), col >= rng.first, col <= rng.last]
    return conds


def _sql_counts(
    session: Session,
    program: Program,
    part: IndicatorPart,
    rng: _Range,
    condition: ColumnElement[bool] | None = None,
) -> Counts:
    """A part without a filter, or with its filter translated to SQL: set-based."""
    counts: Counts = Counter()
    col = _date_column(part)
    where = _base_where(program, part, rng)
    if part.aggregate == "latest" and condition is not None:
        return _sql_latest(session, part, where, condition)
    if condition is not None:
        where.append(condition)
    org = Enrolment.org_unit_id
    if part.of == "enrolments" or part.count == "rows":
        # additive: months in SQL, quarters and years summed from them
        month = _period_sql(session, "month", col).label("p")
        stmt = select(org, month, func.count()).select_from(Enrolment)
        if part.of == "events":
            stmt = stmt.join(Event, Event.enrolment_id == Enrolment.id)
        for org_id, month_key, n in session.execute(stmt.where(*where).group_by(org, month)):
            y, m = int(month_key[:4]), int(month_key[5:7])
            for pt, k in zip(PERIOD_TYPES, _keys_of_month(y * 12 + m - 1), strict=True):
                counts[(org_id, pt, k)] += int(n)
        return counts
    # distinct enrolments with at least min_events events: one GROUP BY per period type
    for pt in PERIOD_TYPES:
        pkey = _period_sql(session, pt, col).label("p")
        per_enrolment = (
            select(org.label("org"), pkey)
            .select_from(Enrolment)
            .join(Event, Event.enrolment_id == Enrolment.id)
            .where(*where)
            .group_by(Enrolment.id, org, pkey)
            .having(func.count() >= part.min_events)
            .subquery()
        )
        stmt = select(per_enrolment.c.org, per_enrolment.c.p, func.count()).group_by(
            per_enrolment.c.org, per_enrolment.c.p
        )
        for org_id, k, n in session.execute(stmt):
            counts[(org_id, pt, k)] += int(n)
    return counts


def _sql_latest(
    session: Session,
    part: IndicatorPart,
    where: list[ColumnElement[bool]],
    condition: ColumnElement[bool],
) -> Counts:
    """Enrolments whose latest event of the period passes the filter: the latest event per
    enrolment and period by a window function (the same order as the streaming pass: date,
    then creation time, then id), the filter tested on it alone."""
    counts: Counts = Counter()
    col = _date_column(part)
    for pt in PERIOD_TYPES:
        pkey = _period_sql(session, pt, col)
        rank = func.row_number().over(
            partition_by=(Enrolment.id, pkey),
            order_by=(col.desc(), Event.created_at.desc(), Event.id.desc()),
        )
        ranked = (
            select(
                Enrolment.org_unit_id.label("org"),
                pkey.label("p"),
                rank.label("rn"),
                case((condition, 1), else_=0).label("ok"),
            )
            .select_from(Enrolment)
            .join(Event, Event.enrolment_id == Enrolment.id)
            .where(*where)
            .subquery()
        )
        stmt = (
            select(ranked.c.org, ranked.c.p, func.count())
            .where(ranked.c.rn == 1, ranked.c.ok == 1)
            .group_by(ranked.c.org, ranked.c.p)
        )
        for org_id, k, n in session.execute(stmt):
            counts[(org_id, pt, k)] += int(n)
    return counts


# ---------------------------------------------------------------- streaming with a filter


def _as_date(v: Any) -> date | None:
    return v if isinstance(v, date) or v is None else expr._as_date(v)


class _Env:
    """The variables the filters of a pass read, for one enrolment (and one event).

    Only the values the filters name are fetched, each as its own JSON element column (``v0``,
    ``v1`` …): an event's whole value document is never decoded.
    """

    def __init__(
        self, compiled: Compiled, names: frozenset[str], today: date, *, events: bool
    ) -> None:
        self.names = names
        self.today = today
        self.fields: list[tuple[str, str, bool]] = []  # (element code, column label, is date)
        self.columns: list[Any] = []
        for i, name in enumerate(sorted(names)):
            found = compiled.elements.get(name)
            if found is None:
                continue  # a built-in variable
            form, element = found
            if form != "enrolment" and not events:
                continue  # a stage's element in a pass over enrolments: always empty
            label = f"v{i}"
            source = Enrolment.values if form == "enrolment" else Event.values
            self.columns.append(source[name].label(label))
            self.fields.append((name, label, element.value_type == "date"))

    def build(self, e: Any, ev: Any | None = None) -> dict[str, Any]:
        names = self.names
        env: dict[str, Any] = dict.fromkeys(names)
        if names & _AGE:
            at = (ev.event_on if ev is not None else None) or e.enrolled_on
            months = None if e.birth_on is None else expr.months_between(e.birth_on, at)
            env["age_years"] = None if months is None else months // 12
            env["age_months"] = months
        env.update(
            today=self.today,
            enrolment_date=e.enrolled_on,
            incident_date=e.incident_on,
            birth_date=e.birth_on,
            sex=e.sex_code,
            status=e.status,
        )
        if ev is not None:
            env.update(
                event_date=ev.event_on,
                due_date=ev.due_on,
                event_status=ev.event_status,
                stage=ev.stage,
            )
        for name, label, is_date in self.fields:
            v = getattr(e, label)
            env[name] = _as_date(v) if is_date and v is not None else v
        return env


_AGE = frozenset({"age_years", "age_months"})


def _add(counts: Counts, org: str, d: date) -> None:
    for pt in PERIOD_TYPES:
        counts[(org, pt, period_key(pt, d))] += 1


@dataclass
class _Task:
    """One part counted in a shared streaming pass."""

    part: IndicatorPart
    test: expr.Expression | None
    counts: Counts


def _names(tasks: list[_Task]) -> frozenset[str]:
    return frozenset(n for t in tasks if t.test is not None for n in t.test.names)


_ENROLMENT_COLUMNS = (
    Enrolment.id,
    Enrolment.org_unit_id,
    Enrolment.enrolled_on,
    Enrolment.incident_on,
    Enrolment.birth_on,
    Enrolment.sex_code,
    Enrolment.status,
)


def _stream_enrolments(
    session: Session, program: Program, compiled: Compiled, tasks: list[_Task], rng: _Range
) -> None:
    """One pass over the enrolments for every part with the same ``period``."""
    period = tasks[0].part.period
    names = _names(tasks)
    env = _Env(compiled, names, local_today(), events=False)
    stmt = select(*_ENROLMENT_COLUMNS, *env.columns).where(
        *_base_where(program, tasks[0].part, rng)
    )
    closed: dict[str, date] = {}
    base = _month_index(rng.first)
    # the keys of every month of the range, and of its quarter and year
    months, quarters, years = (
        list(k) for k in zip(*map(_keys_of_month, rng.months()), strict=True)
    )
    if period == "active":
        stmt = stmt.where(Enrolment.enrolled_on <= rng.last)
        closed = _closing_dates(session, program, compiled)
    for e in session.execute(stmt.execution_options(yield_per=_BATCH)):
        values = env.build(e) if names else {}
        keys: list[tuple[str, str]] = []
        if period != "active":
            d = e.incident_on if period == "incident_date" else e.enrolled_on
            keys = [(pt, period_key(pt, d)) for pt in PERIOD_TYPES]
        else:
            end = closed.get(e.id) if compiled.terminal(e.status) else None
            first = max(_month_index(e.enrolled_on) - base, 0)
            last = (
                len(months) - 1 if end is None else min(_month_index(end) - base, len(months) - 1)
            )
            if last < first:
                continue
            keys = (
                [("month", k) for k in months[first : last + 1]]
                + [("quarter", k) for k in dict.fromkeys(quarters[first : last + 1])]
                + [("year", k) for k in dict.fromkeys(years[first : last + 1])]
            )
        for task in tasks:
            if task.test is not None and not task.test.test(values):
                continue
            for pt, k in keys:
                task.counts[(e.org_unit_id, pt, k)] += 1


def _closing_dates(session: Session, program: Program, compiled: Compiled) -> dict[str, date]:
    """When closed enrolments were closed: the (local) day of the last move into a terminal
    state."""
    terminal = [s.code for s in compiled.spec.workflow.states if s.terminal]
    if not terminal:
        return {}
    stmt = (
        select(StateChange.enrolment_id, func.max(StateChange.created_at))
        .join(Enrolment, Enrolment.id == StateChange.enrolment_id)
        .where(Enrolment.program_id == program.id, StateChange.to_state.in_(terminal))
        .group_by(StateChange.enrolment_id)
    )
    out: dict[str, date] = {}
    for enrolment_id, at in session.execute(stmt):
        if isinstance(at, datetime):
            out[enrolment_id] = local_date(at)
    return out


def _stream_events(
    session: Session, program: Program, compiled: Compiled, tasks: list[_Task], rng: _Range
) -> None:
    """One pass over the events, in enrolment order, for every part with the same stage and
    ``period``; the filter variables of an event are built once for all of them."""
    part = tasks[0].part
    names = _names(tasks)
    env = _Env(compiled, names, local_today(), events=True)
    col = _date_column(part)
    stmt = (
        select(
            *_ENROLMENT_COLUMNS,
            Event.stage,
            Event.status.label("event_status"),
            Event.event_on,
            Event.due_on,
            *env.columns,
        )
        .join(Event, Event.enrolment_id == Enrolment.id)
        .where(*_base_where(program, part, rng))
        .order_by(Enrolment.id, col, Event.created_at, Event.id)
    )
    group: list[Any] = []
    current_id: str | None = None
    for row in session.execute(stmt.execution_options(yield_per=_BATCH)):
        if row.id != current_id and group:
            _count_enrolment(tasks, group, env, names)
            group = []
        current_id = row.id
        group.append(row)
    if group:
        _count_enrolment(tasks, group, env, names)


def _count_enrolment(
    tasks: list[_Task], group: list[Any], env: _Env, names: frozenset[str]
) -> None:
    """The events (rows joined with their enrolment) of one enrolment, oldest first."""
    org = group[0].org_unit_id
    due = tasks[0].part.period == "due_date"
    days: list[date] = [row.due_on if due else row.event_on for row in group]
    keys = [[period_key(pt, d) for pt in PERIOD_TYPES] for d in days]
    envs = [env.build(row, row) for row in group] if names else None
    for task in tasks:
        test = task.test
        passed = [test is None or envs is None or test.test(envs[i]) for i in range(len(group))]
        part, counts = task.part, task.counts
        if part.count == "rows":
            for i, ok in enumerate(passed):
                if ok:
                    for p, pt in enumerate(PERIOD_TYPES):
                        counts[(org, pt, keys[i][p])] += 1
            continue
        for p, pt in enumerate(PERIOD_TYPES):
            if part.aggregate == "latest":
                latest: dict[str, int] = {}
                for i in range(len(group)):  # oldest first: the last one written wins
                    latest[keys[i][p]] = i
                for k, i in latest.items():
                    if passed[i]:
                        counts[(org, pt, k)] += 1
            else:
                tally: Counter[str] = Counter(keys[i][p] for i, ok in enumerate(passed) if ok)
                for k, n in tally.items():
                    if n >= part.min_events:
                        counts[(org, pt, k)] += 1


def _part_key(part: IndicatorPart) -> str:
    return part.model_dump_json()


def count_parts(
    session: Session,
    program: Program,
    compiled: Compiled,
    parts: list[IndicatorPart],
    rng: _Range,
    *,
    push_down: bool = True,
) -> dict[str, Counts]:
    """The counts of every distinct part (keyed by :func:`_part_key`): parts without a filter
    by SQL, the others in as few streaming passes as there are (source, stage, period)."""
    out: dict[str, Counts] = {}
    passes: dict[tuple[str, str | None, str | None], list[_Task]] = {}
    for part in parts:
        key = _part_key(part)
        if key in out:
            continue
        test = expr.parse(part.filter) if part.filter else None
        if part.period != "active":
            if test is None:  # ("latest" without a filter: any event in the period)
                out[key] = _sql_counts(session, program, part, rng)
                continue
            if push_down and part.filter:
                condition = filter_sql.translate(
                    part.filter,
                    dialect=session.get_bind().dialect.name,
                    elements=compiled.elements,
                    events=part.of == "events",
                )
                if condition is not None:
                    out[key] = _sql_counts(session, program, part, rng, condition)
                    continue
        out[key] = Counter()
        period = part.period or ("enrolment_date" if part.of == "enrolments" else "event_date")
        passes.setdefault((part.of, part.stage, period), []).append(_Task(part, test, out[key]))
    for (of, _, _), tasks in passes.items():
        if of == "enrolments":
            _stream_enrolments(session, program, compiled, tasks, rng)
        else:
            _stream_events(session, program, compiled, tasks, rng)
    return out


# ---------------------------------------------------------------- refresh


@dataclass(frozen=True)
class RefreshResult:
    program: str
    rows: int
    first_year: int
    last_year: int
    duration_ms: int


def default_years(today: date | None = None) -> tuple[int, int]:
    """The current and the previous year (local time)."""
    y = (today or local_today()).year
    return y - 1, y


def _districts(session: Session, org_ids: Iterable[str]) -> dict[str, str]:
    # orgs is a core slice this one depends on; one query for the few hundred institutions
    from healthnet.core.orgs.models import Institution

    ids = sorted(set(org_ids))
    out: dict[str, str] = {}
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        stmt = select(Institution.id, Institution.district_code).where(Institution.id.in_(chunk))
        out.update({i: dc for i, dc in session.execute(stmt)})
    return out


def refresh_program(
    *, session: Session, program: Program, first_year: int, last_year: int
) -> RefreshResult:
    """Recompute every indicator of ``program`` for the months, quarters and years of
    ``first_year``..``last_year`` and replace its stored values (the caller's transaction)."""
    started = time.monotonic()
    compiled = current(session, program)
    rng = _Range(date(first_year, 1, 1), date(last_year, 12, 31))
    now = utcnow()
    rows: list[dict[str, Any]] = []
    parts = [p for i in compiled.spec.indicators for p in (i.numerator, i.denominator) if p]
    counted = count_parts(session, program, compiled, parts, rng)
    computed: list[tuple[Indicator, Counts, Counts | None]] = [
        (
            ind,
            counted[_part_key(ind.numerator)],
            None if ind.denominator is None else counted[_part_key(ind.denominator)],
        )
        for ind in compiled.spec.indicators
    ]
    districts = _districts(
        session, (k[0] for _, num, den in computed for k in (*num, *(den or ())))
    )
    for ind, num, den in computed:
        fp = fingerprint(ind)
        for key in sorted(set(num) | set(den or ())):
            org, pt, k = key
            if org not in districts:
                continue
            rows.append(
                {
                    "program_id": program.id,
                    "indicator": ind.code,
                    "period_type": pt,
                    "period": k,
                    "org_unit_id": org,
                    "district_code": districts[org],
                    "version_id": compiled.version_id,
                    "fingerprint": fp,
                    "numerator": num.get(key, 0),
                    "denominator": None if den is None else den.get(key, 0),
                    "refreshed_at": now,
                }
            )
    session.execute(delete(IndicatorValue).where(IndicatorValue.program_id == program.id))
    for i in range(0, len(rows), _BATCH):
        session.execute(insert(IndicatorValue), rows[i : i + _BATCH])
    duration = int((time.monotonic() - started) * 1000)
    run = session.get(IndicatorRun, program.id)
    if run is None:
        run = IndicatorRun(program_id=program.id)
        session.add(run)
    run.version_id = compiled.version_id
    run.refreshed_at = now
    run.first_year, run.last_year = first_year, last_year
    run.row_count, run.duration_ms = len(rows), duration
    session.flush()
    return RefreshResult(program.code, len(rows), first_year, last_year, duration)


def active_programs(session: Session) -> Iterator[Program]:
    yield from session.scalars(
        select(Program)
        .where(Program.is_active.is_(True), Program.current_version_id.is_not(None))
        .order_by(Program.code)
    )


__all__ = [
    "PERIOD_TYPES",
    "RefreshResult",
    "active_programs",
    "count_parts",
    "default_years",
    "fingerprint",
    "normalise_period",
    "parse_period",
    "period_key",
    "periods_between",
    "refresh_program",
]
