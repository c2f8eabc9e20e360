"""Channels other than the inbox go through the job worker: committed rows, a real worker, a
stand-in gateway that fails first (the SMS gateway is an external system)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from healthnet.core.auth import service as auth
from healthnet.core.auth.models import User
from healthnet.core.db import transaction
from healthnet.core.jobs.models import Job, JobStatus
from healthnet.core.jobs.registry import JobError
from healthnet.core.jobs.worker import Worker
from healthnet.core.notify import channels, service
from healthnet.core.notify.models import Message, SmsSent


class FlakyGateway:
    """Refuses the first ``failures`` sends, then behaves like the stand-in SMS channel."""

    code = channels.SMS

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0

    def deliver(self, *, session: Session, message: Message) -> None:
        self.calls += 1
        if self.calls <= self.failures:
            raise JobError("SMS gateway unavailable")
        channels.FakeSmsChannel().deliver(session=session, message=message)


@pytest.fixture
def recipient(engine: Engine) -> Iterator[str]:
    with transaction() as s:
        user = auth.create_user(
            session=s,
            username=f"sms_{secrets.token_hex(4)}",
            display_name="短信收件人",
            password="Test-pass-123",
            must_change_password=False,
        )
        user_id = user.id
    yield user_id
    with transaction() as s:
        s.execute(delete(Job).where(Job.kind == service.DELIVER_KIND))
        s.execute(delete(SmsSent).where(SmsSent.recipient_user_id == user_id))
        s.execute(delete(Message).where(Message.recipient_user_id == user_id))
        s.execute(delete(User).where(User.id == user_id))


@pytest.fixture
def gateway() -> Iterator[FlakyGateway]:
    flaky = FlakyGateway(failures=1)
    previous = channels.register_channel(flaky)
    yield flaky
    assert previous is not None
    channels.register_channel(previous)


def test_a_failing_channel_is_retried_and_delivers_once(
    recipient: str, gateway: FlakyGateway
) -> None:
    with transaction() as s:
        (message,) = service.send(
            session=s, recipients=[recipient], kind="test.sms", title="请查看", channels=("sms",)
        )
        message_id = message.id
    now = datetime.now(UTC) + timedelta(seconds=1)
    worker = Worker(clock=lambda: now, kinds=[service.DELIVER_KIND])

    assert worker.run_once() == 1
    with transaction() as s:
        job = s.scalars(select(Job).where(Job.kind == service.DELIVER_KIND)).one()
        assert job.status == JobStatus.RETRYING and "SMS gateway unavailable" in (
            job.last_error or ""
        )
        assert s.scalars(select(SmsSent).where(SmsSent.message_id == message_id)).all() == []
        # The inbox did not wait for the gateway.
        assert service.unread_count(session=s, user_id=recipient) == 1

    now += timedelta(hours=2)  # past any back-off
    assert worker.run_once() == 1
    assert worker.run_once() == 0
    with transaction() as s:
        sent = s.scalars(select(SmsSent).where(SmsSent.message_id == message_id)).all()
        assert [(r.recipient_user_id, r.kind) for r in sent] == [(recipient, "test.sms")]
        job = s.scalars(select(Job).where(Job.kind == service.DELIVER_KIND)).one()
        assert job.status == JobStatus.SUCCEEDED
    assert gateway.calls == 2
