"""API shapes of the code-systems slice (camelCase JSON)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from healthnet.core.codes.models import CodeSystem, CodeSystemVersion, Concept
from healthnet.core.schemas import ApiModel, InputModel

SYSTEM_CODE_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,63}$"
# Letters (Chinese too), digits, dot, dash, underscore: e.g. "2.0", "gnuhealth-5.0.4", "国临2.0".
VERSION_PATTERN = r"^[\w.-]{1,64}$"


class CodeSystemRead(ApiModel):
    code: str
    name_zh: str
    name_en: str
    kind: str
    standard: str | None
    description: str | None
    active_version: str | None
    concept_count: int

    @classmethod
    def build(cls, system: CodeSystem, active: CodeSystemVersion | None) -> CodeSystemRead:
        return cls(
            code=system.code,
            name_zh=system.name_zh,
            name_en=system.name_en,
            kind=system.kind,
            standard=system.standard,
            description=system.description,
            active_version=active.version if active else None,
            concept_count=active.concept_count if active else 0,
        )


class VersionRead(ApiModel):
    version: str
    source: str
    loaded_at: datetime
    status: str
    concept_count: int
    note: str | None


class ConceptBrief(ApiModel):
    code: str
    display_zh: str
    display_en: str
    kind: str


class ConceptRead(ConceptBrief):
    system: str
    version: str
    parent_code: str | None
    depth: int
    is_leaf: bool
    is_active: bool
    pinyin_initials: str
    attributes: dict[str, Any] | None

    @classmethod
    def build(cls, c: Concept) -> ConceptRead:
        return cls(
            system=c.system_code,
            version=c.version_label,
            code=c.code,
            display_zh=c.display_zh,
            display_en=c.display_en,
            kind=c.kind,
            parent_code=c.parent_code,
            depth=c.depth,
            is_leaf=c.is_leaf,
            is_active=c.is_active,
            pinyin_initials=c.pinyin_initials,
            attributes=c.attributes,
        )


class ConceptDetail(ConceptRead):
    ancestors: list[ConceptBrief]  # top first: chapter, block, category


class ConceptSearch(InputModel):
    q: str | None = Field(None, max_length=100, description="编码前缀、中文或拼音首字母")
    version: str | None = Field(None, pattern=VERSION_PATTERN)
    leaf_only: bool = False
    include_inactive: bool = False
    page: int = Field(1, ge=1, le=100000)
    page_size: int = Field(20, ge=1, le=200)


class VersionQuery(InputModel):
    version: str | None = Field(None, pattern=VERSION_PATTERN)


class ChildrenQuery(VersionQuery):
    parent: str | None = Field(None, max_length=64, description="上级编码；不填为顶层")


class CodeCheck(InputModel):
    """A coded value to check, as a form would send it."""

    system: str = Field(pattern=SYSTEM_CODE_PATTERN)
    code: str = Field(min_length=1, max_length=64)
    version: str | None = Field(None, pattern=VERSION_PATTERN)


class ImportQuery(InputModel):
    version: str = Field(pattern=VERSION_PATTERN)
    name_zh: str | None = Field(None, min_length=1, max_length=200)
    name_en: str | None = Field(None, max_length=200)
    kind: Literal["classification", "value_set", "local"] = "local"
    activate: bool = True


class ImportResult(ApiModel):
    system: str
    version: str
    created: bool
    concept_count: int
