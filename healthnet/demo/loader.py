"""Load the generated demo data through the slices' own services, in committed batches.

The loader is an entrypoint (like a CLI command): it owns the transaction and commits every
batch, so an interrupted load keeps what it finished and a second run resumes. Everything goes
through the services — ``orgs.service.create_institution`` / ``create_department``,
``auth.service.create_user``, ``patients.service.register_person`` — so demo rows pass exactly
the validation real input passes, personal fields are SM4-GCM encrypted and blind-indexed, and
near-duplicates land on the review list by the patient index's own rules. A few residents get
an H5 account (``auth.service.create_resident_account``) so the resident pages can be tried.

Re-running is safe: institutions are skipped by code, users by user name, and residents by the
patient index's rule "same identifier → same person". When the last resident of the requested
size is already registered the load stops at once with ``already_loaded``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from healthnet.core.auth import service as auth
from healthnet.core.auth.models import User
from healthnet.core.certs import service as certs
from healthnet.core.crypto import ensure_active_key
from healthnet.core.errors import Conflict
from healthnet.core.orgs import service as orgs
from healthnet.core.orgs.enums import InstitutionKind
from healthnet.core.orgs.schemas import DepartmentCreate, DepartmentQuery, InstitutionCreate
from healthnet.core.patients import service as patients
from healthnet.core.patients.identifiers import IdentifierType
from healthnet.core.sysconf import service as sysconf
from healthnet.demo import residents as resident_loader
from healthnet.demo.generators import (
    DEFAULT_SEED,
    REFERENCE_DATE,
    SIZES,
    InstitutionSpec,
    ResidentSpec,
    Size,
    district_admins,
    generate_institutions,
    generate_staff,
    iter_residents,
)
from healthnet.demo.registries import load_registries
from healthnet.modules.registries.service import load_programs

BATCH = 200

DISTRICT_ADMIN_ROLE = "district_admin"
RESIDENT_ROLE = "resident"
DEMO_RESIDENT_ACCOUNTS = 3
# roles whose demo accounts get a document-signing certificate
SIGNING_ROLES = frozenset({"cdc_staff"})


class Progress(Protocol):
    """What the loader reports; the CLI draws it as a ``rich`` progress bar."""

    def phase(self, name: str, total: int) -> None: ...

    def advance(self, n: int = 1) -> None: ...


class _NoProgress:
    def phase(self, name: str, total: int) -> None:
        pass

    def advance(self, n: int = 1) -> None:
        pass


@dataclass
class LoadReport:
    size: str
    seed: int
    already_loaded: bool = False
    institutions_created: int = 0
    institutions_existing: int = 0
    departments_created: int = 0
    staff_created: int = 0
    staff_existing: int = 0
    residents_registered: int = 0
    residents_existing: int = 0
    review_candidates: int = 0
    # Rows of the residents' clinical histories (shared health record) written by this run.
    clinical_rows: int = 0
    # Chronic patients enrolled in the hypertension / diabetes programmes by this run.
    registry_enrolments: int = 0
    # (user name, display name, one-time password or None when the account already existed)
    district_admins: list[tuple[str, str, str | None]] = field(default_factory=list)
    # Residents' H5 accounts: (mobile number to log in with, name, one-time password or None)
    resident_accounts: list[tuple[str, str, str | None]] = field(default_factory=list)
    seconds: float = 0.0


def resolve_size(size: str | Size) -> Size:
    if isinstance(size, Size):
        return size
    try:
        return SIZES[size]
    except KeyError:
        raise ValueError(f"unknown size {size!r}; choose one of {', '.join(SIZES)}") from None


def load_demo(
    *,
    session: Session,
    size: str | Size = "small",
    seed: int = DEFAULT_SEED,
    progress: Progress | None = None,
    bulk_residents: bool | None = None,
    commit: Callable[[], None] | None = None,
) -> LoadReport:
    """Generate and load the demo data of ``size`` for ``seed``; see the module docstring.

    ``bulk_residents`` switches residents to the bulk path of :mod:`healthnet.demo.residents`
    (default: only for more than 100,000 residents). ``commit`` defaults to ``session.commit``.
    """
    started = time.perf_counter()
    spec = resolve_size(size)
    progress = progress or _NoProgress()
    do_commit = commit or session.commit
    report = LoadReport(size=size if isinstance(size, str) else "custom", seed=seed)

    ensure_active_key()
    auth.ensure_builtin_roles(session=session)
    orgs.load_districts(session=session)
    sysconf.load_builtin(session=session)
    load_programs(session=session, loaded_by="demo")
    do_commit()

    institutions = generate_institutions(spec.institutions, seed)
    residents = list(iter_residents(spec.residents, seed)) if spec.residents <= 100_000 else None
    if (
        residents
        and _institutions_loaded(session, institutions)
        and resident_loader.is_registered(session=session, spec=residents[-1])
    ):
        report.already_loaded = True
        report.district_admins = [
            (a.username, a.display_name, None) for a in district_admins(institutions)
        ]
        _load_resident_accounts(session, residents, report, do_commit)
        found = {
            i.code: row.id
            for i in institutions
            if (row := orgs.get_institution_by_code(session=session, code=i.code)) is not None
        }
        _load_clinical(
            session, residents, spec, institutions, found, seed, progress, report, do_commit
        )
        report.registry_enrolments = load_registries(session=session, seed=seed, commit=do_commit)
        _refresh_indicators(session, do_commit)
        report.already_loaded = report.clinical_rows == 0 and report.registry_enrolments == 0
        report.seconds = time.perf_counter() - started
        return report

    ids = _load_institutions(session, institutions, progress, report, do_commit)
    _load_staff(session, institutions, ids, spec, seed, progress, report, do_commit)

    use_bulk = bulk_residents if bulk_residents is not None else spec.residents > 100_000
    resident_loader.load_residents(
        session=session,
        residents=residents or iter_residents(spec.residents, seed),
        total=spec.residents,
        bulk=use_bulk,
        progress=progress,
        report=report,
        commit=do_commit,
        batch=BATCH,
    )
    _load_resident_accounts(
        session, residents or iter_residents(spec.residents, seed), report, do_commit
    )
    _load_clinical(
        session,
        residents or iter_residents(spec.residents, seed),
        spec,
        institutions,
        {code: pair[0] for code, pair in ids.items()},
        seed,
        progress,
        report,
        do_commit,
    )
    report.registry_enrolments = load_registries(session=session, seed=seed, commit=do_commit)
    _refresh_indicators(session, do_commit)
    # A large size is not checked up front (that would mean generating its million residents
    # twice); a run that found everything in place says so all the same.
    report.already_loaded = not (
        report.institutions_created
        or report.staff_created
        or report.residents_registered
        or report.clinical_rows
        or report.registry_enrolments
    )
    report.seconds = time.perf_counter() - started
    return report


def _load_clinical(
    session: Session,
    residents: Iterable[ResidentSpec],
    spec: Size,
    institutions: Sequence[InstitutionSpec],
    ids: dict[str, str],
    seed: int,
    progress: Progress,
    report: LoadReport,
    commit: Callable[[], None],
) -> None:
    """Two years of visits, diagnoses, orders, results and reports per resident
    (:mod:`healthnet.demo.clinical`); residents already given one are skipped."""
    from healthnet.demo.clinical import load_histories

    report.clinical_rows += load_histories(
        session=session,
        residents=residents,
        total=spec.residents,
        institutions=institutions,
        ids=ids,
        seed=seed,
        progress=progress,
        commit=commit,
    )


def _institutions_loaded(session: Session, institutions: Sequence[InstitutionSpec]) -> bool:
    return all(
        orgs.get_institution_by_code(session=session, code=i.code) is not None
        for i in (institutions[0], institutions[-1])
    )


def _load_institutions(
    session: Session,
    institutions: Sequence[InstitutionSpec],
    progress: Progress,
    report: LoadReport,
    commit: Callable[[], None],
) -> dict[str, tuple[str, str | None]]:
    """Create institutions and their departments.

    Returns organisation code → (institution id, id of its first department by code), the
    department where the institution's demo doctor and nurse work.
    """
    progress.phase("机构与科室", len(institutions))
    ids: dict[str, tuple[str, str | None]] = {}
    for n, inst in enumerate(institutions, 1):
        existing = orgs.get_institution_by_code(session=session, code=inst.code)
        if existing is not None:
            first = orgs.list_departments(
                session=session, institution_id=existing.id, query=DepartmentQuery(page_size=1)
            ).items
            ids[inst.code] = (existing.id, first[0].id if first else None)
            report.institutions_existing += 1
        else:
            row = orgs.create_institution(
                session=session,
                data=InstitutionCreate(
                    code=inst.code,
                    name=inst.name,
                    short_name=inst.short_name,
                    kind=inst.kind,
                    level=inst.level,
                    district_code=inst.district_code,
                    address=inst.address,
                    longitude=inst.longitude,
                    latitude=inst.latitude,
                    beds=inst.beds,
                    credit_code=inst.credit_code,
                    phone=inst.phone,
                ),
            )
            dept_ids: dict[str, str] = {}
            for dept in inst.departments:
                dept_ids[dept.code] = orgs.create_department(
                    session=session,
                    institution_id=row.id,
                    data=DepartmentCreate(code=dept.code, name=dept.name, category=dept.category),
                ).id
                report.departments_created += 1
            ids[inst.code] = (row.id, dept_ids[min(dept_ids)] if dept_ids else None)
            report.institutions_created += 1
        progress.advance()
        if n % BATCH == 0:
            commit()
    commit()
    return ids


def staff_role(kind: InstitutionKind, role: str) -> str:
    """The built-in role (healthnet/core/rbac/metadata/roles.yaml) of a demo account."""
    if role == "admin":
        return "institution_admin"
    if kind is InstitutionKind.CDC:
        return "cdc_staff"
    if kind is InstitutionKind.LABORATORY:
        return "lab_staff"
    return role  # doctor | nurse


def _create_account(session: Session, **fields: Any) -> bool:
    """Create one staff account through the auth service; False if the user name is taken."""
    try:
        auth.create_user(session=session, must_change_password=True, **fields)
    except Conflict:
        return False
    return True


def _load_staff(
    session: Session,
    institutions: Sequence[InstitutionSpec],
    ids: dict[str, tuple[str, str | None]],
    spec: Size,
    seed: int,
    progress: Progress,
    report: LoadReport,
    commit: Callable[[], None],
) -> None:
    """Staff accounts with random passwords nobody is told (an administrator resets them), and
    one administrator per district whose one-time password the CLI prints."""
    staff = generate_staff(institutions, spec.staff_per_institution, seed)
    admins = district_admins(institutions)
    kinds = {i.code: i.kind for i in institutions}
    progress.phase("工作人员账号", len(staff) + len(admins))
    for admin in admins:
        password = auth.generate_initial_password()
        created = _create_account(
            session,
            username=admin.username,
            display_name=admin.display_name,
            password=password,
            institution_id=ids[admin.institution_code][0] if admin.institution_code else None,
            role_codes=[DISTRICT_ADMIN_ROLE],
        )
        report.district_admins.append(
            (admin.username, admin.display_name, password if created else None)
        )
        progress.advance()
    commit()
    for n, person in enumerate(staff, 1):
        institution_id, department_id = ids[person.institution_code]
        created = _create_account(
            session,
            username=person.username,
            display_name=person.display_name,
            password=auth.generate_initial_password(),
            institution_id=institution_id,
            department_id=department_id if person.role != "admin" else None,
            role_codes=[staff_role(kinds[person.institution_code], person.role)],
        )
        if created:
            report.staff_created += 1
            if staff_role(kinds[person.institution_code], person.role) in SIGNING_ROLES:
                _issue_signing_certificate(session, person.username)
        else:
            report.staff_existing += 1
        progress.advance()
        if n % 50 == 0:
            commit()
    commit()


def _issue_signing_certificate(session: Session, username: str) -> None:
    """A document-signing certificate (key kept by the platform's CA) for staff who confirm
    signed records: the district CDC signs death certificates when it verifies them."""
    user = session.scalar(select(User).where(User.username == username))
    if user is not None:
        certs.issue_certificate(session=session, actor=None, user_id=user.id, purpose="signing")


def _load_resident_accounts(
    session: Session,
    residents: Iterable[ResidentSpec],
    report: LoadReport,
    commit: Callable[[], None],
) -> None:
    """H5 accounts for the first few adult residents with a mobile number and an ID number, so
    the resident pages can be tried; the CLI prints their one-time passwords (a resident logs in
    with the mobile number or the ID number and must change the password first)."""
    picked = [
        (r, r.phone, r.id_number)
        for r in islice(residents, 200)
        if r.phone and r.id_number and r.duplicate_of is None and _age(r) >= 18
    ][:DEMO_RESIDENT_ACCOUNTS]
    for spec, phone, id_number in picked:
        person = patients.find_by_identifier(
            session=session, id_type=IdentifierType.RESIDENT_ID_CARD, value=id_number
        )
        if person is None:  # not registered (an interrupted load): the next run adds it
            continue
        password = auth.generate_initial_password()
        try:
            auth.create_resident_account(
                session=session,
                person_id=person.id,
                phone=phone,
                password=password,
                role_codes=[RESIDENT_ROLE],
                must_change_password=True,
            )
        except Conflict:  # the resident already has an account
            report.resident_accounts.append((phone, spec.name, None))
        else:
            report.resident_accounts.append((phone, spec.name, password))
    commit()


def _age(spec: ResidentSpec) -> int:
    return (REFERENCE_DATE - spec.birth_date).days // 365


def _refresh_indicators(session: Session, commit: Callable[[], None]) -> None:
    """Program indicators of the demo data, so the statistics pages show numbers at once (the
    nightly job keeps them fresh afterwards); one transaction per program, as the job."""
    from healthnet.core.programs import indicators

    first, last = indicators.default_years()
    for program in list(indicators.active_programs(session)):
        indicators.refresh_program(
            session=session, program=program, first_year=first, last_year=last
        )
        commit()
