"""CSV / .xlsx backfill of encounters, medication orders or lab results (one kind per file).

Every row is checked first; if any row is bad the file is refused as a whole with each problem
named by line and column (``healthnet.core.tabular``), and nothing is written. Then each
resident is found or registered in the master patient index by citizen ID number (and name),
and each row is stored through the records service keyed by (institution, kind, 业务流水号):
importing the same file twice updates, it does not duplicate.

A staff member bound to an institution may import only that institution's rows.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from healthnet.core.audit import service as audit
from healthnet.core.audit.context import AuditContext
from healthnet.core.errors import pydantic_errors
from healthnet.core.localtime import local_datetime
from healthnet.core.orgs.models import Institution
from healthnet.core.patients import service as patients
from healthnet.core.patients.identifiers import IdentifierType
from healthnet.core.patients.schemas import IdentifierIn, PersonCreate
from healthnet.core.rbac.actor import Actor
from healthnet.core.schemas import ApiModel
from healthnet.core.tabular import Column, RowErrors, TableRow, normalize, read_table
from healthnet.modules.records import messages as _messages  # noqa: F401
from healthnet.modules.records.models import KIND_ENCOUNTER, KIND_LAB, KIND_MEDICATION
from healthnet.modules.records.service import store

MAX_ROWS = 100_000
IMPORT_KINDS = (KIND_ENCOUNTER, KIND_MEDICATION, KIND_LAB)

_PERSON = (
    Column("institutionCode", "机构代码", ("机构编码", "institution"), required=True),
    Column(
        "sourceId", "业务流水号", ("流水号", "业务标识", "source_id"), required=True, max_length=128
    ),
    Column("idNumber", "身份证号", ("公民身份号码", "证件号码", "id_card"), required=True),
    Column("name", "姓名", ("患者姓名",), required=True, max_length=50),
)
COLUMNS: dict[str, tuple[Column, ...]] = {
    KIND_ENCOUNTER: (
        *_PERSON,
        Column("classCode", "就诊类型", ("类型", "class"), required=True),
        Column("startAt", "就诊时间", ("开始时间", "入院时间", "start"), required=True),
        Column("endAt", "结束时间", ("出院时间", "end")),
        Column("departmentCode", "科室代码", ("科室编码",), max_length=32),
        Column("departmentName", "科室名称", ("科室",), max_length=100),
        Column("attendingName", "医生", ("接诊医生", "主治医生"), max_length=64),
        Column("reason", "就诊原因", ("主诉",), max_length=255),
    ),
    KIND_MEDICATION: (
        *_PERSON,
        Column("encounterSourceId", "就诊流水号", ("就诊号",), max_length=128),
        Column("orderedAt", "开立时间", ("处方时间", "ordered_at"), required=True),
        Column("drugCode", "药品编码", ("药品代码",), required=True, max_length=64),
        Column("genericName", "通用名", ("药品名称", "药名"), required=True, max_length=200),
        Column("ingredientCode", "成分编码", (), max_length=64),
        Column("ingredientName", "成分名称", ("成分",), max_length=200),
        Column("atcCode", "ATC编码", ("ATC", "ATC代码"), max_length=16),
        Column("dose", "单次剂量", ("剂量",)),
        Column("doseUnit", "剂量单位", (), max_length=32),
        Column("route", "给药途径", ("途径",), max_length=64),
        Column("frequency", "频次", ("用药频次",), max_length=64),
        Column("daysSupply", "用药天数", ("天数",)),
        Column("quantity", "数量", ("总量",)),
        Column("quantityUnit", "数量单位", (), max_length=32),
    ),
    KIND_LAB: (
        *_PERSON,
        Column("encounterSourceId", "就诊流水号", ("就诊号",), max_length=128),
        Column("itemCode", "项目编码", ("检验项目编码",), required=True, max_length=64),
        Column("itemName", "项目名称", ("检验项目",), required=True, max_length=200),
        Column("value", "结果", ("检验结果",), required=True, max_length=255),
        Column("unit", "单位", (), max_length=32),
        Column("referenceRange", "参考范围", (), max_length=100),
        Column("referenceLow", "参考下限", ()),
        Column("referenceHigh", "参考上限", ()),
        Column("abnormalFlag", "异常标志", ("标志",), max_length=4),
        Column("specimen", "标本", ("标本类型",), max_length=64),
        Column("collectedAt", "采集时间", ("采样时间",), required=True),
        Column("reportedAt", "报告时间", ()),
    ),
}
_CLASS_WORDS = {
    normalize(k): v
    for k, v in {
        "outpatient": "outpatient",
        "门诊": "outpatient",
        "AMB": "outpatient",
        "emergency": "emergency",
        "急诊": "emergency",
        "EMER": "emergency",
        "inpatient": "inpatient",
        "住院": "inpatient",
        "IMP": "inpatient",
    }.items()
}
_DATETIME = re.compile(
    r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$"
)


class ImportSummary(ApiModel):
    kind: str
    created: int
    updated: int
    total: int


@dataclass
class _Row:
    line: int
    institution_id: str
    source_id: str
    id_number: str
    name: str
    encounter_source: str | None
    values: dict[str, Any]


def parse_local_datetime(text: str) -> datetime | None:
    m = _DATETIME.match(text.strip())
    if m is None:
        return None
    y, mo, d, hh, mm, ss = m.groups()
    try:
        day = date(int(y), int(mo), int(d))
        at = time(int(hh or 0), int(mm or 0), int(ss or 0))
    except ValueError:
        return None
    return local_datetime(day, at)


class _Checker:
    def __init__(self, session: Session, actor: Actor, kind: str, errors: RowErrors) -> None:
        self.session = session
        self.actor = actor
        self.kind = kind
        self.errors = errors
        self.institutions: dict[str, str] = {
            code: iid for code, iid in session.execute(select(Institution.code, Institution.id))
        }

    def _when(self, row: TableRow, field: str, out: dict[str, Any], key: str) -> None:
        text = row.get(field)
        if not text:
            return
        value = parse_local_datetime(text)
        if value is None:
            self.errors.cell(row, field, "records.import.datetime")
        out[key] = value

    def _number(
        self, row: TableRow, field: str, out: dict[str, Any], key: str, integer: bool = False
    ) -> None:
        text = row.get(field)
        if not text:
            return
        try:
            value = Decimal(text)
            if not value.is_finite() or (integer and value != value.to_integral_value()):
                raise InvalidOperation
        except InvalidOperation:
            self.errors.cell(row, field, "records.import.number")
            return
        out[key] = int(value) if integer else value

    def row(self, row: TableRow) -> _Row | None:
        before = len(self.errors)
        self.errors.check_cells(row, COLUMNS[self.kind])
        code = row.get("institutionCode")
        inst_id = self.institutions.get(code)
        if code and inst_id is None:
            self.errors.cell(
                row, "institutionCode", "records.import.institution_unknown", value=code
            )
        elif inst_id and self.actor.institution_id and inst_id != self.actor.institution_id:
            self.errors.cell(row, "institutionCode", "records.import.no_permission_institution")
        number = row.get("idNumber")
        if number:
            try:
                IdentifierIn(type=IdentifierType.RESIDENT_ID_CARD, value=number)
            except ValidationError as exc:
                for err in pydantic_errors(list(exc.errors())):
                    self.errors.add_text(
                        row.line, row.column("idNumber"), "idNumber", err.code, err.message
                    )
        values: dict[str, Any] = {}
        text = {c.field: row.get(c.field) or None for c in COLUMNS[self.kind]}
        if self.kind == KIND_ENCOUNTER:
            cls = row.get("classCode")
            if cls:
                values["class_code"] = _CLASS_WORDS.get(normalize(cls))
                if values["class_code"] is None:
                    self.errors.cell(row, "classCode", "records.import.class")
            self._when(row, "startAt", values, "start_at")
            self._when(row, "endAt", values, "end_at")
            for f, col in (
                ("departmentCode", "department_code"),
                ("departmentName", "department_name"),
                ("attendingName", "attending_name"),
                ("reason", "reason"),
            ):
                values[col] = text[f]
            values["status"] = "finished"
        elif self.kind == KIND_MEDICATION:
            self._when(row, "orderedAt", values, "ordered_at")
            for f, col in (
                ("drugCode", "drug_code"),
                ("genericName", "generic_name"),
                ("ingredientCode", "ingredient_code"),
                ("ingredientName", "ingredient_name"),
                ("atcCode", "atc_code"),
                ("doseUnit", "dose_unit"),
                ("route", "route"),
                ("frequency", "frequency"),
                ("quantityUnit", "quantity_unit"),
            ):
                values[col] = text[f]
            self._number(row, "dose", values, "dose")
            self._number(row, "daysSupply", values, "days_supply", integer=True)
            self._number(row, "quantity", values, "quantity")
            values["status"] = "completed"
        else:
            self._when(row, "collectedAt", values, "collected_at")
            self._when(row, "reportedAt", values, "reported_at")
            for f, col in (
                ("itemCode", "item_code"),
                ("itemName", "item_name"),
                ("value", "value"),
                ("unit", "unit"),
                ("referenceRange", "reference_range"),
                ("abnormalFlag", "abnormal_flag"),
                ("specimen", "specimen"),
            ):
                values[col] = text[f]
            self._number(row, "referenceLow", values, "reference_low")
            self._number(row, "referenceHigh", values, "reference_high")
            try:
                values["value_numeric"] = Decimal(row.get("value")) if row.get("value") else None
                if values["value_numeric"] is not None and not values["value_numeric"].is_finite():
                    values["value_numeric"] = None
            except InvalidOperation:
                values["value_numeric"] = None
            if values.get("abnormal_flag"):
                values["abnormal_flag"] = values["abnormal_flag"].upper()
            values["status"] = "final"
        if len(self.errors) > before or inst_id is None:
            return None
        return _Row(
            row.line,
            inst_id,
            row.get("sourceId"),
            number,
            row.get("name"),
            row.get("encounterSourceId") or None,
            values,
        )


def import_records(
    *,
    session: Session,
    actor: Actor,
    kind: str,
    content: bytes,
    request: AuditContext | None = None,
) -> ImportSummary:
    """Check the whole file, then store every row (all or nothing)."""
    errors = RowErrors()
    table = read_table(content, COLUMNS[kind], errors=errors, max_rows=MAX_ROWS)
    checker = _Checker(session, actor, kind, errors)
    rows = [r for r in (checker.row(row) for row in table.rows) if r is not None]
    errors.raise_if_any()
    # Encounters named by medication/lab rows must exist (same institution).
    encounter_ids: dict[tuple[str, str], str] = {}
    for r in rows:
        if r.encounter_source and (r.institution_id, r.encounter_source) not in encounter_ids:
            enc = store.find_by_source(
                session,
                kind=KIND_ENCOUNTER,
                institution_id=r.institution_id,
                source_id=r.encounter_source,
            )
            if enc is None:
                errors.add(
                    r.line,
                    table.column("encounterSourceId"),
                    "encounterSourceId",
                    "records.import.encounter_unknown",
                    value=r.encounter_source,
                )
            else:
                encounter_ids[(r.institution_id, r.encounter_source)] = enc.id
    errors.raise_if_any()

    persons: dict[str, str] = {}
    created = updated = 0
    touched: dict[str, int] = defaultdict(int)
    for r in rows:
        if r.id_number not in persons:
            reg = patients.register_person(
                session=session,
                actor=actor,
                request=request,
                data=PersonCreate(
                    name=r.name,
                    identifiers=[
                        IdentifierIn(type=IdentifierType.RESIDENT_ID_CARD, value=r.id_number)
                    ],
                ),
            )
            persons[r.id_number] = reg.person.id
        person_id = persons[r.id_number]
        values = dict(r.values)
        if kind != KIND_ENCOUNTER:
            values["encounter_id"] = (
                encounter_ids.get((r.institution_id, r.encounter_source))
                if r.encounter_source
                else None
            )
        stored = store.upsert(
            session=session,
            kind=kind,
            person_id=person_id,
            institution_id=r.institution_id,
            source_id=r.source_id,
            values=values,
        )
        created += stored.created
        updated += not stored.created
        touched[person_id] += 1
    for person_id, n in touched.items():
        audit.record(
            session=session,
            actor=actor,
            action="records.import.write",
            resource_type=f"records.{kind}",
            patient_id=person_id,
            detail={"kind": kind, "rows": n},
            request=request,
        )
    return ImportSummary(kind=kind, created=created, updated=updated, total=len(rows))
