"""API shapes of the inbox (camelCase JSON)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field

from healthnet.core.schemas import ApiModel, InputModel, PageQuery

MessageId = Annotated[str, Field(min_length=1, max_length=32)]


class InboxQuery(PageQuery):
    unread_only: bool = False
    page_size: int = Field(20, ge=1, le=100)


class MessageRead(ApiModel):
    id: str
    kind: str
    source: str
    title: str
    body: str
    link: str | None
    person_id: str | None
    created_at: datetime
    read_at: datetime | None


class MarkRead(InputModel):
    ids: list[MessageId] = Field(min_length=1, max_length=200)


class UnreadCount(ApiModel):
    unread: int


class MarkReadResult(ApiModel):
    """How many messages this call marked read, and how many stay unread."""

    marked: int
    unread: int
