"""The master patient index: every rule about residents, their identifiers, duplicates, merges.

Public API for other slices and modules (keep the names stable):
:func:`register_person`, :func:`get_person`, :func:`find_by_identifier`, :func:`search`,
:func:`update_person`, :func:`add_identifier`, :func:`unlink_identifier`, :func:`merge`,
:func:`unmerge`, :func:`list_candidates`, :func:`dismiss_candidate`, :func:`history`.
The ``present_*`` functions turn rows into API shapes, masking identifier values for callers
without ``patients:identifier:read_full``.

Matching rules: :mod:`healthnet.core.patients.matching`. Reads of patient data are not audited
here yet: the audited accessor arrives with the identity issue and will wrap these functions.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from healthnet.core.auth.service import Actor
from healthnet.core.crypto import blind_index
from healthnet.core.db import utcnow
from healthnet.core.errors import Conflict, NotFound, RuleViolation, ValidationFailed
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
    local_today,
    mask,
    normalise_country,
    normalise_identifier,
    normalise_name,
    normalise_phone,
    parse_resident_id,
)
from healthnet.core.patients.matching import Band, Demographics, score
from healthnet.core.patients.models import (
    CANDIDATE_DISMISSED,
    CANDIDATE_MERGED,
    CANDIDATE_OPEN,
    EVENT_LINK,
    EVENT_MERGE,
    EVENT_REGISTER,
    EVENT_UNLINK,
    EVENT_UNMERGE,
    STATUS_ACTIVE,
    STATUS_MERGED,
    Identifier,
    LinkEvent,
    MatchCandidate,
    Person,
)
from healthnet.core.patients.schemas import (
    CandidateQuery,
    CandidateRead,
    IdentifierIn,
    IdentifierRead,
    LinkEventRead,
    PersonCreate,
    PersonRead,
    PersonSearch,
    PersonUpdate,
    RegistrationRead,
)
from healthnet.core.schemas import Page

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
    return blind_index(index_input(id_type, value, issuer_key),
                       purpose=f"patients.identifier.{id_type.value}")


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
            raise ValidationFailed.field(where("institutionId"),
                                         "patients.institution_unknown") from None
        issuer_key = institution_id
    else:
        institution_id = None
    return _Ident(id_type, value, issuer, institution_id,
                  _identifier_index(id_type, value, issuer_key), where(value_field))


def _prepare_in(session: Session, data: IdentifierIn, field_prefix: str) -> _Ident:
    return _prepare(session, id_type=data.type, value=data.value, issuer=data.issuer,
                    institution_id=data.institution_id, field_prefix=field_prefix)


def _gb11643(ident: _Ident) -> ResidentIdInfo | None:
    if ident.id_type not in GB11643_TYPES:
        return None
    return parse_resident_id(ident.value, today=local_today(),
                             hmt=ident.id_type is IdentifierType.HMT_RESIDENCE_PERMIT)


def _stored_gb11643(person: Person) -> ResidentIdInfo | None:
    for ident in person.identifiers:
        if ident.active and ident.id_type in GB11643_TYPES:
            return parse_resident_id(
                ident.value, today=local_today(),
                hmt=ident.id_type == IdentifierType.HMT_RESIDENCE_PERMIT.value)
    return None


# ---------------------------------------------------------------- lookups


def _active_identifier(session: Session, id_type: IdentifierType, index: str) -> Identifier | None:
    return session.scalar(select(Identifier).where(
        Identifier.id_type == id_type.value, Identifier.value_index == index,
        Identifier.active.is_(True)))


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


def get_person(*, session: Session, person_id: str) -> Person:
    """The record with this platform id, whatever its status (a merged record names its
    survivor in ``merged_into_id``)."""
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound("patients.person_not_found")
    return person


def _active_person(session: Session, person_id: str) -> Person:
    person = get_person(session=session, person_id=person_id)
    if person.status != STATUS_ACTIVE:
        raise Conflict("patients.person_merged",
                       master_id=_survivor(session, person).master_id)
    return person


def find_by_identifier(
    *,
    session: Session,
    id_type: IdentifierType | str,
    value: str,
    issuer: str | None = None,
    institution_id: str | None = None,
) -> Person | None:
    """The resident holding this identifier — the survivor if that record was merged — or None.

    Invalid input raises ValidationFailed naming ``idType``/``idValue``/``issuer``.
    """
    try:
        kind = IdentifierType(id_type)
    except ValueError:
        raise ValidationFailed.field("idType", "field.invalid") from None
    ident = _prepare(session, id_type=kind, value=value, issuer=issuer,
                     institution_id=institution_id, field_prefix="", value_field="idValue")
    row = _active_identifier(session, kind, ident.index)
    return None if row is None else _survivor(session, row.person)


def search(*, session: Session, query: PersonSearch) -> PersonPage:
    """By one identifier (0 or 1 result: the survivor), or by exact name + birth date through
    the name blind index (active records only), paged."""
    if query.id_type is not None and query.id_value:
        person = find_by_identifier(session=session, id_type=query.id_type,
                                    value=query.id_value, issuer=query.issuer,
                                    institution_id=query.institution_id)
        items = [person] if person is not None and query.page == 1 else []
        return PersonPage(items, int(person is not None), query.page, query.page_size)
    assert query.name is not None and query.birth_date is not None  # checked by the schema
    try:
        name_index = _name_index(query.name)
    except IdentifierProblem as p:
        raise ValidationFailed.field("name", p.code) from None
    where = and_(Person.name_index == name_index, Person.birth_date == query.birth_date,
                 Person.status == STATUS_ACTIVE)
    total = session.scalar(select(func.count()).select_from(Person).where(where)) or 0
    rows = session.scalars(
        select(Person).where(where).order_by(Person.created_at, Person.id)
        .offset((query.page - 1) * query.page_size).limit(query.page_size)
        .options(selectinload(Person.identifiers))
    ).all()
    return PersonPage(list(rows), total, query.page, query.page_size)


# ---------------------------------------------------------------- writing


def _luhn_digit(digits: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return str((10 - total % 10) % 10)


def _new_master_id(session: Session) -> str:
    """``HN`` + 11 random digits + a Luhn check digit: readable over the phone, a typo is caught,
    and the number says nothing about when or where someone registered."""
    for _ in range(20):
        digits = f"{secrets.randbelow(10**11):011d}"
        master_id = f"HN{digits}{_luhn_digit(digits)}"
        if session.scalar(select(Person.id).where(Person.master_id == master_id)) is None:
            return master_id
    raise RuntimeError("could not draw a free master id")  # 20 collisions in 10^11: impossible


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
    event = LinkEvent(kind=kind, person_id=person.id,
                      other_person_id=other.id if other else None,
                      identifier_id=identifier.id if identifier else None,
                      actor_user_id=actor.user_id[:32], actor_username=actor.username[:64],
                      reason=reason, snapshot=snapshot or {}, created_at=_event_time())
    session.add(event)
    return event


def _link(
    session: Session, actor: Actor, person: Person, ident: _Ident, reason: str | None = None
) -> Identifier:
    row = Identifier(person=person, id_type=ident.id_type.value, value=ident.value,
                     value_index=ident.index, issuer=ident.issuer,
                     institution_id=ident.institution_id, active=True, created_at=utcnow())
    session.add(row)
    session.flush()
    _event(session, actor, EVENT_LINK, person, identifier=row, reason=reason)
    return row


def _check_against_id_card(
    info: ResidentIdInfo, birth_date: date | None, sex_code: str | None, *,
    birth_field: str, sex_field: str,
) -> None:
    """GB 11643: the birth date and the sex read from the number must agree with those given."""
    if birth_date is not None and birth_date != info.birth_date:
        raise ValidationFailed.field(birth_field, "patients.birth_date_mismatch")
    if sex_code in ("1", "2") and sex_code != info.sex_code:
        raise ValidationFailed.field(sex_field, "patients.sex_mismatch")


def _prepare_all(session: Session, items: Sequence[IdentifierIn]) -> list[_Ident]:
    idents: list[_Ident] = []
    seen: set[tuple[IdentifierType, str]] = set()
    gb_seen = False
    for n, item in enumerate(items):
        ident = _prepare_in(session, item, f"identifiers[{n}]")
        if (ident.id_type, ident.index) in seen:
            raise ValidationFailed.field(f"identifiers[{n}]", "patients.identifier_duplicated")
        if ident.id_type in GB11643_TYPES:
            if gb_seen:
                raise ValidationFailed.field(ident.field, "patients.second_resident_id")
            gb_seen = True
        seen.add((ident.id_type, ident.index))
        idents.append(ident)
    return idents


def register_person(*, session: Session, actor: Actor, data: PersonCreate) -> Registration:
    """Register a resident, or return the one who already holds an identifier sent.

    Same identifier → same person: when any identifier is already linked, that resident is
    returned, the other identifiers sent are linked to them, and empty fields (phone, address,
    district, ethnicity, unknown birth date or sex) are filled in; fields already recorded are
    not overwritten (use :func:`update_person`). Otherwise a new resident is created and
    compared with others by the scoring rules; pairs that score ≥ 0.60 go to the review list.
    """
    idents = _prepare_all(session, data.identifiers)
    birth_date: date | None = data.birth_date
    sex_code: str | None = data.sex_code
    for ident in idents:
        info = _gb11643(ident)
        if info is not None:
            _check_against_id_card(info, birth_date, sex_code,
                                   birth_field="birthDate", sex_field="sexCode")
            birth_date, sex_code = info.birth_date, info.sex_code
    sex = sex_code or "0"

    existing = _holder(session, idents)
    if existing is None:
        try:
            with session.begin_nested():
                return _create(session, actor, data, idents, birth_date, sex)
        except IntegrityError:
            # Another request linked one of these identifiers at the same moment (the partial
            # unique index said so): that resident is the one.
            existing = _holder(session, idents)
            if existing is None:
                raise
    return _register_existing(session, actor, existing, data, idents, birth_date, sex)


def _holder(session: Session, idents: Iterable[_Ident]) -> Person | None:
    holders: dict[str, Person] = {}
    for ident in idents:
        row = _active_identifier(session, ident.id_type, ident.index)
        if row is not None:
            person = _survivor(session, row.person)
            holders[person.id] = person
    if len(holders) > 1:
        raise Conflict("patients.identifiers_split",
                       master_ids="、".join(sorted(p.master_id for p in holders.values())))
    return next(iter(holders.values()), None)


def _create(
    session: Session, actor: Actor, data: PersonCreate, idents: list[_Ident],
    birth_date: date | None, sex_code: str,
) -> Registration:
    person = Person(
        master_id=_new_master_id(session), name=data.name, name_index=_name_index(data.name),
        sex_code=sex_code, birth_date=birth_date, phone=data.phone,
        phone_index=_phone_index(data.phone), address=data.address,
        district_code=data.district_code, ethnicity_code=data.ethnicity_code,
        status=STATUS_ACTIVE, created_by=actor.user_id[:32], identifiers=[],
    )
    session.add(person)
    session.flush()
    _event(session, actor, EVENT_REGISTER, person)
    for ident in idents:
        _link(session, actor, person, ident)
    candidates = _match(session, person)
    return Registration(person, True, candidates)


def _register_existing(
    session: Session, actor: Actor, person: Person, data: PersonCreate, idents: list[_Ident],
    birth_date: date | None, sex_code: str,
) -> Registration:
    stored = _stored_gb11643(person)
    new_links: list[_Ident] = []
    for ident in idents:
        if _active_identifier(session, ident.id_type, ident.index) is not None:
            continue
        info = _gb11643(ident)
        if info is not None:
            if stored is not None:
                raise Conflict("patients.second_resident_id")
            _check_against_id_card(info, person.birth_date, person.sex_code,
                                   birth_field=ident.field, sex_field=ident.field)
        new_links.append(ident)
    for ident in new_links:
        _link(session, actor, person, ident)

    changed = False
    if person.birth_date is None and birth_date is not None:
        person.birth_date, changed = birth_date, True
    if person.sex_code not in ("1", "2") and sex_code in ("1", "2"):
        person.sex_code, changed = sex_code, True
    if person.phone is None and data.phone is not None:
        person.phone, person.phone_index, changed = data.phone, _phone_index(data.phone), True
    for attr in ("address", "district_code", "ethnicity_code"):
        if getattr(person, attr) is None and getattr(data, attr) is not None:
            setattr(person, attr, getattr(data, attr))
    session.flush()
    candidates = _match(session, person) if changed else []
    return Registration(person, False, candidates)


def update_person(
    *, session: Session, actor: Actor, person_id: str, data: PersonUpdate
) -> Person:
    """Change the fields sent. Birth date and sex must keep agreeing with the resident's citizen
    ID number; a change to name, birth date, sex or phone re-runs matching."""
    person = _active_person(session, person_id)
    sent = data.model_fields_set
    info = _stored_gb11643(person)
    if info is not None:
        _check_against_id_card(info, data.birth_date if "birth_date" in sent else None,
                               data.sex_code if "sex_code" in sent else None,
                               birth_field="birthDate", sex_field="sexCode")
        if "birth_date" in sent and data.birth_date is None:
            raise ValidationFailed.field("birthDate", "patients.birth_date_mismatch")
    before = (person.name_index, person.birth_date, person.sex_code, person.phone_index)
    if "name" in sent and data.name is not None:
        person.name, person.name_index = data.name, _name_index(data.name)
    if "sex_code" in sent and data.sex_code is not None:
        person.sex_code = data.sex_code
    if "birth_date" in sent:
        person.birth_date = data.birth_date
    if "phone" in sent:
        person.phone, person.phone_index = data.phone, _phone_index(data.phone)
    for attr in ("address", "district_code", "ethnicity_code"):
        if attr in sent:
            setattr(person, attr, getattr(data, attr))
    person.updated_at = utcnow()
    session.flush()
    if before != (person.name_index, person.birth_date, person.sex_code, person.phone_index):
        _match(session, person)
    return person


def add_identifier(
    *, session: Session, actor: Actor, person_id: str, data: IdentifierIn,
    reason: str | None = None,
) -> Identifier:
    """Link one more identifier. Already linked to this resident → returned as is; linked to
    another resident → 409 naming that resident's master id."""
    person = _active_person(session, person_id)
    ident = _prepare_in(session, data, "")
    row = _active_identifier(session, ident.id_type, ident.index)
    if row is not None:
        holder = _survivor(session, row.person)
        if holder.id == person.id:
            return row
        raise Conflict("patients.identifier_taken", master_id=holder.master_id)
    info = _gb11643(ident)
    if info is not None:
        if _stored_gb11643(person) is not None:
            raise Conflict("patients.second_resident_id")
        _check_against_id_card(info, person.birth_date, person.sex_code,
                               birth_field="value", sex_field="value")
        changed = person.birth_date is None or person.sex_code not in ("1", "2")
        person.birth_date, person.sex_code = info.birth_date, info.sex_code
    else:
        changed = False
    try:
        with session.begin_nested():
            row = _link(session, actor, person, ident, reason)
    except IntegrityError:
        raise Conflict("patients.identifier_taken", master_id="-") from None
    if changed:
        _match(session, person)
    return row


