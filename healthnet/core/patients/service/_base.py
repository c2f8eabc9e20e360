"""Shared parts of the patient-index service: constants, normal forms, lookups, events."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from healthnet.core.audit import service as audit
from healthnet.core.audit.context import AuditContext
from healthnet.core.crypto import blind_index
from healthnet.core.db import utcnow
from healthnet.core.errors import Conflict, NotFound, ValidationFailed
from healthnet.core.localtime import local_today
from healthnet.core.orgs import service as orgs
from healthnet.core.patients import messages as _messages  # noqa: F401  (registers the catalogue)
from healthnet.core.patients.identifiers import (
    GB11643_TYPES,
    ISSUER_COUNTRY_REQUIRED,
    ISSUER_INSTITUTION_REQUIRED,
    IdentifierProblem,
    IdentifierType,
    ResidentIdInfo,
    index_input,
    normalise_country,
    normalise_identifier,
    normalise_name,
    normalise_phone,
    parse_resident_id,
)
from healthnet.core.patients.matching import Demographics
from healthnet.core.patients.models import (
    STATUS_ACTIVE,
    STATUS_MERGED,
    CareGrant,
    Identifier,
    LinkEvent,
    MatchCandidate,
    Person,
)
from healthnet.core.patients.schemas import (
    IdentifierIn,
)
from healthnet.core.rbac.actor import SCOPE_CITY, SCOPE_DISTRICT, SCOPE_INSTITUTION, Actor
from healthnet.core.rbac.scope import (
    creator_institution,
    in_scope,
    institution_of_user,
    scope_condition,
)

FULL_ID_PERMISSION = "patients:identifier:read_full"
# How many people one registration is compared with at most. A name + birth date or a phone
# shared by more people than this is a data problem (a clinic's phone typed for everyone), and
# comparing with all of them would flood the review list.
MAX_MATCH_PEERS = 50
_MAX_MERGE_CHAIN = 64
_NAME_PURPOSE = "patients.person.name"
_PHONE_PURPOSE = "patients.person.phone"


@dataclass
class Registration:
    """What :func:`register_person` did: ``created`` is false when an identifier was known."""

    person: Person
    created: bool
    candidates: list[MatchCandidate] = field(default_factory=list)


@dataclass(frozen=True)
class PersonPage:
    items: list[Person]
    total: int
    page: int
    page_size: int


@dataclass(frozen=True)
class CandidatePage:
    items: list[MatchCandidate]
    total: int
    page: int
    page_size: int


@dataclass(frozen=True)
class _Ident:
    """An identifier validated, normalised and blind-indexed, ready to store or look up."""

    id_type: IdentifierType
    value: str
    issuer: str | None
    institution_id: str | None
    index: str
    field: str  # where it came from in the request, for error messages


# ---------------------------------------------------------------- normalising


def _name_index(name: str) -> str:
    return blind_index(normalise_name(name), purpose=_NAME_PURPOSE)


def _phone_index(phone: str | None) -> str | None:
    return None if phone is None else blind_index(normalise_phone(phone), purpose=_PHONE_PURPOSE)


def _identifier_index(id_type: IdentifierType, value: str, issuer_key: str | None) -> str:
    return blind_index(
        index_input(id_type, value, issuer_key), purpose=f"patients.identifier.{id_type.value}"
    )


def _prepare(
    session: Session,
    *,
    id_type: IdentifierType,
    value: str,
    issuer: str | None,
    institution_id: str | None,
    field_prefix: str,
    value_field: str = "value",
) -> _Ident:
    def where(name: str) -> str:
        return f"{field_prefix}.{name}" if field_prefix else name

    try:
        value = normalise_identifier(id_type, value, today=local_today())
    except IdentifierProblem as p:
        raise ValidationFailed.field(where(value_field), p.code) from None
    issuer_key: str | None = None
    if id_type in ISSUER_COUNTRY_REQUIRED:
        if not issuer:
            raise ValidationFailed.field(where("issuer"), "patients.issuer_country_required")
        try:
            issuer = issuer_key = normalise_country(issuer)
        except IdentifierProblem as p:
            raise ValidationFailed.field(where("issuer"), p.code) from None
    if id_type in ISSUER_INSTITUTION_REQUIRED:
        if not institution_id:
            raise ValidationFailed.field(where("institutionId"), "patients.institution_required")
        try:
            orgs.get_institution(session=session, institution_id=institution_id)
        except NotFound:
            raise ValidationFailed.field(
                where("institutionId"), "patients.institution_unknown"
            ) from None
        issuer_key = institution_id
    else:
        institution_id = None
    return _Ident(
        id_type,
        value,
        issuer,
        institution_id,
        _identifier_index(id_type, value, issuer_key),
        where(value_field),
    )


def _prepare_in(session: Session, data: IdentifierIn, field_prefix: str) -> _Ident:
    return _prepare(
        session,
        id_type=data.type,
        value=data.value,
        issuer=data.issuer,
        institution_id=data.institution_id,
        field_prefix=field_prefix,
    )


def _gb11643(ident: _Ident) -> ResidentIdInfo | None:
    if ident.id_type not in GB11643_TYPES:
        return None
    return parse_resident_id(
        ident.value, today=local_today(), hmt=ident.id_type is IdentifierType.HMT_RESIDENCE_PERMIT
    )


def _stored_gb11643(person: Person) -> ResidentIdInfo | None:
    for ident in person.identifiers:
        if ident.active and ident.id_type in GB11643_TYPES:
            return parse_resident_id(
                ident.value,
                today=local_today(),
                hmt=ident.id_type == IdentifierType.HMT_RESIDENCE_PERMIT.value,
            )
    return None


# ---------------------------------------------------------------- lookups


def _active_identifier(session: Session, id_type: IdentifierType, index: str) -> Identifier | None:
    return session.scalar(
        select(Identifier).where(
            Identifier.id_type == id_type.value,
            Identifier.value_index == index,
            Identifier.active.is_(True),
        )
    )


def _survivor(session: Session, person: Person) -> Person:
    """Follow merged_into to the record that is in use now."""
    for _ in range(_MAX_MERGE_CHAIN):
        if person.status != STATUS_MERGED or person.merged_into_id is None:
            return person
        nxt = session.get(Person, person.merged_into_id)
        if nxt is None:
            return person
        person = nxt
    return person


# ---------------------------------------------------------------- data scope
# A resident belongs to the district they live in and to the institution whose staff registered
# them (the registrar's institution); the registrar always sees them (healthnet.core.rbac.scope),
# and so does their contracted family doctor (签约家庭医生), whatever the doctor's data scope.


def scope_persons(stmt: Select[Any], actor: Actor) -> Select[Any]:
    """``stmt`` (over Person) limited to the residents in ``actor``'s data scope."""
    cond = scope_condition(
        actor,
        institution_column=creator_institution(Person.created_by),
        district_column=Person.district_code,
        owner_column=Person.created_by,
    )
    if cond is None:
        return stmt
    cond = or_(cond, Person.family_doctor_user_id == actor.user_id)
    institution = _grant_institution(actor)
    if institution is not None:
        # an open care grant of the caller's institution (decision 0018)
        granted = select(CareGrant.person_id).where(
            CareGrant.institution_id == institution, CareGrant.ended_at.is_(None)
        )
        cond = or_(cond, Person.id.in_(granted))
    return stmt.where(cond)


