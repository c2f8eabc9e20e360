"""Sending notifications and reading one's own inbox.

Senders (any slice or module) call :func:`send` or :func:`send_to_role` inside their own
transaction: the messages exist if and only if that transaction commits, and deliveries to
other channels are jobs of the same transaction (outbox). Inbox functions take the actor and
touch only the actor's own messages: another user's message id is "not found".
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from healthnet.core.auth.models import User
from healthnet.core.db import utcnow
from healthnet.core.errors import NotFound, ValidationFailed
from healthnet.core.i18n import t
from healthnet.core.jobs import service as jobs
from healthnet.core.notify import messages as _messages  # noqa: F401  (registers the catalogue)
from healthnet.core.notify.channels import INBOX, get_channel
from healthnet.core.notify.jobs import DELIVER_KIND  # also registers the delivery handler
from healthnet.core.notify.models import Message
from healthnet.core.notify.schemas import InboxQuery, MessageRead
from healthnet.core.rbac.actor import Actor
from healthnet.core.rbac.models import Role, UserRole
from healthnet.core.schemas import Page

_KIND = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)*")
_TITLE_MAX = 200


def _check_link(link: str | None) -> None:
    # A route of the web console: never another site (no open redirect from a message).
    if link is None:
        return
    if not link.startswith("/") or link.startswith("//") or "\\" in link or len(link) > 500:
        raise ValidationFailed.field("link", "notify.link_invalid")


def _render(text: str | None, key: str | None, params: Mapping[str, Any] | None) -> str | None:
    if text is not None:
        return text.strip()
    if key is not None:
        return t(key, **dict(params or {})).strip()
    return None


def send(
    *,
    session: Session,
    recipients: Sequence[str],
    kind: str,
    title: str | None = None,
    body: str | None = None,
    title_key: str | None = None,
    body_key: str | None = None,
    params: Mapping[str, Any] | None = None,
    link: str | None = None,
    person_id: str | None = None,
    source: str | None = None,
    dedup_key: str | None = None,
    channels: Sequence[str] = (),
) -> list[Message]:
    """Put one message in each recipient's inbox; returns the messages created.

    The text is either given (``title``/``body``) or rendered now, in Chinese, from the
    catalogue (``title_key``/``body_key`` with ``params``). ``link`` is a web console route the
    message opens. ``person_id`` marks a message about a resident (the text itself must not
    name them). With ``dedup_key`` a recipient who already has a message with that key gets no
    second one. ``channels`` beyond the inbox (e.g. ``"sms"``) are delivered by jobs.
    """
    if not _KIND.fullmatch(kind) or len(kind) > 100:
        raise ValidationFailed.field("kind", "notify.kind_invalid")
    rendered_title = _render(title, title_key, params)
    if not rendered_title:
        raise ValidationFailed.field("title", "notify.title_missing")
    rendered_body = _render(body, body_key, params) or ""
    _check_link(link)
    for code in channels:
        if get_channel(code) is None:
            raise ValidationFailed.field("channels", "notify.channel_unknown", channel=code)
    user_ids = list(dict.fromkeys(recipients))  # each recipient once, in the order given
    if not user_ids:
        raise ValidationFailed.field("recipients", "notify.recipients_empty")
    known = set(session.scalars(select(User.id).where(User.id.in_(user_ids))).all())
    if len(known) != len(user_ids):
        raise ValidationFailed.field("recipients", "notify.recipient_unknown")

    created: list[Message] = []
    for user_id in user_ids:
        message = Message(
            recipient_user_id=user_id,
            kind=kind,
            source=(source or kind.split(".")[0])[:50],
            title=rendered_title[:_TITLE_MAX],
            body=rendered_body,
            link=link,
            person_id=person_id,
            dedup_key=dedup_key,
            created_at=utcnow(),
        )
        if not _store(session, message):
            continue
        created.append(message)
        for code in channels:
            if code != INBOX:
                jobs.enqueue(
                    session=session,
                    kind=DELIVER_KIND,
                    payload={"messageId": message.id, "channel": code},
                    idempotency_key=f"{DELIVER_KIND}:{message.id}:{code}",
                )
    return created


def _store(session: Session, message: Message) -> bool:
    """Insert; False when the recipient already has a message with the same dedup key."""
    if message.dedup_key is None:
        session.add(message)
        session.flush()
        return True
    exists = session.scalar(
        select(Message.id).where(
            Message.recipient_user_id == message.recipient_user_id,
            Message.dedup_key == message.dedup_key,
        )
    )
    if exists is not None:
        return False
    try:
        # A savepoint: losing the race to a concurrent sender must not spoil the caller's
        # transaction (the unique constraint decides).
        with session.begin_nested():
            session.add(message)
    except IntegrityError:
        return False
    return True


def recipients_with_role(*, session: Session, role_code: str, institution_id: str) -> list[str]:
    """Active users of ``institution_id`` holding the role ``role_code`` (e.g. the CDC staff of
    a district's CDC), in a stable order."""
    return list(
        session.scalars(
            select(User.id)
            .join(UserRole, UserRole.user_id == User.id)
            .join(Role, Role.id == UserRole.role_id)
            .where(
                Role.code == role_code,
                User.institution_id == institution_id,
                User.is_active.is_(True),
            )
            .order_by(User.id)
        ).all()
    )


def send_to_role(
    *,
    session: Session,
    role_code: str,
    institution_id: str,
    kind: str,
    title: str | None = None,
    body: str | None = None,
    title_key: str | None = None,
    body_key: str | None = None,
    params: Mapping[str, Any] | None = None,
    link: str | None = None,
    person_id: str | None = None,
    source: str | None = None,
    dedup_key: str | None = None,
    channels: Sequence[str] = (),
) -> list[Message]:
    """:func:`send` to every active holder of ``role_code`` at ``institution_id`` (e.g. the CDC
    staff of a district's CDC); nobody holding it there → no message (an empty list), not an
    error."""
    user_ids = recipients_with_role(
        session=session, role_code=role_code, institution_id=institution_id
    )
    if not user_ids:
        return []
    return send(
        session=session,
        recipients=user_ids,
        kind=kind,
        title=title,
        body=body,
        title_key=title_key,
        body_key=body_key,
        params=params,
        link=link,
        person_id=person_id,
        source=source,
        dedup_key=dedup_key,
        channels=channels,
    )


# ---------------------------------------------------------------- the own inbox


def list_inbox(*, session: Session, actor: Actor, query: InboxQuery) -> Page[MessageRead]:
    """The actor's messages, newest first; only unread ones with ``unread_only``."""
    where = [Message.recipient_user_id == actor.user_id]
    if query.unread_only:
        where.append(Message.read_at.is_(None))
    total = session.scalar(select(func.count(Message.id)).where(*where)) or 0
    rows = session.scalars(
        select(Message)
        .where(*where)
        .order_by(Message.created_at.desc(), Message.id.desc())
        .offset((query.page - 1) * query.page_size)
        .limit(query.page_size)
    ).all()
    return Page[MessageRead](
        items=[MessageRead.model_validate(r) for r in rows],
        total=total,
        page=query.page,
        page_size=query.page_size,
    )


def unread_count(*, session: Session, user_id: str) -> int:
    return int(
        session.scalar(
            select(func.count(Message.id)).where(
                Message.recipient_user_id == user_id, Message.read_at.is_(None)
            )
        )
        or 0
    )


def mark_read(*, session: Session, actor: Actor, ids: Sequence[str]) -> int:
    """Mark the actor's messages ``ids`` read; returns how many were unread. Any id that is
    not one of the actor's messages → 404 and nothing changes."""
    wanted = set(ids)
    own = set(
        session.scalars(
            select(Message.id).where(
                Message.id.in_(wanted), Message.recipient_user_id == actor.user_id
            )
        ).all()
    )
    if own != wanted:
        raise NotFound("notify.message_not_found")
    result = session.execute(
        update(Message)
        .where(Message.id.in_(own), Message.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return int(getattr(result, "rowcount", 0) or 0)


def mark_all_read(*, session: Session, actor: Actor) -> int:
    result = session.execute(
        update(Message)
        .where(Message.recipient_user_id == actor.user_id, Message.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return int(getattr(result, "rowcount", 0) or 0)


def purge_read(*, session: Session, older_than: timedelta, now: datetime | None = None) -> int:
    """Delete messages read before ``now - older_than`` (unread ones stay however old)."""
    cutoff = (now or utcnow()) - older_than
    result = session.execute(delete(Message).where(Message.read_at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)
