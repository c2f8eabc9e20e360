"""Producers' and operators' service functions."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from healthnet.core.db import transaction
from healthnet.core.errors import Conflict, ValidationFailed
from healthnet.core.jobs import service
from healthnet.core.jobs.models import Job, JobStatus
from healthnet.core.jobs.registry import JobError
from healthnet.core.jobs.worker import backoff_delay, describe_error


def _count(kind: str) -> int:
    with transaction() as s:
        return s.scalar(select(func.count()).select_from(Job).where(Job.kind == kind)) or 0


@pytest.mark.usefixtures("committed")
def test_a_job_exists_only_if_the_producers_transaction_commits() -> None:
    class BusinessFailed(Exception):
        pass

    with pytest.raises(BusinessFailed), transaction() as s:
        service.enqueue(session=s, kind="test.push", payload={"visit": "v1"})
        raise BusinessFailed
    assert _count("test.push") == 0

    with transaction() as s:
        service.enqueue(session=s, kind="test.push", payload={"visit": "v2"})
    assert _count("test.push") == 1


def test_the_same_idempotency_key_gives_the_same_job(db: Session) -> None:
    a = service.enqueue(session=db, kind="test.push", payload={"n": 1}, idempotency_key="k-1")
    b = service.enqueue(session=db, kind="test.push", payload={"n": 2}, idempotency_key="k-1")
    assert a.id == b.id and b.payload == {"n": 1}
    assert db.scalar(select(func.count()).select_from(Job).where(Job.kind == "test.push")) == 1


def test_enqueue_refuses_what_cannot_be_stored(db: Session) -> None:
    with pytest.raises(TypeError):
        service.enqueue(session=db, kind="test.push", payload={"when": datetime.now(UTC)})
    with pytest.raises(ValueError):
        service.enqueue(session=db, kind="", payload={})
    with pytest.raises(ValueError):
        service.enqueue(session=db, kind="test.push", run_at=datetime(2030, 1, 1))


def test_only_dead_jobs_can_be_requeued(db: Session) -> None:
    job = service.enqueue(session=db, kind="test.push")
    with pytest.raises(Conflict) as err:
        service.requeue(session=db, job_id=job.id)
    assert err.value.code == "jobs.not_dead"
    assert "死信" in err.value.detail


def test_backoff_grows_exponentially_with_jitter_up_to_the_cap() -> None:
    rng = random.Random(1)
    base, cap = timedelta(seconds=10), timedelta(minutes=5)
    for attempt, full in [(1, 10), (2, 20), (3, 40), (4, 80), (10, 300), (500, 300)]:
        delays = {backoff_delay(attempt, base, cap, rng) for _ in range(50)}
        assert all(timedelta(seconds=full / 2) <= d <= timedelta(seconds=full) for d in delays)
        assert len(delays) > 1, "no jitter"


def test_error_descriptions_keep_safe_text_only() -> None:
    def fail(exc: Exception) -> str:
        try:
            raise exc
        except Exception as caught:
            return describe_error(caught)

    assert fail(JobError("HTTP 503 from CDC gateway")).startswith(
        "healthnet.core.jobs.registry.JobError: HTTP 503 from CDC gateway (at "
    )
    assert fail(ConnectionRefusedError(111, "Connection refused")).startswith(
        "ConnectionRefusedError: [errno 111] Connection refused"
    )
    leaked = fail(KeyError("李四 310101199003071234"))
    assert leaked.startswith("KeyError (at ") and "李四" not in leaked
    assert len(fail(JobError("x" * 10_000))) == 2000


def test_cron_is_read_in_shanghai_time(db: Session) -> None:
    # 02:00 in Shanghai (UTC+8) is 18:00 UTC the day before.
    now = datetime(2024, 1, 1, 17, 0, tzinfo=UTC)
    row = service.upsert_schedule(
        session=db, name="test.nightly", cron="0 2 * * *", kind="test.push", now=now
    )
    assert row.next_run_at == datetime(2024, 1, 1, 18, 0, tzinfo=UTC)
    assert row.timezone == "Asia/Shanghai"


@pytest.mark.parametrize("cron", ["61 * * * *", "* * * *", "*/5 * * * * *", "every day"])
def test_a_bad_cron_expression_is_refused_naming_the_field(db: Session, cron: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        service.upsert_schedule(session=db, name="test.bad", cron=cron, kind="test.push")
    assert [e.field for e in err.value.errors] == ["cron"]
    assert "cron 表达式不正确" in err.value.errors[0].message


def test_redeploying_a_schedule_keeps_the_operators_choice(db: Session) -> None:
    now = datetime(2024, 1, 1, tzinfo=UTC)
    row = service.upsert_schedule(
        session=db, name="test.s", cron="0 * * * *", kind="test.push", now=now
    )
    service.set_schedule_enabled(session=db, schedule_id=row.id, enabled=False, now=now)
    row = service.upsert_schedule(
        session=db, name="test.s", cron="30 * * * *", kind="test.push", now=now
    )
    assert row.enabled is False
    assert row.next_run_at == datetime(2024, 1, 1, 0, 30, tzinfo=UTC)

    later = datetime(2024, 1, 3, 9, 10, tzinfo=UTC)
    service.set_schedule_enabled(session=db, schedule_id=row.id, enabled=True, now=later)
    assert row.next_run_at == datetime(2024, 1, 3, 9, 30, tzinfo=UTC), "missed runs skipped"


def test_purge_deletes_old_succeeded_jobs_but_keeps_dead_ones(db: Session) -> None:
    now = datetime.now(UTC)
    old = service.enqueue(session=db, kind="test.push")
    recent = service.enqueue(session=db, kind="test.push")
    dead = service.enqueue(session=db, kind="test.push")
    old.status, old.finished_at = JobStatus.SUCCEEDED.value, now - timedelta(days=31)
    recent.status, recent.finished_at = JobStatus.SUCCEEDED.value, now - timedelta(days=1)
    dead.status, dead.finished_at = JobStatus.DEAD.value, now - timedelta(days=90)
    db.flush()
    assert service.purge_succeeded(session=db, older_than=timedelta(days=30), now=now) == 1
    left = set(db.scalars(select(Job.id).where(Job.kind == "test.push")))
    assert left == {recent.id, dead.id}