def unlink_identifier(
    *, session: Session, actor: Actor, person_id: str, identifier_id: str, reason: str
) -> Identifier:
    """Deactivate a wrongly linked identifier; the row and its history stay."""
    person = _active_person(session, person_id)
    row = session.get(Identifier, identifier_id)
    if row is None or row.person_id != person.id:
        raise NotFound("patients.identifier_not_found")
    if not row.active:
        raise Conflict("patients.identifier_inactive")
    row.active = False
    row.updated_at = utcnow()
    _event(session, actor, EVENT_UNLINK, person, identifier=row, reason=reason)
    session.flush()
    return row


# ---------------------------------------------------------------- matching


def _demographics(person: Person, resident_id_index: str | None) -> Demographics:
    return Demographics(person.name_index, person.birth_date, person.sex_code,
                        person.phone_index, resident_id_index)


def _resident_id_indexes(session: Session, person_ids: Iterable[str]) -> dict[str, str]:
    ids = list(person_ids)
    if not ids:
        return {}
    rows = session.execute(select(Identifier.person_id, Identifier.value_index).where(
        Identifier.person_id.in_(ids), Identifier.active.is_(True),
        Identifier.id_type == IdentifierType.RESIDENT_ID_CARD.value))
    return {pid: index for pid, index in rows}


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


