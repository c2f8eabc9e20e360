"""Bulk import (CSV / .xlsx) under /api/v1/records/imports."""

from __future__ import annotations

import io
from collections.abc import Callable

from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from healthnet.core.orgs.models import Institution
from healthnet.modules.records.models import Encounter, LabResult, MedicationOrder

from .conftest import id_card

URL = "/api/v1/records/imports"
CSV = {"Content-Type": "text/csv"}


def _csv(*lines: str) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode("utf-8-sig")


def _count(db: Session, model: type, institution_id: str) -> int:
    return int(
        db.scalar(
            select(func.count()).select_from(model).where(model.institution_id == institution_id)  # type: ignore[attr-defined]
        )
        or 0
    )


def test_encounters_then_orders_and_labs_are_imported(
    db: Session,
    client: TestClient,
    hospital: Institution,
    make_headers: Callable[..., dict[str, str]],
) -> None:
    staff = make_headers("records:import:write", institution_id=hospital.id)
    a, b = id_card("19600101"), id_card("19751231", male=False)
    enc = _csv(
        "机构代码,业务流水号,身份证号,姓名,就诊类型,就诊时间,科室名称,医生",
        f"{hospital.code},V001,{a},赵一,门诊,2024-05-01 09:30,内分泌科,王医生",
        f"{hospital.code},V002,{b},钱二,住院,2024/06/02,心内科,李医生",
    )
    resp = client.post(f"{URL}?kind=encounter", content=enc, headers={**staff, **CSV})
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"kind": "encounter", "created": 2, "updated": 0, "total": 2}
    again = client.post(f"{URL}?kind=encounter", content=enc, headers={**staff, **CSV})
    assert again.json() == {"kind": "encounter", "created": 0, "updated": 2, "total": 2}
    assert _count(db, Encounter, hospital.id) == 2

    med = _csv(
        "机构代码,业务流水号,身份证号,姓名,就诊流水号,开立时间,药品编码,通用名,成分名称,ATC编码,用药天数",
        f"{hospital.code},R001,{a},赵一,V001,2024-05-01 10:00,D01,二甲双胍片,二甲双胍,A10BA02,28",
    )
    resp = client.post(f"{URL}?kind=medication_order", content=med, headers={**staff, **CSV})
    assert resp.status_code == 200, resp.text
    rx = db.scalars(select(MedicationOrder).where(MedicationOrder.source_id == "R001")).one()
    visit = db.scalars(select(Encounter).where(Encounter.source_id == "V001")).one()
    assert (rx.encounter_id, rx.days_supply, rx.atc_code) == (visit.id, 28, "A10BA02")

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(
        [
            "机构代码",
            "业务流水号",
            "身份证号",
            "姓名",
            "项目编码",
            "项目名称",
            "结果",
            "单位",
            "参考下限",
            "参考上限",
            "异常标志",
            "采集时间",
        ]
    )
    ws.append(
        [
            hospital.code,
            "L001",
            b,
            "钱二",
            "HBA1C",
            "糖化血红蛋白",
            "7.2",
            "%",
            4,
            6,
            "h",
            "2024-06-03 07:30",
        ]
    )
    buf = io.BytesIO()
    wb.save(buf)
    resp = client.post(
        f"{URL}?kind=lab_result", files={"file": ("labs.xlsx", buf.getvalue())}, headers=staff
    )
    assert resp.status_code == 200, resp.text
    lab = db.scalars(select(LabResult).where(LabResult.source_id == "L001")).one()
    assert (str(lab.value_numeric.normalize()), lab.abnormal_flag) == ("7.2", "H")


def test_a_file_with_bad_rows_loads_nothing_and_names_each_problem(
    db: Session,
    client: TestClient,
    hospital: Institution,
    make_headers: Callable[..., dict[str, str]],
) -> None:
    staff = make_headers("records:import:write", institution_id=hospital.id)
    good = id_card("19600101")
    body = _csv(
        "机构代码,业务流水号,身份证号,姓名,就诊类型,就诊时间",
        f"{hospital.code},V101,{good},赵一,门诊,2024-05-01 09:30",
        f"{hospital.code},V102,310104199001011234,钱二,门诊,2024-05-01",
        f"{hospital.code},V103,{good},赵一,出诊,2024-13-01",
        f"NOPE,V104,{good},赵一,急诊,2024-05-01",
    )
    resp = client.post(f"{URL}?kind=encounter", content=body, headers={**staff, **CSV})
    assert resp.status_code == 422
    errors = resp.json()["errors"]
    where = {(e["line"], e["field"]) for e in errors}
    assert (3, "idNumber") in where
    assert {(4, "classCode"), (4, "startAt"), (5, "institutionCode")} <= where
    assert all("第" in e["message"] for e in errors)
    assert _count(db, Encounter, hospital.id) == 0


def test_staff_import_only_their_own_institution(
    db: Session,
    client: TestClient,
    hospital: Institution,
    other_hospital: Institution,
    make_headers: Callable[..., dict[str, str]],
) -> None:
    other = make_headers("records:import:write", institution_id=other_hospital.id)
    body = _csv(
        "机构代码,业务流水号,身份证号,姓名,就诊类型,就诊时间",
        f"{hospital.code},V201,{id_card()},赵一,门诊,2024-05-01 09:30",
    )
    resp = client.post(f"{URL}?kind=encounter", content=body, headers={**other, **CSV})
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["field"] == "institutionCode"
    assert _count(db, Encounter, hospital.id) == 0


def test_permission_and_kind_are_checked(
    client: TestClient, hospital: Institution, make_headers: Callable[..., dict[str, str]]
) -> None:
    body = _csv("机构代码,业务流水号,身份证号,姓名,就诊类型,就诊时间")
    assert client.post(f"{URL}?kind=encounter", content=body, headers=CSV).status_code == 401
    nobody = make_headers()
    resp = client.post(f"{URL}?kind=encounter", content=body, headers={**nobody, **CSV})
    assert resp.status_code == 403
    staff = make_headers("records:import:write", institution_id=hospital.id)
    resp = client.post(f"{URL}?kind=diagnosis", content=body, headers={**staff, **CSV})
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["field"] == "kind"
