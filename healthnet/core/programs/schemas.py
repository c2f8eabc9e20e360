"""API shapes of the program engine."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import Field, model_validator

from healthnet.core.schemas import ApiModel, InputModel, PageQuery

Values = dict[str, Any]


class ProgramRead(ApiModel):
    id: str
    code: str
    name: str
    kind: str
    version: int
    is_active: bool


class ProgramDetail(ProgramRead):
    version_id: str
    definition: dict[str, Any]


class ProgramLoad(InputModel):
    """A program file's text (YAML), loaded as by ``healthnet programs load``."""

    yaml: str = Field(min_length=1, max_length=2_000_000)


class LoadResultRead(ApiModel):
    code: str
    version: int
    changed: bool


class EnrolmentCreate(InputModel):
    person_id: str = Field(min_length=1, max_length=32)
    org_unit_id: str | None = Field(None, max_length=32)
    assigned_user_id: str | None = Field(None, max_length=32)
    enrolled_on: date | None = None
    incident_on: date | None = None
    values: Values = Field(default_factory=dict)


class EnrolmentUpdate(InputModel):
    values: Values | None = None
    assigned_user_id: str | None = Field(None, max_length=32)
    incident_on: date | None = None


class EventCreate(InputModel):
    stage: str = Field(min_length=1, max_length=64)
    event_on: date | None = None
    values: Values = Field(default_factory=dict)


class EventUpdate(InputModel):
    event_on: date | None = None
    values: Values = Field(default_factory=dict)


class TransitionRequest(InputModel):
    transition: str = Field(min_length=1, max_length=64)
    note: str | None = Field(None, max_length=2000)


class SkipRequest(InputModel):
    reason: str = Field(min_length=1, max_length=500)


class TransferCreate(InputModel):
    to_org_unit_id: str = Field(min_length=1, max_length=32)
    reason: str | None = Field(None, max_length=2000)


class TransferDecision(InputModel):
    note: str | None = Field(None, max_length=2000)
    assigned_user_id: str | None = Field(None, max_length=32)


class Message(ApiModel):
    field: str | None = None
    message: str
    rule: str


class ScheduledRead(ApiModel):
    event_id: str
    stage: str
    due_on: date


class EventRead(ApiModel):
    id: str
    enrolment_id: str
    program_id: str
    version_id: str
    stage: str
    status: str
    due_on: date | None
    event_on: date | None
    org_unit_id: str
    assigned_user_id: str | None
    values: Values
    skip_reason: str | None = None
    created_at: datetime
    updated_at: datetime


class StateChangeRead(ApiModel):
    transition: str | None
    from_state: str | None
    to_state: str
    actor_user_id: str
    note: str | None
    created_at: datetime


class EnrolmentRead(ApiModel):
    id: str
    program_id: str
    program_code: str
    version_id: str
    version: int
    person_id: str
    org_unit_id: str
    assigned_user_id: str | None
    status: str
    is_open: bool
    enrolled_on: date
    incident_on: date | None
    values: Values
    duplicate_of_id: str | None
    sensitivity: str
    created_at: datetime
    updated_at: datetime


class EnrolmentDetail(EnrolmentRead):
    events: list[EventRead]
    history: list[StateChangeRead]
    duplicates: list[str]


class SaveResult(ApiModel):
    """What a save did: the record, the rules' warnings, hidden fields, events scheduled."""

    enrolment: EnrolmentRead
    event: EventRead | None = None
    warnings: list[Message] = Field(default_factory=list)
    hidden: list[str] = Field(default_factory=list)
    scheduled: list[ScheduledRead] = Field(default_factory=list)
    notified: int = 0
    duplicate_of_id: str | None = None


class EnrolmentQuery(PageQuery):
    status: str | None = Field(None, max_length=64)
    org_unit_id: str | None = Field(None, max_length=32)
    person_id: str | None = Field(None, max_length=32)
    open_only: bool = False


class WorkItem(ApiModel):
    event_id: str
    enrolment_id: str
    program_code: str
    person_id: str
    stage: str
    due_on: date
    overdue_days: int
    org_unit_id: str
    assigned_user_id: str | None


