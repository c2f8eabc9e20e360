"""API shapes of system parameters and data dictionaries (camelCase JSON)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, field_validator
from pydantic_core import PydanticCustomError

from healthnet.core.schemas import ApiModel, InputModel, PageQuery
from healthnet.core.sysconf import messages as _messages  # noqa: F401  (registers the catalogue)

_KEY_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")
_DICT_CODE_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_ITEM_VALUE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")

ValueType = Literal["string", "int", "bool", "json"]
TagType = Literal["", "success", "info", "warning", "danger"]


def _matching(pattern: re.Pattern[str], code: str) -> Any:
    def check(value: str) -> str:
        if not pattern.match(value):
            raise PydanticCustomError(code, "invalid")
        return value

    return AfterValidator(check)


def _blank_to_none(value: object) -> object:
    return None if isinstance(value, str) and value.strip() == "" else value


ParamKey = Annotated[
    str, Field(min_length=1, max_length=64), _matching(_KEY_RE, "sysconf.param_key_invalid")
]
DictCode = Annotated[
    str, Field(min_length=1, max_length=64), _matching(_DICT_CODE_RE, "sysconf.dict_code_invalid")
]
ItemValue = Annotated[
    str, Field(min_length=1, max_length=64), _matching(_ITEM_VALUE_RE, "sysconf.item_value_invalid")
]
Name = Annotated[str, Field(min_length=1, max_length=100)]
Description = Annotated[
    Annotated[str, Field(max_length=500)] | None, BeforeValidator(_blank_to_none)
]
# Checked against the parameter's type by the service (the type is stored, not sent).
ParamValue = Annotated[str, Field(max_length=4000)]


def _not_null(value: object) -> object:
    # PATCH may omit these fields but not blank them.
    if value is None:
        raise PydanticCustomError("field.missing", "must not be null")
    return value


# ---------------------------------------------------------------- parameters


class ParameterCreate(InputModel):
    key: ParamKey
    value: ParamValue = ""
    value_type: ValueType = "string"
    name: Name
    description: Description = None


class ParameterUpdate(InputModel):
    """PATCH: only the fields sent change. Built-in parameters take only ``value``."""

    value: ParamValue | None = None
    name: Name | None = None
    description: Description = None

    _required = field_validator("value", "name", mode="before")(_not_null)


class ParameterRead(ApiModel):
    id: str
    key: str
    value: str
    value_type: ValueType
    name: str
    description: str | None
    builtin: bool
    editable: bool
    created_at: datetime
    updated_at: datetime


class ParameterQuery(PageQuery):
    q: str | None = Field(None, max_length=64, description="参数键或名称包含")
    page_size: int = Field(50, ge=1, le=500)


# ---------------------------------------------------------------- dictionaries


class DictTypeCreate(InputModel):
    code: DictCode
    name: Name
    description: Description = None
    active: bool = True


class DictTypeUpdate(InputModel):
    name: Name | None = None
    description: Description = None
    active: bool | None = None

    _required = field_validator("name", "active", mode="before")(_not_null)


class DictTypeRead(ApiModel):
    id: str
    code: str
    name: str
    description: str | None
    builtin: bool
    active: bool
    created_at: datetime
    updated_at: datetime


class DictItemCreate(InputModel):
    value: ItemValue
    label: Name
    label_en: Annotated[str, Field(max_length=100)] = ""
    sort: int = Field(0, ge=-100_000, le=100_000)
    tag_type: TagType = ""
    active: bool = True


class DictItemUpdate(InputModel):
    """PATCH: the value itself never changes (records store it); deactivate instead."""

    label: Name | None = None
    label_en: Annotated[str, Field(max_length=100)] | None = None
    sort: int | None = Field(None, ge=-100_000, le=100_000)
    tag_type: TagType | None = None
    active: bool | None = None

    _required = field_validator("label", "label_en", "sort", "tag_type", "active", mode="before")(
        _not_null
    )


class DictItemRead(ApiModel):
    id: str
    type_code: str
    value: str
    label: str
    label_en: str
    sort: int
    tag_type: TagType
    active: bool
    builtin: bool
    created_at: datetime
    updated_at: datetime


class DictTypeDetail(DictTypeRead):
    """One dictionary with all its items (active or not), for the maintenance page."""

    items: list[DictItemRead]


class DictOption(ApiModel):
    """An active item as a select or tag shows it."""

    value: str
    label: str
    label_en: str
    tag_type: TagType


class DictTypeQuery(PageQuery):
    q: str | None = Field(None, max_length=64, description="字典编码或名称包含")
    active: bool | None = None
    page_size: int = Field(50, ge=1, le=500)
