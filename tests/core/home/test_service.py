"""The home page's to-do list: what each slice reports, for whom, and in which order."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from healthnet.core.audit import service as audit
from healthnet.core.audit.verify import Problem, VerifyReport
from healthnet.core.auth import totp
from healthnet.core.certs import service as certs
from healthnet.core.crypto import SM2PrivateKey
from healthnet.core.db import utcnow
from healthnet.core.home import service
from healthnet.core.jobs.models import Job, JobStatus
from healthnet.core.manifest import Todo
from healthnet.core.orgs import service as orgs
from healthnet.core.orgs.schemas import InstitutionCreate
from healthnet.core.patients import service as patients
from healthnet.core.patients.schemas import PersonCreate
from healthnet.core.rbac.actor import SCOPE_DISTRICT, Actor
from tests.core.home.conftest import SignedIn

SignIn = Callable[..., SignedIn]


def _todos(db: Session, who: SignedIn) -> dict[str, Todo]:
    return {t.key: t for t in service.todos(session=db, actor=who.actor(db))}


def test_nothing_to_do_means_an_empty_list(db: Session, signed_in: SignIn) -> None:
    assert service.todos(session=db, actor=signed_in().actor(db)) == []


@pytest.mark.parametrize(
    ("age_days", "title", "level"),
    [
        (70, None, None),
        (80, "密码将在 10 天内过期，请及时修改", "warning"),
        (88, "密码将在 2 天内过期，请及时修改", "danger"),
        (91, "密码已过期，请立即修改", "danger"),
    ],
)
def test_password_expiry_is_announced_two_weeks_ahead(
    db: Session, signed_in: SignIn, age_days: int, title: str | None, level: str | None
) -> None:
    who = signed_in()
    who.user.password_changed_at = utcnow() - timedelta(days=age_days)
    db.flush()
    item = _todos(db, who).get("auth.password_expiring")
    if title is None:
        assert item is None
    else:
        assert item == Todo("auth.password_expiring", title, 1, "/account/security", level)  # type: ignore[arg-type]


def test_staff_without_a_second_factor_are_told_to_set_one_up(
    db: Session, signed_in: SignIn
) -> None:
    who = signed_in(totp=False)
    item = _todos(db, who)["auth.second_factor_missing"]
    assert item.level == "danger" and item.path == "/account/security"
    assert item.title == "尚未设置第二因素认证（身份验证器或数字证书），请尽快设置"
    # A login certificate is a second factor as well.
    orgs.load_districts(session=db)
    inst = orgs.create_institution(
        session=db,
        data=InstitutionCreate.model_validate(
            {"code": "HOME-1", "name": "首页测试医院", "kind": "cdc", "districtCode": "310104"}
        ),
    )
    who.user.institution_id = inst.id
    db.flush()
    public = SM2PrivateKey.generate().public_key().to_pem().decode()
    certs.issue_certificate(session=db, actor=None, user_id=who.user.id, public_key_pem=public)
    assert "auth.second_factor_missing" not in _todos(db, who)


def test_residents_are_not_asked_for_a_second_factor(db: Session, signed_in: SignIn) -> None:
    who = signed_in(totp=False)
    who.user.kind = "resident"
    db.flush()
    assert "auth.second_factor_missing" not in _todos(db, who)


def test_few_recovery_codes_left(db: Session, signed_in: SignIn) -> None:
    who = signed_in()
    for code in who.recovery_codes[:7]:
        assert totp.use_recovery_code(session=db, user_id=who.user.id, code=code)
    assert "auth.recovery_codes_low" not in _todos(db, who)  # three left
    totp.use_recovery_code(session=db, user_id=who.user.id, code=who.recovery_codes[7])
    item = _todos(db, who)["auth.recovery_codes_low"]
    assert item.title == "备用恢复码仅剩 2 个，请重新生成" and item.count == 1


def _person(db: Session, name: str, district: str, card: str) -> Any:
    registrar = Actor("u-registrar", "registrar", None, None, frozenset({"patients:person:write"}))
    data = PersonCreate.model_validate(
        {
            "name": name,
            "birthDate": "1970-05-05",
            "sexCode": "2",
            "districtCode": district,
            "identifiers": [{"type": "medical_insurance_card", "value": card}],
        }
    )
    return patients.register_person(session=db, actor=registrar, data=data)


def test_possible_duplicates_for_reviewers_in_scope(db: Session, signed_in: SignIn) -> None:
    orgs.load_districts(session=db)
    _person(db, "孙丽", "310104", "YB111111")
    assert len(_person(db, "孙丽", "310104", "YB222222").candidates) == 1
    reviewer = signed_in("patients:person:merge")
    assert _todos(db, reviewer)["patients.candidates_open"] == Todo(
        "patients.candidates_open", "待审核的疑似重复居民", 1, "/patients/candidates", "warning"
    )
    # Without the permission, or for pairs outside the data scope: nothing.
    assert "patients.candidates_open" not in _todos(db, signed_in("patients:person:read"))
    elsewhere = Actor(
        "u-x",
        "x",
        None,
        "310101",
        frozenset({"patients:person:merge"}),
        scopes=frozenset({SCOPE_DISTRICT}),
    )
    assert service.todos(session=db, actor=elsewhere) == []


def test_dead_jobs_for_whoever_watches_the_jobs(db: Session, signed_in: SignIn) -> None:
    watcher = signed_in("jobs:job:read")
    before = _todos(db, watcher).get("jobs.dead")
    for _ in range(2):
        db.add(Job(kind="test.home", status=JobStatus.DEAD.value))
    db.add(Job(kind="test.home", status=JobStatus.PENDING.value))
    db.flush()
    item = _todos(db, watcher)["jobs.dead"]
    assert item.count == (before.count if before else 0) + 2 and item.level == "danger"
    assert item.path == "/system/jobs?status=dead"
    assert "jobs.dead" not in _todos(db, signed_in())


def _verification(db: Session, *, hours_ago: float, ok: bool) -> None:
    at = utcnow() - timedelta(hours=hours_ago)
    report = VerifyReport(started_at=at - timedelta(seconds=5), finished_at=at)
    if not ok:
        report.add(Problem(kind="altered", seq=7))
    audit.save_verification(session=db, report=report, triggered_by="test")


def test_the_audit_chain_must_be_verified_daily(db: Session, signed_in: SignIn) -> None:
    auditor = signed_in("audit:chain:verify", "audit:record:read")
    assert "audit.chain_unverified" in _todos(db, auditor)  # never verified
    _verification(db, hours_ago=1, ok=True)
    assert not {k for k in _todos(db, auditor) if k.startswith("audit.")}
    _verification(db, hours_ago=0.5, ok=False)
    assert _todos(db, auditor)["audit.chain_failed"].level == "danger"
    _verification(db, hours_ago=0.1, ok=True)
    assert not {k for k in _todos(db, auditor) if k.startswith("audit.")}
    # Not for anyone who cannot verify it.
    assert not {k for k in _todos(db, signed_in("jobs:job:read")) if k.startswith("audit.")}


def test_old_verification_is_overdue(db: Session, signed_in: SignIn) -> None:
    _verification(db, hours_ago=25, ok=True)
    item = _todos(db, signed_in("audit:chain:verify"))["audit.chain_unverified"]
    assert item.title == "审计链已超过 24 小时未校验完整性"
    assert item.path == "/security/audit/chain"


def test_certificates_expiring_within_thirty_days_in_scope(db: Session, signed_in: SignIn) -> None:
    orgs.load_districts(session=db)
    inst = orgs.create_institution(
        session=db,
        data=InstitutionCreate.model_validate(
            {"code": "HOME-C", "name": "证书测试医院", "kind": "cdc", "districtCode": "310104"}
        ),
    )
    holder = signed_in(institution_id=inst.id)
    for days in (10, 400):
        certs.issue_certificate(
            session=db,
            actor=None,
            user_id=holder.user.id,
            public_key_pem=SM2PrivateKey.generate().public_key().to_pem().decode(),
            validity_days=days,
        )
    officer = signed_in("certs:certificate:read", data_scope="district", institution_id=inst.id)
    item = _todos(db, officer)["certs.expiring"]
    assert item.count == 1 and item.path == "/security/certificates?expiringWithinDays=30"
    # Another district's officer does not see them.
    other = orgs.create_institution(
        session=db,
        data=InstitutionCreate.model_validate(
            {"code": "HOME-D", "name": "另区医院", "kind": "cdc", "districtCode": "310101"}
        ),
    )
    stranger = signed_in("certs:certificate:read", data_scope="district", institution_id=other.id)
    assert "certs.expiring" not in _todos(db, stranger)


def test_most_urgent_first(db: Session, signed_in: SignIn) -> None:
    db.add(Job(kind="test.home", status=JobStatus.DEAD.value))
    db.flush()
    who = signed_in("jobs:job:read", "audit:chain:verify")
    who.user.password_changed_at = utcnow() - timedelta(days=80)
    db.flush()
    levels = [t.level for t in service.todos(session=db, actor=who.actor(db))]
    assert levels[0] == "danger" and set(levels[1:]) == {"warning"}
    assert len(levels) == 3
