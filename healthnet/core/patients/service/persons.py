"""Registering, finding, searching and updating residents and their identifiers."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from datetime import date

from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from healthnet.core.audit.context import AuditContext
from healthnet.core.db import utcnow
from healthnet.core.errors import Conflict, NotFound, ValidationFailed
from healthnet.core.patients.identifiers import (
    GB11643_TYPES,
    IdentifierProblem,
    IdentifierType,
)
from healthnet.core.patients.models import (
    EVENT_LINK,
    EVENT_REGISTER,
    EVENT_UNLINK,
    STATUS_ACTIVE,
    Identifier,
    Person,
)
from healthnet.core.patients.schemas import (
    IdentifierIn,
    PersonCreate,
    PersonSearch,
    PersonUpdate,
)
from healthnet.core.patients.service._base import (
    PersonPage,
    Registration,
    _active_identifier,
    _active_person,
    _check_against_id_card,
    _event,
    _gb11643,
    _Ident,
    _name_index,
    _phone_index,
    _prepare,
    _prepare_in,
    _stored_gb11643,
    _survivor,
    audit_event,
    person_in_scope,
    scope_persons,
)
from healthnet.core.patients.service.family_doctor import check_family_doctor
from healthnet.core.patients.service.review import _match
from healthnet.core.rbac.actor import Actor


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
    ident = _prepare(
        session,
        id_type=kind,
        value=value,
        issuer=issuer,
        institution_id=institution_id,
        field_prefix="",
        value_field="idValue",
    )
    row = _active_identifier(session, kind, ident.index)
    return None if row is None else _survivor(session, row.person)


def search(
    *,
    session: Session,
    actor: Actor,
    query: PersonSearch,
    request: AuditContext | None = None,
) -> PersonPage:
    """By one identifier (0 or 1 result: the survivor), or by exact name + birth date through
    the name blind index (active records only), paged; only residents in ``actor``'s data
    scope are found. Audited as one ``patients.person.search`` with the result count (the
    searched values never reach the audit record)."""
    page = _search(session, actor, query)
    by_identifier = query.id_type is not None and bool(query.id_value)
    audit_event(
        session,
        actor,
        "patients.person.search",
        # A hit by identifier is one known resident: name them so their access log shows it.
        person_id=page.items[0].id if by_identifier and len(page.items) == 1 else None,
        resource_id=None,
        request=request,
        detail={
            "by": "identifier" if by_identifier else "nameBirthDate",
            "idType": str(query.id_type) if by_identifier else None,
            "results": page.total,
        },
    )
    return page


def _search(session: Session, actor: Actor, query: PersonSearch) -> PersonPage:
    if query.id_type is not None and query.id_value:
        person = find_by_identifier(
            session=session,
            id_type=query.id_type,
            value=query.id_value,
            issuer=query.issuer,
            institution_id=query.institution_id,
        )
        if person is not None and not person_in_scope(session, actor, person):
            person = None
        items = [person] if person is not None and query.page == 1 else []
        return PersonPage(items, int(person is not None), query.page, query.page_size)
    assert query.name is not None and query.birth_date is not None  # checked by the schema
    try:
        name_index = _name_index(query.name)
    except IdentifierProblem as p:
        raise ValidationFailed.field("name", p.code) from None
    where = and_(
        Person.name_index == name_index,
        Person.birth_date == query.birth_date,
        Person.status == STATUS_ACTIVE,
    )
    total = (
        session.scalar(scope_persons(select(func.count()).select_from(Person), actor).where(where))
        or 0
    )
    rows = session.scalars(
        scope_persons(select(Person), actor)
        .where(where)
        .order_by(Person.created_at, Person.id)
        .offset((query.page - 1) * query.page_size)
        .limit(query.page_size)
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


def _link(
    session: Session, actor: Actor, person: Person, ident: _Ident, reason: str | None = None
) -> Identifier:
    row = Identifier(
        person=person,
        id_type=ident.id_type.value,
        value=ident.value,
        value_index=ident.index,
        issuer=ident.issuer,
        institution_id=ident.institution_id,
        active=True,
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    _event(session, actor, EVENT_LINK, person, identifier=row, reason=reason)
    return row


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


def register_person(
    *,
    session: Session,
    actor: Actor,
    data: PersonCreate,
    request: AuditContext | None = None,
) -> Registration:
    """Register a resident, or return the one who already holds an identifier sent.

    Same identifier → same person: when any identifier is already linked, that resident is
    returned, the other identifiers sent are linked to them, and empty fields (phone, address,
    district, ethnicity, unknown birth date or sex) are filled in; fields already recorded are
    not overwritten (use :func:`update_person`). Otherwise a new resident is created and
    compared with others by the scoring rules; pairs that score ≥ 0.60 go to the review list.
    Audited as ``patients.person.register``.
    """
    registration = _register(session, actor, data)
    audit_event(
        session,
        actor,
        "patients.person.register",
        person_id=registration.person.id,
        resource_id=registration.person.id,
        request=request,
        detail={
            "created": registration.created,
            "identifierTypes": sorted({str(i.type) for i in data.identifiers}),
            "candidates": len(registration.candidates),
        },
    )
    return registration


def _register(session: Session, actor: Actor, data: PersonCreate) -> Registration:
    idents = _prepare_all(session, data.identifiers)
    birth_date: date | None = data.birth_date
    sex_code: str | None = data.sex_code
    for ident in idents:
        info = _gb11643(ident)
        if info is not None:
            _check_against_id_card(
                info, birth_date, sex_code, birth_field="birthDate", sex_field="sexCode"
            )
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
        raise Conflict(
            "patients.identifiers_split",
            master_ids="、".join(sorted(p.master_id for p in holders.values())),
        )
    return next(iter(holders.values()), None)


def _create(
    session: Session,
    actor: Actor,
    data: PersonCreate,
    idents: list[_Ident],
    birth_date: date | None,
    sex_code: str,
) -> Registration:
    person = Person(
        master_id=_new_master_id(session),
        name=data.name,
        name_index=_name_index(data.name),
        sex_code=sex_code,
        birth_date=birth_date,
        phone=data.phone,
        phone_index=_phone_index(data.phone),
        address=data.address,
        district_code=data.district_code,
        ethnicity_code=data.ethnicity_code,
        status=STATUS_ACTIVE,
        created_by=actor.user_id[:32],
        identifiers=[],
    )
    session.add(person)
    session.flush()
    _event(session, actor, EVENT_REGISTER, person)
    for ident in idents:
        _link(session, actor, person, ident)
    candidates = _match(session, person)
    return Registration(person, True, candidates)


def _register_existing(
    session: Session,
    actor: Actor,
    person: Person,
    data: PersonCreate,
    idents: list[_Ident],
    birth_date: date | None,
    sex_code: str,
) -> Registration:
    stored = _stored_gb11643(person)
    if stored is not None:
        # The resident's recorded citizen ID number outranks what this registration says.
        _check_against_id_card(
            stored, data.birth_date, data.sex_code, birth_field="birthDate", sex_field="sexCode"
        )
    new_links: list[_Ident] = []
    for ident in idents:
        if _active_identifier(session, ident.id_type, ident.index) is not None:
            continue
        info = _gb11643(ident)
        if info is not None:
            if stored is not None:
                raise Conflict("patients.second_resident_id")
            _check_against_id_card(
                info,
                person.birth_date,
                person.sex_code,
                birth_field=ident.field,
                sex_field=ident.field,
            )
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
    *,
    session: Session,
    actor: Actor,
    person_id: str,
    data: PersonUpdate,
    request: AuditContext | None = None,
) -> Person:
    """Change the fields sent. Birth date and sex must keep agreeing with the resident's citizen
    ID number; a change to name, birth date, sex or phone re-runs matching."""
    person = _active_person(session, person_id, actor)
    sent = data.model_fields_set
    if "family_doctor_user_id" in sent and data.family_doctor_user_id is not None:
        check_family_doctor(session, data.family_doctor_user_id)
    info = _stored_gb11643(person)
    if info is not None:
        _check_against_id_card(
            info,
            data.birth_date if "birth_date" in sent else None,
            data.sex_code if "sex_code" in sent else None,
            birth_field="birthDate",
            sex_field="sexCode",
        )
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
    if "family_doctor_user_id" in sent:
        person.family_doctor_user_id = data.family_doctor_user_id
    person.updated_at = utcnow()
    session.flush()
    if before != (person.name_index, person.birth_date, person.sex_code, person.phone_index):
        _match(session, person)
    audit_event(
        session,
        actor,
        "patients.person.update",
        person_id=person.id,
        resource_id=person.id,
        request=request,
        # Which fields changed, never their values.
        detail={"fields": sorted(data.model_dump(by_alias=True, include=sent))},
    )
    return person


def add_identifier(
    *,
    session: Session,
    actor: Actor,
    person_id: str,
    data: IdentifierIn,
    reason: str | None = None,
    request: AuditContext | None = None,
) -> Identifier:
    """Link one more identifier. Already linked to this resident → returned as is; linked to
    another resident → 409 naming that resident's master id. Audited as
    ``patients.identifier.link``."""
    row = _add_identifier(session, actor, person_id, data, reason)
    audit_event(
        session,
        actor,
        "patients.identifier.link",
        person_id=row.person_id,
        resource_type="patients.identifier",
        resource_id=row.id,
        request=request,
        detail={"idType": str(row.id_type)},
    )
    return row


def _add_identifier(
    session: Session, actor: Actor, person_id: str, data: IdentifierIn, reason: str | None
) -> Identifier:
    person = _active_person(session, person_id, actor)
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
        _check_against_id_card(
            info, person.birth_date, person.sex_code, birth_field="value", sex_field="value"
        )
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
    *,
    session: Session,
    actor: Actor,
    person_id: str,
    identifier_id: str,
    reason: str,
    request: AuditContext | None = None,
) -> Identifier:
    """Deactivate a wrongly linked identifier; the row and its history stay."""
    person = _active_person(session, person_id, actor)
    row = session.get(Identifier, identifier_id)
    if row is None or row.person_id != person.id:
        raise NotFound("patients.identifier_not_found")
    if not row.active:
        raise Conflict("patients.identifier_inactive")
    row.active = False
    row.updated_at = utcnow()
    _event(session, actor, EVENT_UNLINK, person, identifier=row, reason=reason)
    session.flush()
    audit_event(
        session,
        actor,
        "patients.identifier.unlink",
        person_id=person.id,
        resource_type="patients.identifier",
        resource_id=row.id,
        request=request,
        detail={"idType": str(row.id_type)},
    )
    return row
