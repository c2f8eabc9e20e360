from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from healthnet.config import get_settings
from healthnet.core.audit.service import RecordFilter
from healthnet.core.schemas import ApiModel, PageQuery

# An exact action code, or a prefix ending in "*" (e.g. "patients.*").
_SEARCH_ACTION_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]*)*\*?$")
Outcome = Literal["success", "failure", "denied"]
Purpose = Literal[
    "TREAT",
    "EMERGENCY",
    "COC",
    "PATRQT",
    "PUBHLTH",
    "HQUALIMP",
    "HOPERAT",
    "HRESCH",
    "ADMIN",
    "AUDIT",
]


class _Filters(ApiModel):
    actor_id: str | None = Field(None, max_length=32)
    actor_username: str | None = Field(None, max_length=64)
    patient_id: str | None = Field(None, max_length=32)
    action: str | None = Field(None, max_length=65)
    resource_type: str | None = Field(None, max_length=64)
    resource_id: str | None = Field(None, max_length=64)
    outcome: Outcome | None = None
    purpose: Purpose | None = None
    # Times without an offset are read as local time (Asia/Shanghai), as users type them.
    occurred_from: datetime | None = None
    occurred_to: datetime | None = None
    archived: bool = False

    @field_validator("action")
    @classmethod
    def _action(cls, v: str | None) -> str | None:
        if v is not None and not _SEARCH_ACTION_RE.match(v):
            raise PydanticCustomError("audit.action_invalid", "invalid action")
        return v

    @field_validator("occurred_from", "occurred_to")
    @classmethod
    def _aware(cls, v: datetime | None) -> datetime | None:
        if v is not None and v.tzinfo is None:
            v = v.replace(tzinfo=ZoneInfo(get_settings().timezone))
        return v

    @field_validator("occurred_to")
    @classmethod
    def _range(cls, v: datetime | None, info: ValidationInfo) -> datetime | None:
        start = info.data.get("occurred_from")
        if v is not None and start is not None and start > v:
            raise PydanticCustomError("audit.time_range_invalid", "start after end")
        return v

    def to_filter(self) -> RecordFilter:
        return RecordFilter(**{k: getattr(self, k) for k in RecordFilter.__dataclass_fields__})


class AuditRecordQuery(_Filters, PageQuery):
    pass


class AuditExportQuery(_Filters):
    format: Literal["csv", "xlsx"] = "xlsx"


class AuditRecordRead(ApiModel):
    seq: int
    occurred_at: datetime
    actor_id: str | None
    actor_username: str | None
    actor_roles: list[str]
    institution_id: str | None
    client_ip: str | None
    user_agent: str | None
    action: str
    resource_type: str
    resource_id: str | None
    patient_id: str | None
    purpose: str
    outcome: str
    detail: dict[str, Any] | None
    request_id: str | None
    prev_hash: str
    hash: str

    @field_validator("actor_roles", mode="before")
    @classmethod
    def _roles(cls, v: Any) -> Any:
        if v is None:
            return []
        return [r for r in v.split(",") if r] if isinstance(v, str) else v

    @field_validator("detail", mode="before")
    @classmethod
    def _detail(cls, v: Any) -> Any:
        return json.loads(v) if isinstance(v, str) else v


class VerificationRead(ApiModel):
    id: str
    started_at: datetime
    finished_at: datetime
    ok: bool
    records_checked: int
    archived_records: int
    checkpoints_checked: int
    last_seq: int
    problems: list[dict[str, Any]]
    triggered_by: str
    duration_ms: int


class ChainStatusRead(ApiModel):
    last_seq: int
    last_hash: str
    live_records: int
    archived_records: int
    last_checkpoint_seq: int | None
    last_checkpoint_at: datetime | None
    last_verification: VerificationRead | None


class CheckpointRead(ApiModel):
    id: str
    seq: int
    head_hash: str
    signed_at: datetime
    signature: str
    signer_fingerprint: str


class SigningKeyRead(ApiModel):
    fingerprint: str
    public_key_pem: str
    active: bool
    created_at: datetime
