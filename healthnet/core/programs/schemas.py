"""API shapes of the program engine."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import Field

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
