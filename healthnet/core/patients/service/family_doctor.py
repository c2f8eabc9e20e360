"""The resident's contracted family doctor (家庭医生), the minimum the handover of city-hospital
visits needs (B3): one staff account per resident, set through :func:`update_person`.

Signing itself (contracts, teams, service packages) is the primary-care module's business (B2);
this is only the pointer it will maintain.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from healthnet.core.auth.models import KIND_STAFF, User
from healthnet.core.errors import ValidationFailed
from healthnet.core.orgs.models import Institution
from healthnet.core.patients.models import Person
from healthnet.core.patients.service._base import _load_person, _survivor
from healthnet.core.rbac.actor import Actor
from healthnet.core.rbac.scope import apply_scope

FIELD = "familyDoctorUserId"
MAX_CANDIDATES = 50


@dataclass(frozen=True)
class FamilyDoctor:
    user_id: str
    display_name: str
    institution_id: str | None
    institution_name: str | None


def check_family_doctor(session: Session, user_id: str) -> User:
    """The account may be a family doctor: it exists, is active and is a staff member of an
    institution (a resident's account or a platform account is not)."""
    user = session.get(User, user_id)
    if user is None or not user.is_active or user.kind != KIND_STAFF or not user.institution_id:
        raise ValidationFailed.field(FIELD, "patients.family_doctor_invalid")
    return user


def _doctor(session: Session, user: User) -> FamilyDoctor:
    inst = session.get(Institution, user.institution_id) if user.institution_id else None
    name = inst.name if inst is not None else None
    return FamilyDoctor(user.id, user.display_name, user.institution_id, name)


def family_doctor_of(*, session: Session, person_id: str) -> FamilyDoctor | None:
    """The family doctor of a resident (of the surviving record, if this one was merged), or
    None when there is none or the account is no longer active. Not audited: it says who cares
    for the resident, nothing about their health; callers must not show it to others."""
    person = _survivor(session, _load_person(session, person_id))
    if person.family_doctor_user_id is None:
        return None
    user = session.get(User, person.family_doctor_user_id)
    if user is None or not user.is_active:
        return None
    return _doctor(session, user)


def family_doctor_for_display(session: Session, person: Person) -> FamilyDoctor | None:
    """The recorded doctor of this very record, active or not (the detail page shows it)."""
    if person.family_doctor_user_id is None:
        return None
    user = session.get(User, person.family_doctor_user_id)
    return None if user is None else _doctor(session, user)


def family_doctor_candidates(
    *, session: Session, actor: Actor, q: str | None = None
) -> list[FamilyDoctor]:
    """Active staff of the institutions in ``actor``'s data scope, by name (for the picker)."""
    stmt = select(User).where(
        User.is_active.is_(True), User.kind == KIND_STAFF, User.institution_id.is_not(None)
    )
    if q:
        stmt = stmt.where(
            or_(
                User.display_name.icontains(q, autoescape=True),
                User.username.icontains(q, autoescape=True),
            )
        )
    stmt = apply_scope(stmt, actor, institution_column=User.institution_id)
    rows = session.scalars(stmt.order_by(User.display_name, User.id).limit(MAX_CANDIDATES)).all()
    return [_doctor(session, u) for u in rows]
