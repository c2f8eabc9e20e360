"""Who may read a resident's record (records/access.py): data scope, care relationship,
break-the-glass, hidden categories — and that every view and refusal is audited."""

from __future__ import annotations

import json
import secrets
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from healthnet.core.audit.models import AuditRecord
from healthnet.core.db import utcnow
from healthnet.core.errors import ValidationFailed
from healthnet.core.orgs.models import Institution
from healthnet.core.patients import service as patients
from healthnet.core.patients.models import Person
from healthnet.core.patients.schemas import IdentifierIn
from healthnet.core.rbac.actor import SCOPE_DISTRICT, SCOPE_INSTITUTION, Actor
from healthnet.core.sysconf.models import Parameter
from healthnet.modules.records import access, timeline
from healthnet.modules.records.models_access import BreakGlass
from healthnet.modules.records.retrieval.service import set_hidden_categories

from . import factories as f

READ = access.READ_PERMISSION


def _actor(
    inst: Institution | None, *, scope: str = SCOPE_INSTITUTION, district: str | None = None
) -> Actor:
    return Actor(
        f"u-{secrets.token_hex(6)}",
        "doctor",
        inst.id if inst else None,
        district,
        frozenset({READ}),
        role_codes=("doctor",),
        scopes=frozenset({scope}),
    )


@pytest.fixture
def hosp_a(db: Session) -> Institution:
    return f.institution(db, "RA-H1", name="甲医院")


@pytest.fixture
def hosp_b(db: Session) -> Institution:
    return f.institution(db, "RA-H2", name="乙医院", district="310105")


@pytest.fixture
def resident(db: Session) -> Person:
    return f.person(db)


def _audits(db: Session, person_id: str, action: str = "records.record.view") -> list[AuditRecord]:
    return list(
        db.scalars(
            select(AuditRecord)
            .where(AuditRecord.patient_id == person_id, AuditRecord.action == action)
            .order_by(AuditRecord.seq)
        )
    )


def test_recent_encounter_at_the_institution_is_a_care_relationship(
    db: Session, hosp_b: Institution, resident: Person
) -> None:
    f.encounter(
        db, person_id=resident.id, institution_id=hosp_b.id, start_at=utcnow() - timedelta(days=10)
    )
    grant = access.open_record(session=db, actor=_actor(hosp_b), person_id=resident.id)
    assert grant.ground == access.GROUND_CARE
    assert grant.break_glass is None


def test_without_scope_or_care_relationship_the_record_is_refused_and_the_refusal_audited(
    db: Session, hosp_a: Institution, hosp_b: Institution, resident: Person
) -> None:
    # A visit elsewhere, and an old one here: neither makes a care relationship now.
    f.encounter(
        db, person_id=resident.id, institution_id=hosp_a.id, start_at=utcnow() - timedelta(days=3)
    )
    f.encounter(
        db, person_id=resident.id, institution_id=hosp_b.id, start_at=utcnow() - timedelta(days=200)
    )
    actor = _actor(hosp_b)
    with pytest.raises(access.AccessRefused) as exc:
        access.open_record(session=db, actor=actor, person_id=resident.id)
    assert exc.value.status == 404 and exc.value.code == "records.no_access"
    (denied,) = _audits(db, resident.id)
    assert denied.outcome == "denied" and denied.actor_id == actor.user_id

    # An unknown id gets the very same answer.
    with pytest.raises(access.AccessRefused) as unknown:
        access.open_record(session=db, actor=actor, person_id="0" * 32)
    assert unknown.value.code == "records.no_access"


def test_the_care_window_is_a_system_parameter(
    db: Session, hosp_b: Institution, resident: Person
) -> None:
    f.encounter(
        db, person_id=resident.id, institution_id=hosp_b.id, start_at=utcnow() - timedelta(days=60)
    )
    actor = _actor(hosp_b)
    assert access.open_record(session=db, actor=actor, person_id=resident.id).ground == "care"
    db.add(Parameter(key=access.CARE_DAYS_PARAM, value="30", value_type="int", name="诊疗关系天数"))
    db.flush()
    with pytest.raises(access.AccessRefused):
        access.open_record(session=db, actor=actor, person_id=resident.id)


def test_a_hospital_card_issued_by_the_institution_is_a_care_relationship(
    db: Session, hosp_b: Institution, resident: Person
) -> None:
    patients.add_identifier(
        session=db,
        actor=f.REGISTRAR,
        person_id=resident.id,
        data=IdentifierIn.model_validate(
            {"type": "hospital_card", "value": "HC0001", "institutionId": hosp_b.id}
        ),
    )
    assert (
        access.open_record(session=db, actor=_actor(hosp_b), person_id=resident.id).ground == "care"
    )


def test_data_scope_covers_the_residents_of_the_district(
    db: Session, hosp_a: Institution, resident: Person
) -> None:
    district_officer = _actor(hosp_a, scope=SCOPE_DISTRICT, district="310104")
    grant = access.open_record(
        session=db, actor=district_officer, person_id=resident.id, purpose="public_health"
    )
    assert grant.ground == access.GROUND_SCOPE
    other_district = _actor(hosp_a, scope=SCOPE_DISTRICT, district="310105")
    with pytest.raises(access.AccessRefused):
        access.open_record(session=db, actor=other_district, person_id=resident.id)


def test_an_unknown_purpose_is_refused_naming_the_field(
    db: Session, hosp_b: Institution, resident: Person
) -> None:
    with pytest.raises(ValidationFailed) as exc:
        access.open_record(session=db, actor=_actor(hosp_b), person_id=resident.id, purpose="fun")
    assert exc.value.errors[0].field == "purpose"


