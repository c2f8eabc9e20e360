"""API shapes of the master patient index (camelCase JSON).

Input formats are checked here so a bad value is a 422 naming its field with a Chinese message;
the service repeats the identifier rules so callers from Python get the same normal form.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field, ValidationInfo, field_validator
from pydantic import model_validator as _model_validator
from pydantic_core import PydanticCustomError

from healthnet.core.localtime import local_today
from healthnet.core.patients import messages as _messages  # noqa: F401  (registers the catalogue)
from healthnet.core.patients.identifiers import (
    IdentifierProblem,
    IdentifierType,
    normalise_identifier,
    normalise_name,
    normalise_phone,
)
from healthnet.core.schemas import ApiModel, InputModel

# GB/T 2261.1-2003: 0 未知的性别, 1 男性, 2 女性, 9 未说明的性别.
SexCode = Literal["0", "1", "2", "9"]
CandidateStatus = Literal["open", "merged", "dismissed"]
CandidateBand = Literal["match", "possible_match"]
PersonStatus = Literal["active", "merged"]
EventKind = Literal["register", "merge", "unmerge", "identifier_link", "identifier_unlink"]

_ETHNICITY = re.compile(r"0[1-9]|[1-4]\d|5[0-6]|9[78]")  # GB/T 3304-1991, plus 97 其他, 98
_DISTRICT = re.compile(r"[1-9]\d{5}")


def _blank_to_none(value: object) -> object:
    return None if isinstance(value, str) and value.strip() == "" else value


def _name(value: str) -> str:
    try:
        normalise_name(value)
    except IdentifierProblem as p:
        raise PydanticCustomError(p.code, "invalid name") from None
    return value


def _phone(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return normalise_phone(value)
    except IdentifierProblem as p:
        raise PydanticCustomError(p.code, "invalid phone") from None


def _birth_date(value: date | None) -> date | None:
    if value is not None and value > local_today():
        raise PydanticCustomError("patients.birth_date_future", "birth date in the future")
    return value


def _ethnicity(value: str | None) -> str | None:
    if value is not None and not _ETHNICITY.fullmatch(value):
        raise PydanticCustomError("patients.ethnicity_invalid", "invalid ethnicity code")
    return value


def _district(value: str | None) -> str | None:
    if value is not None and not _DISTRICT.fullmatch(value):
        raise PydanticCustomError("patients.district_invalid", "invalid division code")
    return value


# Length limits sit on the ``str`` branch (``Text64 | None``): on the whole optional type,
# pydantic would apply them to ``None`` as well and fail with a 500.
Text32 = Annotated[str, Field(max_length=32)]
Text64 = Annotated[str, Field(max_length=64)]
Text100 = Annotated[str, Field(max_length=100)]
Text255 = Annotated[str, Field(max_length=255)]
Text500 = Annotated[str, Field(max_length=500)]


Name = Annotated[str, Field(min_length=1, max_length=100), AfterValidator(_name)]
Phone = Annotated[Text32 | None, BeforeValidator(_blank_to_none), AfterValidator(_phone)]
BirthDate = Annotated[date | None, AfterValidator(_birth_date)]
Address = Annotated[Text255 | None, BeforeValidator(_blank_to_none)]
DistrictCode = Annotated[str | None, BeforeValidator(_blank_to_none), AfterValidator(_district)]
EthnicityCode = Annotated[str | None, BeforeValidator(_blank_to_none), AfterValidator(_ethnicity)]
Reason = Annotated[str, Field(min_length=1, max_length=500)]


def _check_value(value: str, info: ValidationInfo, type_field: str) -> str:
    id_type = info.data.get(type_field)
    if id_type is None:  # the type itself was invalid and is reported on its own
        return value
    try:
        return normalise_identifier(IdentifierType(id_type), value, today=local_today())
    except IdentifierProblem as p:
        raise PydanticCustomError(p.code, "invalid identifier") from None


# ---------------------------------------------------------------- identifiers


class IdentifierIn(InputModel):
    """One identifier. ``issuer`` is the issuing country (ISO 3166-1 alpha-3, required for a
    passport); ``institutionId`` the issuing institution (required for a hospital card)."""

    type: IdentifierType
    value: str = Field(min_length=1, max_length=64)
    issuer: Annotated[Text64 | None, BeforeValidator(_blank_to_none)] = None
    institution_id: Annotated[Text32 | None, BeforeValidator(_blank_to_none)] = None

    @field_validator("value")
    @classmethod
    def _value(cls, value: str, info: ValidationInfo) -> str:
        return _check_value(value, info, "type")


class IdentifierRead(ApiModel):
    id: str
    type: IdentifierType
    # Masked (``310***********1234``) unless the caller holds patients:identifier:read_full.
    value: str
    masked: bool
    issuer: str | None
    institution_id: str | None
    active: bool
    created_at: datetime


class UnlinkRequest(InputModel):
    reason: Reason


# ---------------------------------------------------------------- persons


class PersonCreate(InputModel):
    """A registration. Birth date and sex may be left out when a citizen ID number is given:
    they are read from it (GB 11643); when given they must agree with it."""

    name: Name
    sex_code: SexCode | None = None
    birth_date: BirthDate = None
    phone: Phone = None
    address: Address = None
    district_code: DistrictCode = None
    ethnicity_code: EthnicityCode = None
    identifiers: list[IdentifierIn] = Field(default_factory=list, max_length=20)


class PersonUpdate(InputModel):
    """PATCH body: only the fields sent change; ``null`` clears an optional field."""

    name: Name | None = None
    sex_code: SexCode | None = None
    birth_date: BirthDate = None
    phone: Phone = None
    address: Address = None
    district_code: DistrictCode = None
    ethnicity_code: EthnicityCode = None
    # The contracted family doctor's user id (an active staff account); null clears it.
    family_doctor_user_id: Annotated[Text32 | None, BeforeValidator(_blank_to_none)] = None

    @field_validator("name", "sex_code", mode="before")
    @classmethod
    def _required_not_null(cls, value: object) -> object:
        if value is None:
            raise PydanticCustomError("patients.not_null", "must not be null")
        return value


class FamilyDoctorRead(ApiModel):
    """A resident's contracted family doctor (a staff account) and where they work."""

    user_id: str
    display_name: str
    institution_id: str | None
    institution_name: str | None