def _match(session: Session, person: Person) -> list[MatchCandidate]:
    """Compare ``person`` with the residents found through the blind indexes (and with those
    of its open candidates, whose scores may have changed) and keep the review list current.
    Returns the open candidates of this person."""
    conditions = []
    if person.birth_date is not None:
        conditions.append(and_(Person.name_index == person.name_index,
                               Person.birth_date == person.birth_date))
    if person.phone_index is not None:
        conditions.append(Person.phone_index == person.phone_index)
    peers: dict[str, Person] = {}
    if conditions:
        for peer in session.scalars(
            select(Person).where(or_(*conditions), Person.id != person.id,
                                 Person.status == STATUS_ACTIVE)
            .order_by(Person.created_at.desc()).limit(MAX_MATCH_PEERS)
        ):
            peers[peer.id] = peer
    existing = {
        _pair(c.person_a_id, c.person_b_id): c
        for c in session.scalars(select(MatchCandidate).where(
            or_(MatchCandidate.person_a_id == person.id,
                MatchCandidate.person_b_id == person.id)))
    }
    for a_id, b_id in existing:
        other_id = b_id if a_id == person.id else a_id
        if other_id not in peers:
            other = session.get(Person, other_id)
            if other is not None and other.status == STATUS_ACTIVE:
                peers[other_id] = other

    id_indexes = _resident_id_indexes(session, [person.id, *peers])
    mine = _demographics(person, id_indexes.get(person.id))
    open_candidates: list[MatchCandidate] = []
    for peer in peers.values():
        result = score(mine, _demographics(peer, id_indexes.get(peer.id)))
        key = _pair(person.id, peer.id)
        candidate = existing.get(key)
        if candidate is not None and candidate.status != CANDIDATE_OPEN:
            continue  # a person already decided about this pair
        if result.band is Band.NO_MATCH:
            if candidate is not None:  # never reviewed and no longer similar
                session.delete(candidate)
            continue
        if candidate is None:
            candidate = MatchCandidate(person_a_id=key[0], person_b_id=key[1],
                                       status=CANDIDATE_OPEN, created_at=utcnow())
            session.add(candidate)
        candidate.score = result.value
        candidate.band = result.band.value
        candidate.agreeing = list(result.agreeing)
        open_candidates.append(candidate)
    session.flush()
    return open_candidates


