"""API shapes of the organisations slice (camelCase JSON)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field, computed_field, field_validator
from pydantic_core import PydanticCustomError

from healthnet.core.i18n import t
from healthnet.core.orgs import messages as _messages  # noqa: F401  (registers the catalogue)
from healthnet.core.orgs.enums import InstitutionKind, InstitutionLevel
from healthnet.core.orgs.rules import (
    credit_code_problem,
    latitude_ok,
    longitude_ok,
    normalise_credit_code,
)
from healthnet.core.schemas import ApiModel, InputModel

_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_PHONE_RE = re.compile(r"^[0-9+()\- 转]{3,32}$")


def _code(value: str) -> str:
    if not _CODE_RE.match(value):
        raise PydanticCustomError("orgs.code_invalid", "invalid code")
    return value


def _credit_code(value: str | None) -> str | None:
    if value is None:
        return None
    value = normalise_credit_code(value)
    if value == "":
        return None
    problem = credit_code_problem(value)
    if problem:
        raise PydanticCustomError(problem, "invalid unified social credit code")
    return value


def _longitude(value: float | None) -> float | None:
    if value is not None and not longitude_ok(value):
        raise PydanticCustomError("orgs.longitude_out_of_range", "longitude out of range")
    return value


def _latitude(value: float | None) -> float | None:
    if value is not None and not latitude_ok(value):
        raise PydanticCustomError("orgs.latitude_out_of_range", "latitude out of range")
    return value


def _phone(value: str | None) -> str | None:
    if value in (None, ""):
        return None
    assert value is not None
    if not _PHONE_RE.match(value):
        raise PydanticCustomError("orgs.phone_invalid", "invalid phone")
    return value


def _blank_to_none(value: object) -> object:
    return None if isinstance(value, str) and value.strip() == "" else value


Code = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_code)]
DeptCode = Annotated[str, Field(min_length=1, max_length=32), AfterValidator(_code)]
DistrictCode = Annotated[str, Field(pattern=r"^\d{6}$")]
CreditCode = Annotated[str | None, AfterValidator(_credit_code)]
Longitude = Annotated[float | None, BeforeValidator(_blank_to_none), AfterValidator(_longitude)]
Latitude = Annotated[float | None, BeforeValidator(_blank_to_none), AfterValidator(_latitude)]
Phone = Annotated[Annotated[str, Field(max_length=32)] | None, AfterValidator(_phone)]
# Constraints sit on the inner type: applied to ``X | None`` they would also meet None.
OptText = Annotated[str | None, BeforeValidator(_blank_to_none)]
ShortText = Annotated[Annotated[str, Field(max_length=64)] | None, BeforeValidator(_blank_to_none)]
LongText = Annotated[Annotated[str, Field(max_length=255)] | None, BeforeValidator(_blank_to_none)]
Beds = Annotated[Annotated[int, Field(ge=0, le=100_000)] | None, BeforeValidator(_blank_to_none)]


# ---------------------------------------------------------------- districts


class DistrictRead(ApiModel):
    code: str
    name: str
    name_en: str
    longitude: float | None
    latitude: float | None


# ---------------------------------------------------------------- institutions


class InstitutionCreate(InputModel):
    code: Code
    name: str = Field(min_length=1, max_length=200)
    short_name: ShortText = None
    kind: InstitutionKind
    level: InstitutionLevel = InstitutionLevel.UNGRADED
    district_code: DistrictCode
    address: LongText = None
    longitude: Longitude = None
    latitude: Latitude = None
    beds: Beds = None
    credit_code: CreditCode = None
    phone: Phone = None
    parent_id: OptText = None


class InstitutionUpdate(InputModel):
    """PATCH body: only the fields sent are changed; ``null`` clears an optional field."""

    code: Code | None = None
    name: str | None = Field(None, min_length=1, max_length=200)
    short_name: ShortText = None
    kind: InstitutionKind | None = None
    level: InstitutionLevel | None = None
    district_code: DistrictCode | None = None
    address: LongText = None
    longitude: Longitude = None
    latitude: Latitude = None
    beds: Beds = None
    credit_code: CreditCode = None
    phone: Phone = None
    parent_id: OptText = None

    @field_validator("code", "name", "kind", "level", "district_code", mode="before")
    @classmethod
    def _required_not_null(cls, value: object) -> object:
        # These columns are required; a PATCH may omit them but not blank them.
        if value is None:
            raise PydanticCustomError("orgs.not_null", "must not be null")
        return value


class InstitutionRead(ApiModel):
    id: str
    code: str
    name: str
    short_name: str | None
    kind: InstitutionKind
    level: InstitutionLevel
    district_code: str
    district_name: str
    address: str | None
    longitude: float | None
    latitude: float | None
    beds: int | None
    credit_code: str | None
    phone: str | None
    is_active: bool
    parent_id: str | None
    created_at: datetime
    updated_at: datetime

    @computed_field  # type: ignore[prop-decorator]
    @property
    def kind_label(self) -> str:
        return t(f"orgs.kind.{self.kind.value}")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def level_label(self) -> str:
        return t(f"orgs.level.{self.level.value}")


InstitutionSort = Literal[
    "code",
    "-code",
    "name",
    "-name",
    "districtCode",
    "-districtCode",
    "kind",
    "-kind",
    "level",
    "-level",
    "beds",
    "-beds",
    "createdAt",
    "-createdAt",
    "updatedAt",
    "-updatedAt",
]


class InstitutionQuery(InputModel):
    """List filters; all optional and combined with AND."""

    district_code: DistrictCode | None = None
    kind: InstitutionKind | None = None
    level: InstitutionLevel | None = None
    active: bool | None = None
    name: str | None = Field(None, max_length=100, description="机构名称、简称或代码包含")
    parent_id: str | None = None
    sort: InstitutionSort = "code"
    page: int = Field(1, ge=1, le=100000)
    page_size: int = Field(20, ge=1, le=500)


class DirectoryEntry(ApiModel):
    """An institution as the public directory shows it: the facts printed on its sign and in
    the commission's lists, nothing about its data (decision 0018)."""

    id: str
    code: str
    name: str
    short_name: str | None
    kind: InstitutionKind
    district_code: str
    district_name: str
    is_active: bool

    @computed_field  # type: ignore[prop-decorator]
    @property
    def kind_label(self) -> str:
        return t(f"orgs.kind.{self.kind.value}")


