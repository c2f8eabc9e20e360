"""The hash chain and its verification, including tampering done directly with SQL."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from healthnet.core.audit import chain, service
from healthnet.core.audit.models import GENESIS_HASH, AuditCheckpoint, AuditSigningKey
from healthnet.core.audit.verify import VerifyReport
from healthnet.core.crypto import SM2PrivateKey, SM2PublicKey
from healthnet.core.db import utcnow
from healthnet.core.errors import ServiceUnavailable
from tests.core.audit.helpers import CTX, DOCTOR, check, read_row, rehash, write


def _kinds(report: VerifyReport) -> list[tuple[str, int | None]]:
    return [(p.kind, p.seq) for p in report.problems]


def test_records_form_one_chain_that_verifies(chain_db: Session) -> None:
    refs = write(chain_db, 5)
    assert [r.seq for r in refs] == [1, 2, 3, 4, 5]

    conn = chain_db.connection()
    first = read_row(conn, 1)
    assert first["prev_hash"] == GENESIS_HASH
    for k in range(2, 6):
        assert read_row(conn, k)["prev_hash"] == read_row(conn, k - 1)["hash"]
    assert first["actor_id"] == "u-doctor-1" and first["actor_username"] == "doctor1"
    assert first["institution_id"] == "inst-1" and first["client_ip"] == "10.1.2.3"
    assert first["patient_id"] == "p0" and first["purpose"] == "TREAT"
    assert first["outcome"] == "success" and first["request_id"] == "req-1"
    assert first["detail"] == '{"fields":["name","birthDate"],"i":0}'
    assert first["occurred_at"].utcoffset() == timedelta(0)

    report = check(chain_db)
    assert report.ok, report.lines()
    assert report.records == 5 and report.last_seq == 5
    assert "审计链校验通过" in report.lines()[0]


def test_updating_a_field_of_record_k_names_record_k(chain_db: Session) -> None:
    write(chain_db, 6)
    chain_db.execute(text("UPDATE audit_record SET patient_id = 'someone-else' WHERE seq = 3"))

    report = check(chain_db)
    assert not report.ok
    assert report.first_bad_seq == 3
    assert _kinds(report) == [("altered", 3)]
    assert "第 3 条记录被篡改" in "\n".join(report.lines())


def test_updating_a_record_and_recomputing_its_hash_is_still_caught(chain_db: Session) -> None:
    write(chain_db, 6)
    conn = chain_db.connection()
    row = read_row(conn, 4)
    row["outcome"] = "denied"
    conn.execute(
        text("UPDATE audit_record SET outcome = 'denied', hash = :h WHERE seq = 4"),
        {"h": rehash(row)},
    )

    report = check(chain_db)
    assert report.first_bad_seq == 4
    assert _kinds(report) == [("forged", 4)]
    # Without the master key (offline), the broken link to record 5 still shows.
    offline = check(chain_db, check_mac=False)
    assert _kinds(offline) == [("relinked", 5)]


def test_deleting_record_k_names_record_k(chain_db: Session) -> None:
    write(chain_db, 6)
    chain_db.execute(text("DELETE FROM audit_record WHERE seq = 2"))

    report = check(chain_db)
    assert report.first_bad_seq == 2
    assert _kinds(report) == [("deleted", 2)]
    assert "第 2 至 2 条记录被删除" in report.problems[0].message


def test_deleting_the_first_record_is_caught(chain_db: Session) -> None:
    write(chain_db, 3)
    chain_db.execute(text("DELETE FROM audit_record WHERE seq = 1"))
    assert _kinds(check(chain_db)) == [("deleted", 1)]


def test_inserting_a_forged_record_between_names_its_position(chain_db: Session) -> None:
    write(chain_db, 6)
    conn = chain_db.connection()
    # Make room after record 3 (two steps: primary keys must stay unique on every database),
    # then insert a well-formed record that links to record 3 with a correct SM3 hash.
    conn.execute(text("UPDATE audit_record SET seq = seq + 1000 WHERE seq > 3"))
    conn.execute(text("UPDATE audit_record SET seq = seq - 999 WHERE seq > 1000"))
    forged = read_row(conn, 3)
    forged.update(
        seq=4,
        patient_id="victim",
        prev_hash=forged["hash"],
        occurred_at=forged["occurred_at"] + timedelta(seconds=1),
    )
    forged["hash"] = rehash(forged)
    conn.execute(service._live.insert().values(**forged))
    conn.execute(text("UPDATE audit_chain_head SET last_seq = 7"))

    report = check(chain_db)
    assert report.first_bad_seq == 4
    assert report.problems[0].kind == "forged"
    assert "第 4 条记录是伪造的" in report.problems[0].message


def test_appending_beyond_the_head_is_caught(chain_db: Session) -> None:
    write(chain_db, 3)
    conn = chain_db.connection()
    extra = read_row(conn, 3)
    extra.update(seq=4, prev_hash=extra["hash"])
    extra["hash"] = rehash(extra)
    extra["mac"] = "0" * 64
    conn.execute(service._live.insert().values(**extra))

    report = check(chain_db)
    assert report.first_bad_seq == 4
    assert ("inserted", 4) in _kinds(report)


def test_deleting_the_tail_is_caught_by_the_head(chain_db: Session) -> None:
    write(chain_db, 5)
    chain_db.execute(text("DELETE FROM audit_record WHERE seq >= 4"))
    report = check(chain_db)
    assert _kinds(report) == [("tail_deleted", 4)]


def test_a_tail_deleted_with_the_head_rewound_is_caught_by_the_checkpoint(
    chain_db: Session,
) -> None:
    write(chain_db, 5)
    service.checkpoint(session=chain_db)
    conn = chain_db.connection()
    three = read_row(conn, 3)
    conn.execute(text("DELETE FROM audit_record WHERE seq >= 4"))
    conn.execute(
        text("UPDATE audit_chain_head SET last_seq = 3, last_hash = :h"), {"h": three["hash"]}
    )

    report = check(chain_db)
    assert _kinds(report) == [("checkpoint_missing_record", 5)]


def test_a_rewritten_chain_no_longer_matches_its_signed_checkpoint(chain_db: Session) -> None:
    write(chain_db, 4)
    service.checkpoint(session=chain_db)
    conn = chain_db.connection()
    # Rewrite record 2 and every later hash (no MAC check: an offline verifier's view).
    prev = read_row(conn, 1)["hash"]
    for k in range(2, 5):
        row = read_row(conn, k)
        row["prev_hash"] = prev
        if k == 2:
            row["outcome"] = "failure"
        row["hash"] = rehash(row)
        conn.execute(
            text("UPDATE audit_record SET outcome = :o, prev_hash = :p, hash = :h WHERE seq = :s"),
            {"o": row["outcome"], "p": row["prev_hash"], "h": row["hash"], "s": k},
        )
        prev = row["hash"]
    conn.execute(text("UPDATE audit_chain_head SET last_hash = :h"), {"h": prev})

    offline = check(chain_db, check_mac=False)
    assert _kinds(offline) == [("checkpoint_mismatch", 4)]
    assert _kinds(check(chain_db))[0] == ("forged", 2)


def test_checkpoints_are_sm2_signatures_over_the_head(chain_db: Session) -> None:
    assert service.checkpoint(session=chain_db) is None  # nothing to sign yet
    write(chain_db, 3)
    cp = service.checkpoint(session=chain_db)
    assert cp is not None and cp.seq == 3
    assert cp.head_hash == read_row(chain_db.connection(), 3)["hash"]
    assert service.checkpoint(session=chain_db) is None  # nothing new since
    key = service.signing_keys(session=chain_db)[0]
    assert key.active and key.fingerprint == cp.signer_fingerprint
    public = SM2PublicKey.from_pem(key.public_key_pem.encode())
    public.verify(
        base64.b64decode(cp.signature), chain.checkpoint_message(cp.seq, cp.head_hash, cp.signed_at)
    )
    assert check(chain_db).checkpoints == 1 and check(chain_db).ok


def test_a_forged_checkpoint_signature_fails(chain_db: Session) -> None:
    write(chain_db, 3)
    cp = service.checkpoint(session=chain_db)
    assert cp is not None
    # A signature by another SM2 key over the same message.
    other = SM2PrivateKey.generate().sign(
        chain.checkpoint_message(cp.seq, cp.head_hash, cp.signed_at)
    )
    chain_db.execute(
        text("UPDATE audit_checkpoint SET signature = :s"), {"s": base64.b64encode(other).decode()}
    )
    report = check(chain_db)
    assert _kinds(report) == [("checkpoint_signature", 3)]
    assert report.first_bad_seq is None  # the records themselves are intact
    assert "SM2 签名无效" in report.problems[0].message


def test_a_checkpoint_signed_by_a_key_planted_in_the_database_is_not_trusted(
    chain_db: Session,
) -> None:
    write(chain_db, 3)
    service.checkpoint(session=chain_db)
    # The attacker plants their own public key and signs a checkpoint for a rewritten head.
    attacker = SM2PrivateKey.generate()
    fp = chain.fingerprint_of(attacker.public_key())
    chain_db.add(
        AuditSigningKey(
            fingerprint=fp,
            public_key_pem=attacker.public_key().to_pem().decode(),
            wrapped_private_key="x",
            active_slot=None,
            tag="0" * 64,
        )
    )
    now = utcnow()
    head = read_row(chain_db.connection(), 3)["hash"]
    sig = attacker.sign(chain.checkpoint_message(3, head, now))
    chain_db.add(
        AuditCheckpoint(
            seq=3,
            head_hash=head,
            signed_at=now,
            signature=base64.b64encode(sig).decode(),
            signer_fingerprint=fp,
        )
    )
    chain_db.flush()
    assert _kinds(check(chain_db)) == [("checkpoint_key", 3)]


def test_pinned_public_keys_reject_other_signers(chain_db: Session) -> None:
    write(chain_db, 2)
    service.checkpoint(session=chain_db)
    real = SM2PublicKey.from_pem(service.signing_keys(session=chain_db)[0].public_key_pem.encode())
    assert check(chain_db, public_keys=[real]).ok
    stranger = SM2PrivateKey.generate().public_key()
    assert _kinds(check(chain_db, public_keys=[stranger])) == [("checkpoint_key", 2)]


def test_rotating_the_signing_key_keeps_old_checkpoints_valid(chain_db: Session) -> None:
    write(chain_db, 2)
    old = service.checkpoint(session=chain_db)
    new_key = service.rotate_signing_key(session=chain_db)
    write(chain_db, 1)
    new = service.checkpoint(session=chain_db)
    assert old is not None and new is not None
    assert new.signer_fingerprint == new_key.fingerprint != old.signer_fingerprint
    report = check(chain_db)
    assert report.ok and report.checkpoints == 2


def test_archive_then_verify(chain_db: Session) -> None:
    write(chain_db, 5)
    service.checkpoint(session=chain_db)
    cutoff = read_row(chain_db.connection(), 4)["occurred_at"]  # strictly after records 1..3

    moved, up_to = service.archive(session=chain_db, before=cutoff, limit=2)
    assert (moved, up_to) == (2, 2)  # batches stay contiguous
    moved, up_to = service.archive(session=chain_db, before=cutoff)
    assert (moved, up_to) == (1, 3)
    assert service.archive(session=chain_db, before=cutoff)[0] == 0

    counts = chain_db.execute(
        text(
            "SELECT (SELECT count(*) FROM audit_record), "
            "(SELECT count(*) FROM audit_record_archive)"
        )
    ).one()
    assert tuple(counts) == (4, 3)  # 2 left + the 2 records archive() wrote about itself
    report = check(chain_db)
    assert report.ok, report.lines()
    assert report.archived == 3 and report.records == 7

    # Tampering inside the archive is caught like anywhere else.
    chain_db.execute(text("UPDATE audit_record_archive SET action = 'auth.login' WHERE seq = 2"))
    assert check(chain_db).first_bad_seq == 2


def test_a_seq_in_both_archive_and_live_is_an_insertion(chain_db: Session) -> None:
    write(chain_db, 3)
    chain_db.execute(
        text("INSERT INTO audit_record_archive SELECT * FROM audit_record WHERE seq = 1")
    )
    chain_db.execute(text("DELETE FROM audit_record WHERE seq = 1"))
    chain_db.execute(
        text("INSERT INTO audit_record_archive SELECT * FROM audit_record WHERE seq = 2")
    )
    report = check(chain_db)
    assert _kinds(report) == [("inserted", 2)]


def test_fail_closed_when_the_record_cannot_be_written(chain_db: Session) -> None:
    write(chain_db, 2)
    # Someone rewinds the head: the next position is already taken, the insert fails.
    chain_db.execute(text("UPDATE audit_chain_head SET last_seq = 1"))
    with pytest.raises(ServiceUnavailable) as exc, chain_db.begin_nested():
        write(chain_db, 1)
    assert exc.value.status == 503 and exc.value.code == "audit.unavailable"
    assert "审计日志暂时无法写入" in exc.value.detail


def test_a_missing_head_with_records_present_refuses_to_start_a_new_chain(
    chain_db: Session,
) -> None:
    write(chain_db, 2)
    chain_db.execute(text("DELETE FROM audit_chain_head"))
    with pytest.raises(ServiceUnavailable):
        write(chain_db, 1)
    assert _kinds(check(chain_db)) == [("head_missing", None)]


@pytest.mark.parametrize(
    "detail",
    [
        {"name": "张三"},
        {"patient": {"idNumber": "x"}},
        {"note": "身份证 11010519491231002X"},
        {"note": "手机 13812345678"},
        {"blob": "x" * 3000},
    ],
)
def test_personal_data_or_bulk_in_detail_is_refused(
    chain_db: Session, detail: dict[str, Any]
) -> None:
    with pytest.raises(ValueError):
        service.record(
            session=chain_db,
            actor=DOCTOR,
            action="patients.person.read",
            resource_type="patient",
            detail=detail,
        )


def test_ids_that_merely_contain_digits_are_fine_in_detail(chain_db: Session) -> None:
    service.record(
        session=chain_db,
        actor=DOCTOR,
        action="records.document.read",
        resource_type="document",
        detail={"documentId": "a13812345678b" + "0" * 19, "count": 13812345678},
    )
    assert check(chain_db).ok


def test_bad_codes_are_refused(chain_db: Session) -> None:
    for kw in ({"action": "Read Patient"}, {"purpose": "FUN"}, {"outcome": "ok"}):
        args: dict[str, Any] = {"action": "patients.person.read", **kw}
        with pytest.raises(ValueError):
            service.record(session=chain_db, actor=DOCTOR, resource_type="patient", **args)


def test_long_and_control_characters_are_truncated_before_hashing(chain_db: Session) -> None:
    ctx = service.AuditContext(client_ip="::1", user_agent="A\x00B" + "x" * 400, request_id="r")
    write(chain_db, 1, request=ctx)
    row = read_row(chain_db.connection(), 1)
    assert row["user_agent"].startswith("AB") and len(row["user_agent"]) == 255
    assert check(chain_db).ok


def test_failed_login_without_an_account_is_recorded(chain_db: Session) -> None:
    ref = service.record(
        session=chain_db,
        actor=None,
        username="nobody",
        action="auth.login",
        resource_type="session",
        purpose="ADMIN",
        outcome="failure",
        detail={"reason": "invalid_credentials"},
        request=CTX,
    )
    row = read_row(chain_db.connection(), ref.seq)
    assert row["actor_id"] is None and row["actor_username"] == "nobody"
    assert row["outcome"] == "failure"


def test_roles_come_from_the_actor_unless_given(chain_db: Session) -> None:
    write(chain_db, 1)
    write(chain_db, 1, roles=["doctor", "family_doctor"])
    assert read_row(chain_db.connection(), 1)["actor_roles"] == "doctor"
    assert read_row(chain_db.connection(), 2)["actor_roles"] == "doctor,family_doctor"


def test_the_documented_hash_can_be_recomputed_by_an_independent_sm3(chain_db: Session) -> None:
    """docs/deployment-audit.md's formula, with gmssl's SM3 (not OpenSSL's), from a raw row."""
    import json

    from gmssl import func as gm_func
    from gmssl import sm3 as gm_sm3

    write(chain_db, 2)
    row = read_row(chain_db.connection(), 2)
    micros = (row["occurred_at"] - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
    fields = [row[f] for f in chain.FIELDS]
    fields[1] = micros
    canonical = json.dumps(
        ["hn-audit-v1", *fields], ensure_ascii=False, separators=(",", ":")
    ).encode()
    data = bytes.fromhex(row["prev_hash"]) + canonical
    assert gm_sm3.sm3_hash(gm_func.bytes_to_list(data)) == row["hash"]