def list_candidates(*, session: Session, query: CandidateQuery) -> CandidatePage:
    """The review list, highest score first. Open pairs are shown only while both records are
    active (a pair whose member was merged elsewhere reappears if that merge is undone)."""
    person_a, person_b = Person.__table__.alias("pa"), Person.__table__.alias("pb")
    stmt = select(MatchCandidate).where(MatchCandidate.status == query.status)
    if query.band is not None:
        stmt = stmt.where(MatchCandidate.band == query.band)
    if query.status == CANDIDATE_OPEN:
        stmt = (stmt.join(person_a, person_a.c.id == MatchCandidate.person_a_id)
                .join(person_b, person_b.c.id == MatchCandidate.person_b_id)
                .where(person_a.c.status == STATUS_ACTIVE, person_b.c.status == STATUS_ACTIVE))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(
        stmt.order_by(MatchCandidate.score.desc(), MatchCandidate.created_at, MatchCandidate.id)
        .offset((query.page - 1) * query.page_size).limit(query.page_size)
    ).all()
    return CandidatePage(list(rows), total, query.page, query.page_size)


def _get_candidate(session: Session, candidate_id: str) -> MatchCandidate:
    candidate = session.get(MatchCandidate, candidate_id)
    if candidate is None:
        raise NotFound("patients.candidate_not_found")
    return candidate