class PersonRead(ApiModel):
    id: str
    master_id: str
    name: str
    sex_code: str
    birth_date: date | None
    phone: str | None
    address: str | None
    district_code: str | None
    ethnicity_code: str | None
    status: PersonStatus
    merged_into_id: str | None
    identifiers: list[IdentifierRead]
    family_doctor: FamilyDoctorRead | None = None
    created_at: datetime
    updated_at: datetime


class RegistrationRead(ApiModel):
    """``created`` is false when an identifier sent was already known: the existing resident is
    returned (with the new identifiers linked) instead of a duplicate."""

    created: bool
    person: PersonRead
    review_candidates: int


class PersonSearch(InputModel):
    """Search by one identifier (type + number), or by name + birth date. Sent as a POST body so
    ID numbers never appear in URLs or access logs."""

    id_type: IdentifierType | None = None
    id_value: Text64 | None = None
    issuer: Annotated[Text64 | None, BeforeValidator(_blank_to_none)] = None
    institution_id: Annotated[Text32 | None, BeforeValidator(_blank_to_none)] = None
    name: Text100 | None = None
    birth_date: date | None = None
    page: int = Field(1, ge=1, le=100000)
    page_size: int = Field(20, ge=1, le=100)

    @field_validator("id_value")
    @classmethod
    def _value(cls, value: str | None, info: ValidationInfo) -> str | None:
        return None if value is None else _check_value(value, info, "id_type")

    @_model_validator(mode="after")
    def _criteria(self) -> PersonSearch:
        by_identifier = self.id_type is not None and bool(self.id_value)
        by_name = bool(self.name) and self.birth_date is not None
        if not (by_identifier or by_name):
            raise PydanticCustomError("patients.search_criteria", "no search criteria")
        return self


# ---------------------------------------------------------------- review, merge, history


class CandidateQuery(InputModel):
    status: CandidateStatus = "open"
    band: CandidateBand | None = None
    page: int = Field(1, ge=1, le=100000)
    page_size: int = Field(20, ge=1, le=100)


class CandidateRead(ApiModel):
    id: str
    score: float
    band: CandidateBand
    agreeing: list[str]
    status: CandidateStatus
    person_a: PersonRead
    person_b: PersonRead
    reviewed_by: str | None
    reviewed_at: datetime | None
    review_note: str | None
    created_at: datetime


class DismissRequest(InputModel):
    note: Text500 | None = None


class MergeRequest(InputModel):
    """Merge ``mergedId`` into ``survivorId``: the merged resident's identifiers move to the
    survivor and the merged record stays, marked merged, so the merge can be undone."""

    survivor_id: str = Field(min_length=1, max_length=32)
    merged_id: str = Field(min_length=1, max_length=32)
    reason: Reason


class UnmergeRequest(InputModel):
    reason: Reason


class LinkEventRead(ApiModel):
    id: str
    kind: EventKind
    person_id: str
    other_person_id: str | None
    # The identifier linked or unlinked, or the identifiers a merge moved (masked as above).
    identifiers: list[IdentifierRead]
    actor_user_id: str
    actor_username: str
    reason: str | None
    undone_by_id: str | None
    undoes_id: str | None
    created_at: datetime