class WorkListQuery(PageQuery):
    program: str | None = Field(None, max_length=64)
    org_unit_id: str | None = Field(None, max_length=32)
    mine: bool = False  # only events the caller is responsible for (family doctor)
    due: Literal["overdue", "due", "scheduled"] = "scheduled"
    within_days: int = Field(7, ge=0, le=366)  # "due": due from today to today + within_days


class TransferRead(ApiModel):
    id: str
    enrolment_id: str
    # the registrant and the program (filled in lists; the receiving side holds a care grant
    # for the person while the transfer is pending or accepted, decision 0018)
    person_id: str | None = None
    program_code: str | None = None
    from_org_unit_id: str
    to_org_unit_id: str
    status: str
    reason: str | None
    requested_by: str
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str | None
    created_at: datetime


class TransferQuery(PageQuery):
    direction: Literal["incoming", "outgoing"] = "incoming"
    status: Literal["requested", "accepted", "rejected"] | None = "requested"


class SignatureRead(ApiModel):
    """The SM2 signature of an enrolment (the latest one) and whether it still verifies."""

    signed: bool  # false: the record was never signed (the other fields are empty)
    valid: bool = False
    # false once the record moved on (e.g. 更正) after it was signed: edits are allowed again
    # and the record waits for a new signature
    current: bool = False
    reason: str | None = None  # a stable code when not valid (programs.* / certs.*)
    message: str | None = None  # the verdict in the caller's language
    algorithm: str | None = None
    transition: str | None = None
    transition_name: str | None = None
    signer_user_id: str | None = None
    signer_name: str | None = None
    certificate_serial: str | None = None
    content_digest: str | None = None  # SM3 (hex) of the signed content
    signed_at: datetime | None = None
    signatures: int = 0  # how many times the record was signed (corrections re-sign)


# ---------------------------------------------------------------- indicators (statistics)

PeriodType = Literal["month", "quarter", "year"]


class IndicatorRead(ApiModel):
    code: str
    name: str
    description: str | None = None
    factor: float
    decimals: int
    has_denominator: bool


class IndicatorListRead(ApiModel):
    indicators: list[IndicatorRead]
    refreshed_at: datetime | None = None


class _IndicatorQuery(ApiModel):
    @model_validator(mode="before")
    @classmethod
    def _blank_is_absent(cls, data: Any) -> Any:
        # a dashboard sends "district=" for "all districts"
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if v != ""}
        return data


class IndicatorValuesQuery(_IndicatorQuery):
    """``period`` defaults to the current one; ``district`` / ``institution`` narrow the rows
    (within the caller's data scope)."""

    period_type: PeriodType = "year"
    period: str | None = Field(None, max_length=8)
    group_by: Literal["district", "institution"] = "district"
    district: str | None = Field(None, pattern=r"^\d{6}$")
    institution: str | None = Field(None, max_length=32)
    indicator: str | None = Field(None, max_length=64)


class IndicatorValueRow(ApiModel):
    org_key: str
    org_name: str
    district_code: str
    district_name: str
    indicator: str
    numerator: int
    denominator: int | None
    value: float | None


class IndicatorValuesRead(ApiModel):
    period_type: PeriodType
    period: str
    group_by: Literal["district", "institution"]
    refreshed_at: datetime | None = None
    rows: list[IndicatorValueRow]


class IndicatorTrendQuery(_IndicatorQuery):
    period_type: PeriodType = "month"
    from_: str | None = Field(None, alias="from", max_length=8)
    to: str | None = Field(None, max_length=8)
    indicator: str = Field(min_length=1, max_length=64)
    district: str | None = Field(None, pattern=r"^\d{6}$")
    institution: str | None = Field(None, max_length=32)


class IndicatorPoint(ApiModel):
    period: str
    numerator: int
    denominator: int | None
    value: float | None


class IndicatorTrendRead(ApiModel):
    period_type: PeriodType
    indicator: str
    refreshed_at: datetime | None = None
    points: list[IndicatorPoint]


class RefreshQueued(ApiModel):
    job_id: str