def test_break_the_glass_needs_a_reason_is_flagged_audited_and_expires(
    db: Session, hosp_b: Institution, resident: Person
) -> None:
    actor = _actor(hosp_b)
    with pytest.raises(ValidationFailed) as short:
        access.open_record(
            session=db, actor=actor, person_id=resident.id, break_glass_reason=" 抢救 "
        )
    assert short.value.errors[0].field == "reason"
    assert "10" in short.value.errors[0].message

    grant = access.open_record(
        session=db,
        actor=actor,
        person_id=resident.id,
        purpose="emergency",
        break_glass_reason="患者昏迷送入急诊，需了解既往病史",
    )
    assert grant.ground == access.GROUND_BREAK_GLASS and grant.break_glass is not None
    (opened,) = _audits(db, resident.id, "records.break_glass.open")
    assert opened.purpose == "EMERGENCY"
    assert json.loads(opened.detail or "{}")["breakGlass"] is True
    assert "昏迷" not in (opened.detail or "")  # the reason stays out of the audit trail

    # Within its validity the same user needs no new reason; every view carries the grant id.
    again = access.open_record(session=db, actor=actor, person_id=resident.id)
    assert again.break_glass is not None and again.break_glass.id == grant.break_glass.id
    timeline.timeline(session=db, grant=again, query=timeline.TimelineQuery())
    (view,) = _audits(db, resident.id)
    detail = json.loads(view.detail or "{}")
    assert detail["breakGlass"] is True and detail["breakGlassId"] == grant.break_glass.id
    db.refresh(grant.break_glass)
    assert grant.break_glass.views == 1

    # Another user gets nothing from it, and after expiry neither does this one.
    with pytest.raises(access.AccessRefused):
        access.open_record(session=db, actor=_actor(hosp_b), person_id=resident.id)
    row = db.get(BreakGlass, grant.break_glass.id)
    assert row is not None
    row.expires_at = utcnow() - timedelta(minutes=1)
    db.flush()
    with pytest.raises(access.AccessRefused):
        access.open_record(session=db, actor=actor, person_id=resident.id)


def _sensitive_setup(
    db: Session, hosp_a: Institution, hosp_b: Institution, resident: Person
) -> None:
    """A psychiatric visit at A (hidden by the resident), an ordinary lab at A, a visit at B."""
    now = utcnow()
    f.encounter(
        db,
        person_id=resident.id,
        institution_id=hosp_a.id,
        start_at=now - timedelta(days=30),
        department_name="精神科",
        sensitivity="mental",
    )
    f.lab(
        db, person_id=resident.id, institution_id=hosp_a.id, collected_at=now - timedelta(days=20)
    )
    f.encounter(
        db, person_id=resident.id, institution_id=hosp_b.id, start_at=now - timedelta(days=5)
    )
    set_hidden_categories(session=db, person_id=resident.id, hidden=["mental"])


def test_hidden_categories_are_withheld_from_other_institutions_as_placeholders(
    db: Session, hosp_a: Institution, hosp_b: Institution, resident: Person
) -> None:
    _sensitive_setup(db, hosp_a, hosp_b, resident)
    grant = access.open_record(session=db, actor=_actor(hosp_b), person_id=resident.id)
    page = timeline.timeline(session=db, grant=grant, query=timeline.TimelineQuery())
    assert [(e.kind, e.withheld) for e in page.items] == [
        ("encounter", False),
        ("lab", False),
        ("encounter", True),
    ]
    hidden = page.items[2]
    assert hidden.withheld_message == "该记录已按居民意愿隐藏"
    assert hidden.institution_name == "甲医院" and hidden.at is not None
    assert hidden.id is None and hidden.encounter is None and hidden.children == []
    (view,) = _audits(db, resident.id)
    assert json.loads(view.detail or "{}")["withheld"] == 1


def test_the_producing_institution_always_sees_its_own_rows(
    db: Session, hosp_a: Institution, hosp_b: Institution, resident: Person
) -> None:
    _sensitive_setup(db, hosp_a, hosp_b, resident)
    f.encounter(
        db, person_id=resident.id, institution_id=hosp_a.id, start_at=utcnow() - timedelta(days=1)
    )
    grant = access.open_record(session=db, actor=_actor(hosp_a), person_id=resident.id)
    page = timeline.timeline(session=db, grant=grant, query=timeline.TimelineQuery())
    psych = [e for e in page.items if e.encounter and e.encounter.department_name == "精神科"]
    assert len(psych) == 1 and not psych[0].withheld and not psych[0].revealed


def test_break_the_glass_reveals_hidden_rows_only_for_an_emergency(
    db: Session, hosp_a: Institution, hosp_b: Institution, resident: Person
) -> None:
    _sensitive_setup(db, hosp_a, hosp_b, resident)
    referral = _actor(hosp_b)
    grant = access.open_record(
        session=db,
        actor=referral,
        person_id=resident.id,
        purpose="referral",
        break_glass_reason="转诊前需要核对既往全部就诊记录",
    )
    page = timeline.timeline(session=db, grant=grant, query=timeline.TimelineQuery())
    assert sum(e.withheld for e in page.items) == 1

    emergency = access.open_record(
        session=db,
        actor=_actor(hosp_b),
        person_id=resident.id,
        purpose="emergency",
        break_glass_reason="患者意识不清，需排查精神类药物中毒",
    )
    page = timeline.timeline(session=db, grant=emergency, query=timeline.TimelineQuery())
    assert not any(e.withheld for e in page.items)
    (revealed,) = [e for e in page.items if e.revealed]
    assert revealed.encounter is not None and revealed.encounter.department_name == "精神科"
    assert page.access.hidden_revealed is True
    assert emergency.break_glass is not None
    db.refresh(emergency.break_glass)
    assert emergency.break_glass.revealed_hidden is True
