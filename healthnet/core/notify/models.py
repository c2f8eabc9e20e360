"""Inbox messages, and what the stand-in SMS gateway was asked to send."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from healthnet.core.db import Base, IdMixin, utcnow


class Message(IdMixin, Base):
    """One message in one user's inbox.

    ``title`` and ``body`` are Chinese text rendered from the sender's catalogue when sent (the
    inbox shows what was said then, not what a later catalogue would say). They hold nothing
    personal beyond what the recipient may see anyway; a patient-related message names the
    resident only by ``person_id`` and its ``link`` leads to a page that checks access and
    audits the read.
    """

    __tablename__ = "notify_message"
    __table_args__ = (
        # The inbox query and the unread count: one user's messages, unread first, newest first.
        Index("ix_notify_message_inbox", "recipient_user_id", "read_at", "created_at"),
        # "At most one of these": a sender that passes a dedup key gets one message per
        # recipient and key, even when two transactions send at once.
        UniqueConstraint("recipient_user_id", "dedup_key"),
    )

    recipient_user_id: Mapped[str] = mapped_column(ForeignKey("auth_user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(100), index=True)
    source: Mapped[str] = mapped_column(String(50))  # the slice or module that sent it
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str | None] = mapped_column(String(500))  # a web console route
    person_id: Mapped[str | None] = mapped_column(ForeignKey("patients_person.id"), index=True)
    dedup_key: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(default=None)


class SmsSent(IdMixin, Base):
    """What the stand-in SMS gateway (:class:`healthnet.core.notify.channels.FakeSmsChannel`)
    was asked to send: which message to whom, never the text or a phone number. A real gateway
    replaces the channel, not this table's callers."""

    __tablename__ = "notify_sms_sent"

    message_id: Mapped[str] = mapped_column(
        ForeignKey("notify_message.id", ondelete="CASCADE"), unique=True
    )
    recipient_user_id: Mapped[str] = mapped_column(String(32), index=True)
    kind: Mapped[str] = mapped_column(String(100))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
