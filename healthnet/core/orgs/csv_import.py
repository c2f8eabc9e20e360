"""CSV import of institutions: check every row, then write all or nothing.

File format (the operators' description is healthnet/core/orgs/README.md):
- first row is the header; each column may be named in Chinese or English (see ``COLUMNS``);
- UTF-8 (with or without BOM) or GBK/GB 18030 — what Excel on a Chinese Windows saves;
- comma separated (a header with tabs and no commas is read as tab separated);
- rows are keyed by 机构代码: an unknown code creates an institution, a known one is updated.
  On update only the columns present in the file are changed; an empty cell clears an
  optional field.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from healthnet.core.db import new_id
from healthnet.core.errors import FieldError, ValidationFailed, pydantic_errors
from healthnet.core.i18n import t
from healthnet.core.orgs.enums import KIND_LABELS, LEVEL_LABELS, InstitutionKind, InstitutionLevel
from healthnet.core.orgs.models import District, Institution
from healthnet.core.orgs.schemas import ImportResult, InstitutionCreate

_CHUNK = 500  # bound on IN (...) parameters per query, below every dialect's limit


@dataclass(frozen=True)
class Column:
    field: str  # the API field (camelCase) the column feeds
    zh: str  # the header we write in templates
    en: str
    aliases: tuple[str, ...] = ()
    required: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("code", "机构代码", "code", ("机构编码", "登记号", "登记代码"), required=True),
    Column("name", "机构名称", "name", ("名称",), required=True),
    Column("shortName", "机构简称", "shortName", ("简称",)),
    Column("kind", "机构类别", "kind", ("类别", "机构类型"), required=True),
    Column("level", "医院等级", "level", ("等级", "机构等级")),
    Column(
        "districtCode",
        "所在区",
        "district",
        ("区", "所属区", "区代码", "districtCode"),
        required=True,
    ),
    Column("address", "地址", "address", ("机构地址",)),
    Column("longitude", "经度", "longitude", ("lng", "lon")),
    Column("latitude", "纬度", "latitude", ("lat",)),
    Column("beds", "床位数", "beds", ("核定床位数", "床位")),
    Column("creditCode", "统一社会信用代码", "creditCode", ("信用代码",)),
    Column("phone", "联系电话", "phone", ("电话",)),
    Column("parentCode", "上级机构代码", "parentCode", ("上级机构",)),
    Column("isActive", "是否启用", "active", ("启用", "isActive")),
)

# Words people write for the kinds, besides the enum value and the labels.
_KIND_WORDS: dict[str, InstitutionKind] = {
    "三级综合医院": InstitutionKind.TERTIARY_HOSPITAL,
    "二级综合医院": InstitutionKind.SECONDARY_HOSPITAL,
    "社区卫生服务中心": InstitutionKind.COMMUNITY_HEALTH_CENTRE,
    "疾控中心": InstitutionKind.CDC,
    "妇幼保健院": InstitutionKind.MATERNAL_CHILD_HEALTH,
    "妇幼保健所": InstitutionKind.MATERNAL_CHILD_HEALTH,
    "接种门诊": InstitutionKind.VACCINATION_CLINIC,
    "检验实验室": InstitutionKind.LABORATORY,
    "眼病防治所": InstitutionKind.EYE_ORAL_PREVENTION,
    "口腔病防治所": InstitutionKind.EYE_ORAL_PREVENTION,
    "牙病防治所": InstitutionKind.EYE_ORAL_PREVENTION,
}
_LEVEL_WORDS: dict[str, InstitutionLevel] = {
    "三甲": InstitutionLevel.L3A,
    "三乙": InstitutionLevel.L3B,
    "三丙": InstitutionLevel.L3C,
    "二甲": InstitutionLevel.L2A,
    "二乙": InstitutionLevel.L2B,
    "二丙": InstitutionLevel.L2C,
    "一级": InstitutionLevel.L1,
    "": InstitutionLevel.UNGRADED,
}
_TRUE = {"是", "启用", "有效", "y", "yes", "true", "1"}
_FALSE = {"否", "停用", "无效", "n", "no", "false", "0"}


def _norm(text: str) -> str:
    return "".join(text.split()).replace("_", "").replace("-", "").lower()


def _lookup(table: dict[str, Any]) -> dict[str, Any]:
    return {_norm(k): v for k, v in table.items()}


_HEADERS = _lookup(
    {name: col for col in COLUMNS for name in (col.zh, col.en, col.field, *col.aliases)}
)
_KINDS = _lookup(
    {
        **{k.value: k for k in InstitutionKind},
        **{zh: k for k, (zh, _) in KIND_LABELS.items()},
        **{en: k for k, (_, en) in KIND_LABELS.items()},
        **_KIND_WORDS,
    }
)
_LEVELS = _lookup(
    {
        **{k.value: k for k in InstitutionLevel},
        **{zh: k for k, (zh, _) in LEVEL_LABELS.items()},
        **{en: k for k, (_, en) in LEVEL_LABELS.items()},
        **_LEVEL_WORDS,
    }
)


@dataclass(frozen=True)
class RowError(FieldError):
    """One problem in the file: its line (1 = header), the field, and the header as written."""

    line: int = 0
    column: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "field": self.field,
            "column": self.column,
            "code": self.code,
            "message": self.message,
        }


class ImportRejected(ValidationFailed):
    """The file has errors; nothing was written. ``errors`` holds every :class:`RowError`."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("orgs.import_rejected", errors=list(errors), count=len(errors))

    @property
    def row_errors(self) -> list[RowError]:
        return [e for e in self.errors if isinstance(e, RowError)]


