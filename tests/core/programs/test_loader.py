"""Loading program files: validation with the path inside the file, idempotence, versions,
old records keeping their version, and a program written here used through the API."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from healthnet.core.programs.loader import ProgramFileError, load_files, parse_text
from healthnet.core.programs.models import Program, ProgramVersion

from .conftest import FIXTURES, World

BASE = "/api/v1/programs"
HT_TEXT = (FIXTURES / "hypertension.yaml").read_text(encoding="utf-8")


def test_example_programs_load_and_validate(db: Session) -> None:
    results = load_files(session=db, paths=[FIXTURES])
    assert sorted((r.code, r.version, r.changed) for r in results) == [
        ("hypertension_demo", 1, True),
        ("stroke_demo", 1, True),
    ]


@pytest.mark.parametrize(
    ("old", "new", "line"),
    [
        (
            "valueType: number, unit: kg, min",
            "valueType: numbr, unit: kg, min",
            'hypertension.yaml: stages[0].elements[2].valueType 未知的值类型 "numbr"',
        ),
        (
            "optionSet: adherence}",
            "optionSet: adherense}",
            "hypertension.yaml: stages[0].elements[4].optionSet 未定义的选项集：adherense",
        ),
        (
            "condition: sbp < 140 and dbp < 90",
            "condition: sbp < 140 and dpb < 90",
            "hypertension.yaml: rules[1].condition 表达式引用了未定义的数据元或变量：dpb",
        ),
        (
            "to: closed, roles",
            "to: finished, roles",
            "hypertension.yaml: workflow.transitions[0].to 未定义的状态：finished",
        ),
        (
            "{type: schedule_event, stage: followup, days: 14}",
            "{type: schedule_event, stage: visit, days: 14}",
            "hypertension.yaml: rules[2].actions[2].stage 未定义的阶段：visit",
        ),
        (
            "repeatable: true",
            "repeatible: true",
            "hypertension.yaml: stages[0].repeatible 不认识的键",
        ),
        (
            "code: hypertension_demo",
            "code: worklist",
            "hypertension.yaml: code 项目代码不能使用保留字：worklist",
        ),
        (
            "kind: enrolment",
            "kind: tracker",
            'hypertension.yaml: kind 取值 "tracker" 不在允许范围内',
        ),
    ],
)
def test_invalid_files_name_the_file_and_the_path(old: str, new: str, line: str) -> None:
    assert old in HT_TEXT
    with pytest.raises(ProgramFileError) as exc:
        parse_text(HT_TEXT.replace(old, new, 1), file="hypertension.yaml")
    assert any(x.startswith(line) for x in exc.value.lines()), exc.value.lines()


def test_loading_is_idempotent_and_a_change_is_a_new_version(db: Session, tmp_path: Path) -> None:
    f = tmp_path / "hypertension.yaml"
    f.write_text(HT_TEXT, encoding="utf-8")
    (first,) = load_files(session=db, paths=[f])
    (again,) = load_files(session=db, paths=[f])
    assert (first.version, first.changed) == (1, True)
    assert (again.version, again.changed) == (1, False)
    f.write_text(HT_TEXT.replace("name: 体重,", "name: 体重（kg）,"), encoding="utf-8")
    (changed,) = load_files(session=db, paths=[f])
    assert (changed.version, changed.changed) == (2, True)
    program = db.scalar(select(Program).where(Program.code == "hypertension_demo"))
    assert program is not None
    n = db.scalar(
        select(func.count(ProgramVersion.id)).where(ProgramVersion.program_id == program.id)
    )
    assert n == 2


def test_one_bad_file_loads_nothing(db: Session, tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(HT_TEXT, encoding="utf-8")
    (tmp_path / "b.yaml").write_text("code: x\nname: [", encoding="utf-8")
    with pytest.raises(ProgramFileError) as exc:
        load_files(session=db, paths=[tmp_path])
    assert exc.value.lines() == ["b.yaml: 不是合法的 YAML 第 2 行"]
    assert db.scalar(select(Program).where(Program.code == "hypertension_demo")) is None


def test_cli_reports_errors_in_chinese(tmp_path: Path) -> None:
    from healthnet.cli import app

    bad = tmp_path / "diabetes.yaml"
    bad.write_text(
        HT_TEXT.replace("valueType: integer, unit: mmHg, min: 60", "valueType: int"), "utf-8"
    )
    result = CliRunner().invoke(app, ["programs", "load", str(bad)])
    assert result.exit_code == 1
    assert 'diabetes.yaml: stages[0].elements[0].valueType 未知的值类型 "int"' in result.output


PROGRAM_WRITTEN_HERE = """
code: smoking_cessation
name: 戒烟干预（测试）
kind: enrolment
optionSets:
  - code: stage_of_change
    name: 行为阶段
    options:
      - {code: pre, name: 意向前期}
      - {code: action, name: 行动期}
enrolment:
  elements:
    - code: cigarettes_per_day
      name: 日吸烟量
      valueType: integer
      unit: 支
      min: 1
      max: 100
      required: true
