"""CSV / .xlsx import of institutions: check every row, then write all or nothing.

File format (the operators' description is healthnet/core/orgs/README.md):
- first row is the header; each column may be named in Chinese or English (see ``COLUMNS``);
- UTF-8 (with or without BOM) or GBK/GB 18030 — what Excel on a Chinese Windows saves —
  comma or tab separated, or an Excel .xlsx (first sheet); see healthnet.core.tabular;
- rows are keyed by 机构代码: an unknown code creates an institution, a known one is updated.
  On update only the columns present in the file are changed; an empty cell clears an
  optional field.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from healthnet.core.db import new_id
from healthnet.core.errors import pydantic_errors
from healthnet.core.orgs.enums import KIND_LABELS, LEVEL_LABELS, InstitutionKind, InstitutionLevel
from healthnet.core.orgs.models import District, Institution
from healthnet.core.orgs.schemas import ImportResult, InstitutionCreate
from healthnet.core.tabular import Column, ImportCodes, RowErrors, Table, TableRow, read_table
from healthnet.core.tabular import ImportRejected as ImportRejected
from healthnet.core.tabular import RowError as RowError
from healthnet.core.tabular import normalize as _norm
from healthnet.core.tabular import template_csv as _template_csv

_CHUNK = 500  # bound on IN (...) parameters per query, below every dialect's limit
# Shanghai has about 6 000 medical institutions; the limit only stops runaway files.
MAX_ROWS = 50_000

# Fields are the API's (camelCase); each column is also recognised by its field name.
COLUMNS: tuple[Column, ...] = (
    Column("code", "机构代码", ("机构编码", "登记号", "登记代码"), required=True),
    Column("name", "机构名称", ("名称",), required=True),
    Column("shortName", "机构简称", ("简称",)),
    Column("kind", "机构类别", ("类别", "机构类型"), required=True),
    Column("level", "医院等级", ("等级", "机构等级")),
    Column("districtCode", "所在区", ("district", "区", "所属区", "区代码"), required=True),
    Column("address", "地址", ("机构地址",)),
    Column("longitude", "经度", ("lng", "lon")),
    Column("latitude", "纬度", ("lat",)),
    Column("beds", "床位数", ("核定床位数", "床位")),
    Column("creditCode", "统一社会信用代码", ("信用代码",)),
    Column("phone", "联系电话", ("电话",)),
    Column("parentCode", "上级机构代码", ("上级机构",)),
    Column("isActive", "是否启用", ("active", "启用")),
)
IMPORT_CODES = ImportCodes.prefixed(
    "orgs",
    *("rejected", "row_error", "line_error", "encoding", "not_csv", "empty", "no_rows"),
    *("unknown_column", "duplicate_column", "missing_column", "field_count"),
    required="field.missing",
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


def _lookup(table: dict[str, Any]) -> dict[str, Any]:
    return {_norm(k): v for k, v in table.items()}


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


def template_csv() -> str:
    """The header row with the Chinese column names, for operators to fill in."""
    return _template_csv(COLUMNS)


@dataclass
class _Row:
    line: int
    values: dict[str, Any]  # field → validated value, only for columns present in the file
    parent_code: str | None
    has_parent: bool
    is_active: bool | None


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

    def row(self, record: TableRow, errors: RowErrors) -> _Row | None:
        before = len(errors)
        payload: dict[str, Any] = {}
        failed = errors.check_cells(record, COLUMNS)  # empty required cells
        cells = {f: v for f, v in record.values.items() if f not in failed}

        def convert(field: str, fn: Callable[[str], Any], code: str) -> None:
            if field not in cells:
                return
            value = fn(cells[field])
            if value is None:
                errors.cell(record, field, code, value=cells[field])
                failed.add(field)
            else:
                payload[field] = value

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
                errors.cell(record, "isActive", "orgs.import_bool")
        try:
            model = InstitutionCreate.model_validate(payload)
        except ValidationError as exc:
            model = None
            for err in pydantic_errors(list(exc.errors())):
                field = err.field
                if field in failed:
                    continue  # already reported by the converter
                column = record.headers.get(field, field)
                errors.add_text(record.line, column, field, err.code, err.message)
        if model is None or len(errors) > before:
            return None
        dumped = model.model_dump(by_alias=True)
        values = {_snake(f): dumped[f] for f in payload}
        for key in ("kind", "level"):
            if key in values:
                values[key] = values[key].value
        parent = cells.get("parentCode") or None
        return _Row(record.line, values, parent, "parentCode" in cells, is_active)


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
    errors = RowErrors(IMPORT_CODES)
    table = read_table(content, COLUMNS, errors=errors, max_rows=MAX_ROWS)
    checker = _Checker(session)
    rows: list[_Row] = []
    first_line_of: dict[str, int] = {}
    for record in table.rows:
        row = checker.row(record, errors)
        if row is None:
            continue
        code = row.values["code"]
        if code in first_line_of:
            errors.cell(
                record, "code", "orgs.import_duplicate_code", first_line=first_line_of[code]
            )
            continue
        first_line_of[code] = row.line
        rows.append(row)
    existing = _load_existing(session, list(first_line_of))
    _check_links(session, table, rows, existing, first_line_of, errors)
    errors.raise_if_any()
    return _apply(session, rows, existing)


def _check_links(
    session: Session,
    table: Table,
    rows: list[_Row],
    existing: dict[str, Institution],
    first_line_of: dict[str, int],
    errors: RowErrors,
) -> None:
    """Coordinates come in pairs (counting stored values); parents exist and form no cycle."""
    stored_parents = _stored_parents(session) if any(r.has_parent for r in rows) else {}
    parent_column = table.column("parentCode")
    final_parent = dict(stored_parents)
    final_parent.update({r.values["code"]: r.parent_code for r in rows if r.has_parent})
    for row in rows:
        code = row.values["code"]
        current = existing.get(code)
        lon = row.values.get("longitude", current.longitude if current else None)
        lat = row.values.get("latitude", current.latitude if current else None)
        if (lon is None) != (lat is None):
            field = "latitude" if lat is None else "longitude"
            column = table.column(field, field)
            errors.add(row.line, column, field, "orgs.coordinates_incomplete")
        if row.parent_code is None:
            continue
        if row.parent_code not in first_line_of and row.parent_code not in stored_parents:
            errors.add(
                row.line,
                parent_column,
                "parentCode",
                "orgs.import_parent_unknown",
                value=row.parent_code,
            )
            continue
        seen = {code}
        walk: str | None = row.parent_code
        while walk is not None:
            if walk in seen:
                errors.add(row.line, parent_column, "parentCode", "orgs.import_parent_cycle")
                break
            seen.add(walk)
            walk = final_parent.get(walk)


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