def person_in_scope(session: Session, actor: Actor, person: Person) -> bool:
    if SCOPE_CITY in actor.scopes or person.family_doctor_user_id == actor.user_id:
        return True
    return in_scope(
        actor,
        session=session,
        institution_id=institution_of_user(session=session, user_id=person.created_by),
        district_code=person.district_code,
        owner_id=person.created_by,
    ) or has_care_grant(session, actor, person.id)


# An institution that takes care of a resident outside that scope (a registrant who moved to a
# community in another district) holds an open care grant for them (service/care.py, decision
# 0018): its staff see the resident as if registered there.


def _grant_institution(actor: Actor) -> str | None:
    """The institution whose care grants count for ``actor`` (staff with an institution or
    district scope; not residents, whose scope is their own record)."""
    if actor.institution_id and actor.scopes & {SCOPE_INSTITUTION, SCOPE_DISTRICT}:
        return actor.institution_id
    return None


def has_care_grant(session: Session, actor: Actor, person_id: str) -> bool:
    institution = _grant_institution(actor)
    if institution is None:
        return False
    found = session.scalar(
        select(CareGrant.id)
        .where(
            CareGrant.institution_id == institution,
            CareGrant.person_id == person_id,
            CareGrant.ended_at.is_(None),
        )
        .limit(1)
    )
    return found is not None


