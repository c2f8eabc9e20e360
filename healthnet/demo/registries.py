"""Registry demo data (issue #6): chronic patients under community management.

Residents whose shared health record has primary hypertension (I10) or type 2 diabetes (E11)
diagnosed at a community health centre are enrolled there in the national programme
(``hypertension`` / ``diabetes``) by that centre's demo doctor, who also becomes their contracted
family doctor. Their quarterly follow-ups since enrolment are recorded through the program
engine itself — the rules run, so BMI, the control class and two-week re-visits come out as they
would for a real doctor — and about one resident in six has missed the latest visit, so the work
lists show overdue follow-ups. Finally the family doctors are told of their patients' recent
visits elsewhere (chronic-patient handover, B3) through the same code ingestion uses.

Deterministic per seed (one ``random.Random`` per resident and programme); residents already
enrolled are skipped, so a second run adds nothing.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from healthnet.core.auth.models import User
from healthnet.core.codes import service as codes
from healthnet.core.errors import NotFound
from healthnet.core.localtime import local_today
from healthnet.core.orgs.enums import InstitutionKind
from healthnet.core.orgs.models import Institution
from healthnet.core.patients import service as patients
from healthnet.core.patients.models import Person
from healthnet.core.patients.schemas import PersonUpdate
from healthnet.core.programs import service as programs
from healthnet.core.programs.models import EVENT_SCHEDULED, Enrolment, Event, Program
from healthnet.core.programs.schemas import EnrolmentCreate, EventCreate
from healthnet.core.rbac.service import actor_for
from healthnet.demo.residents import DEMO_ACTOR
from healthnet.modules.records import handover
from healthnet.modules.records.models import Diagnosis, Encounter

# programme code → ICD-10 category whose diagnosis at a community centre enrols the resident
PROGRAMMES = (("hypertension", "I10"), ("diabetes", "E11"))
# at most this many residents per programme: enough to fill the lists and the indicators
# without making `make run` wait for thousands of rule-checked follow-ups
PER_PROGRAMME = 120
FOLLOWUP = "followup"
MISSED_SHARE = 1 / 6


@dataclass(frozen=True)
class Candidate:
    person_id: str
    institution_id: str
    diagnosed_on: date
    icd10_code: str


def load_registries(*, session: Session, seed: int, commit: Callable[[], None]) -> int:
    """Enrol the demo's chronic patients and record their follow-ups; returns the enrolments
    created (0 when everything was in place already)."""
    doctors = _community_doctors(session)
    if not doctors or not _icd10_loaded(session):
        return 0  # `healthnet setup` loads the code systems the program forms check against
    created = 0
    for code, category in PROGRAMMES:
        program_id = session.scalar(select(Program.id).where(Program.code == code))
        if program_id is None:
            continue
        enrolled = set(
            session.scalars(select(Enrolment.person_id).where(Enrolment.program_id == program_id))
        )
        for cand in _candidates(session, category, list(doctors))[:PER_PROGRAMME]:
            if cand.person_id in enrolled:
                continue
            doctor = doctors[cand.institution_id]
            contracted = session.scalar(
                select(Person.family_doctor_user_id).where(Person.id == cand.person_id)
            )
            if contracted not in (None, doctor.id):
                continue  # under another centre's care already
            rng = random.Random(f"registry:{seed}:{code}:{cand.person_id}")
            _enrol_with_followups(session, code, cand, doctor, rng)
            created += 1
            if created % 20 == 0:
                commit()
    commit()
    if created:
        _hand_over_recent_visits(session)
        commit()
    return created


def _icd10_loaded(session: Session) -> bool:
    try:
        return codes.find(session=session, system="icd10", code="I10") is not None
    except NotFound:
        return False


def _community_doctors(session: Session) -> dict[str, User]:
    """Institution id → the demo doctor account (``doctor_<code>``) of each community centre."""
    rows = session.execute(
        select(Institution.id, User)
        .join(User, User.institution_id == Institution.id)
        .where(
            Institution.kind == InstitutionKind.COMMUNITY_HEALTH_CENTRE.value,
            User.username.like("doctor\\_%", escape="\\"),
        )
        .order_by(Institution.code)
    )
    return {inst_id: user for inst_id, user in rows}


def _candidates(session: Session, category: str, institution_ids: list[str]) -> list[Candidate]:
    """Residents with a diagnosis of ``category`` at a community centre: the centre and day of
    their first such diagnosis (ordered by person for determinism)."""
    first = (
        select(
            Diagnosis.person_id,
            func.min(Diagnosis.recorded_at).label("first_at"),
        )
        .where(
            Diagnosis.icd10_code.like(f"{category}%"),
            Diagnosis.institution_id.in_(institution_ids),
        )
        .group_by(Diagnosis.person_id)
        .subquery()
    )
    rows = session.execute(
        select(
            Diagnosis.person_id,
            Diagnosis.institution_id,
            Diagnosis.recorded_at,
            Diagnosis.icd10_code,
        )
        .join(
            first,
            (first.c.person_id == Diagnosis.person_id)
            & (first.c.first_at == Diagnosis.recorded_at),
        )
        .join(Person, Person.id == Diagnosis.person_id)
        .where(
            Diagnosis.icd10_code.like(f"{category}%"),
            Diagnosis.institution_id.in_(institution_ids),
            Person.status == "active",
        )
        .order_by(Diagnosis.person_id)
    )
    seen: set[str] = set()
    out = []
    for person_id, institution_id, recorded_at, icd10 in rows:
        if person_id not in seen:
            seen.add(person_id)
            out.append(Candidate(person_id, institution_id, _day(recorded_at), icd10))
    return out


def _who_icd10(code: str) -> str:
    """The WHO ICD-10 code of a national clinical-edition code (``E11.900`` → ``E11.9``,
    ``I10.x00`` → ``I10``): the program forms check codes against the WHO edition."""
    if len(code) >= 5 and code[3] == "." and code[4].isdigit():
        return code[:5]
    return code[:3]


def _day(at: datetime) -> date:
    return at.date()


def _enrol_with_followups(
    session: Session, code: str, cand: Candidate, doctor: User, rng: random.Random
) -> None:
    person = session.get(Person, cand.person_id)
    if person is not None and person.family_doctor_user_id is None:
        # the family-doctor contract (签约) is data the loader brings, like the residents
        patients.update_person(
            session=session,
            actor=DEMO_ACTOR,
            person_id=cand.person_id,
            data=PersonUpdate(family_doctor_user_id=doctor.id),
        )
    actor = actor_for(session=session, user=doctor)
    today = local_today()
    enrolled_on = min(cand.diagnosed_on, today)
    height = round(rng.gauss(163, 8), 1)
    values: dict[str, object] = {
        "diagnosis": _who_icd10(cand.icd10_code),
        "diagnosed_on": cand.diagnosed_on.isoformat(),
        "diagnosing_org": cand.institution_id,
        "detection": "1",
        "height_cm": min(max(height, 140.0), 195.0),
    }
    if code == "hypertension":
        values.update(baseline_sbp=rng.randint(145, 175), baseline_dbp=rng.randint(88, 102))
    else:
        values.update(baseline_fbg=round(rng.uniform(7.2, 11.5), 1))
    saved = programs.enrol(
        session=session,
        actor=actor,
        program_code=code,
        data=EnrolmentCreate(
            person_id=cand.person_id,
            assigned_user_id=doctor.id,
            enrolled_on=enrolled_on,
            values=values,
        ),
    )
    weight = round(rng.gauss(68, 10), 1)
    misses_last = rng.random() < MISSED_SHARE
    enrolment_id = saved.enrolment.id
    while True:
        due = _next_due(session, enrolment_id)
        if due is None or due > today:
            break
        if misses_last and due + timedelta(days=90) > today:
            break  # the latest visit is overdue: it stays on the work list
        event_on = min(due + timedelta(days=rng.randint(-10, 12)), today)
        event_on = max(event_on, enrolled_on)
        programs.record_event(
            session=session,
            actor=actor,
            enrolment_id=enrolment_id,
            data=EventCreate(
                stage=FOLLOWUP,
                event_on=event_on,
                values=_followup_values(code, rng, weight),
            ),
        )


def _next_due(session: Session, enrolment_id: str) -> date | None:
    return session.scalar(
        select(func.min(Event.due_on)).where(
            Event.enrolment_id == enrolment_id,
            Event.stage == FOLLOWUP,
            Event.status == EVENT_SCHEDULED,
        )
    )


def _followup_values(code: str, rng: random.Random, weight: float) -> dict[str, object]:
    """A plausible visit: most patients controlled, some not (the rules then schedule a
    two-week re-visit), a few with an adverse reaction."""
    controlled = rng.random() < 0.7
    values: dict[str, object] = {
        "followup_mode": rng.choice("1112"),
        "weight_kg": round(weight + rng.uniform(-1.5, 1.5), 1),
        "adherence": "1" if controlled else rng.choice("12"),
        "exercise_times_week": rng.randint(0, 7),
    }
    if code == "hypertension":
        sbp = rng.randint(118, 138) if controlled else rng.randint(142, 168)
        values.update(
            sbp=sbp, dbp=min(rng.randint(70, 88) if controlled else rng.randint(90, 100), sbp - 20)
        )
    else:
        values.update(
            sbp=rng.randint(115, 138),
            dbp=rng.randint(68, 86),
            fbg=round(rng.uniform(5.2, 6.9) if controlled else rng.uniform(7.1, 10.5), 1),
        )
    if rng.random() < 0.04:
        values.update(adverse_reaction=True, adverse_reaction_detail="轻度头晕，已调整用药时间")
    return values


def _hand_over_recent_visits(session: Session) -> None:
    """Tell the new family doctors of their patients' visits elsewhere in the handover window."""
    since = datetime.now().astimezone() - handover.WINDOW
    rows = session.scalars(
        select(Encounter)
        .join(Person, Person.id == Encounter.person_id)
        .where(Person.family_doctor_user_id.is_not(None), Encounter.start_at >= since)
    )
    for encounter in rows:
        handover.on_encounter(session=session, encounter=encounter)
