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
  district, registered by that doctor, with known names and citizen ID numbers.
* the registries' program files (diabetes …; the ``doctor`` role enrols and records);
* the duplicate-order prompt rules, and clinical history for the first 徐汇 resident from the
  浦东 hospital (atorvastatin ten days ago, a blood count yesterday).
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
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


@dataclass(frozen=True)
class Facts:
    """What the seeded database holds that a test may rely on."""

    admin: Account
    secadmin: Account
    auditadmin: Account
    districts: list[District]
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
                }
            )

        return cls(
            admin=Account(**data["admin"]),
            secadmin=Account(**data["secadmin"]),
            auditadmin=Account(**data["auditadmin"]),
            districts=[district(d) for d in data["districts"]],
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
                District(code, district_name, inst_code, inst_name, admin, doctor, residents)
            )
        _clinical_history(session, districts[0].residents[0].person_id, hospitals[1])
    return Facts(admins["admin"], admins["secadmin"], admins["auditadmin"], districts)


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


def main() -> None:
    if len(sys.argv) != 2:
        raise SystemExit("usage: seed.py FACTS.json")
    facts = seed()
    Path(sys.argv[1]).write_text(json.dumps(asdict(facts), ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