def dismiss_candidate(
    *, session: Session, actor: Actor, candidate_id: str, note: str | None = None
) -> MatchCandidate:
    """A reviewer decided the pair are different people; it is not suggested again."""
    candidate = _get_candidate(session, candidate_id)
    if candidate.status != CANDIDATE_OPEN:
        raise Conflict("patients.candidate_closed", status=candidate.status)
    candidate.status = CANDIDATE_DISMISSED
    candidate.reviewed_by = actor.user_id[:32]
    candidate.reviewed_at = utcnow()
    candidate.review_note = note
    session.flush()
    return candidate


# ---------------------------------------------------------------- merge and unmerge


def _pair_candidates(session: Session, a: str, b: str) -> list[MatchCandidate]:
    first, second = _pair(a, b)
    return list(session.scalars(select(MatchCandidate).where(
        MatchCandidate.person_a_id == first, MatchCandidate.person_b_id == second)))


def merge(
    *, session: Session, actor: Actor, survivor_id: str, merged_id: str, reason: str
) -> LinkEvent:
    """Merge ``merged_id`` into ``survivor_id``. Explicit and reversible: the merged record's
    active identifiers move to the survivor, the record is kept with status ``merged`` and
    ``merged_into_id``, and the event snapshot names what moved so :func:`unmerge` restores it.
    The survivor's own fields are not changed."""
    if survivor_id == merged_id:
        raise RuleViolation("patients.merge_same_person")
    survivor = _active_person(session, survivor_id)
    merged = _active_person(session, merged_id)
    survivor_id_card = _resident_id_indexes(session, [survivor.id]).get(survivor.id)
    merged_id_card = _resident_id_indexes(session, [merged.id]).get(merged.id)
    if survivor_id_card and merged_id_card and survivor_id_card != merged_id_card:
        raise RuleViolation("patients.merge_conflicting_id_numbers")

    moved = [i for i in merged.identifiers if i.active]
    for ident in moved:
        ident.person = survivor
        ident.updated_at = utcnow()
    merged.status = STATUS_MERGED
    merged.merged_into_id = survivor.id
    merged.updated_at = utcnow()
    now = utcnow()
    closed = []
    for candidate in _pair_candidates(session, survivor.id, merged.id):
        if candidate.status == CANDIDATE_OPEN:
            candidate.status = CANDIDATE_MERGED
            candidate.reviewed_by = actor.user_id[:32]
            candidate.reviewed_at = now
            closed.append(candidate.id)
    event = _event(session, actor, EVENT_MERGE, survivor, other=merged, reason=reason,
                   snapshot={"identifierIds": [i.id for i in moved], "candidateIds": closed})
    session.flush()
    session.expire(survivor, ["identifiers"])
    session.expire(merged, ["identifiers"])
    return event


