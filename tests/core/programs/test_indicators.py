"""Program indicators (issue #6 "Statistics") on a small hand-checked fixture: rates per
institution, district, month, quarter and year; distinct-person, "at least N" and "latest
follow-up" counting; the data scope of the read API; the refresh through the job; the Excel
export; bad parameters.

The fixture (all dates in the previous year Y, so every due date is in the past and the
refresh's default range — the current and the previous year — covers it):

    institution A (Xuhui 310104), B (Xuhui 310104), C (Changning 310105)

    E1 @A  enrolled (Y-1)-11-10, grade 3, open
           visits  Y-01-10 face  value 8    due Y-01-10  (on time)
                   Y-02-20 face  value 6    due Y-02-15  (late)
                   Y-04-05 phone value 9    due Y-04-10  (on time)
    E2 @A  enrolled Y-02-01, grade 1, closed Y-05-15
           visits  Y-03-01 face  value 5    due Y-03-01  (on time)
                   scheduled, not done      due Y-06-01
    E3 @B  enrolled Y-01-15, grade 4, open
           visits  Y-01-20 face  value 6.5  due Y-01-20  (on time)
                   Y-01-25 face  value 7.5  no due date (unscheduled)
                   skipped                  due Y-03-15
    E4 @C  enrolled Y-03-10, grade 2, open
           visits  Y-03-12 face  value 6    due Y-03-20  (on time)
                   Y-03-30 face  value 6.8  due Y-03-31  (on time)
    E5 @C  a duplicate report of E4 (never counted), with one visit Y-03-12
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select

from healthnet.core.jobs.models import Job
from healthnet.core.jobs.registry import get_handler, schedule_specs
from healthnet.core.localtime import local_today
from healthnet.core.programs import indicators
from healthnet.core.programs.jobs import REFRESH_ALL_KIND, REFRESH_KIND
from healthnet.core.programs.loader import ProgramFileError, load_spec, parse_text
from healthnet.core.programs.models import (
    Enrolment,
    Event,
    IndicatorValue,
    Program,
    StateChange,
)

from .conftest import World

BASE = "/api/v1/programs"
READ = ("programs:indicator:read",)
Y = local_today().year - 1

PROGRAM = """
code: ind_demo
name: 指标测试项目
kind: enrolment
enrolment:
  elements:
    - {code: grade, name: 分级, valueType: integer, min: 1, max: 5}
stages:
  - code: visit
    name: 随访
    repeatable: true
    elements:
      - {code: mode, name: 方式, valueType: option, optionSet: mode}
      - {code: value, name: 测量值, valueType: number}
optionSets:
  - code: mode
    name: 随访方式
    options:
      - {code: "1", name: 面对面}
      - {code: "3", name: 电话}
workflow:
  initial: managed
  states:
    - {code: managed, name: 管理中}
    - {code: closed, name: 已结案, terminal: true}
indicators:
  - code: managed
    name: 在管人数
    numerator: {of: enrolments, period: active}
  - code: new_cases
    name: 新登记数
    numerator: {of: enrolments, period: enrolment_date}
  - code: visits
    name: 随访次数
    numerator: {of: events, stage: visit, period: event_date}
  - code: visited_persons
    name: 随访人数
    numerator: {of: events, stage: visit, count: enrolments, period: event_date}
  - code: high_grade
    name: 高分级新登记数
    numerator: {of: enrolments, filter: "grade >= 3", period: enrolment_date}
  - code: regular_rate
    name: 规范管理率
    numerator: {of: events, stage: visit, count: enrolments, minEvents: 2,
                filter: "mode == '1'", period: event_date}
    denominator: {of: enrolments, period: active}
    factor: 100
  - code: control_rate
    name: 控制率
    numerator: {of: events, stage: visit, count: enrolments, aggregate: latest,
                filter: "value < 7", period: event_date}
    denominator: {of: enrolments, period: active}
    factor: 100
  - code: timeliness
    name: 随访及时率
    numerator: {of: events, stage: visit,
                filter: "event_status == 'completed' and event_date <= due_date",
                period: due_date}
    denominator:
      of: events
      stage: visit
      filter: >-
        event_status != 'skipped' and (due_date < today or event_status == 'completed')
      period: due_date
    factor: 100
