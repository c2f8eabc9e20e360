"""API shapes of the duplicate-order prompts (camelCase JSON)."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, field_validator
from pydantic_core import PydanticCustomError

from healthnet.core.schemas import ApiModel, InputModel, PageQuery
from healthnet.modules.alerts import messages as _messages  # noqa: F401  (registers the catalogue)

# ATC: level 1 "C", 2 "C10", 3 "C10A", 4 "C10AA", 5 "C10AA05".
ATC_RE = re.compile(r"^[A-Z](\d{2}([A-Z]([A-Z](\d{2})?)?)?)?$")
_RULE_CODE_RE = re.compile(r"^[A-Z][A-Z0-9_-]*$")

EncounterClass = Literal["outpatient", "emergency", "inpatient"]
Severity = Literal["warning", "info"]
PromptKind = Literal["drug_ingredient", "drug_class", "lab_repeat", "exam_repeat"]
ResponseAction = Literal["accepted", "overridden"]
GroupBy = Literal["institution", "drugClass", "item", "month"]


def _matching(pattern: re.Pattern[str], code: str) -> Any:
    def check(value: str | None) -> str | None:
        if value is not None and not pattern.match(value):
            raise PydanticCustomError(code, "invalid")
        return value

    return AfterValidator(check)


def _blank_to_none(value: object) -> object:
    return None if isinstance(value, str) and value.strip() == "" else value


def _upper(value: object) -> object:
    return value.strip().upper() if isinstance(value, str) else value


def _not_null(value: object) -> object:
    if value is None:
        raise PydanticCustomError("field.missing", "must not be null")
    return value


Code = Annotated[str, Field(min_length=1, max_length=64)]
OptionalCode = Annotated[
    Annotated[str, Field(max_length=64)] | None, BeforeValidator(_blank_to_none)
]
Name = Annotated[str, Field(min_length=1, max_length=100)]
LongName = Annotated[str, Field(min_length=1, max_length=200)]
AtcCode = Annotated[
    str | None,
    BeforeValidator(_blank_to_none),
    BeforeValidator(_upper),
    _matching(ATC_RE, "alerts.atc_invalid"),
]
RuleCode = Annotated[
    str, Field(min_length=1, max_length=64), _matching(_RULE_CODE_RE, "alerts.rule_code_invalid")
]
Description = Annotated[
    Annotated[str, Field(max_length=1000)] | None, BeforeValidator(_blank_to_none)
]
Classes = Annotated[list[EncounterClass], Field(max_length=3)]
ExemptCodes = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=64)]], Field(max_length=200)
]


# ---------------------------------------------------------------- the check


class DrugLine(InputModel):
    drug_code: Code
    generic_name: LongName
    ingredient_code: OptionalCode = None
    atc_code: AtcCode = None
    days_supply: int | None = Field(None, ge=1, le=366)
    start_date: date | None = Field(None, description="开始用药日期，默认为开单日期")


class ItemLine(InputModel):
    kind: Literal["lab", "exam"]
    item_code: Code
    item_name: LongName


class PatientIdentifier(InputModel):
    """A patient as the hospital system knows them: identifier system and value."""

    system: str = Field(
        min_length=1,
        max_length=200,
        description="证件标识体系：居民身份证 urn:oid:2.16.156.10011.1.1、"
        "院内就诊卡 https://healthnet.sh.cn/fhir/sid/hospital-card/<机构编码>（本院可用 "
        "urn:healthnet:hospital-card）、主索引号，或主索引证件类型代码（如 resident_id_card）",
    )
    value: str = Field(min_length=1, max_length=64, description="证件号码")


class Practitioner(InputModel):
    """The doctor as the hospital system names them (no account on the platform needed)."""

    id: Annotated[Annotated[str, Field(max_length=64)] | None, BeforeValidator(_blank_to_none)] = (
        Field(None, description="医生在本院系统中的工号")
    )
    name: Annotated[
        Annotated[str, Field(max_length=100)] | None, BeforeValidator(_blank_to_none)
    ] = Field(None, description="医生姓名")


class CheckRequest(InputModel):
    person_id: Annotated[str, Field(min_length=1, max_length=32)] | None = Field(
        None, description="居民主索引平台 id（personId、masterId、patientIdentifier 三选一）"
    )
    master_id: Annotated[str, Field(min_length=1, max_length=16)] | None = Field(
        None, description="主索引号（personId、masterId、patientIdentifier 三选一）"
    )
    patient_identifier: PatientIdentifier | None = Field(
        None, description="按证件标识指定居民，如身份证号（三选一）"
    )
    ordering_practitioner: Practitioner | None = Field(
        None, description="开单医生（医院信息系统调用时填写）"
    )
    ordering_institution_id: Annotated[str, Field(max_length=32)] | None = Field(
        None, description="开单机构，默认为当前账号所属机构"
    )
    encounter_class: EncounterClass = "outpatient"
    order_date: date | None = Field(None, description="开单日期（上海时间），默认今天")
    drugs: Annotated[list[DrugLine], Field(max_length=100)] = Field(default_factory=list)
    items: Annotated[list[ItemLine], Field(max_length=100)] = Field(default_factory=list)


class PractitionerRead(ApiModel):
    id: str | None
    name: str | None


class PromptLine(ApiModel):
    """The new line a prompt concerns."""

    kind: Literal["drug", "lab", "exam"]
    index: int
    code: str
    name: str


class EarlierRecord(ApiModel):
    """The earlier record from the shared health record that the new line duplicates; for a
    duplicate within the new order, the other line (no record id, the ordering institution)."""

    record_id: str | None
    institution_id: str | None
    institution_name: str
    date: date
    name: str
    result: str | None = None
    remaining_days: int | None = None


class PromptRead(ApiModel):
    id: str
    kind: PromptKind
    rule_code: str
    rule_name: str
    severity: Severity
    line: PromptLine
    within_order: bool = Field(
        False, description="与本次开单中的另一行重复（而非既往记录），另一行见 otherLineIndex"
    )
    other_line_index: int | None = Field(
        None, description="本次开单中与之重复的另一行（同一列表中的下标，从 0 起）"
    )
    earlier: EarlierRecord
    message: str
    response: ResponseAction | None
    reason: str | None
    responded_by: str | None
    responded_by_client: str | None = Field(
        None, description="通过接口处理提示的接入系统（client_id）"
    )
    responder_practitioner: PractitionerRead | None = None
    responded_at: datetime | None


class CheckRead(ApiModel):
    id: str
    person_id: str
    ordering_institution_id: str
    encounter_class: EncounterClass
    order_date: date
    checked_at: datetime
    checked_by: str | None = Field(None, description="发起提示的平台账号（医生在控制台试算时）")
    client: str | None = Field(None, description="发起提示的接入系统（client_id）")
    ordering_practitioner: PractitionerRead | None = None
    prompts: list[PromptRead]


class ResponseIn(InputModel):
    prompt_id: Annotated[str, Field(min_length=1, max_length=32)]
    action: ResponseAction
    reason: Annotated[
        Annotated[str, Field(max_length=500)] | None, BeforeValidator(_blank_to_none)
    ] = None


class RespondRequest(InputModel):
    responses: Annotated[list[ResponseIn], Field(min_length=1, max_length=200)]
    practitioner: Practitioner | None = Field(
        None, description="处理提示的医生（医院信息系统调用时填写）"
    )


# ---------------------------------------------------------------- statistics


class StatsQuery(ApiModel):
    date_from: date | None = Field(None, alias="from", description="起始日期（含），默认30天前")
    date_to: date | None = Field(None, alias="to", description="结束日期（含），默认今天")
    group_by: GroupBy = "institution"


class StatsRow(ApiModel):
    key: str
    label: str
    prompts: int
    accepted: int
    overridden: int
    unanswered: int
    acceptance_rate: float | None = Field(description="采纳率 = 采纳数 / 提示数")


class StatsRead(ApiModel):
    date_from: date = Field(alias="from")
    date_to: date = Field(alias="to")
    group_by: GroupBy
    rows: list[StatsRow]
    total: StatsRow


# ---------------------------------------------------------------- rules


class DrugRuleCreate(InputModel):
    code: RuleCode
    name: Name
    match: Literal["ingredient", "atc_class"]
    atc_prefix: AtcCode = None
    tolerance_days: int = Field(0, ge=0, le=90)
    severity: Severity = "warning"
    exempt_encounter_classes: Classes = Field(default_factory=list)
    exempt_codes: ExemptCodes = Field(default_factory=list)
    description: Description = None
    active: bool = True


class DrugRuleUpdate(InputModel):
    """PATCH: only the fields sent change; the code and the match never change."""

    name: Name | None = None
    atc_prefix: AtcCode = None
    tolerance_days: int | None = Field(None, ge=0, le=90)
    severity: Severity | None = None
    exempt_encounter_classes: Classes | None = None
    exempt_codes: ExemptCodes | None = None
    description: Description = None
    active: bool | None = None

    _required = field_validator(
        "name",
        "tolerance_days",
        "severity",
        "exempt_encounter_classes",
        "exempt_codes",
        "active",
        mode="before",
    )(_not_null)


class DrugRuleRead(ApiModel):
    id: str
    code: str
    name: str
    match: Literal["ingredient", "atc_class"]
    atc_prefix: str | None
    tolerance_days: int
    severity: Severity
    exempt_encounter_classes: list[EncounterClass]
    exempt_codes: list[str]
    description: str | None
    active: bool
    builtin: bool
    updated_at: datetime


class ItemRuleCreate(InputModel):
    code: RuleCode
    name: Name
    kind: Literal["lab", "exam"]
    item_code: Code
    item_name: Name
    window_days: int = Field(ge=1, le=3650)
    severity: Severity = "warning"
    exempt_encounter_classes: Classes = Field(default_factory=list)
    abnormal_exempts: bool = False
    description: Description = None
    active: bool = True


class ItemRuleUpdate(InputModel):
    """PATCH: the code, kind and item code never change (create another rule instead)."""

    name: Name | None = None
    item_name: Name | None = None
    window_days: int | None = Field(None, ge=1, le=3650)
    severity: Severity | None = None
    exempt_encounter_classes: Classes | None = None
    abnormal_exempts: bool | None = None
    description: Description = None
    active: bool | None = None

    _required = field_validator(
        "name",
        "item_name",
        "window_days",
        "severity",
        "exempt_encounter_classes",
        "abnormal_exempts",
        "active",
        mode="before",
    )(_not_null)


class ItemRuleRead(ApiModel):
    id: str
    code: str
    name: str
    kind: Literal["lab", "exam"]
    item_code: str
    item_name: str
    window_days: int
    severity: Severity
    exempt_encounter_classes: list[EncounterClass]
    abnormal_exempts: bool
    description: str | None
    active: bool
    builtin: bool
    updated_at: datetime


class RuleQuery(PageQuery):
    q: str | None = Field(None, max_length=64, description="编码或名称包含")
    active: bool | None = None
    page_size: int = Field(50, ge=1, le=500)


class LoadResult(ApiModel):
    created: int
    updated: int