def template_csv() -> str:
    """The header row with the Chinese column names, for operators to fill in."""
    return ",".join(c.zh for c in COLUMNS) + "\r\n"


def _error(line: int, column: str, field: str, code: str, **params: Any) -> RowError:
    message = t(code, **params)
    return _row_error(line, column, field, code, message)


def _row_error(line: int, column: str, field: str, code: str, message: str) -> RowError:
    text = (
        t("orgs.import_row_error", line=line, column=column, message=message)
        if column
        else t("orgs.import_line_error", line=line, message=message)
    )
    return RowError(field=field, code=code, message=text, line=line, column=column)


def decode(content: bytes) -> str:
    """UTF-8 (BOM or not) first; otherwise GB 18030, the superset of GBK that Excel writes."""
    # A BOM promises UTF-8, so a file with one is not given a second chance as GBK.
    encodings = ("utf-8-sig",) if content.startswith(b"\xef\xbb\xbf") else ("utf-8", "gb18030")
    for encoding in encodings:
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportRejected([_error(1, "", "file", "orgs.import_encoding")])


@dataclass
class _Row:
    line: int
    values: dict[str, Any]  # field → validated value, only for columns present in the file
    parent_code: str | None
    has_parent: bool
    is_active: bool | None


def _read_records(text: str) -> list[tuple[int, list[str]]]:
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for record in reader:
            if any(cell.strip() for cell in record):
                records.append((start, record))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise ImportRejected(
            [_error(start, "", "file", "orgs.import_not_csv", reason=str(exc))]
        ) from None
    return records


def _parse_header(line: int, header: list[str]) -> list[Column | None]:
    errors: list[RowError] = []
    columns: list[Column | None] = []
    seen: set[str] = set()
    for cell in header:
        name = cell.strip()
        col = _HEADERS.get(_norm(name))
        if not name:
            columns.append(None)  # trailing empty header cells from spreadsheets
            continue
        if col is None:
            errors.append(_error(line, name, "header", "orgs.import_unknown_column", name=name))
        elif col.field in seen:
            errors.append(_error(line, name, "header", "orgs.import_duplicate_column", name=name))
        else:
            seen.add(col.field)
        columns.append(col)
    for col in COLUMNS:
        if col.required and col.field not in seen:
            errors.append(_error(line, "", "header", "orgs.import_missing_column", name=col.zh))
    if errors:
        raise ImportRejected(errors)
    return columns


