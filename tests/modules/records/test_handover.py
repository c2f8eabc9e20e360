"""Chronic-patient handover (B3): a resident's visit elsewhere reaches their family doctor's
inbox, once per resident, institution and day, and says nothing about who the resident is."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from healthnet.core.auth import service as auth
from healthnet.core.auth.models import User
from healthnet.core.notify.models import Message
from healthnet.core.orgs import service as orgs
from healthnet.core.orgs.models import Institution
from healthnet.core.orgs.schemas import InstitutionCreate
from healthnet.core.patients import service as patients
from healthnet.core.patients.schemas import PersonCreate, PersonUpdate
from healthnet.core.rbac.actor import SCOPE_CITY, Actor
from healthnet.modules.records.handover import on_encounter
from healthnet.modules.records.models import KIND_ENCOUNTER, Encounter
from healthnet.modules.records.service import store

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Yesterday 09:00 in Shanghai: recent enough to hand over, whatever the time of the test run.
BASE = (datetime.now(SHANGHAI) - timedelta(days=1)).replace(
    hour=9, minute=0, second=0, microsecond=0
)
REGISTRAR = Actor(
    "u-handover",
    "registrar",
    None,
    None,
    frozenset({"patients:person:read", "patients:person:write"}),
    scopes=frozenset({SCOPE_CITY}),
)


@dataclass
class World:
    hospital: Institution
    community: Institution
    doctor: User
    person_id: str


def _institution(db: Session, name: str, kind: str) -> Institution:
    return orgs.create_institution(
        session=db,
        data=InstitutionCreate.model_validate(
            {
                "code": f"HO-{secrets.token_hex(3)}",
                "name": name,
                "kind": kind,
                "level": "ungraded",
                "district_code": "310104",
            }
        ),
    )


@pytest.fixture
def world(db: Session) -> World:
    orgs.load_districts(session=db)
    hospital = _institution(db, "上海市第六人民医院", "tertiary_hospital")
    community = _institution(db, "徐家汇街道社区卫生服务中心", "community_health_centre")
    doctor = auth.create_user(
        session=db,
        username=f"gp_{secrets.token_hex(4)}",
        display_name="社区李医生",
        password="Test-pass-123",
        institution_id=community.id,
        must_change_password=False,
    )
    person = patients.register_person(
        session=db, actor=REGISTRAR, data=PersonCreate.model_validate({"name": "赵六"})
    ).person
    patients.update_person(
        session=db,
        actor=REGISTRAR,
        person_id=person.id,
        data=PersonUpdate.model_validate({"familyDoctorUserId": doctor.id}),
    )
    return World(hospital, community, doctor, person.id)


@pytest.fixture
def visit(db: Session, world: World) -> Callable[..., Encounter]:
    """Ingest an encounter the way hospital data arrives (resending a source id updates the
    stored visit); ingestion hands it over."""

    def _visit(
        source_id: str = "MZ-0001",
        *,
        at: Institution | None = None,
        start: datetime | None = None,
        person_id: str | None = None,
        **fields: object,
    ) -> Encounter:
        values: dict[str, object] = {
            "start_at": start or BASE,
            "class_code": "outpatient",
            "status": "finished",
            "department_name": "心内科",
        }
        values.update(fields)
        stored = store.upsert(
            session=db,
            kind=KIND_ENCOUNTER,
            person_id=person_id or world.person_id,
            institution_id=(at or world.hospital).id,
            source_id=source_id,
            values=values,
        )
        assert isinstance(stored.row, Encounter)
        return stored.row

    return _visit


def inbox(db: Session, user: User) -> list[Message]:
    return list(
        db.scalars(
            select(Message)
            .where(Message.recipient_user_id == user.id)
            .order_by(Message.created_at, Message.id)
        ).all()
    )


def test_a_visit_elsewhere_reaches_the_family_doctor_once(
    db: Session, world: World, visit: Callable[..., Encounter]
) -> None:
    visit()
    (message,) = inbox(db, world.doctor)
    assert message.title == "您签约的居民于上海市第六人民医院门诊就诊"
    assert message.body == f"就诊时间：{BASE:%Y-%m-%d} 09:00，心内科。点击查看健康档案。"
    assert message.link == f"/records/persons/{world.person_id}"
    assert message.person_id == world.person_id and message.read_at is None
    assert "赵六" not in message.title + message.body  # the resident is never named

    visit()  # the hospital resends the same encounter
    visit(status="finished", department_name="心内科门诊")  # ... or corrects it
    visit("MZ-0002", start=BASE + timedelta(hours=3))  # a second visit there the same day
    assert len(inbox(db, world.doctor)) == 1


def test_another_institution_or_another_day_is_news(
    db: Session, world: World, visit: Callable[..., Encounter]
) -> None:
    other = _institution(db, "复旦大学附属中山医院", "tertiary_hospital")
    visit()
    visit("JZ-1", at=other, class_code="emergency")
    visit("MZ-0009", start=BASE - timedelta(days=1))
    titles = [m.title for m in inbox(db, world.doctor)]
    assert titles == [
        "您签约的居民于上海市第六人民医院门诊就诊",
        "您签约的居民于复旦大学附属中山医院急诊就诊",
        "您签约的居民于上海市第六人民医院门诊就诊",
    ]


def test_nothing_without_a_family_doctor_or_at_the_doctors_own_centre(
    db: Session, world: World, visit: Callable[..., Encounter]
) -> None:
    stranger = patients.register_person(
        session=db, actor=REGISTRAR, data=PersonCreate.model_validate({"name": "钱七"})
    ).person
    visit("MZ-X", person_id=stranger.id)
    visit("SQ-1", at=world.community)  # the doctor's own centre knows already
    assert inbox(db, world.doctor) == []
    assert db.scalars(select(Message).where(Message.person_id == stranger.id)).all() == []


def test_old_or_cancelled_visits_are_not_handed_over(
    db: Session, world: World, visit: Callable[..., Encounter]
) -> None:
    visit("OLD-1", start=BASE - timedelta(days=400))  # history loaded in bulk
    visit("ERR-1", status="entered-in-error")
    assert inbox(db, world.doctor) == []


def test_only_the_last_week_is_handed_over(
    db: Session, world: World, visit: Callable[..., Encounter]
) -> None:
    encounter = visit("OLD-2", start=BASE - timedelta(days=30))
    assert inbox(db, world.doctor) == []
    # The same visit, had it arrived within the week.
    on_encounter(session=db, encounter=encounter, now=encounter.start_at + timedelta(days=6))
    assert len(inbox(db, world.doctor)) == 1
    on_encounter(session=db, encounter=encounter, now=encounter.start_at + timedelta(days=8))
    assert len(inbox(db, world.doctor)) == 1


def test_a_sensitive_visit_names_neither_institution_nor_department(
    db: Session, world: World, visit: Callable[..., Encounter]
) -> None:
    visit("PSY-1", department_name="精神科", class_code="inpatient")  # labelled at ingest
    (message,) = inbox(db, world.doctor)
    assert message.title == "您签约的居民有一条新的就诊记录"
    assert "第六人民医院" not in message.body and "精神" not in message.title + message.body
    assert message.link == f"/records/persons/{world.person_id}"