stages:
  - code: visit
    name: 随访
    repeatable: true
    schedule: {after: enrolment, days: 30}
    elements:
      - {code: smoked_today, name: 当日是否吸烟, valueType: boolean, required: true}
      - {code: change_stage, name: 行为阶段, valueType: option, optionSet: stage_of_change}
workflow:
  initial: active
  states:
    - {code: active, name: 干预中}
    - {code: quit, name: 已戒烟, terminal: true}
  transitions:
    - {code: mark_quit, name: 确认戒烟, from: [active], to: quit, roles: [family_doctor]}
rules:
  - code: heavy
    condition: cigarettes_per_day >= 20
    actions:
      - {type: show_warning, field: cigarettes_per_day, message: 重度吸烟}
  - code: relapse
    form: visit
    condition: smoked_today
    actions:
      - {type: assign_value, field: change_stage, expression: "'pre'"}
"""


def test_a_program_written_in_the_test_works_through_the_api(
    client: TestClient, world: World
) -> None:
    admin = world.user("program_admin", None, permissions=("programs:metadata:write",))
    doc = world.user("family_doctor", world.a)
    person = world.person(doc)
    world.db.commit()
    r = client.post(f"{BASE}/metadata", json={"yaml": PROGRAM_WRITTEN_HERE}, headers=admin.headers)
    assert r.status_code == 200, r.text
    assert r.json() == {"code": "smoking_cessation", "version": 1, "changed": True}
    bad = client.post(
        f"{BASE}/metadata",
        json={"yaml": PROGRAM_WRITTEN_HERE.replace("valueType: boolean", "valueType: bool")},
        headers=admin.headers,
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "yaml.stages[0].elements[0].valueType"
    assert (
        client.post(
            f"{BASE}/metadata", json={"yaml": PROGRAM_WRITTEN_HERE}, headers=doc.headers
        ).status_code
        == 403
    )

    r = client.post(
        f"{BASE}/smoking_cessation/enrolments",
        json={"personId": person, "values": {"cigarettes_per_day": 25}},
        headers=doc.headers,
    )
    assert r.status_code == 201, r.text
    assert r.json()["warnings"][0]["message"] == "重度吸烟"
    assert [s["stage"] for s in r.json()["scheduled"]] == ["visit"]
    eid = r.json()["enrolment"]["id"]
    r = client.post(
        f"{BASE}/enrolments/{eid}/events",
        json={"stage": "visit", "values": {"smoked_today": True}},
        headers=doc.headers,
    )
    assert r.status_code == 201, r.text
    assert r.json()["event"]["values"] == {"smoked_today": True, "change_stage": "pre"}
    r = client.post(
        f"{BASE}/enrolments/{eid}/transitions",
        json={"transition": "mark_quit"},
        headers=doc.headers,
    )
    assert r.status_code == 200 and r.json()["status"] == "quit"


def test_old_events_keep_their_version(client: TestClient, world: World) -> None:
    admin = world.user("program_admin", None, permissions=("programs:metadata:write",))
    doc = world.user("family_doctor", world.a)
    person = world.person(doc)
    world.db.commit()
    client.post(f"{BASE}/metadata", json={"yaml": PROGRAM_WRITTEN_HERE}, headers=admin.headers)
    eid = client.post(
        f"{BASE}/smoking_cessation/enrolments",
        json={"personId": person, "values": {"cigarettes_per_day": 10}},
        headers=doc.headers,
    ).json()["enrolment"]["id"]
    old_event = client.post(
        f"{BASE}/enrolments/{eid}/events",
        json={"stage": "visit", "values": {"smoked_today": False}},
        headers=doc.headers,
    ).json()["event"]
    # version 2 renames the boolean into an option and adds a required element
    v2 = PROGRAM_WRITTEN_HERE.replace(
        "- {code: smoked_today, name: 当日是否吸烟, valueType: boolean, required: true}",
        "- {code: smoked_today, name: 当日是否吸烟, valueType: boolean, required: true}\n"
        "      - {code: co_ppm, name: 呼气一氧化碳, valueType: integer, unit: ppm, required: true}",
    )
    r = client.post(f"{BASE}/metadata", json={"yaml": v2}, headers=admin.headers)
    assert r.json() == {"code": "smoking_cessation", "version": 2, "changed": True}

    # the old event is still valid under its own version (co_ppm did not exist then)
    r = client.patch(
        f"{BASE}/events/{old_event['id']}",
        json={"values": {"smoked_today": True}},
        headers=doc.headers,
    )
    assert r.status_code == 200, r.text
    assert r.json()["event"]["versionId"] == old_event["versionId"]
    # a new event is captured with version 2 and needs the new element
    r = client.post(
        f"{BASE}/enrolments/{eid}/events",
        json={"stage": "visit", "values": {"smoked_today": False}},
        headers=doc.headers,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "values.co_ppm"
    r = client.post(
        f"{BASE}/enrolments/{eid}/events",
        json={"stage": "visit", "values": {"smoked_today": False, "co_ppm": 4}},
        headers=doc.headers,
    )
    assert r.status_code == 201
    assert r.json()["event"]["versionId"] != old_event["versionId"]
    detail = client.get(f"{BASE}/smoking_cessation", params={"version": 1}, headers=doc.headers)
    assert detail.json()["version"] == 1