class _Checker:
    def __init__(self, session: Session) -> None:
        self.session = session
        districts = list(session.execute(select(District.code, District.name)))
        self.districts: dict[str, str] = {}
        for code, name in districts:
            self.districts[_norm(code)] = code
            self.districts[_norm(name)] = code
            short = name.removesuffix("新区").removesuffix("区")
            self.districts.setdefault(_norm(short), code)

    def row(
        self,
        line: int,
        header: list[Column | None],
        names: list[str],
        record: list[str],
        errors: list[RowError],
    ) -> _Row | None:
        if len(record) > len(header) and any(c.strip() for c in record[len(header) :]):
            errors.append(
                _error(
                    line,
                    "",
                    "row",
                    "orgs.import_field_count",
                    found=len(record),
                    expected=len(header),
                )
            )
            return None
        cells = {
            col.field: (record[i].strip() if i < len(record) else "")
            for i, col in enumerate(header)
            if col is not None
        }
        column_of = {col.field: names[i] for i, col in enumerate(header) if col is not None}
        before = len(errors)
        payload: dict[str, Any] = {}
        failed: set[str] = set()

        def convert(field: str, fn: Callable[[str], Any], code: str) -> None:
            if field not in cells:
                return
            value = fn(cells[field])
            if value is None:
                errors.append(_error(line, column_of[field], field, code, value=cells[field]))
                failed.add(field)
            else:
                payload[field] = value

        for col in COLUMNS:
            if col.required and cells.get(col.field) == "":
                errors.append(_error(line, column_of[col.field], col.field, "field.missing"))
                failed.add(col.field)
                del cells[col.field]
        for field in (
            "code",
            "name",
            "shortName",
            "address",
            "longitude",
            "latitude",
            "beds",
            "creditCode",
            "phone",
        ):
            if field in cells:
                payload[field] = cells[field]
        convert("kind", lambda v: _KINDS.get(_norm(v)), "orgs.import_kind_unknown")
        convert("level", lambda v: _LEVELS.get(_norm(v)), "orgs.import_level_unknown")
        convert("districtCode", lambda v: self.districts.get(_norm(v)), "orgs.district_unknown")
        is_active: bool | None = None
        if cells.get("isActive"):
            flag = _norm(cells["isActive"])
            if flag in _TRUE or flag in _FALSE:
                is_active = flag in _TRUE
            else:
                errors.append(_error(line, column_of["isActive"], "isActive", "orgs.import_bool"))
        try:
            model = InstitutionCreate.model_validate(payload)
        except ValidationError as exc:
            model = None
            for err in pydantic_errors(list(exc.errors())):
                field = err.field
                if field in failed:
                    continue  # already reported by the converter
                errors.append(
                    _row_error(line, column_of.get(field, field), field, err.code, err.message)
                )
        if model is None or len(errors) > before:
            return None
        dumped = model.model_dump(by_alias=True)
        values = {_snake(f): dumped[f] for f in payload}
        for key in ("kind", "level"):
            if key in values:
                values[key] = values[key].value
        parent = cells.get("parentCode") or None
        return _Row(line, values, parent, "parentCode" in cells, is_active)


def _snake(field: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in field)


def _load_existing(session: Session, codes: list[str]) -> dict[str, Institution]:
    found: dict[str, Institution] = {}
    for i in range(0, len(codes), _CHUNK):
        chunk = codes[i : i + _CHUNK]
        for inst in session.scalars(select(Institution).where(Institution.code.in_(chunk))):
            found[inst.code] = inst
    return found


def _stored_parents(session: Session) -> dict[str, str | None]:
    parent = aliased(Institution)
    rows = session.execute(
        select(Institution.code, parent.code).outerjoin(parent, Institution.parent_id == parent.id)
    )
    return {code: parent_code for code, parent_code in rows}


