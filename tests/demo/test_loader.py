"""Loading demo data into the real test database through the slices' services."""

from __future__ import annotations

from itertools import islice

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from healthnet.core.auth import service as auth
from healthnet.core.auth.models import User
from healthnet.core.orgs import service as orgs
from healthnet.core.orgs.schemas import DepartmentQuery, InstitutionQuery
from healthnet.core.patients import service as patients
from healthnet.core.patients.identifiers import IdentifierType
from healthnet.core.patients.models import Person
from healthnet.core.patients.schemas import CandidateQuery, PersonSearch
from healthnet.core.rbac.actor import SYSTEM_ACTOR
from healthnet.demo.generators import (
    SIZES,
    Size,
    generate_institutions,
    generate_staff,
    iter_residents,
)
from healthnet.demo.loader import load_demo
from healthnet.demo.residents import DEMO_ACTOR, BulkWriter, person_create

SEED = 11


def _first_duplicate(seed: int) -> int:
    return next(r.seq for r in iter_residents(5000, seed) if r.duplicate_of is not None)


class _Recorder:
    def __init__(self) -> None:
        self.phases: list[tuple[str, int]] = []
        self.done = 0

    def phase(self, name: str, total: int) -> None:
        self.phases.append((name, total))

    def advance(self, n: int = 1) -> None:
        self.done += n


def test_a_tiny_load_goes_through_the_services_and_is_found_again(db: Session) -> None:
    residents_n = _first_duplicate(SEED) + 1  # includes one deliberate near-duplicate
    size = Size(
        institutions=SIZES["tiny"].institutions, residents=residents_n, staff_per_institution=1
    )
    progress = _Recorder()

    report = load_demo(session=db, size=size, seed=SEED, progress=progress)

    assert not report.already_loaded
    assert report.institutions_created == size.institutions
    assert report.residents_registered == residents_n
    assert report.staff_created == size.institutions
    assert [name for name, _ in progress.phases] == [
        "机构与科室",
        "工作人员账号",
        "居民主索引",
        "诊疗记录",
    ]
    assert report.clinical_rows > 0
    assert progress.done == size.institutions + size.institutions + 16 + 2 * residents_n

    # Every district has institutions, with departments, findable through the orgs service.
    page = orgs.list_institutions(
        session=db, actor=SYSTEM_ACTOR, query=InstitutionQuery(page_size=500)
    )
    demo = [
        i
        for i in page.items
        if i.code in {s.code for s in generate_institutions(size.institutions, SEED)}
    ]
    assert len(demo) == size.institutions
    assert len({i.district_code for i in demo}) == 16
    specs = {s.code: s for s in generate_institutions(size.institutions, SEED)}
    hospital = next(i for i in demo if i.kind.value == "secondary_hospital")
    depts = orgs.list_departments(
        session=db, institution_id=hospital.id, query=DepartmentQuery(page_size=500)
    )
    assert {d.name for d in depts.items} == {d.name for d in specs[hospital.code].departments}
    assert "急诊医学科" in {d.name for d in depts.items}

    # Residents are found by ID number through the blind index and decrypt to what was generated.
    for spec in islice(iter_residents(residents_n, SEED), 0, residents_n, 7):
        if spec.id_number is None:
            continue
        person = patients.find_by_identifier(
            session=db, id_type=IdentifierType.RESIDENT_ID_CARD, value=spec.id_number
        )
        assert person is not None
        assert (
            person.name,
            person.birth_date,
            person.sex_code,
            person.phone,
            person.district_code,
        ) == (spec.name, spec.birth_date, spec.sex, spec.phone, spec.district_code)
        assert person.address and spec.district_code and person.address == spec.address

    # The near-duplicate is on the review list, by the patient index's own rules.
    assert report.review_candidates >= 1
    candidates = patients.list_candidates(
        session=db, actor=SYSTEM_ACTOR, query=CandidateQuery(page_size=100)
    )
    assert candidates.total >= 1

    # A district administrator logs in with the printed one-time password.
    username, _, password = report.district_admins[1]
    assert username == "admin_xuhui" and password
    user = auth.check_credentials(session=db, login_name=username, password=password)
    assert user is not None and user.must_change_password
    admin = auth.actor_for(session=db, user=user)
    assert admin.role_codes == ("district_admin",) and admin.district_code == "310104"
    # Staff accounts belong to their institution.
    doctor = generate_staff(generate_institutions(size.institutions, SEED), 1, SEED)[0]
    by_code = orgs.get_institution_by_code(session=db, code=doctor.institution_code)
    assert by_code is not None
    row = db.scalar(select(User).where(User.username == doctor.username))
    assert row is not None and row.institution_id == by_code.id
    assert row.department_id is not None  # works in the institution's first department
    expected = {"cdc": "cdc_staff", "laboratory": "lab_staff"}.get(by_code.kind, "doctor")
    assert auth.actor_for(session=db, user=row).role_codes == (expected,)
    # District CDC staff can sign what they confirm (death certificates): each holds an SM2
    # document-signing certificate; other staff do not.
    from healthnet.core.certs import service as certs

    for spec in generate_staff(generate_institutions(size.institutions, SEED), 1, SEED):
        user = db.scalar(select(User).where(User.username == spec.username))
        assert user is not None
        held = [c.purpose for c in certs.certificates_of_user(session=db, user_id=user.id)]
        cdc = "cdc_staff" in auth.actor_for(session=db, user=user).role_codes
        assert held == (["signing"] if cdc else []), spec.username

    # A few residents log in to the H5 pages with the printed one-time password, by mobile
    # number or by ID number, and must change it first.
    assert len(report.resident_accounts) == 3
    phone, name, password = report.resident_accounts[0]
    assert password
    resident = auth.check_credentials(session=db, login_name=phone, password=password)
    assert resident is not None and resident.kind == "resident" and resident.must_change_password
    spec = next(r for r in iter_residents(residents_n, SEED) if r.phone == phone)
    assert spec.name == name and spec.id_number
    by_id = auth.check_credentials(session=db, login_name=spec.id_number, password=password)
    assert by_id is not None and by_id.id == resident.id
    assert auth.actor_for(session=db, user=resident).role_codes == ("resident",)