def unmerge(*, session: Session, actor: Actor, event_id: str, reason: str) -> LinkEvent:
    """Undo a merge exactly: the identifiers it moved go back to the merged record, which is
    active again; identifiers linked to the survivor since then stay with the survivor. The
    pair is marked dismissed on the review list — a person has now said they differ."""
    event = session.get(LinkEvent, event_id)
    if event is None:
        raise NotFound("patients.event_not_found")
    if event.kind != EVENT_MERGE or event.other_person_id is None:
        raise RuleViolation("patients.unmerge_not_a_merge")
    if event.undone_by_id is not None:
        raise Conflict("patients.unmerge_already_done")
    survivor = get_person(session=session, person_id=event.person_id)
    merged = get_person(session=session, person_id=event.other_person_id)
    if survivor.status != STATUS_ACTIVE:
        raise Conflict("patients.unmerge_survivor_merged",
                       master_id=_survivor(session, survivor).master_id)

    moved_ids = [str(i) for i in event.snapshot.get("identifierIds", [])]
    restored = []
    for ident_id in moved_ids:
        ident = session.get(Identifier, ident_id)
        if ident is not None and ident.person_id == survivor.id:
            ident.person = merged
            ident.updated_at = utcnow()
            restored.append(ident.id)
    merged.status = STATUS_ACTIVE
    merged.merged_into_id = None
    merged.updated_at = utcnow()
    now = utcnow()
    for candidate in _pair_candidates(session, survivor.id, merged.id):
        candidate.status = CANDIDATE_DISMISSED
        candidate.reviewed_by = actor.user_id[:32]
        candidate.reviewed_at = now
    undo = _event(session, actor, EVENT_UNMERGE, survivor, other=merged, reason=reason,
                  snapshot={"undoes": event.id, "identifierIds": restored})
    session.flush()
    event.undone_by_id = undo.id
    session.flush()
    session.expire(survivor, ["identifiers"])
    session.expire(merged, ["identifiers"])
    return undo