class DirectoryQuery(InputModel):
    """Directory filters; all optional and combined with AND. ``ids`` (comma-separated)
    names institutions to look up, deactivated ones included; otherwise only active ones."""

    name: str | None = Field(None, max_length=100, description="机构名称、简称或代码包含")
    district_code: DistrictCode | None = None
    kind: InstitutionKind | None = None
    ids: str | None = Field(None, max_length=3300, description="机构 id，逗号分隔，至多 100 个")
    page: int = Field(1, ge=1, le=100000)
    page_size: int = Field(20, ge=1, le=100)


class ImportResult(ApiModel):
    created: int
    updated: int
    unchanged: int
    total: int


# ---------------------------------------------------------------- departments


def _category(value: str | None) -> str | None:
    from healthnet.core.orgs.metadata_files import department_categories

    if value in (None, ""):
        return None
    assert value is not None
    if value not in department_categories():
        raise PydanticCustomError("orgs.category_unknown", "unknown category", {"value": value})
    return value


Category = Annotated[str | None, AfterValidator(_category)]


class DepartmentCreate(InputModel):
    code: DeptCode
    name: str = Field(min_length=1, max_length=100)
    category: Category = None
    is_active: bool = True


class DepartmentUpdate(InputModel):
    code: DeptCode | None = None
    name: str | None = Field(None, min_length=1, max_length=100)
    category: Category = None
    is_active: bool | None = None

    @field_validator("code", "name", "is_active", mode="before")
    @classmethod
    def _required_not_null(cls, value: object) -> object:
        if value is None:
            raise PydanticCustomError("orgs.not_null", "must not be null")
        return value


class DepartmentRead(ApiModel):
    id: str
    institution_id: str
    code: str
    name: str
    category: str | None
    is_active: bool
    created_at: datetime
    updated_at: datetime

    @computed_field  # type: ignore[prop-decorator]
    @property
    def category_name(self) -> str | None:
        from healthnet.core.orgs.metadata_files import department_categories

        return department_categories().get(self.category) if self.category else None


class DepartmentQuery(InputModel):
    active: bool | None = None
    name: str | None = Field(None, max_length=100)
    page: int = Field(1, ge=1, le=100000)
    page_size: int = Field(100, ge=1, le=500)