def test_loading_twice_changes_nothing(db: Session) -> None:
    size = Size(institutions=SIZES["tiny"].institutions, residents=30, staff_per_institution=0)
    first = load_demo(session=db, size=size, seed=SEED + 1)
    persons = db.scalar(select(func.count()).select_from(Person))

    second = load_demo(session=db, size=size, seed=SEED + 1)

    assert not first.already_loaded and second.already_loaded
    assert db.scalar(select(func.count()).select_from(Person)) == persons
    assert all(password is None for _, _, password in second.district_admins)
    assert second.resident_accounts and all(p is None for _, _, p in second.resident_accounts)


def test_an_interrupted_load_resumes_where_it_stopped(db: Session) -> None:
    size = Size(institutions=SIZES["tiny"].institutions, residents=450, staff_per_institution=0)
    partial = Size(institutions=10, residents=200, staff_per_institution=0)
    load_demo(session=db, size=partial, seed=SEED + 2)  # the first 200 of the same stream

    report = load_demo(session=db, size=size, seed=SEED + 2)

    assert report.institutions_existing == 10
    assert report.institutions_created == size.institutions - 10
    assert report.residents_existing == 200 and report.residents_registered == 250


def test_bulk_rows_are_the_same_as_service_rows(db: Session) -> None:
    """The bulk path (large size, benchmark) writes rows the service finds and matches."""
    specs = [r for r in iter_residents(400, SEED + 3)]
    originals = [r for r in specs if r.duplicate_of is None]
    dups = [r for r in specs if r.duplicate_of is not None]
    assert dups

    writer = BulkWriter(db)
    assert writer.write(originals) == [] and writer.written == len(originals)
    db.flush()
    # Residents whose identifier is already in the index are handed back, not duplicated.
    assert writer.write(originals[:5]) == originals[:5] and writer.written == len(originals)

    for spec in originals[::37]:
        assert spec.id_number
        found = patients.find_by_identifier(
            session=db, id_type="resident_id_card", value=spec.id_number
        )
        assert found is not None and found.name == spec.name and found.phone == spec.phone
        assert found.master_id.startswith("HN") and len(found.master_id) == 14
        assert len(found.identifiers) == len(
            [
                v
                for v in (
                    spec.id_number,
                    spec.social_security_card,
                    spec.medical_insurance_card,
                    spec.self_pay_card,
                )
                if v
            ]
        )
        page = patients.search(
            session=db,
            actor=SYSTEM_ACTOR,
            query=PersonSearch(name=spec.name, birth_date=spec.birth_date),
        )
        assert found.id in {p.id for p in page.items}
        history = patients.history(session=db, actor=SYSTEM_ACTOR, person_id=found.id)
        assert {e.kind for e in history} == {"register", "identifier_link"}

    # A near-duplicate registered through the service is matched against a bulk-written row.
    reg = patients.register_person(session=db, actor=DEMO_ACTOR, data=person_create(dups[0]))
    assert reg.created and len(reg.candidates) >= 1
    assert reg.candidates[0].band == "possible_match"

    # Personal data is ciphertext in the table itself.
    raw = db.execute(
        text("SELECT name, phone, address FROM patients_person WHERE id = :id"),
        {"id": reg.person.id},
    ).one()
    assert dups[0].phone is not None and dups[0].address
    assert dups[0].name not in raw.name and dups[0].phone not in raw.phone
    assert dups[0].address not in raw.address