def run_import(*, session: Session, content: bytes) -> ImportResult:
    records = _read_records(decode(content))
    if not records:
        raise ImportRejected([_error(1, "", "file", "orgs.import_empty")])
    header_line, header_cells = records[0]
    header = _parse_header(header_line, header_cells)
    names = [c.strip() for c in header_cells]
    if len(records) == 1:
        raise ImportRejected([_error(header_line, "", "file", "orgs.import_no_rows")])

    checker = _Checker(session)
    errors: list[RowError] = []
    rows: list[_Row] = []
    first_line_of: dict[str, int] = {}
    code_column = next(n for n, c in zip(names, header, strict=True) if c and c.field == "code")
    for line, record in records[1:]:
        row = checker.row(line, header, names, record, errors)
        if row is None:
            continue
        code = row.values["code"]
        if code in first_line_of:
            errors.append(
                _error(
                    line,
                    code_column,
                    "code",
                    "orgs.import_duplicate_code",
                    first_line=first_line_of[code],
                )
            )
            continue
        first_line_of[code] = line
        rows.append(row)

    existing = _load_existing(session, list(first_line_of))
    stored_parents = _stored_parents(session) if any(r.has_parent for r in rows) else {}
    parent_column = next(
        (n for n, c in zip(names, header, strict=True) if c and c.field == "parentCode"), ""
    )
    final_parent = dict(stored_parents)
    final_parent.update({r.values["code"]: r.parent_code for r in rows if r.has_parent})
    for row in rows:
        code = row.values["code"]
        current = existing.get(code)
        lon = row.values.get("longitude", current.longitude if current else None)
        lat = row.values.get("latitude", current.latitude if current else None)
        if (lon is None) != (lat is None):
            field = "latitude" if lat is None else "longitude"
            col = next(
                (n for n, c in zip(names, header, strict=True) if c and c.field == field), field
            )
            errors.append(_error(row.line, col, field, "orgs.coordinates_incomplete"))
        if row.parent_code is None:
            continue
        if row.parent_code not in first_line_of and row.parent_code not in stored_parents:
            errors.append(
                _error(
                    row.line,
                    parent_column,
                    "parentCode",
                    "orgs.import_parent_unknown",
                    value=row.parent_code,
                )
            )
            continue
        seen = {code}
        walk: str | None = row.parent_code
        while walk is not None:
            if walk in seen:
                errors.append(
                    _error(row.line, parent_column, "parentCode", "orgs.import_parent_cycle")
                )
                break
            seen.add(walk)
            walk = final_parent.get(walk)
    if errors:
        errors.sort(key=lambda e: e.line)
        raise ImportRejected(errors)
    return _apply(session, rows, existing)


def _apply(session: Session, rows: list[_Row], existing: dict[str, Institution]) -> ImportResult:
    created = updated = unchanged = 0
    by_code = dict(existing)
    changed: set[str] = set()
    for row in rows:
        code = row.values["code"]
        inst = existing.get(code)
        if inst is None:
            inst = Institution(id=new_id(), is_active=row.is_active is not False, **row.values)
            session.add(inst)
            by_code[code] = inst
            created += 1
            continue
        updates = dict(row.values)
        if row.is_active is not None:
            updates["is_active"] = row.is_active
        for key, value in updates.items():
            if getattr(inst, key) != value:
                setattr(inst, key, value)
                changed.add(code)
    session.flush()
    # Parents second: a parent may be created by a later line of the same file.
    missing = [r.parent_code for r in rows if r.parent_code and r.parent_code not in by_code]
    by_code.update(_load_existing(session, missing))
    for row in rows:
        if not row.has_parent:
            continue
        inst = by_code[row.values["code"]]
        parent_id = by_code[row.parent_code].id if row.parent_code else None
        if inst.parent_id != parent_id:
            inst.parent_id = parent_id
            if row.values["code"] in existing:
                changed.add(row.values["code"])
    session.flush()
    for code in changed:
        session.expire(by_code[code], ["district"])
    updated = len(changed)
    unchanged = len(existing) - updated
    return ImportResult(created=created, updated=updated, unchanged=unchanged, total=len(rows))