def _load_person(session: Session, person_id: str) -> Person:
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound("patients.person_not_found")
    return person


def _get_person(session: Session, actor: Actor, person_id: str) -> Person:
    person = _load_person(session, person_id)
    if not person_in_scope(session, actor, person):
        raise NotFound("patients.person_not_found")
    return person


def get_person(
    *, session: Session, actor: Actor, person_id: str, request: AuditContext | None = None
) -> Person:
    """The record with this platform id, whatever its status (a merged record names its
    survivor in ``merged_into_id``). Outside ``actor``'s data scope it is "not found", the
    same answer as for an unknown id. Audited as ``patients.person.read``."""
    person = _get_person(session, actor, person_id)
    audit_event(
        session,
        actor,
        "patients.person.read",
        person_id=person.id,
        resource_id=person.id,
        request=request,
    )
    return person


def audit_event(
    session: Session,
    actor: Actor,
    action: str,
    *,
    person_id: str | None,
    request: AuditContext | None,
    resource_type: str = "patients.person",
    resource_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """One audit record in the caller's transaction (SECURITY.md: every read or change of
    health data is audited). Ids and codes only in ``detail``, never names or ID numbers.
    Called as the last step of each service function: it holds the chain lock until commit."""
    audit.record(
        session=session,
        actor=actor,
        action=action,
        resource_type=resource_type,
        resource_id=resource_id,
        patient_id=person_id,
        detail=detail,
        request=request,
    )


def _active_person(session: Session, person_id: str, actor: Actor) -> Person:
    person = _get_person(session, actor, person_id)
    if person.status != STATUS_ACTIVE:
        raise Conflict("patients.person_merged", master_id=_survivor(session, person).master_id)
    return person


# ---------------------------------------------------------------- events and shared rules

_last_event_at = datetime.min.replace(tzinfo=UTC)
_event_clock = threading.Lock()


def _event_time() -> datetime:
    """Strictly increasing within the process, so one request's events keep their order in
    :func:`history` even when the clock does not advance between two of them."""
    global _last_event_at
    with _event_clock:
        now = utcnow()
        if now <= _last_event_at:
            now = _last_event_at + timedelta(microseconds=1)
        _last_event_at = now
        return now


def _event(
    session: Session,
    actor: Actor,
    kind: str,
    person: Person,
    *,
    other: Person | None = None,
    identifier: Identifier | None = None,
    reason: str | None = None,
    snapshot: dict[str, Any] | None = None,
) -> LinkEvent:
    event = LinkEvent(
        kind=kind,
        person_id=person.id,
        other_person_id=other.id if other else None,
        identifier_id=identifier.id if identifier else None,
        actor_user_id=actor.user_id[:32],
        actor_username=actor.username[:64],
        reason=reason,
        snapshot=snapshot or {},
        created_at=_event_time(),
    )
    session.add(event)
    return event


def _check_against_id_card(
    info: ResidentIdInfo,
    birth_date: date | None,
    sex_code: str | None,
    *,
    birth_field: str,
    sex_field: str,
) -> None:
    """GB 11643: the birth date and the sex read from the number must agree with those given."""
    if birth_date is not None and birth_date != info.birth_date:
        raise ValidationFailed.field(birth_field, "patients.birth_date_mismatch")
    if sex_code in ("1", "2") and sex_code != info.sex_code:
        raise ValidationFailed.field(sex_field, "patients.sex_mismatch")


def _demographics(person: Person, resident_id_index: str | None) -> Demographics:
    return Demographics(
        person.name_index, person.birth_date, person.sex_code, person.phone_index, resident_id_index
    )


def _resident_id_indexes(session: Session, person_ids: Iterable[str]) -> dict[str, str]:
    ids = list(person_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(Identifier.person_id, Identifier.value_index).where(
            Identifier.person_id.in_(ids),
            Identifier.active.is_(True),
            Identifier.id_type == IdentifierType.RESIDENT_ID_CARD.value,
        )
    )
    return {pid: index for pid, index in rows}


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)