"""


def d(month: int, day: int, year: int = Y) -> date:
    return date(year, month, day)


def _build(world: World) -> Program:
    db = world.db
    load_spec(session=db, spec=parse_text(PROGRAM, file="ind.yaml"))
    program = db.scalars(select(Program).where(Program.code == "ind_demo")).one()
    assert program.current_version_id is not None
    version = program.current_version_id
    doc = world.user("doctor", world.a)

    def enrol(org: Any, on: date, grade: int, **kw: Any) -> Enrolment:
        e = Enrolment(
            program_id=program.id,
            version_id=version,
            person_id=kw.pop("person", None) or world.person(doc),
            org_unit_id=org.id,
            status=kw.pop("status", "managed"),
            is_open=kw.pop("is_open", True),
            enrolled_on=on,
            values={"grade": grade},
            **kw,
        )
        db.add(e)
        db.flush()
        return e

    def visit(
        e: Enrolment,
        on: date | None,
        due: date | None,
        mode: str | None = None,
        value: float | None = None,
        status: str = "completed",
    ) -> None:
        values = {} if on is None else {"mode": mode, "value": value}
        db.add(
            Event(
                enrolment_id=e.id,
                program_id=program.id,
                version_id=version,
                stage="visit",
                status=status,
                due_on=due,
                event_on=on,
                org_unit_id=e.org_unit_id,
                values=values,
            )
        )

    e1 = enrol(world.a, d(11, 10, Y - 1), 3)
    visit(e1, d(1, 10), d(1, 10), "1", 8)
    visit(e1, d(2, 20), d(2, 15), "1", 6)
    visit(e1, d(4, 5), d(4, 10), "3", 9)
    e2 = enrol(world.a, d(2, 1), 1, status="closed", is_open=False)
    visit(e2, d(3, 1), d(3, 1), "1", 5)
    visit(e2, None, d(6, 1), status="scheduled")
    db.add(
        StateChange(
            enrolment_id=e2.id,
            from_state="managed",
            to_state="closed",
            actor_user_id=doc.user_id,
            created_at=datetime(Y, 5, 15, 4, 0, tzinfo=UTC),
        )
    )
    e3 = enrol(world.b, d(1, 15), 4)
    visit(e3, d(1, 20), d(1, 20), "1", 6.5)
    visit(e3, d(1, 25), None, "1", 7.5)
    visit(e3, None, d(3, 15), status="skipped")
    e4 = enrol(world.c, d(3, 10), 2)
    visit(e4, d(3, 12), d(3, 20), "1", 6)
    visit(e4, d(3, 30), d(3, 31), "1", 6.8)
    e5 = enrol(
        world.c,
        d(3, 11),
        2,
        person=e4.person_id,
        is_open=False,
        status="duplicate",
        duplicate_of_id=e4.id,
    )
    visit(e5, d(3, 12), d(3, 12), "1", 6)
    db.flush()
    return program


@pytest.fixture
def program(world: World) -> Program:
    p = _build(world)
    indicators.refresh_program(session=world.db, program=p, first_year=Y, last_year=Y)
    world.db.commit()
    return p


def _stored(world: World, program: Program) -> dict[tuple[str, str, str, str], tuple[int, Any]]:
    """(indicator, period, institution code, ...) → (numerator, denominator)"""
    names = {world.a.id: "A", world.b.id: "B", world.c.id: "C"}
    rows = world.db.scalars(select(IndicatorValue).where(IndicatorValue.program_id == program.id))
    return {
        (r.indicator, r.period_type, r.period, names[r.org_unit_id]): (r.numerator, r.denominator)
        for r in rows
    }


def test_counts_per_institution_and_period(world: World, program: Program) -> None:
    v = _stored(world, program)
    year, q1, q2 = f"{Y}", f"{Y}Q1", f"{Y}Q2"
    # managed (under management in the period): E1 all year; E2 Feb–May (closed 15 May);
    # E3 from January; E4 from March; E5 is a duplicate
    assert v[("managed", "year", year, "A")] == (2, None)
    assert v[("managed", "year", year, "B")] == (1, None)
    assert v[("managed", "year", year, "C")] == (1, None)
    assert v[("managed", "month", f"{Y}-01", "A")] == (1, None)  # E2 not yet enrolled
    assert v[("managed", "month", f"{Y}-05", "A")] == (2, None)  # E2 closed on the 15th
    assert v[("managed", "month", f"{Y}-06", "A")] == (1, None)  # E2 gone
    assert v[("managed", "month", f"{Y}-06", "C")] == (1, None)
    assert ("managed", "month", f"{Y}-02", "C") not in v  # E4 enrolled in March
    assert v[("managed", "quarter", q2, "A")] == (2, None)
    # new enrolments by enrolment date (E1 was enrolled the year before, E5 is a duplicate)
    assert v[("new_cases", "year", year, "A")] == (1, None)
    assert v[("new_cases", "month", f"{Y}-03", "C")] == (1, None)
    # visits (rows): A has E1 ×3 + E2 ×1 done; scheduled/skipped have no visit date
    assert v[("visits", "year", year, "A")] == (4, None)
    assert v[("visits", "quarter", q1, "A")] == (3, None)
    assert v[("visits", "month", f"{Y}-01", "B")] == (2, None)
    assert v[("visits", "year", year, "C")] == (2, None)  # E5's visit not counted
    # visited persons (distinct): E3 visited twice in January counts once
    assert v[("visited_persons", "month", f"{Y}-01", "B")] == (1, None)
    assert v[("visited_persons", "quarter", q1, "A")] == (2, None)
    assert v[("visited_persons", "quarter", q2, "A")] == (1, None)
    # filter over enrolment values: grade ≥ 3 among this year's enrolments → only E3
    assert v[("high_grade", "year", year, "B")] == (1, None)
    assert v.get(("high_grade", "year", year, "A"), (0, None))[0] == 0


def test_at_least_n_and_latest_semantics(world: World, program: Program) -> None:
    v = _stored(world, program)
    year = f"{Y}"
    # ≥ 2 face-to-face visits: E1 (Jan, Feb face; Apr phone) yes, E2 one → no; E3 yes; E4 yes
    assert v[("regular_rate", "year", year, "A")] == (1, 2)
    assert v[("regular_rate", "year", year, "B")] == (1, 1)
    assert v[("regular_rate", "quarter", f"{Y}Q1", "A")] == (1, 2)
    # within a single month nobody at A has two face-to-face visits
    assert v[("regular_rate", "month", f"{Y}-01", "A")] == (0, 1)
    assert v[("regular_rate", "month", f"{Y}-01", "B")] == (1, 1)
    # latest visit of the period controlled (value < 7):
    #   year: E1 latest Apr 9 → no; E2 Mar 5 → yes; E3 latest Jan-25 7.5 → no (its earlier
    #   6.5 does not count); E4 latest 6.8 → yes
    assert v[("control_rate", "year", year, "A")] == (1, 2)
    assert v[("control_rate", "year", year, "B")] == (0, 1)
    assert v[("control_rate", "year", year, "C")] == (1, 1)
    #   Q1: E1's latest is Feb 6 → yes; E2 yes
    assert v[("control_rate", "quarter", f"{Y}Q1", "A")] == (2, 2)
    # timeliness by due date: A's due visits E1 ×3 (Feb late) + E2 ×2 (June not done) → 3/5;
    # B: E3 Jan on time; the unscheduled one has no due date, the skipped one is left out
    assert v[("timeliness", "year", year, "A")] == (3, 5)
    assert v[("timeliness", "year", year, "B")] == (1, 1)
    assert v[("timeliness", "year", year, "C")] == (2, 2)
    assert v[("timeliness", "quarter", f"{Y}Q2", "A")] == (1, 2)
    assert v[("timeliness", "month", f"{Y}-02", "A")] == (0, 1)


def _rows(body: dict[str, Any], indicator: str) -> dict[str, dict[str, Any]]:
    return {r["orgKey"]: r for r in body["rows"] if r["indicator"] == indicator}


def test_values_by_district_and_institution(
    client: TestClient, world: World, program: Program
) -> None:
    boss = world.user("city_stats", None, scope="city", permissions=READ)
    r = client.get(
        f"{BASE}/ind_demo/indicators/values",
        params={"periodType": "year", "period": f"{Y}", "groupBy": "district"},
        headers=boss.headers,
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["periodType"] == "year" and body["period"] == f"{Y}"
    assert body["groupBy"] == "district" and body["refreshedAt"]
    reg = _rows(body, "regular_rate")
    # Xuhui = A + B: 2 of 3 managed → 66.7 (one decimal); Changning 1 of 1
    assert reg["310104"]["numerator"] == 2 and reg["310104"]["denominator"] == 3
    assert reg["310104"]["value"] == 66.7
    assert reg["310104"]["orgName"] == reg["310104"]["districtName"] == "徐汇区"
    assert reg["310105"]["value"] == 100.0
    ctl = _rows(body, "control_rate")
    assert (ctl["310104"]["numerator"], ctl["310104"]["denominator"]) == (1, 3)
    assert ctl["310104"]["value"] == 33.3
    tim = _rows(body, "timeliness")
    assert (tim["310104"]["numerator"], tim["310104"]["denominator"]) == (4, 6)
    # without a denominator the value is the count
    managed = _rows(body, "managed")
    assert managed["310104"]["value"] == 3 and managed["310104"]["denominator"] is None

    r = client.get(
        f"{BASE}/ind_demo/indicators/values",
        params={
            "periodType": "quarter",
            "period": f"{Y}Q1",
            "groupBy": "institution",
            "district": "310104",
            "indicator": "control_rate",
        },
        headers=boss.headers,
    )
    assert r.status_code == 200, r.text
    rows = r.json()["rows"]
    assert {row["indicator"] for row in rows} == {"control_rate"}
    by_org = {row["orgKey"]: row for row in rows}
    assert set(by_org) == {world.a.id, world.b.id}
    assert by_org[world.a.id]["orgName"] == "测试社区卫生服务中心甲"
    assert by_org[world.a.id]["value"] == 100.0
    assert by_org[world.b.id]["districtCode"] == "310104"


def test_a_month_with_a_zero_denominator_has_no_value(
    client: TestClient, world: World, program: Program
) -> None:
    boss = world.user("city_stats", None, scope="city", permissions=READ)
    r = client.get(
        f"{BASE}/ind_demo/indicators/trend",
        params={
            "periodType": "month",
            "from": f"{Y}-01",
            "to": f"{Y}-06",
            "indicator": "timeliness",
            "institution": world.a.id,
        },
        headers=boss.headers,
    )
    assert r.status_code == 200, r.text
    pts = {p["period"]: p for p in r.json()["points"]}
    assert list(pts) == [f"{Y}-{m:02d}" for m in range(1, 7)]
    assert pts[f"{Y}-01"]["value"] == 100.0  # E1 on time
    assert pts[f"{Y}-02"]["value"] == 0.0  # E1 late
    assert pts[f"{Y}-05"] == {
        "period": f"{Y}-05",
        "numerator": 0,
        "denominator": 0,
        "value": None,
    }
    assert pts[f"{Y}-06"]["denominator"] == 1  # E2's visit that never happened

    r = client.get(
        f"{BASE}/ind_demo/indicators/trend",
        params={"periodType": "month", "from": f"{Y}-01", "to": f"{Y}-06", "indicator": "managed"},
        headers=boss.headers,
    )
    # A + B + C each month: Jan 2 (E1, E3), Feb–Mar +E2 +E4 → 3, 4; Jun E2 gone → 3
    assert [p["value"] for p in r.json()["points"]] == [2, 3, 4, 4, 4, 3]


def test_data_scope(client: TestClient, world: World, program: Program) -> None:
    # a district user of Changning (their institution C is there)
    changning = world.user("district_stats", world.c, scope="district", permissions=READ)
    params = {"periodType": "year", "period": f"{Y}", "groupBy": "district"}
    r = client.get(f"{BASE}/ind_demo/indicators/values", params=params, headers=changning.headers)
    assert r.status_code == 200
    assert {row["districtCode"] for row in r.json()["rows"]} == {"310105"}
    r = client.get(
        f"{BASE}/ind_demo/indicators/values",
        params={**params, "district": "310104", "groupBy": "institution"},
        headers=changning.headers,
    )
    assert r.status_code == 200 and r.json()["rows"] == []
    r = client.get(
        f"{BASE}/ind_demo/indicators/trend",
        params={
            "periodType": "year",
            "from": f"{Y}",
            "to": f"{Y}",
            "indicator": "visits",
            "district": "310104",
        },
        headers=changning.headers,
    )
    assert r.json()["points"][0]["value"] == 0  # Xuhui's 6 visits are not theirs to see
    # an institution user of B sees B only, even when asking for the whole district
    b_user = world.user("inst_stats", world.b, scope="institution", permissions=READ)
    r = client.get(
        f"{BASE}/ind_demo/indicators/values",
        params={**params, "groupBy": "district", "indicator": "visits"},
        headers=b_user.headers,
    )
    rows = r.json()["rows"]
    assert len(rows) == 1 and rows[0]["orgKey"] == "310104" and rows[0]["numerator"] == 2
    # no permission → 403
    nobody = world.user("no_stats", world.a, permissions=("programs:enrolment:read",))
    r = client.get(f"{BASE}/ind_demo/indicators/values", params=params, headers=nobody.headers)
    assert r.status_code == 403


def test_indicator_list(client: TestClient, world: World, program: Program) -> None:
    user = world.user("inst_stats", world.a, scope="institution", permissions=READ)
    r = client.get(f"{BASE}/ind_demo/indicators", headers=user.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["refreshedAt"]
    first = body["indicators"][0]
    assert first == {
        "code": "managed",
        "name": "在管人数",
        "description": None,
        "factor": 1.0,
        "decimals": 1,
        "hasDenominator": False,
    }
    assert [i["code"] for i in body["indicators"]][-1] == "timeliness"
    assert body["indicators"][-1]["hasDenominator"] is True


def test_excel_export(client: TestClient, world: World, program: Program) -> None:
    boss = world.user("city_stats", None, scope="city", permissions=READ)
    r = client.get(
        f"{BASE}/ind_demo/indicators/export.xlsx",
        params={"periodType": "year", "period": f"{Y}", "groupBy": "institution"},
        headers=boss.headers,
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "attachment" in r.headers["content-disposition"]
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws is not None
    rows = list(ws.iter_rows(values_only=True))
    header = rows[0]
    assert header[4] == "机构" and header[9:] == ("分子", "分母", "指标值")
    found = [row for row in rows[1:] if row[3] == world.a.id and row[7] == "timeliness"]
    assert len(found) == 1
    row = found[0]
    assert row[4] == "测试社区卫生服务中心甲" and row[6] == "徐汇区" and row[8] == "随访及时率"
    assert row[9:] == (3, 5, 60.0)


def test_refresh_through_the_job(client: TestClient, world: World) -> None:
    program = _build(world)
    world.db.commit()
    boss = world.user(
        "city_refresh", None, scope="city", permissions=(*READ, "programs:indicator:refresh")
    )
    r = client.get(f"{BASE}/ind_demo/indicators", headers=boss.headers)
    assert r.json()["refreshedAt"] is None
    params = {"periodType": "year", "period": f"{Y}"}
    r = client.get(f"{BASE}/ind_demo/indicators/values", params=params, headers=boss.headers)
    assert r.json()["rows"] == []

    reader = world.user("city_stats", None, scope="city", permissions=READ)
    assert (
        client.post(f"{BASE}/ind_demo/indicators/refresh", headers=reader.headers).status_code
        == 403
    )
    r = client.post(f"{BASE}/ind_demo/indicators/refresh", headers=boss.headers)
    assert r.status_code == 202, r.text
    job = world.db.get(Job, r.json()["jobId"])
    assert job is not None and job.kind == REFRESH_KIND
    handler = get_handler(job.kind)
    assert handler is not None
    handler.func(world.db, dict(job.payload))  # what the worker runs, in the job's transaction

    r = client.get(f"{BASE}/ind_demo/indicators/values", params=params, headers=boss.headers)
    reg = _rows(r.json(), "regular_rate")
    assert (reg["310104"]["numerator"], reg["310104"]["denominator"]) == (2, 3)
    assert r.json()["refreshedAt"]

    # the nightly job queues one refresh per active program; a second refresh replaces rows
    assert any(s.kind == REFRESH_ALL_KIND for s in schedule_specs())
    nightly = get_handler(REFRESH_ALL_KIND)
    assert nightly is not None
    nightly.func(world.db, {})
    queued = world.db.scalars(select(Job).where(Job.kind == REFRESH_KIND)).all()
    assert {"program": "ind_demo"} in [j.payload for j in queued]
    before = world.db.scalars(
        select(IndicatorValue).where(IndicatorValue.program_id == program.id)
    ).all()
    handler.func(world.db, {"program": "ind_demo"})
    after = world.db.scalars(
        select(IndicatorValue).where(IndicatorValue.program_id == program.id)
    ).all()
    assert len(after) == len(before)


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("values", {"periodType": "week"}, "periodType"),
        ("values", {"periodType": "month", "period": f"{Y}-13"}, "period"),
        ("values", {"periodType": "quarter", "period": f"{Y}-03"}, "period"),
        ("values", {"periodType": "year", "indicator": "nope"}, "indicator"),
        ("values", {"groupBy": "street"}, "groupBy"),
        ("values", {"district": "xuhui"}, "district"),
        ("trend", {"periodType": "month"}, "indicator"),
        ("trend", {"indicator": "visits", "from": f"{Y}-05", "to": f"{Y}-01"}, "from"),
        ("trend", {"indicator": "visits", "periodType": "month", "from": "2000-01"}, "from"),
        ("export.xlsx", {"period": "20x5"}, "period"),
    ],
)
def test_bad_parameters_are_named(
    client: TestClient,
    world: World,
    program: Program,
    path: str,
    params: dict[str, str],
    field: str,
) -> None:
    boss = world.user("city_stats", None, scope="city", permissions=READ)
    r = client.get(f"{BASE}/ind_demo/indicators/{path}", params=params, headers=boss.headers)
    assert r.status_code == 422, r.text
    body = r.json()
    errors = body.get("errors") or []
    assert any(field in e["field"] for e in errors), body
    assert any("\u4e00" <= ch <= "\u9fff" for e in errors for ch in e["message"]), body


def test_unknown_program_is_404(client: TestClient, world: World) -> None:
    boss = world.user("city_stats", None, scope="city", permissions=READ)
    r = client.get(f"{BASE}/no_such/indicators/values", headers=boss.headers)
    assert r.status_code == 404


@pytest.mark.parametrize(
    ("part", "path"),
    [
        ("{of: enrolments, period: event_date}", "period"),
        ("{of: events, stage: visit, aggregate: latest}", "count"),
        ("{of: enrolments, stage: visit}", "stage"),
        (
            "{of: events, stage: visit, count: enrolments, aggregate: latest, minEvents: 2}",
            "minEvents",
        ),
    ],
)
def test_inconsistent_parts_are_refused(part: str, path: str) -> None:
    text = PROGRAM.replace("{of: enrolments, period: enrolment_date}", part, 1)
    with pytest.raises(ProgramFileError) as e:
        parse_text(text, file="bad.yaml")
    assert any(p.startswith("indicators[1].numerator." + path) for p, _ in e.value.problems)


def test_period_keys() -> None:
    assert indicators.periods_between("quarter", "2025Q3", "2026Q2") == [
        "2025Q3",
        "2025Q4",
        "2026Q1",
        "2026Q2",
    ]
    assert indicators.parse_period("month", "2024-02") == (date(2024, 2, 1), date(2024, 2, 29))
    assert indicators.parse_period("quarter", "2026Q4") == (date(2026, 10, 1), date(2026, 12, 31))
    for bad in ("2026-00", "2026Q5", "26", "2026-1"):
        with pytest.raises(ValueError):
            indicators.parse_period("month" if "-" in bad else "quarter", bad)


EVENT_FILTERS = [
    "mode != '3'",
    "not (value < 7)",
    "value >= 6 and mode in ['1']",
    "mode not in ['3']",
    "has_value(mode) or event_status == 'skipped'",
    "event_date <= due_date",
    "value == 6",
    "not has_value(value)",
    "grade >= 3",
    "sex == '1' and due_date < today",
]
ENROLMENT_FILTERS = ["grade >= 3", "grade != 2", "not (grade > 1)", "status == 'closed'"]


def test_filters_pushed_down_to_sql_count_as_the_expression_does(world: World) -> None:
    """Each filter counted by SQL (translated) and by the streaming pass gives the same
    numbers for every institution and period: scheduled and skipped visits (period dueDate)
    have no values, so the missing-value rules are exercised too."""
    from healthnet.core.programs import filter_sql
    from healthnet.core.programs.definition import IndicatorPart
    from healthnet.core.programs.service._base import current

    program = _build(world)
    compiled = current(world.db, program)
    dialect = world.db.get_bind().dialect.name
    parts = []
    for f in EVENT_FILTERS:
        assert (
            filter_sql.translate(f, dialect=dialect, elements=compiled.elements, events=True)
            is not None
        )
        for count, aggregate in (("rows", "all"), ("enrolments", "all"), ("enrolments", "latest")):
            parts.append(
                IndicatorPart.model_validate(
                    {
                        "of": "events",
                        "stage": "visit",
                        "filter": f,
                        "period": "due_date",
                        "count": count,
                        "aggregate": aggregate,
                    }
                )
            )
    for f in ENROLMENT_FILTERS:
        assert (
            filter_sql.translate(f, dialect=dialect, elements=compiled.elements, events=False)
            is not None
        )
        parts.append(IndicatorPart.model_validate({"of": "enrolments", "filter": f}))
    rng = indicators._Range(date(Y, 1, 1), date(Y, 12, 31))
    by_sql = indicators.count_parts(world.db, program, compiled, parts, rng)
    streamed = indicators.count_parts(world.db, program, compiled, parts, rng, push_down=False)
    assert by_sql == streamed
    # and the numbers are not all zero: "mode != '3'" by due date at A is E1 Jan, Feb (not
    # the April phone visit) + E2 March and the scheduled June visit (no mode) = 4
    key = indicators._part_key(parts[0])
    assert by_sql[key][(world.a.id, "year", f"{Y}")] == 4


def test_filters_the_sql_translation_leaves_to_the_stream() -> None:
    from healthnet.core.programs import filter_sql
    from healthnet.core.programs.definition import DataElement

    elements = {
        "mode": (
            "visit",
            DataElement(code="mode", name="方式", value_type="option", option_set="m"),
        ),
        "value": ("visit", DataElement(code="value", name="值", value_type="number")),
    }
    assert (
        filter_sql.translate("value > 10", dialect="sqlite", elements=elements, events=True)
        is not None
    )
    for f in ["value * 2 > 10", "mode < '3'", "mode == 1", "value == None", "status", "x == 1"]:
        assert filter_sql.translate(f, dialect="sqlite", elements=elements, events=True) is None
    # a stage's element in a filter over enrolments is always missing: left to the stream
    assert (
        filter_sql.translate("value > 1", dialect="sqlite", elements=elements, events=False) is None
    )
