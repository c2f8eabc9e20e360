"""API shapes of record retrieval: the timeline, lab trends, documents, access log, privacy
settings and the break-the-glass review list."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field

from healthnet.core.schemas import ApiModel, InputModel

EntryKind = Literal[
    "encounter", "diagnosis", "medication", "lab", "exam", "document", "immunization"
]
PurposeCode = Literal["treatment", "emergency", "referral", "public_health", "quality_control"]


class PersonHeader(ApiModel):
    """Who the record belongs to: enough to confirm identity at the bedside, no contact data."""

    id: str
    master_id: str
    name: str
    sex_code: str
    birth_date: date | None


class AccessInfo(ApiModel):
    """On what ground this view was allowed (scope, care, break_glass, self)."""

    ground: str
    purpose: str
    break_glass: bool
    break_glass_id: str | None = None
    expires_at: datetime | None = None
    hidden_revealed: bool = False


class EncounterDetail(ApiModel):
    class_code: str
    status: str
    department_code: str | None
    department_name: str | None
    attending_name: str | None
    reason: str | None
    start_at: datetime
    end_at: datetime | None


class DiagnosisDetail(ApiModel):
    icd10_code: str
    name: str
    kind: str
    recorded_at: datetime


class MedicationDetail(ApiModel):
    drug_code: str
    generic_name: str
    atc_code: str | None
    dose: float | None
    dose_unit: str | None
    route: str | None
    frequency: str | None
    days_supply: int | None
    status: str


class LabDetail(ApiModel):
    item_code: str
    item_name: str
    value: str | None
    value_numeric: float | None
    unit: str | None
    reference_range: str | None
    abnormal_flag: str | None
    specimen: str | None
    reported_at: datetime | None


class ExamDetail(ApiModel):
    item_code: str
    item_name: str
    modality: str | None
    body_part: str | None
    findings: str | None
    conclusion: str | None
    abnormal: bool | None
    reported_at: datetime | None


class DocumentSummary(ApiModel):
    type_code: str
    type_name: str
    title: str


class ImmunizationDetail(ApiModel):
    vaccine_code: str
    vaccine_name: str
    dose_number: int | None
    lot_number: str | None


class TimelineEntry(ApiModel):
    """One item of the timeline. ``withheld`` items (categories the resident hid) carry only
    their kind, time and institution; an encounter carries its diagnoses, orders, results and
    documents in ``children``."""

    kind: EntryKind
    id: str | None
    at: datetime
    institution_id: str
    institution_name: str | None
    encounter_id: str | None = None
    withheld: bool = False
    withheld_message: str | None = None
    # Shown only because an emergency break-the-glass grant overrides the resident's choice.
    revealed: bool = False
    encounter: EncounterDetail | None = None
    diagnosis: DiagnosisDetail | None = None
    medication: MedicationDetail | None = None
    lab: LabDetail | None = None
    exam: ExamDetail | None = None
    document: DocumentSummary | None = None
    immunization: ImmunizationDetail | None = None
    children: list[TimelineEntry] = Field(default_factory=list)


class TimelinePage(ApiModel):
    person: PersonHeader | None = None  # on the first page only
    access: AccessInfo
    items: list[TimelineEntry]
    next_cursor: str | None


class TrendPoint(ApiModel):
    id: str
    at: datetime
    value: float | None
    value_text: str | None
    unit: str | None
    reference_low: float | None
    reference_high: float | None
    abnormal_flag: str | None
    institution_id: str
    institution_name: str | None
    revealed: bool = False


class LabTrend(ApiModel):
    item_code: str
    item_name: str | None
    unit: str | None
    points: list[TrendPoint]
    withheld: int  # results hidden at the resident's request (not plotted)
    access: AccessInfo


class DocumentRead(ApiModel):
    id: str | None
    at: datetime
    institution_id: str
    institution_name: str | None
    encounter_id: str | None
    withheld: bool = False
    withheld_message: str | None = None
    revealed: bool = False
    type_code: str | None = None
    type_name: str | None = None
    title: str | None = None
    content_type: str | None = None
    content: str | None = None
    access: AccessInfo


class BreakGlassCreate(InputModel):
    purpose: PurposeCode = "emergency"
    reason: str = Field(min_length=1, max_length=1000)


class BreakGlassRead(ApiModel):
    id: str
    person_id: str
    person_master_id: str | None = None
    user_id: str
    user_display_name: str | None = None
    institution_id: str | None
    institution_name: str | None = None
    role_codes: str | None
    purpose: str
    reason: str
    created_at: datetime
    expires_at: datetime
    views: int
    revealed_hidden: bool
    review_status: str
    reviewed_by: str | None
    reviewed_at: datetime | None
    review_note: str | None


class BreakGlassQuery(InputModel):
    status: Literal["pending", "approved", "questioned"] | None = None
    page: int = Field(1, ge=1, le=100000)
    page_size: int = Field(20, ge=1, le=100)


class BreakGlassReview(InputModel):
    decision: Literal["approve", "question"]
    note: str | None = Field(None, max_length=1000)


class AccessLogEntry(ApiModel):
    """One access to a resident's record, as the resident sees it: where, which department and
    role, when, why — never the staff member's name or contact data."""

    occurred_at: datetime
    institution_id: str | None
    institution_name: str | None
    department_name: str | None
    role_names: list[str]
    action: str
    action_label: str
    purpose: str
    purpose_label: str
    break_glass: bool
    outcome: str


class AccessLogPage(ApiModel):
    items: list[AccessLogEntry]
    next_cursor: str | None


class CategorySetting(ApiModel):
    category: str
    label: str
    hidden: bool


class PrivacySettings(ApiModel):
    categories: list[CategorySetting]


class PrivacyUpdate(InputModel):
    hidden: list[str] = Field(default_factory=list, max_length=20)


class PersonLookup(InputModel):
    """Find a resident for retrieval by one identifier (type + number), sent in the body so the
    number never reaches a URL."""

    id_type: str = Field(min_length=1, max_length=40)
    id_value: str = Field(min_length=1, max_length=64)
    issuer: str | None = Field(None, max_length=64)
    institution_id: str | None = Field(None, max_length=32)


class LookupResult(ApiModel):
    found: bool
    person_id: str | None = None
    # Whether the caller may open the record now (scope or care), or needs a break-the-glass reason.
    access: Literal["scope", "care", "break_glass", "reason_required"] | None = None
