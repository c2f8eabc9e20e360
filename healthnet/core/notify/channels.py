"""Delivery channels: the inbox (built in, immediate) and others behind one interface.

A channel other than the inbox is delivered by a ``notify.deliver`` job (see ``jobs.py``), in
the job's own transaction: a channel that raises is retried with back-off and ends in the
dead-letter list, where an operator can re-queue it. The SMS channel here is a stand-in that
records what would have been sent (no text, no phone number); a real gateway registers a
channel with the same code.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from healthnet.core.notify.models import Message, SmsSent

INBOX = "inbox"
SMS = "sms"


class Channel(Protocol):
    code: str

    def deliver(self, *, session: Session, message: Message) -> None:
        """Deliver ``message``; raise to have the job retried. May be called more than once
        for one message (a retry after a crash): deliver at most once per message id."""


class InboxChannel:
    """The message row is the inbox: stored by ``send`` itself, nothing left to do."""

    code = INBOX

    def deliver(self, *, session: Session, message: Message) -> None:
        return None


class FakeSmsChannel:
    """Stand-in for an SMS gateway: one ``notify_sms_sent`` row per message."""

    code = SMS

    def deliver(self, *, session: Session, message: Message) -> None:
        done = session.scalar(select(SmsSent.id).where(SmsSent.message_id == message.id))
        if done is None:
            session.add(
                SmsSent(
                    message_id=message.id,
                    recipient_user_id=message.recipient_user_id,
                    kind=message.kind,
                )
            )
            session.flush()


_CHANNELS: dict[str, Channel] = {INBOX: InboxChannel(), SMS: FakeSmsChannel()}


def register_channel(channel: Channel) -> Channel | None:
    """Install ``channel`` under its code (a real gateway replaces the stand-in); returns the
    channel it replaced, so tests can put it back."""
    previous = _CHANNELS.get(channel.code)
    _CHANNELS[channel.code] = channel
    return previous


def get_channel(code: str) -> Channel | None:
    return _CHANNELS.get(code)


def channel_codes() -> list[str]:
    return sorted(_CHANNELS)


def remove_channel(code: str) -> None:
    """Forget a channel (tests install throwaway ones); the inbox stays."""
    if code != INBOX:
        _CHANNELS.pop(code, None)
