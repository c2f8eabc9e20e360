"""Audit behaviour across real transactions: separate commits, concurrent writers, jobs.

These tests commit; ``clean_chain`` empties the audit tables before and after each.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, func, select, text

from healthnet.core.audit import jobs as audit_jobs
from healthnet.core.audit import service
from healthnet.core.audit.context import AuditContext, bind_context, current_context
from healthnet.core.audit.models import AuditCheckpoint, AuditRecord, AuditVerification
from healthnet.core.db import get_engine, is_postgres, transaction
from healthnet.core.jobs import registry
from healthnet.core.logging import request_id_var
from tests.core.audit.helpers import CTX, DOCTOR, write

pytestmark = pytest.mark.usefixtures("clean_chain")


class _BusinessFailure(Exception):
    pass


@pytest.mark.parametrize("now", [False, True], ids=["queued", "written"])
def test_record_commits_with_the_business_transaction_or_not_at_all(now: bool) -> None:
    with pytest.raises(_BusinessFailure), transaction() as session:
        write(session, 1, now=now)
        raise _BusinessFailure
    with transaction() as session:
        assert session.scalar(select(func.count()).select_from(AuditRecord)) == 0
        (ref,) = write(session, 1, now=now)
    assert (ref.seq, len(ref.hash)) == (1, 64)  # known after the commit
    with transaction() as session:
        assert session.scalar(select(func.count()).select_from(AuditRecord)) == 1
    assert service.verify().ok


def test_a_rolled_back_savepoint_drops_only_its_own_records() -> None:
    with transaction() as session:
        write(session, 1, now=False, resource_id="kept-1")
        with pytest.raises(_BusinessFailure), session.begin_nested():
            write(session, 2, now=False, resource_id="undone")
            raise _BusinessFailure
        with session.begin_nested():
            write(session, 1, now=False, resource_id="kept-2")
    with transaction() as session:
        kept = session.scalars(select(AuditRecord.resource_id).order_by(AuditRecord.seq)).all()
    assert kept == ["kept-1", "kept-2"]
    assert service.verify().ok


def test_a_transaction_reads_its_own_queued_records() -> None:
    with transaction() as session:
        write(session, 2, now=False)
        assert session.scalar(select(func.count()).select_from(AuditRecord)) == 2


def test_the_chain_head_is_not_held_while_a_recorded_request_is_still_working(
    engine: Engine,
) -> None:
    # Request A has read patient data and queued its audit record, and is still busy. Request B
    # records and commits meanwhile: B must not wait for A (the head is locked only at commit).
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writing transactions as a whole")
    with transaction() as a:
        a.execute(text("SELECT 1"))
        write(a, 1, now=False, resource_id="a")
        with transaction() as b:
            b.execute(text("SET LOCAL lock_timeout = '5s'"))
            write(b, 1, now=False, resource_id="b")
    with transaction() as session:
        order = session.scalars(select(AuditRecord.resource_id).order_by(AuditRecord.seq)).all()
    assert order == ["b", "a"]  # chain order is commit order
    assert service.verify().ok


def test_record_separately_survives_the_rollback_of_the_business_transaction() -> None:
    with pytest.raises(_BusinessFailure), transaction() as session:
        session.execute(text("SELECT 1"))  # the business work, which then fails
        raise _BusinessFailure
    ref = service.record_separately(
        actor=DOCTOR,
        action="patients.person.read",
        resource_type="patient",
        resource_id="p1",
        patient_id="p1",
        outcome="denied",
        detail={"reason": "out_of_scope"},
        request=CTX,
    )
    assert ref.seq == 1
    report = service.verify()
    assert report.ok and report.records == 1


@pytest.mark.parametrize("records_per_transaction", [1, 5])
def test_concurrent_writers_produce_one_unbroken_chain(records_per_transaction: int) -> None:
    threads, transactions = 6, 10
    errors: list[BaseException] = []
    start = threading.Barrier(threads)
    pg = get_engine().dialect.name == "postgresql"

    def worker() -> None:
        try:
            start.wait()
            for _ in range(transactions):
                with transaction() as session:
                    if pg:
                        # Business reads before the audit write, as in a real request (on
                        # SQLite a read-then-write transaction would need BEGIN IMMEDIATE).
                        session.execute(text("SELECT 1"))
                    if pg:
                        time.sleep(0.001)  # the request's work
                    # Queued as in a request: the head is locked by the commit.
                    write(session, records_per_transaction, now=False)
        except BaseException as exc:  # surfaced by the main thread
            errors.append(exc)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert not errors, errors

    expected = threads * transactions * records_per_transaction
    with transaction() as session:
        seqs = list(session.scalars(select(AuditRecord.seq).order_by(AuditRecord.seq)))
        assert is_postgres(session) == pg
    assert seqs == list(range(1, expected + 1))
    report = service.verify()
    assert report.ok, report.lines()
    assert report.records == expected


def test_the_checkpoint_and_verify_jobs_are_scheduled_and_work() -> None:
    specs = {s.name: s for s in registry.schedule_specs()}
    assert specs["audit.checkpoint"].cron == audit_jobs.CHECKPOINT_CRON
    assert specs["audit.verify"].kind == "audit.verify"
    with transaction() as session:
        write(session, 3)

    checkpoint_job = registry.get_handler("audit.checkpoint")
    verify_job = registry.get_handler("audit.verify")
    assert checkpoint_job is not None and verify_job is not None
    with transaction() as session:
        checkpoint_job.func(session, {})
    with transaction() as session:
        verify_job.func(session, {})
    with transaction() as session:
        cp = session.scalar(select(AuditCheckpoint))
        assert cp is not None and cp.seq == 3
        result = service.latest_verification(session=session)
        assert isinstance(result, AuditVerification)
        assert result.ok and result.checkpoints_checked == 1 and result.triggered_by == "schedule"


def test_the_context_comes_from_the_bound_context_or_the_request_id() -> None:
    token = request_id_var.set("rid-42")
    try:
        assert current_context() == AuditContext(request_id="rid-42")
        with bind_context(CTX):
            ref = service.record_separately(
                actor=DOCTOR, action="auth.login", resource_type="session", purpose="ADMIN"
            )
    finally:
        request_id_var.reset(token)
    with transaction() as session:
        row = session.get(AuditRecord, ref.seq)
        assert row is not None
        assert (row.client_ip, row.user_agent, row.request_id) == (
            "10.1.2.3",
            "Mozilla/5.0 test",
            "req-1",
        )


def test_parallel_verification_finds_the_same_problems(engine: Engine) -> None:
    with transaction() as session:
        write(session, 20)
        service.checkpoint(session=session)
        write(session, 10)
        service.checkpoint(session=session)
    cutoff = datetime.now(UTC)
    with transaction() as session:
        service.archive(session=session, before=cutoff, limit=10)  # seq 1..10 archived
    assert service.verify(workers=2).ok
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_record_archive SET outcome = 'denied' WHERE seq = 7"))
        conn.execute(text("DELETE FROM audit_record WHERE seq = 13"))
        conn.execute(text("UPDATE audit_record SET patient_id = 'x' WHERE seq = 22"))
        conn.execute(
            text(
                "UPDATE audit_checkpoint SET signed_at = signed_at + interval '1' "
                "second WHERE seq = 20"
            )
            if engine.dialect.name == "postgresql"
            else text("UPDATE audit_checkpoint SET signature = 'AAAA' WHERE seq = 20")
        )

    in_process = service.verify(workers=1)
    parallel = service.verify(workers=2)  # worker processes on PostgreSQL, in-process on SQLite
    expected = [("altered", 7), ("deleted", 13), ("altered", 22), ("checkpoint_signature", 20)]
    assert [(p.kind, p.seq) for p in in_process.problems] == expected
    assert [(p.kind, p.seq) for p in parallel.problems] == expected
    assert parallel.records == in_process.records == 30  # 29 + the archive's own record
    assert parallel.archived == 10
