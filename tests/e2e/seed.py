"""The end-to-end database: migrated with Alembic and filled through the slices' own services.

Run as a script by ``tests/e2e/conftest.py`` in a process of its own, with the e2e server's
environment (``HEALTHNET_DATABASE_URL`` …), so the settings and engine cached by the unit tests'
``tests/conftest.py`` are never shared with it::

    python tests/e2e/seed.py FACTS.json

What it loads, and writes to FACTS.json (read back as :class:`Facts`):

* the built-in code systems and the 16 districts, as ``healthnet setup`` does;
* the ``tiny`` demo data (26 institutions over every district, one staff account each, 60
  residents), so lists have rows to show;
* the three administrators (三员) ``admin``, ``secadmin``, ``auditadmin`` with a known password,
  no forced change, and an authenticator enrolled (secret in the facts);
* for 徐汇区 and 浦东新区: a hospital of its own (code ``E2E-…``), a district administrator
  (``district_<pinyin>``, data scope district) and a doctor (``doctor_<pinyin>``) of that
  hospital, both with a known password and an authenticator, and two residents living in the
  district, registered by that doctor, with known names and citizen ID numbers; and a district
  CDC staff member (``cdc_<pinyin>``, role ``cdc_staff``, on the same hospital's books).
* the registries' program files (diabetes …; the ``doctor`` role enrols and records);
* the duplicate-order prompt rules, and clinical history for the first 徐汇 resident from the
  浦东 hospital (atorvastatin ten days ago, a blood count yesterday).
* three diabetes registrants of the 浦东 hospital (:data:`DIABETES_REGISTRANTS`, enrolled and
  followed up last year by its doctor) and one refresh of the diabetes indicators, so the
  indicator dashboard has known numbers for last year (:func:`indicator_year`).
* a resident with an H5 account (B5, :class:`ResidentUser`): a 徐汇 resident with a visit and a
  chest CT at the 徐汇 hospital, a visit and a fasting glucose at the 浦东 hospital, and one view
  of the record by the 浦东 doctor (care relationship), so "who looked at my record" has a row.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

# Policy-compliant (≥ 8 characters, 3 of 4 classes) and the same for every seeded account.
PASSWORD = "Healthnet-e2e-1"

# (district code, user-name suffix, hospital (code, name, short name),
#  residents (name, birth date, ID sequence: odd = male))
DISTRICTS = (
    (
        "310104",
        "xuhui",
        ("E2E-XH-01", "上海市徐汇区康宁医院", "徐汇康宁"),
        (("王建国", date(1968, 3, 14), 31), ("李秀英", date(1975, 11, 2), 42)),
    ),
    (
        "310115",
        "pudong",
        ("E2E-PD-01", "上海市浦东新区康宁医院", "浦东康宁"),
        (("张伟", date(1990, 7, 21), 17), ("陈静", date(2001, 1, 9), 28)),
    ),
)
ADMINS = (
    ("admin", "系统管理员", "sys_admin"),
    ("secadmin", "安全管理员", "security_admin"),
    ("auditadmin", "审计管理员", "audit_admin"),
)


@dataclass(frozen=True)
class Account:
    username: str
    password: str
    totp_secret: str
    display_name: str
    role: str


@dataclass(frozen=True)
class Resident:
    name: str
    id_number: str
    birth_date: str  # ISO 8601
    district_code: str
    master_id: str
    person_id: str  # the console's /patients/persons/<id>


@dataclass(frozen=True)
class District:
    code: str
    name: str
    institution_code: str
    institution_name: str
    district_admin: Account
    doctor: Account
    residents: list[Resident] = field(default_factory=list)
    # district CDC staff (role cdc_staff, data scope district): may refresh the indicators
    cdc: Account | None = None


@dataclass(frozen=True)
class ResidentUser:
    """A resident who signs in to the H5 pages with a mobile number (or ID number) and password,
    and what their record holds."""

    name: str
    id_number: str
    phone: str
    password: str
    person_id: str
    visit_institutions: list[str]  # names, newest visit first
    lab_item: str
    lab_value: str
    exam_item: str
    viewer_institution: str  # the other hospital whose doctor viewed the record


@dataclass(frozen=True)
class Facts:
    """What the seeded database holds that a test may rely on."""

    admin: Account
    secadmin: Account
    auditadmin: Account
    districts: list[District]
    resident: ResidentUser | None = None
    base_url: str = ""  # filled in by the e2e_server fixture

    @classmethod
    def from_json(cls, data: dict[str, Any], base_url: str) -> Facts:
        def district(d: dict[str, Any]) -> District:
            return District(
                **{
                    **d,
                    "district_admin": Account(**d["district_admin"]),
                    "doctor": Account(**d["doctor"]),
                    "residents": [Resident(**r) for r in d["residents"]],
                    "cdc": Account(**d["cdc"]) if d.get("cdc") else None,
                }
            )

        return cls(
            admin=Account(**data["admin"]),
            secadmin=Account(**data["secadmin"]),
            auditadmin=Account(**data["auditadmin"]),
            districts=[district(d) for d in data["districts"]],
            resident=ResidentUser(**data["resident"]) if data.get("resident") else None,
            base_url=base_url,
        )


def migrate() -> None:
    from alembic import command

    from healthnet.config import get_settings
    from healthnet.core.db import get_engine
    from healthnet.core.health import alembic_config

    settings = get_settings()
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    cfg = alembic_config(settings.database_url)
    with get_engine().begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def seed() -> Facts:
    import pyotp

    from healthnet.core.auth import service as auth
    from healthnet.core.auth import totp
    from healthnet.core.certs import service as certs
    from healthnet.core.codes.service import load_builtin
    from healthnet.core.crypto import ensure_active_key
    from healthnet.core.db import get_sessionmaker, transaction, utcnow
    from healthnet.core.orgs import service as orgs
    from healthnet.core.orgs.enums import InstitutionKind, InstitutionLevel
    from healthnet.core.orgs.schemas import InstitutionCreate
    from healthnet.core.patients import service as patients
    from healthnet.core.patients.identifiers import IdentifierType
    from healthnet.core.patients.schemas import PersonCreate
    from healthnet.demo.generators import DEFAULT_SEED, district_by_code, make_id_number
    from healthnet.demo.loader import load_demo
    from healthnet.modules.alerts.service import load_rules as load_alert_rules

    migrate()
    ensure_active_key()
    with transaction() as session:
        orgs.load_districts(session=session)
        load_builtin(session=session)
        load_alert_rules(session=session)
        # The registries' programs (diabetes …); the "doctor" role may enrol and record.
        from healthnet.modules.registries.service import load_programs

        load_programs(session=session)
    session = get_sessionmaker()()
    try:
        load_demo(session=session, size="tiny", seed=DEFAULT_SEED)
    finally:
        session.close()

    # Enrolled "ten minutes ago": the confirming code's time step is long past, so every code
    # from now on is fresh (a code is accepted once per account and time step).
    earlier = utcnow() - timedelta(minutes=10)

    def account(
        session: Any, username: str, display_name: str, role: str, institution_id: str | None
    ) -> Account:
        user = auth.create_user(
            session=session,
            username=username,
            display_name=display_name,
            password=PASSWORD,
            institution_id=institution_id,
            role_codes=[role],
            must_change_password=False,
        )
        enrolment = totp.start_enrolment(session=session, user=user)
        confirmed = totp.confirm_enrolment(
            session=session, user=user, code=pyotp.TOTP(enrolment.secret).at(earlier), now=earlier
        )
        assert confirmed is not None
        return Account(username, PASSWORD, enrolment.secret, display_name, role)

    names = district_by_code()
    with transaction() as session:
        admins = {
            username: account(session, username, display, role, None)
            for username, display, role in ADMINS
        }
        districts = []
        hospitals: list[str] = []
        for code, pinyin, (inst_code, inst_name, short_name), people in DISTRICTS:
            inst = orgs.create_institution(
                session=session,
                data=InstitutionCreate(
                    code=inst_code,
                    name=inst_name,
                    short_name=short_name,
                    kind=InstitutionKind.SECONDARY_HOSPITAL,
                    level=InstitutionLevel.L2A,
                    district_code=code,
                ),
            )
            hospitals.append(inst.id)
            district_name = names[code].name
            admin = account(
                session, f"district_{pinyin}", f"{district_name}管理员", "district_admin", inst.id
            )
            doctor = account(session, f"doctor_{pinyin}", f"{short_name}医生", "doctor", inst.id)
            cdc = account(session, f"cdc_{pinyin}", f"{district_name}疾控", "cdc_staff", inst.id)
            # the district CDC signs the death certificates it confirms (SM2, issue #6)
            cdc_user = auth.find_login_user(session=session, login_name=cdc.username)
            assert cdc_user is not None
            certs.issue_certificate(
                session=session, actor=None, user_id=cdc_user.id, purpose="signing"
            )
            doctor_user = auth.find_login_user(session=session, login_name=doctor.username)
            assert doctor_user is not None
            registrar = auth.actor_for(session=session, user=doctor_user)
            residents = []
            for name, birth, sequence in people:
                id_number = make_id_number(code, birth, sequence)
                registration = patients.register_person(
                    session=session,
                    actor=registrar,
                    data=PersonCreate.model_validate(
                        {
                            "name": name,
                            "districtCode": code,
                            "identifiers": [
                                {"type": IdentifierType.RESIDENT_ID_CARD, "value": id_number}
                            ],
                        }
                    ),
                )
                residents.append(
                    Resident(
                        name,
                        id_number,
                        birth.isoformat(),
                        code,
                        registration.person.master_id,
                        registration.person.id,
                    )
                )
            districts.append(
                District(code, district_name, inst_code, inst_name, admin, doctor, residents, cdc)
            )
        _clinical_history(session, districts[0].residents[0].person_id, hospitals[1])
        resident = _resident_user(session, districts, hospitals)
    with transaction() as session:
        _diabetes_registrants(session, districts[1])
    return Facts(admins["admin"], admins["secadmin"], admins["auditadmin"], districts, resident)


def _clinical_history(session: Any, person_id: str, institution_id: str) -> None:
    """The first 徐汇 resident's visit to the 浦东 hospital (for the duplicate-order prompts):
    a month of atorvastatin ten days ago and a blood count yesterday."""
    from healthnet.core.db import utcnow
    from healthnet.modules.records.models import KIND_LAB, KIND_MEDICATION
    from healthnet.modules.records.service.store import upsert

    now = utcnow()
    upsert(
        session=session,
        kind=KIND_MEDICATION,
        person_id=person_id,
        institution_id=institution_id,
        source_id="E2E-RX-1",
        values={
            "ordered_at": now - timedelta(days=10),
            "drug_code": "PD-ATORVASTATIN-20",
            "generic_name": "阿托伐他汀钙片",
            "ingredient_code": None,
            "atc_code": "C10AA05",
            "days_supply": 30,
        },
    )
    upsert(
        session=session,
        kind=KIND_LAB,
        person_id=person_id,
        institution_id=institution_id,
        source_id="E2E-LAB-1",
        values={
            "collected_at": now - timedelta(days=1),
            "item_code": "CBC",
            "item_name": "血常规",
            "value": "6.1",
            "unit": "10^9/L",
            "abnormal_flag": "N",
        },
    )


def _resident_user(session: Any, districts: list[District], hospitals: list[str]) -> ResidentUser:
    """周桂芳 of 徐汇 and her H5 account: a visit with a chest CT at the 徐汇 hospital a month ago,
    a visit with a high fasting glucose at the 浦东 hospital six days ago, and the 浦东 doctor's
    view of her record (allowed by that visit), which her access log shows."""
    from healthnet.core.auth import service as auth
    from healthnet.core.db import utcnow
    from healthnet.core.patients import service as patients
    from healthnet.core.patients.identifiers import IdentifierType
    from healthnet.core.patients.schemas import PersonCreate
    from healthnet.demo.generators import make_id_number
    from healthnet.modules.records import access, timeline
    from healthnet.modules.records.models import (
        KIND_DIAGNOSIS,
        KIND_ENCOUNTER,
        KIND_EXAM,
        KIND_LAB,
    )
    from healthnet.modules.records.service.store import upsert

    xuhui, pudong = districts[0], districts[1]
    name, birth, phone = "周桂芳", date(1958, 6, 12), "13917350262"
    id_number = make_id_number(xuhui.code, birth, 62)
    registrar_user = auth.find_login_user(session=session, login_name=xuhui.doctor.username)
    assert registrar_user is not None
    person = patients.register_person(
        session=session,
        actor=auth.actor_for(session=session, user=registrar_user),
        data=PersonCreate.model_validate(
            {
                "name": name,
                "districtCode": xuhui.code,
                "identifiers": [{"type": IdentifierType.RESIDENT_ID_CARD, "value": id_number}],
            }
        ),
    ).person
    now = utcnow()

    def record(kind: str, institution_id: str, source_id: str, values: dict[str, Any]) -> str:
        stored = upsert(
            session=session,
            kind=kind,
            person_id=person.id,
            institution_id=institution_id,
            source_id=source_id,
            values=values,
        )
        return str(stored.row.id)

    older = record(
        KIND_ENCOUNTER,
        hospitals[0],
        "E2E-R-ENC-1",
        {
            "start_at": now - timedelta(days=30),
            "class_code": "outpatient",
            "department_name": "心内科",
        },
    )
    record(
        KIND_DIAGNOSIS,
        hospitals[0],
        "E2E-R-DX-1",
        {
            "encounter_id": older,
            "recorded_at": now - timedelta(days=30),
            "icd10_code": "I10",
            "name": "原发性高血压",
        },
    )
    record(
        KIND_EXAM,
        hospitals[0],
        "E2E-R-EXAM-1",
        {
            "encounter_id": older,
            "performed_at": now - timedelta(days=30),
            "modality": "CT",
            "item_code": "CT-CHEST",
            "item_name": "胸部CT平扫",
            "conclusion": "双肺未见明显异常",
        },
    )
    recent = record(
        KIND_ENCOUNTER,
        hospitals[1],
        "E2E-R-ENC-2",
        {
            "start_at": now - timedelta(days=6),
            "class_code": "outpatient",
            "department_name": "内分泌科",
        },
    )
    record(
        KIND_LAB,
        hospitals[1],
        "E2E-R-LAB-1",
        {
            "encounter_id": recent,
            "collected_at": now - timedelta(days=6),
            "item_code": "FBG",
            "item_name": "空腹血糖",
            "value": "7.8",
            "value_numeric": Decimal("7.8"),
            "unit": "mmol/L",
            "reference_low": Decimal("3.9"),
            "reference_high": Decimal("6.1"),
            "abnormal_flag": "H",
        },
    )
    auth.create_resident_account(
        session=session,
        person_id=person.id,
        phone=phone,
        password=PASSWORD,
        role_codes=["resident"],
        must_change_password=False,
    )
    # The 浦东 doctor opens her record (the visit there is the care relationship): one view in
    # the audit trail, with the 浦东 hospital as the viewer's institution.
    viewer_user = auth.find_login_user(session=session, login_name=pudong.doctor.username)
    assert viewer_user is not None
    viewer = auth.actor_for(session=session, user=viewer_user)
    grant = access.open_record(session=session, actor=viewer, person_id=person.id)
    timeline.timeline(session=session, grant=grant, query=timeline.TimelineQuery())
    session.flush()
    return ResidentUser(
        name=name,
        id_number=id_number,
        phone=phone,
        password=PASSWORD,
        person_id=person.id,
        visit_institutions=[pudong.institution_name, xuhui.institution_name],
        lab_item="空腹血糖",
        lab_value="7.8",
        exam_item="胸部CT平扫",
        viewer_institution=pudong.institution_name,
    )


# The 浦东 hospital's diabetes registrants, all of last year (:func:`indicator_year`): (name,
# birth date, ID sequence, enrolled on (month, day), follow-ups ((month, day), fasting glucose),
# annual health check on (month, day) or None). Every follow-up is face to face (门诊).
# Last year's indicators of that hospital, hence: 3 managed; 1 with ≥ 4 follow-ups → 规范管理率
# 33.3%; latest glucose < 7.0 for 孙立新 and 吴国强 → 血糖控制率 2/3 = 66.7%; 1 annual check →
# 年度健康体检率 33.3%.
DIABETES_REGISTRANTS = (
    (
        "孙立新",
        date(1960, 4, 2),
        301,
        (1, 5),
        (((3, 20), 6.1), ((6, 18), 6.4), ((9, 16), 5.9), ((12, 10), 6.2)),
        (11, 20),
    ),
    ("周美华", date(1957, 9, 30), 302, (2, 10), (((5, 8), 6.5), ((8, 6), 8.5)), None),
    ("吴国强", date(1963, 12, 8), 303, (6, 15), (((9, 10), 6.8),), None),
)


def indicator_year() -> int:
    """The year of the seeded diabetes history: last year in Shanghai (a refresh covers the
    current and the previous year)."""
    from healthnet.core.localtime import local_today

    return local_today().year - 1


def _diabetes_registrants(session: Any, pudong: District) -> None:
    """:data:`DIABETES_REGISTRANTS`, registered, enrolled and followed up by the 浦东 doctor through
    the program engine (its rules run), then the diabetes indicators refreshed once, as the
    nightly job would."""
    from sqlalchemy import select

    from healthnet.core.auth import service as auth
    from healthnet.core.patients import service as patients
    from healthnet.core.patients.identifiers import IdentifierType
    from healthnet.core.patients.schemas import PersonCreate
    from healthnet.core.programs import indicators
    from healthnet.core.programs import service as programs
    from healthnet.core.programs.models import Program
    from healthnet.core.programs.schemas import EnrolmentCreate, EventCreate
    from healthnet.demo.generators import make_id_number

    user = auth.find_login_user(session=session, login_name=pudong.doctor.username)
    assert user is not None
    doctor = auth.actor_for(session=session, user=user)
    year = indicator_year()
    for name, birth, sequence, (em, ed), followups, check in DIABETES_REGISTRANTS:
        person = patients.register_person(
            session=session,
            actor=doctor,
            data=PersonCreate.model_validate(
                {
                    "name": name,
                    "districtCode": pudong.code,
                    "identifiers": [
                        {
                            "type": IdentifierType.RESIDENT_ID_CARD,
                            "value": make_id_number(pudong.code, birth, sequence),
                        }
                    ],
                }
            ),
        ).person
        enrolled_on = date(year, em, ed)
        saved = programs.enrol(
            session=session,
            actor=doctor,
            program_code="diabetes",
            data=EnrolmentCreate(
                person_id=person.id,
                enrolled_on=enrolled_on,
                values={
                    "diagnosis": "E11.9",
                    "diagnosed_on": (enrolled_on - timedelta(days=30)).isoformat(),
                    "height_cm": 168,
                },
            ),
        )
        for (fm, fd), fbg in followups:
            programs.record_event(
                session=session,
                actor=doctor,
                enrolment_id=saved.enrolment.id,
                data=EventCreate(
                    stage="followup",
                    event_on=date(year, fm, fd),
                    values={
                        "followup_mode": "1",
                        "sbp": 130,
                        "dbp": 80,
                        "weight_kg": 68,
                        "fbg": fbg,
                    },
                ),
            )
        if check is not None:
            programs.record_event(
                session=session,
                actor=doctor,
                enrolment_id=saved.enrolment.id,
                data=EventCreate(
                    stage="annual_check",
                    event_on=date(year, *check),
                    values={"check_sbp": 128, "check_dbp": 78, "check_weight_kg": 68},
                ),
            )
    session.flush()
    program = session.scalars(select(Program).where(Program.code == "diabetes")).one()
    first, last = indicators.default_years()
    indicators.refresh_program(session=session, program=program, first_year=first, last_year=last)


def main() -> None:
    if len(sys.argv) != 2:
        raise SystemExit("usage: seed.py FACTS.json")
    facts = seed()
    Path(sys.argv[1]).write_text(json.dumps(asdict(facts), ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
