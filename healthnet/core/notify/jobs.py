"""Delivering a message to a channel other than the inbox, retried by the job worker; and
keeping inboxes from growing without end."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from healthnet.core.jobs.registry import JobError, job_handler, register_schedule
from healthnet.core.notify.channels import get_channel
from healthnet.core.notify.models import Message

DELIVER_KIND = "notify.deliver"
PURGE_KIND = "notify.purge_read"


@job_handler(DELIVER_KIND, max_attempts=8)
def deliver(session: Session, payload: dict[str, Any]) -> None:
    message = session.get(Message, str(payload["messageId"]))
    if message is None:  # the recipient's account was deleted since: nothing to deliver
        return
    channel = get_channel(str(payload["channel"]))
    if channel is None:
        raise JobError(f"no notification channel {payload['channel']!r}")
    channel.deliver(session=session, message=message)


@job_handler(PURGE_KIND)
def purge_read(session: Session, payload: dict[str, Any]) -> None:
    from healthnet.core.notify.service import purge_read as purge  # service imports this module

    purge(session=session, older_than=timedelta(days=int(payload["days"])))


# Read messages are kept half a year (the to-do they were is done); unread ones are kept.
register_schedule(PURGE_KIND, "50 3 * * *", PURGE_KIND, {"days": 180})
