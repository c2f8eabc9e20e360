"""Shared API shapes: camelCase JSON, strict inputs, one page shape for every list."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

T = TypeVar("T")


class ApiModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, from_attributes=True)


class InputModel(ApiModel):
    """Request bodies: unknown fields are refused, strings are trimmed."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        str_strip_whitespace=True,
    )


class PageQuery(ApiModel):
    page: int = Field(1, ge=1, le=100000)
    page_size: int = Field(20, ge=1, le=500)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


class Page(ApiModel, Generic[T]):
    items: list[T]
    total: int
    page: int
    page_size: int
