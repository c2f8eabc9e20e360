"""CSV import of institutions: all rows checked first, all or nothing, keyed by code."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from healthnet.core.orgs import service
from healthnet.core.orgs.csv_import import ImportRejected, RowError, template_csv
from healthnet.core.orgs.models import Institution

ROOT = Path(__file__).resolve().parents[3]
HEADER_ZH = (
    "机构代码,机构名称,机构简称,机构类别,医院等级,所在区,地址,经度,纬度,床位数,"
    "统一社会信用代码,联系电话,上级机构代码\n"
)
GOOD_ROWS = (
    "SH001,上海市第六人民医院,六院,三级医院,三级甲等,徐汇区,宜山路600号,121.425,31.176,"
    "2000,91350100M000100Y43,021-64369181,\n"
    "SH002,上海市第六人民医院金山分院,六院金山,二级医院,二甲,310116,,121.34,30.74,600,,,"
    "SH001\n"
    "SH003,徐汇区凌云街道社区卫生服务中心,,社区卫生服务中心,,徐汇,,,,,,,\n"
)


def _count(db: Session) -> int:
    return db.scalar(select(func.count(Institution.id))) or 0


def _rejected(db: Session, content: bytes) -> list[RowError]:
    with pytest.raises(ImportRejected) as exc:
        service.import_institutions(session=db, content=content)
    return exc.value.row_errors


def test_import_creates_institutions(db: Session, districts: None) -> None:
    content = ("\ufeff" + HEADER_ZH + GOOD_ROWS).encode("utf-8")  # Excel's UTF-8 with BOM
    result = service.import_institutions(session=db, content=content)
    assert (result.created, result.updated, result.total) == (3, 0, 3)
    six = service.get_institution_by_code(session=db, code="SH001")
    branch = service.get_institution_by_code(session=db, code="SH002")
    chc = service.get_institution_by_code(session=db, code="SH003")
    assert six is not None and branch is not None and chc is not None
    assert (six.kind, six.level, six.district_name) == ("tertiary_hospital", "3A", "徐汇区")
    assert (six.beds, six.longitude, six.credit_code) == (2000, 121.425, "91350100M000100Y43")
    assert (branch.level, branch.district_code, branch.parent_id) == ("2A", "310116", six.id)
    assert (chc.kind, chc.level, chc.district_code) == (
        "community_health_centre",
        "ungraded",
        "310104",
    )
    assert chc.longitude is None and chc.short_name is None


def test_english_headers_without_bom(db: Session, districts: None) -> None:
    content = (
        b"code,name,kind,level,district,beds,active\n"
        b"E1,Test Hospital,tertiary_hospital,3B,310101,10,yes\n"
        b"E2,Test CDC,cdc,ungraded,310101,,no\n"
    )
    assert service.import_institutions(session=db, content=content).created == 2
    e2 = service.get_institution_by_code(session=db, code="E2")
    assert e2 is not None and e2.is_active is False


def test_gbk_file(db: Session, districts: None) -> None:
    content = (HEADER_ZH + GOOD_ROWS).replace("\n", "\r\n").encode("gbk")
    result = service.import_institutions(session=db, content=content)
    assert result.created == 3
    six = service.get_institution_by_code(session=db, code="SH001")
    assert six is not None and six.name == "上海市第六人民医院" and six.address == "宜山路600号"


def test_two_bad_rows_are_each_reported_and_nothing_is_written(
    db: Session, districts: None
) -> None:
    content = (
        HEADER_ZH
        + "OK1,好医院,,三级医院,三级甲等,黄浦区,,,,,,,\n"
        + "BAD1,坏医院一,,三级医院,三级甲等,黄浦区,,,,,91350100M000100Y44,,\n"  # check char
        + "OK2,好医院二,,cdc,,310101,,,,,,,\n"
        + "BAD2,坏医院二,,牙科诊所,,南市区,,,,-5,,,\n"  # kind, district and beds wrong
    ).encode()
    errors = _rejected(db, content)
    assert _count(db) == 0
    assert {(e.line, e.field) for e in errors} == {
        (3, "creditCode"),
        (5, "kind"),
        (5, "districtCode"),
        (5, "beds"),
    }
    credit = next(e for e in errors if e.field == "creditCode")
    assert credit.column == "统一社会信用代码"
    assert credit.message.startswith("第 3 行“统一社会信用代码”：")
    assert "校验位错误" in credit.message
    assert "南市区" in next(e for e in errors if e.field == "districtCode").message


def test_reimport_updates_by_code(db: Session, districts: None) -> None:
    service.import_institutions(session=db, content=(HEADER_ZH + GOOD_ROWS).encode())
    first = service.get_institution_by_code(session=db, code="SH001")
    assert first is not None
    first_id = first.id

    again = service.import_institutions(session=db, content=(HEADER_ZH + GOOD_ROWS).encode())
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)

    changed = GOOD_ROWS.replace("2000,", "2100,").replace(",徐汇,", ",闵行区,")
    result = service.import_institutions(session=db, content=(HEADER_ZH + changed).encode())
    assert (result.created, result.updated, result.unchanged) == (0, 2, 1)
    six = service.get_institution_by_code(session=db, code="SH001")
    chc = service.get_institution_by_code(session=db, code="SH003")
    assert six is not None and six.id == first_id and six.beds == 2100
    assert chc is not None and chc.district_name == "闵行区"
    assert _count(db) == 3


def test_columns_missing_from_the_file_are_left_alone(db: Session, districts: None) -> None:
    service.import_institutions(session=db, content=(HEADER_ZH + GOOD_ROWS).encode())
    content = "机构代码,机构名称,机构类别,所在区\nSH001,六院（更名）,三级医院,徐汇区\n"
    assert service.import_institutions(session=db, content=content.encode()).updated == 1
    six = service.get_institution_by_code(session=db, code="SH001")
    assert six is not None
    assert six.name == "六院（更名）"
    assert six.beds == 2000 and six.credit_code == "91350100M000100Y43"


def test_duplicate_codes_and_unknown_parent(db: Session, districts: None) -> None:
    content = (
        HEADER_ZH
        + "D1,甲,,cdc,,黄浦区,,,,,,,\n"
        + "D1,乙,,cdc,,黄浦区,,,,,,,\n"
        + "D2,丙,,cdc,,黄浦区,,,,,,,NOPE\n"
        + "D3,丁,,cdc,,黄浦区,,121.4,,,,,\n"
    ).encode()
    errors = _rejected(db, content)
    assert [(e.line, e.field) for e in errors] == [(3, "code"), (4, "parentCode"), (5, "latitude")]
    assert "第 2 行" in errors[0].message.split("：", 1)[1]
    assert _count(db) == 0


def test_parent_cycle_inside_the_file(db: Session, districts: None) -> None:
    content = (
        HEADER_ZH + "C1,甲,,cdc,,黄浦区,,,,,,,C2\n" + "C2,乙,,cdc,,黄浦区,,,,,,,C1\n"
    ).encode()
    errors = _rejected(db, content)
    assert {e.code for e in errors} == {"orgs.import_parent_cycle"}


def test_header_problems_are_reported_on_line_1(db: Session, districts: None) -> None:
    errors = _rejected(db, "机构代码,机构名称,颜色\nX,医院,红\n".encode())
    assert all(e.line == 1 for e in errors)
    messages = " ".join(e.message for e in errors)
    assert "颜色" in messages and "机构类别" in messages and "所在区" in messages


def test_bad_encoding_and_empty_file(db: Session, districts: None) -> None:
    assert _rejected(db, b"")[0].code == "orgs.import_empty"
    assert _rejected(db, HEADER_ZH.encode())[0].code == "orgs.import_no_rows"
    assert _rejected(db, b"\xef\xbb\xbf\xff\xfe")[0].code == "orgs.import_encoding"


def test_template_header_imports_back(db: Session, districts: None) -> None:
    row = ",".join(["T1", "模板医院", "", "三级医院", "", "黄浦区"] + [""] * 8)
    result = service.import_institutions(
        session=db, content=(template_csv() + row + "\r\n").encode()
    )
    assert result.created == 1


def test_cli_import_on_a_fresh_database(tmp_path: Path) -> None:
    """`healthnet orgs load-districts` and `healthnet orgs import FILE` end to end (own SQLite)."""
    env = {
        **os.environ,
        "HEALTHNET_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "HEALTHNET_VAR_DIR": str(tmp_path),
    }

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "healthnet.cli", *args],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    assert run("db", "upgrade").returncode == 0
    loaded = run("orgs", "load-districts")
    assert loaded.returncode == 0, loaded.stderr
    assert "新增 16" in loaded.stdout
    good = tmp_path / "good.csv"
    good.write_bytes((HEADER_ZH + GOOD_ROWS).encode("gbk"))
    done = run("orgs", "import", str(good))
    assert done.returncode == 0, done.stderr
    assert "新增 3" in done.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER_ZH + "B1,坏,,三级医院,,无此区,,,,,,,\n", encoding="utf-8")
    refused = run("orgs", "import", str(bad))
    assert refused.returncode == 1
    assert "第 2 行“所在区”" in refused.stderr
