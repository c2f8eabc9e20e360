"""The shared CSV / .xlsx reader: encodings, headers, line numbers, refusing a file as a whole."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Literal

import pytest
from openpyxl import Workbook
from sqlalchemy.orm import Session

from healthnet.core import tabular
from healthnet.core.i18n import has
from healthnet.core.tabular import Column, ImportCodes, ImportRejected, RowError, RowErrors, Table

COLUMNS = (
    Column("code", "编码", ("code", "代码"), required=True, max_length=5),
    Column("name", "名称", ("name", "name_zh"), required=True),
    Column("note", "备注", ("remark",)),
)


def read(
    content: bytes, *, max_rows: int = 100, unknown: Literal["error", "ignore"] = "error"
) -> tuple[Table, RowErrors]:
    errors = RowErrors()
    table = tabular.read_table(
        content, COLUMNS, errors=errors, max_rows=max_rows, unknown_columns=unknown
    )
    return table, errors


def rejected(content: bytes, *, max_rows: int = 100) -> list[RowError]:
    with pytest.raises(ImportRejected) as exc:
        read(content, max_rows=max_rows)
    assert exc.value.code == "import.rejected"
    return exc.value.row_errors


def xlsx(*rows: tuple[object, ...], sheets: int = 1) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    for i in range(1, sheets):
        book.create_sheet(f"说明{i}").append(["填写说明"])
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def test_utf8_with_bom_and_loose_english_headers() -> None:
    table, errors = read("\ufeffCode, Name_ZH ,REMARK\nA1,甲,x\n".encode())
    assert table.headers == {"code": "Code", "name": "Name_ZH", "note": "REMARK"}
    assert [(r.line, r.values) for r in table.rows] == [
        (2, {"code": "A1", "name": "甲", "note": "x"})
    ]
    assert not errors


def test_gbk_from_excel_and_tab_separated() -> None:
    content = "编码\t名称\r\nA1\t糖尿病\r\n".encode("gbk")
    table, _ = read(content)
    assert table.rows[0].values == {"code": "A1", "name": "糖尿病"}
    assert table.rows[0].column("name") == "名称"


def test_a_bom_is_not_given_a_second_chance_as_gbk() -> None:
    errors = rejected(b"\xef\xbb\xbf" + "编码,名称\n".encode("gbk"))
    assert [(e.line, e.field, e.code) for e in errors] == [(1, "file", "import.encoding")]
    assert errors[0].message.startswith("第 1 行：无法识别文件编码")


def test_unknown_repeated_and_missing_columns_are_reported_on_the_header_line() -> None:
    errors = rejected("\n编码,颜色,代码\nA,红,B\n".encode())
    assert [(e.line, e.code, e.column) for e in errors] == [
        (2, "import.unknown_column", "颜色"),
        (2, "import.duplicate_column", "代码"),
        (2, "import.missing_column", ""),
    ]
    assert errors[0].message == "第 2 行“颜色”：无法识别的列“颜色”"
    assert errors[2].message == "第 2 行：缺少必需的列“名称”"


def test_unknown_columns_can_be_ignored() -> None:
    table, _ = read("编码,名称,颜色,\nA,甲,红,\n".encode(), unknown="ignore")
    assert table.rows[0].values == {"code": "A", "name": "甲"}
    assert not table.has("note") and table.column("note", "备注") == "备注"


def test_line_numbers_count_blank_and_multi_line_records() -> None:
    content = '编码,名称,备注\n\nA,甲,"两行\n备注"\n,,\nB,乙\n'.encode()
    table, _ = read(content)
    assert [(r.line, r.get("code")) for r in table.rows] == [(3, "A"), (6, "B")]
    assert table.rows[0].get("note") == "两行\n备注"
    assert table.rows[1].get("note") == ""  # missing trailing cells read as empty


def test_extra_cells_are_an_error_only_when_not_empty() -> None:
    table, errors = read("编码,名称\nA,甲,,\nB,乙,多余\n".encode())
    assert [r.get("code") for r in table.rows] == ["A"]
    assert [(e.line, e.field, e.code) for e in errors] == [(3, "row", "import.field_count")]
    assert errors.rejected().errors[0].message == "第 3 行：该行有 3 列，多于表头的 2 列"


def test_cell_checks_collect_every_row_then_refuse_the_file_sorted_by_line() -> None:
    table, errors = read("编码,名称\nTOOLONG,甲\nB,\nC,丙\n".encode())
    for row in reversed(table.rows):
        errors.check_cells(row, COLUMNS)
    with pytest.raises(ImportRejected) as exc:
        errors.raise_if_any()
    assert [(e.line, e.field, e.code) for e in exc.value.row_errors] == [
        (2, "code", "import.too_long"),
        (3, "name", "import.required"),
    ]
    assert exc.value.detail == "导入未执行：文件中有 2 处错误，数据未做任何修改"
    assert exc.value.row_errors[0].message == "第 2 行“编码”：不能超过 5 个字符"
    assert exc.value.row_errors[1].as_dict() == {
        "line": 3,
        "field": "name",
        "column": "名称",
        "code": "import.required",
        "message": "第 3 行“名称”：不能为空",
    }


def test_empty_file_header_only_too_many_rows_and_broken_csv() -> None:
    assert [e.code for e in rejected(b"")] == ["import.empty"]
    assert [e.code for e in rejected(b"\n \n")] == ["import.empty"]
    assert [(e.line, e.code) for e in rejected("编码,名称\n".encode())] == [(1, "import.no_rows")]
    many = "编码,名称\n" + "".join(f"C{i},名{i}\n" for i in range(4))
    errors = rejected(many.encode(), max_rows=3)
    assert [(e.line, e.code) for e in errors] == [(5, "import.too_many_rows")]
    assert "3 行" in errors[0].message
    errors = rejected('编码,名称\nA,"甲"乙\n'.encode())
    assert [(e.line, e.code) for e in errors] == [(2, "import.not_csv")]


def test_slices_can_keep_their_own_codes() -> None:
    codes = ImportCodes.prefixed("orgs", "rejected", "empty", required="field.missing")
    assert (codes.rejected, codes.empty, codes.required) == (
        "orgs.import_rejected",
        "orgs.import_empty",
        "field.missing",
    )
    assert codes.no_rows == "import.no_rows"
    with pytest.raises(ValueError, match="not import message kinds"):
        ImportCodes.prefixed("orgs", "rejectd")
    with pytest.raises(ImportRejected) as exc:
        tabular.read_table(b"", COLUMNS, errors=RowErrors(codes), max_rows=1)
    assert exc.value.code == "orgs.import_rejected"
    assert exc.value.row_errors[0].code == "orgs.import_empty"


def test_every_import_code_in_use_has_a_chinese_message() -> None:
    from healthnet.core.codes.csv_import import IMPORT_CODES as CODES_IMPORT
    from healthnet.core.orgs.csv_import import IMPORT_CODES as ORGS_IMPORT

    for codes in (ImportCodes(), CODES_IMPORT, ORGS_IMPORT):
        for name, code in vars(codes).items():
            assert has(code), f"{name}: {code} is not in the catalogue"


def test_xlsx_cells_read_as_excel_shows_them_with_excel_row_numbers() -> None:
    content = xlsx(
        ("编码", "名称", "备注", None),
        (),
        ("A1", "甲", 2000.0, None),
        (101, "乙", dt.datetime(2024, 3, 1), None),
        ("C3", " 丙 ", True, 121.425),
        sheets=2,
    )
    table, errors = read(content)
    assert [(r.line, r.values) for r in table.rows] == [
        (3, {"code": "A1", "name": "甲", "note": "2000"}),
        (4, {"code": "101", "name": "乙", "note": "2024-03-01"}),
        (5, {"code": "C3", "name": "丙", "note": "TRUE"}),
    ]
    assert not errors


def test_xlsx_header_problems_and_broken_files() -> None:
    errors = rejected(xlsx(("编码", "颜色"), ("A", "红")))
    assert [(e.line, e.code) for e in errors] == [
        (1, "import.unknown_column"),
        (1, "import.missing_column"),
    ]
    truncated = xlsx(("编码", "名称"), ("A", "甲"))[:300]
    assert [e.code for e in rejected(truncated)] == ["import.not_xlsx"]
    not_a_workbook = io.BytesIO()
    with zipfile.ZipFile(not_a_workbook, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert [e.code for e in rejected(not_a_workbook.getvalue())] == ["import.not_xlsx"]
    old_excel = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
    errors = rejected(old_excel)
    assert [e.code for e in errors] == ["import.xls_unsupported"]
    assert "另存为 .xlsx 或 CSV" in errors[0].message


def test_xlsx_that_unpacks_too_large_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    content = xlsx(("编码", "名称"), *((f"C{i}", "名" * 50) for i in range(200)))
    assert len(read(content, max_rows=200)[0].rows) == 200
    monkeypatch.setattr(tabular, "MAX_XLSX_UNPACKED", len(content))
    assert [e.code for e in rejected(content)] == ["import.too_large"]


def test_a_slice_imports_xlsx_end_to_end(db: Session) -> None:
    from healthnet.core.codes import service

    content = xlsx(
        ("疾病编码", "疾病名称", "上级编码"),
        ("E11", "2型糖尿病", None),
        ("E11.9", "不伴并发症", "E11"),
    )
    result = service.import_csv(
        session=db, system="test-xlsx", version="1", content=content, name_zh="Excel 导入"
    )
    assert result.concept_count == 2
    found = service.search(session=db, system="test-xlsx", q="E11.9")
    assert found[0].display_zh == "不伴并发症"


def test_institutions_import_from_xlsx_with_numeric_cells(db: Session) -> None:
    from healthnet.core.orgs import service

    service.load_districts(session=db)
    content = xlsx(
        ("机构代码", "机构名称", "机构类别", "所在区", "床位数", "经度", "纬度"),
        ("X01", "表格医院", "三级医院", 310104, 2000.0, 121.425, 31.176),
        ("X02", "表格中心", "cdc", "黄浦区", None, None, None),
    )
    result = service.import_institutions(session=db, content=content)
    assert (result.created, result.total) == (2, 2)
    inst = service.get_institution_by_code(session=db, code="X01")
    assert inst is not None
    assert (inst.district_code, inst.beds, inst.longitude) == ("310104", 2000, 121.425)
