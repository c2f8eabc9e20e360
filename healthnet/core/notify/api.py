"""Routes of the own inbox (mounted at /api/v1/notify). Every route works on the signed-in
user's own messages only, so none needs a permission beyond being signed in."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from healthnet.core.deps import CurrentActor, SessionDep
from healthnet.core.notify import service
from healthnet.core.notify.schemas import (
    InboxQuery,
    MarkRead,
    MarkReadResult,
    MessageRead,
    UnreadCount,
)
from healthnet.core.schemas import Page

router = APIRouter(tags=["notify"])


@router.get("/messages", response_model=Page[MessageRead], operation_id="notify_list_messages")
def list_messages(
    session: SessionDep, actor: CurrentActor, query: Annotated[InboxQuery, Query()]
) -> Page[MessageRead]:
    """我的消息（最新在前），可只看未读。"""
    return service.list_inbox(session=session, actor=actor, query=query)


@router.get("/unread-count", response_model=UnreadCount, operation_id="notify_unread_count")
def unread_count(session: SessionDep, actor: CurrentActor) -> UnreadCount:
    """我的未读消息数（顶栏铃铛）。"""
    return UnreadCount(unread=service.unread_count(session=session, user_id=actor.user_id))


@router.post("/messages/read", response_model=MarkReadResult, operation_id="notify_mark_read")
def mark_read(data: MarkRead, session: SessionDep, actor: CurrentActor) -> MarkReadResult:
    """把我的若干条消息标为已读；含非本人的消息时返回 404，且都不标记。"""
    marked = service.mark_read(session=session, actor=actor, ids=data.ids)
    return MarkReadResult(
        marked=marked, unread=service.unread_count(session=session, user_id=actor.user_id)
    )


@router.post(
    "/messages/read-all", response_model=MarkReadResult, operation_id="notify_mark_all_read"
)
def mark_all_read(session: SessionDep, actor: CurrentActor) -> MarkReadResult:
    """把我的全部消息标为已读。"""
    marked = service.mark_all_read(session=session, actor=actor)
    return MarkReadResult(marked=marked, unread=0)
