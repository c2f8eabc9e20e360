"""Rows → API shapes. Identifier values are masked unless the caller holds
``patients:identifier:read_full``."""

from __future__ import annotations

from sqlalchemy.orm import Session

from healthnet.core.patients.identifiers import (
    IdentifierType,
    mask,
)
from healthnet.core.patients.models import (
    Identifier,
    LinkEvent,
    MatchCandidate,
    Person,
)
from healthnet.core.patients.schemas import (
    CandidateRead,
    FamilyDoctorRead,
    IdentifierRead,
    LinkEventRead,
    PersonRead,
    RegistrationRead,
)
from healthnet.core.patients.service._base import (
    FULL_ID_PERMISSION,
    CandidatePage,
    PersonPage,
    Registration,
    _get_person,
)
from healthnet.core.patients.service.family_doctor import family_doctor_for_display
from healthnet.core.rbac.actor import Actor
from healthnet.core.schemas import Page

# ---------------------------------------------------------------- presenting


def _identifier_read(row: Identifier, full: bool) -> IdentifierRead:
    value = row.value if full else mask(row.value)
    return IdentifierRead(
        id=row.id,
        type=IdentifierType(row.id_type),
        value=value,
        masked=not full,
        issuer=row.issuer,
        institution_id=row.institution_id,
        active=row.active,
        created_at=row.created_at,
    )


def present_identifier(*, actor: Actor, identifier: Identifier) -> IdentifierRead:
    return _identifier_read(identifier, actor.can(FULL_ID_PERMISSION))


def present_person(*, actor: Actor, person: Person, session: Session | None = None) -> PersonRead:
    """With ``session`` the family doctor is filled in too (the detail page; lists leave it
    out rather than look up one account per row)."""
    full = actor.can(FULL_ID_PERMISSION)
    doctor = family_doctor_for_display(session, person) if session is not None else None
    return PersonRead.model_validate(
        {
            "id": person.id,
            "master_id": person.master_id,
            "name": person.name,
            "sex_code": person.sex_code,
            "birth_date": person.birth_date,
            "phone": person.phone,
            "address": person.address,
            "district_code": person.district_code,
            "ethnicity_code": person.ethnicity_code,
            "status": person.status,
            "merged_into_id": person.merged_into_id,
            "identifiers": [_identifier_read(i, full) for i in person.identifiers],
            "family_doctor": None if doctor is None else FamilyDoctorRead(**vars(doctor)),
            "created_at": person.created_at,
            "updated_at": person.updated_at,
        }
    )


def present_registration(*, actor: Actor, registration: Registration) -> RegistrationRead:
    return RegistrationRead(
        created=registration.created,
        person=present_person(actor=actor, person=registration.person),
        review_candidates=len(registration.candidates),
    )


def present_persons(*, actor: Actor, page: PersonPage) -> Page[PersonRead]:
    return Page[PersonRead](
        items=[present_person(actor=actor, person=p) for p in page.items],
        total=page.total,
        page=page.page,
        page_size=page.page_size,
    )


def present_candidates(
    *, session: Session, actor: Actor, page: CandidatePage
) -> Page[CandidateRead]:
    items = []
    for c in page.items:
        a = _get_person(session, actor, c.person_a_id)
        b = _get_person(session, actor, c.person_b_id)
        items.append(
            CandidateRead.model_validate(
                {
                    "id": c.id,
                    "score": c.score,
                    "band": c.band,
                    "agreeing": list(c.agreeing),
                    "status": c.status,
                    "person_a": present_person(actor=actor, person=a),
                    "person_b": present_person(actor=actor, person=b),
                    "reviewed_by": c.reviewed_by,
                    "reviewed_at": c.reviewed_at,
                    "review_note": c.review_note,
                    "created_at": c.created_at,
                }
            )
        )
    return Page[CandidateRead](
        items=items, total=page.total, page=page.page, page_size=page.page_size
    )


def present_candidate(
    *, session: Session, actor: Actor, candidate: MatchCandidate
) -> CandidateRead:
    page = CandidatePage([candidate], 1, 1, 1)
    return present_candidates(session=session, actor=actor, page=page).items[0]


def present_events(
    *, session: Session, actor: Actor, events: list[LinkEvent]
) -> list[LinkEventRead]:
    full = actor.can(FULL_ID_PERMISSION)
    out = []
    for e in events:
        ids = (
            [e.identifier_id]
            if e.identifier_id
            else [str(i) for i in e.snapshot.get("identifierIds", [])]
        )
        rows = [r for r in (session.get(Identifier, i) for i in ids) if r is not None]
        out.append(
            LinkEventRead.model_validate(
                {
                    "id": e.id,
                    "kind": e.kind,
                    "person_id": e.person_id,
                    "other_person_id": e.other_person_id,
                    "identifiers": [_identifier_read(r, full) for r in rows],
                    "actor_user_id": e.actor_user_id,
                    "actor_username": e.actor_username,
                    "reason": e.reason,
                    "undone_by_id": e.undone_by_id,
                    "undoes_id": e.snapshot.get("undoes"),
                    "created_at": e.created_at,
                }
            )
        )
    return out