def history(*, session: Session, person_id: str) -> list[LinkEvent]:
    """Every registration, identifier link and unlink, merge and unmerge involving the person,
    oldest first."""
    person = get_person(session=session, person_id=person_id)
    return list(session.scalars(
        select(LinkEvent).where(or_(LinkEvent.person_id == person.id,
                                    LinkEvent.other_person_id == person.id))
        .order_by(LinkEvent.created_at, LinkEvent.id)))


# ---------------------------------------------------------------- presenting


def _identifier_read(row: Identifier, full: bool) -> IdentifierRead:
    value = row.value if full else mask(row.value)
    return IdentifierRead(id=row.id, type=IdentifierType(row.id_type), value=value,
                          masked=not full, issuer=row.issuer, institution_id=row.institution_id,
                          active=row.active, created_at=row.created_at)


def present_identifier(*, actor: Actor, identifier: Identifier) -> IdentifierRead:
    return _identifier_read(identifier, actor.can(FULL_ID_PERMISSION))


def present_person(*, actor: Actor, person: Person) -> PersonRead:
    full = actor.can(FULL_ID_PERMISSION)
    return PersonRead.model_validate({
        "id": person.id, "master_id": person.master_id, "name": person.name,
        "sex_code": person.sex_code, "birth_date": person.birth_date, "phone": person.phone,
        "address": person.address, "district_code": person.district_code,
        "ethnicity_code": person.ethnicity_code, "status": person.status,
        "merged_into_id": person.merged_into_id,
        "identifiers": [_identifier_read(i, full) for i in person.identifiers],
        "created_at": person.created_at, "updated_at": person.updated_at,
    })


def present_registration(*, actor: Actor, registration: Registration) -> RegistrationRead:
    return RegistrationRead(created=registration.created,
                            person=present_person(actor=actor, person=registration.person),
                            review_candidates=len(registration.candidates))


def present_persons(*, actor: Actor, page: PersonPage) -> Page[PersonRead]:
    return Page[PersonRead](items=[present_person(actor=actor, person=p) for p in page.items],
                            total=page.total, page=page.page, page_size=page.page_size)


def present_candidates(
    *, session: Session, actor: Actor, page: CandidatePage
) -> Page[CandidateRead]:
    items = []
    for c in page.items:
        a = get_person(session=session, person_id=c.person_a_id)
        b = get_person(session=session, person_id=c.person_b_id)
        items.append(CandidateRead.model_validate({
            "id": c.id, "score": c.score, "band": c.band, "agreeing": list(c.agreeing),
            "status": c.status, "person_a": present_person(actor=actor, person=a),
            "person_b": present_person(actor=actor, person=b), "reviewed_by": c.reviewed_by,
            "reviewed_at": c.reviewed_at, "review_note": c.review_note,
            "created_at": c.created_at,
        }))
    return Page[CandidateRead](items=items, total=page.total, page=page.page,
                               page_size=page.page_size)


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
        ids = [e.identifier_id] if e.identifier_id else \
            [str(i) for i in e.snapshot.get("identifierIds", [])]
        rows = [r for r in (session.get(Identifier, i) for i in ids) if r is not None]
        out.append(LinkEventRead.model_validate({
            "id": e.id, "kind": e.kind, "person_id": e.person_id,
            "other_person_id": e.other_person_id,
            "identifiers": [_identifier_read(r, full) for r in rows],
            "actor_user_id": e.actor_user_id, "actor_username": e.actor_username,
            "reason": e.reason, "undone_by_id": e.undone_by_id,
            "undoes_id": e.snapshot.get("undoes"), "created_at": e.created_at,
        }))
    return out