def test_the_bulk_path_of_the_loader_still_fills_the_review_list(db: Session) -> None:
    """``large`` writes residents in bulk and registers the near-duplicates via the service."""
    n = _first_duplicate(SEED + 4) + 1
    size = Size(institutions=SIZES["tiny"].institutions, residents=n, staff_per_institution=0)

    report = load_demo(session=db, size=size, seed=SEED + 4, bulk_residents=True)

    assert report.residents_registered == n and report.review_candidates >= 1
    last = list(iter_residents(n, SEED + 4))[-1]
    assert last.duplicate_of is not None and last.medical_insurance_card
    found = patients.find_by_identifier(
        session=db, id_type="medical_insurance_card", value=last.medical_insurance_card
    )
    assert found is not None and found.name == last.name


def test_chronic_patients_are_under_community_management(db: Session) -> None:
    """Residents whose record has hypertension or diabetes diagnosed at a community centre are
    enrolled there by its doctor, who becomes their family doctor and can open the enrolment;
    their follow-ups went through the program rules (a control class on every visit), every
    open enrolment has its next visit scheduled, and a second run enrols nobody twice."""
    from healthnet.core.programs import service as programs
    from healthnet.core.programs.models import Enrolment, Event, Program
    from tests.core.programs.conftest import tiny_icd10

    tiny_icd10(db)  # `healthnet setup` loads the whole ICD-10 before the demo
    load_demo(session=db, size="tiny", seed=SEED)
    rows = db.execute(
        select(Enrolment, Program.code).join(Program, Program.id == Enrolment.program_id)
    ).all()
    assert rows, "the tiny demo has chronic patients seen at community centres"
    assert {code for _, code in rows} <= {"hypertension", "diabetes"}
    for enrolment, code in rows:
        person = db.get(Person, enrolment.person_id)
        assert person is not None
        doctor = db.get(User, enrolment.assigned_user_id)
        assert doctor is not None and doctor.username.startswith("doctor_")
        assert doctor.institution_id == enrolment.org_unit_id
        assert person.family_doctor_user_id == doctor.id
        detail = programs.get_enrolment(
            session=db, actor=auth.actor_for(session=db, user=doctor), enrolment_id=enrolment.id
        )
        visits = [e for e in detail.events if e.status == "completed"]
        assert all(e.values.get("control") in {"1", "2", "3", "4"} for e in visits), code
        assert any(e.status == "scheduled" for e in detail.events)
    assert db.scalar(select(func.count(Event.id)).where(Event.status == "completed"))

    before = db.scalar(select(func.count(Enrolment.id)))
    assert load_demo(session=db, size="tiny", seed=SEED).registry_enrolments == 0
    assert db.scalar(select(func.count(Enrolment.id))) == before
