"""The ten shipped program files: each validates and loads, loading is idempotent, each names
its national source, and the workflows name only built-in role codes that can act on them."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from healthnet.core.programs.loader import load_files, parse_file
from healthnet.core.programs.models import Program, ProgramVersion
from healthnet.core.rbac.catalogue import read_metadata
from healthnet.modules.registries import MANIFEST
from healthnet.modules.registries.service import load_programs, program_files

from .conftest import BASE, World

EXPECTED = {
    "diabetes": "enrolment",
    "hypertension": "enrolment",
    "stroke": "single_event",
    "tuberculosis": "enrolment",
    "cancer": "single_event",
    "death": "single_event",
    "injury": "single_event",
    "severe_mental_disorders": "enrolment",
    "maternal_health": "enrolment",
    "child_health": "enrolment",
}


def test_every_program_file_validates_and_names_its_source() -> None:
    files = program_files()
    specs = {f.name: parse_file(f) for f in files}
    assert {s.code: s.kind for s in specs.values()} == EXPECTED
    for name, spec in specs.items():
        assert spec.source, name
        header = Path(files[0].parent / name).read_text(encoding="utf-8").splitlines()[:3]
        assert any("来源" in line for line in header), name
        assert spec.indicators, name
        assert spec.rules, name
        # every element has a Chinese name
        elements = spec.enrolment.elements + [e for st in spec.stages for e in st.elements]
        assert all(any("\u4e00" <= ch <= "\u9fff" for ch in e.name) for e in elements), name
    assert specs["severe_mental_disorders.yaml"].sensitivity == "restricted"
    assert {s.code for s in specs.values() if s.sensitivity == "restricted"} == {
        "severe_mental_disorders"
    }


def test_workflow_roles_are_built_in_roles_that_may_transition() -> None:
    meta = read_metadata()
    roles = {r.code: r for r in meta.roles}
    for f in program_files():
        spec = parse_file(f)
        for tr in spec.workflow.transitions:
            for code in tr.roles:
                assert code in roles, (f.name, tr.code, code)
                assert "programs:workflow:transition" in roles[code].permissions, (code, f.name)
    # the restricted clearance is held only by the mental-health doctor
    holders = {c for c, r in roles.items() if "programs:restricted:read" in r.permissions}
    assert holders == {"psych_doctor"}


def test_loading_is_idempotent_and_a_change_is_a_new_version(
    db: Session, world: World, tmp_path: Path
) -> None:
    # the world fixture loaded them once: a second load changes nothing
    again = load_programs(session=db)
    assert len(again) == 10 and not any(r.changed for r in again)
    diabetes = db.scalar(select(Program).where(Program.code == "diabetes"))
    assert diabetes is not None
    first_version = diabetes.current_version_id
    changed = tmp_path / "diabetes.yaml"
    text = (program_files()[0].parent / "diabetes.yaml").read_text("utf-8")
    changed.write_text(text.replace("name: 季度随访", "name: 季度随访（修订）"), "utf-8")
    (result,) = load_files(session=db, paths=[changed])
    assert result.changed and result.version == 2
    assert diabetes.current_version_id != first_version
    versions = db.scalar(
        select(func.count())
        .select_from(ProgramVersion)
        .where(ProgramVersion.program_id == diabetes.id)
    )
    assert versions == 2


def test_programs_are_served_to_the_console(client: TestClient, world: World) -> None:
    doctor = world.user("doctor", world.a)
    r = client.get(BASE, headers=doctor.headers)
    assert r.status_code == 200, r.text
    codes = {p["code"] for p in r.json()}
    assert set(EXPECTED) <= codes
    detail = client.get(f"{BASE}/diabetes", headers=doctor.headers).json()
    assert detail["definition"]["name"] == "2型糖尿病患者健康管理"


def test_menu_entries_are_the_console_pages(client: TestClient, world: World) -> None:
    assert [(m.path, m.permission) for m in MANIFEST.menu] == [
        ("/registries/worklist", "programs:enrolment:read"),
        ("/registries/programs", "programs:enrolment:read"),
        ("/registries/transfers", "programs:enrolment:read"),
        ("/registries/indicators", "programs:indicator:read"),
    ]
    doctor = world.user("doctor", world.a)
    r = client.get("/api/v1/rbac/menus", headers=doctor.headers)
    assert r.status_code == 200, r.text
    groups = {g["key"]: g for g in r.json()}
    group = groups["menu.group.registries"]
    assert group["title"] == "公卫专病管理"
    assert [c["title"] for c in group["children"]] == [
        "登记与随访",
        "专病登记",
        "转入转出",
        "专病指标统计",
    ]
