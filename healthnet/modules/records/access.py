"""The one way people read clinical records (调阅): :func:`open_record`, then :func:`record_view`.

``open_record`` decides whether ``actor`` may read a resident's record and on what ground:

* ``scope`` — the resident is in the actor's data scope (the patient index's rule);
* ``care`` — a care relationship: an encounter at the actor's institution within the last
  ``records.care_relationship_days`` days (system parameter, default 90), or an active identifier
  the institution issued (a hospital card: the resident is registered there);
* ``break_glass`` — none of the above, but the actor gave a written reason (≥ 10 characters):
  allowed for ``records.break_glass_hours`` hours (default 4), flagged, and put on the review list;
* ``self`` — a resident reading their own record (:func:`open_own_record`).

Anything else is refused with the same 404 as an unknown resident (``records.no_access``), and
the refusal is audited. The returned :class:`AccessGrant` tells the readers what to withhold:
categories the resident hid (``records_consent``) are withheld from every institution except the
one that produced the row; only an *emergency* break-the-glass grant reveals them. Every page a
person sees writes exactly one audit record through :func:`record_view`.
See ``docs/decisions/0013-record-access.md``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from healthnet.core.audit import service as audit
from healthnet.core.audit.context import AuditContext
from healthnet.core.db import utcnow
from healthnet.core.errors import Forbidden, NotFound, ValidationFailed
from healthnet.core.patients.models import Identifier, Person
from healthnet.core.patients.service._base import person_in_scope
from healthnet.core.rbac import integrity
from healthnet.core.rbac.actor import Actor
from healthnet.core.sysconf import service as sysconf
from healthnet.modules.records.models import Encounter
from healthnet.modules.records.models_access import BreakGlass, Consent
from healthnet.modules.records.retrieval import messages as _messages  # noqa: F401
from healthnet.modules.records.sensitivity import CATEGORIES as SENSITIVITY_CATEGORIES

READ_PERMISSION = "records:record:read"
REVIEW_PERMISSION = "records:breakglass:review"
CARE_DAYS_PARAM = "records.care_relationship_days"
BREAK_GLASS_HOURS_PARAM = "records.break_glass_hours"
DEFAULT_CARE_DAYS = 90
DEFAULT_BREAK_GLASS_HOURS = 4
REASON_MIN_LENGTH = 10

log = logging.getLogger("healthnet.records.access")

GROUND_SCOPE = "scope"
GROUND_CARE = "care"
GROUND_BREAK_GLASS = "break_glass"
GROUND_SELF = "self"


class Purpose(StrEnum):
    """Why a record is read (HL7 v3 PurposeOfUse in the audit record: :data:`AUDIT_PURPOSE`)."""

    TREATMENT = "treatment"
    EMERGENCY = "emergency"
    REFERRAL = "referral"
    PUBLIC_HEALTH = "public_health"
    QUALITY_CONTROL = "quality_control"


AUDIT_PURPOSE: dict[str, str] = {
    Purpose.TREATMENT: "TREAT",
    Purpose.EMERGENCY: "EMERGENCY",
    Purpose.REFERRAL: "COC",  # continuity of care
    Purpose.PUBLIC_HEALTH: "PUBHLTH",
    Purpose.QUALITY_CONTROL: "HQUALIMP",
    GROUND_SELF: "PATRQT",
}
PURPOSE_OF_AUDIT: dict[str, str] = {v: k for k, v in AUDIT_PURPOSE.items()}

# Categories a resident may hide: the ones ingest labels rows with (``sensitivity`` column,
# records/sensitivity.py), so every switch a resident sees does something.
CATEGORIES: tuple[str, ...] = SENSITIVITY_CATEGORIES


class AccessRefused(NotFound):
    """No ground to read this record. The refusal is already audited; the route answers 404
    without undoing the transaction so that the audit record is kept."""


@dataclass(frozen=True)
class AccessGrant:
    """What one view of a resident's record may show, and how it is audited."""

    person: Person
    actor: Actor
    purpose: str  # a Purpose value, or "self"
    ground: str
    hidden_categories: frozenset[str]
    break_glass: BreakGlass | None = None

    @property
    def person_id(self) -> str:
        return self.person.id

    @property
    def reveals_hidden(self) -> bool:
        """Hidden categories are shown to the resident and under an emergency grant only."""
        if self.ground == GROUND_SELF:
            return True
        return self.break_glass is not None and self.break_glass.purpose == Purpose.EMERGENCY

    def withheld(self, *, institution_id: str | None, sensitivity: str | None) -> bool:
        """Whether a row (produced by ``institution_id``, labelled ``sensitivity``) is withheld."""
        if sensitivity is None or sensitivity not in self.hidden_categories:
            return False
        if self.reveals_hidden:
            return False
        return institution_id is None or institution_id != self.actor.institution_id

    def revealed(self, *, institution_id: str | None, sensitivity: str | None) -> bool:
        """Whether a row is shown only because an emergency grant overrides the hidden flag."""
        return (
            self.ground != GROUND_SELF
            and self.reveals_hidden
            and sensitivity is not None
            and sensitivity in self.hidden_categories
            and institution_id != self.actor.institution_id
        )


# ---------------------------------------------------------------- parameters


def care_days(session: Session) -> int:
    value = sysconf.get_value(session=session, key=CARE_DAYS_PARAM, default=DEFAULT_CARE_DAYS)
    return max(int(value), 0)


def break_glass_hours(session: Session) -> int:
    value = sysconf.get_value(
        session=session, key=BREAK_GLASS_HOURS_PARAM, default=DEFAULT_BREAK_GLASS_HOURS
    )
    return max(int(value), 1)


# ---------------------------------------------------------------- grounds


def hidden_categories(session: Session, person_id: str) -> frozenset[str]:
    """The categories the resident hid. A choice whose integrity tag fails (changed in the
    database, e.g. "hidden" switched off) fails closed: its category counts as hidden, and the
    row is logged (ids only) for ``healthnet rbac verify-integrity`` to name."""
    hidden: set[str] = set()
    for row in session.scalars(select(Consent).where(Consent.person_id == person_id)):
        if not integrity.verify_row(row):
            log.critical(
                "resident privacy setting failed its integrity check",
                extra={"table": Consent.__tablename__, "row": row.id},
            )
            hidden.add(row.category)
        elif row.hidden:
            hidden.add(row.category)
    return frozenset(hidden)


def tampered_categories(session: Session, person_id: str) -> frozenset[str]:
    """The resident's choices whose integrity tag fails (shown to them as hidden and locked)."""
    rows = session.scalars(select(Consent).where(Consent.person_id == person_id))
    return frozenset(r.category for r in rows if not integrity.verify_row(r))


def has_care_relationship(
    session: Session, *, person_id: str, institution_id: str | None, now: datetime | None = None
) -> bool:
    """A recent encounter at ``institution_id`` or an identifier it issued (hospital card)."""
    if institution_id is None:
        return False
    since = (now or utcnow()) - timedelta(days=care_days(session))
    encounter = session.scalar(
        select(Encounter.id)
        .where(
            Encounter.person_id == person_id,
            Encounter.start_at >= since,
            Encounter.institution_id == institution_id,
        )
        .limit(1)
    )
    if encounter is not None:
        return True
    card = session.scalar(
        select(Identifier.id)
        .where(
            Identifier.person_id == person_id,
            Identifier.institution_id == institution_id,
            Identifier.active.is_(True),
        )
        .limit(1)
    )
    return card is not None


def active_break_glass(
    session: Session, *, actor: Actor, person_id: str, now: datetime | None = None
) -> BreakGlass | None:
    return session.scalar(
        select(BreakGlass)
        .where(
            BreakGlass.user_id == actor.user_id,
            BreakGlass.person_id == person_id,
            BreakGlass.expires_at > (now or utcnow()),
        )
        .order_by(BreakGlass.created_at.desc())
        .limit(1)
    )


def parse_purpose(value: str | None) -> Purpose:
    try:
        return Purpose(value or Purpose.TREATMENT)
    except ValueError:
        raise ValidationFailed.field("purpose", "records.purpose_unknown") from None


def _refuse(
    session: Session,
    actor: Actor,
    person_id: str,
    purpose: str,
    request: AuditContext | None,
    *,
    known: bool,
) -> AccessRefused:
    audit.record(
        session=session,
        actor=actor,
        action="records.record.view",
        resource_type="records.person",
        resource_id=person_id,
        patient_id=person_id if known else None,
        purpose=AUDIT_PURPOSE[purpose],
        outcome="denied",
        request=request,
    )
    return AccessRefused("records.no_access")


def open_record(
    *,
    session: Session,
    actor: Actor,
    person_id: str,
    purpose: str = Purpose.TREATMENT,
    break_glass_reason: str | None = None,
    request: AuditContext | None = None,
) -> AccessGrant:
    """May ``actor`` read ``person_id``'s clinical record, and what is withheld?

    With ``break_glass_reason`` a new emergency grant is opened (even when another ground exists:
    only an emergency grant reveals hidden categories); the grant is audited as
    ``records.break_glass.open`` and lands on the review list. Without a ground raises
    :class:`AccessRefused` (404, audited as a denied view)."""
    if not actor.can(READ_PERMISSION):
        raise Forbidden()
    use = parse_purpose(purpose)
    person = session.get(Person, person_id)
    if person is None:
        raise _refuse(session, actor, person_id, use, request, known=False)
    hidden = hidden_categories(session, person.id)
    now = utcnow()

    if break_glass_reason is not None:
        reason = break_glass_reason.strip()
        if len(reason) < REASON_MIN_LENGTH:
            raise ValidationFailed.field(
                "reason", "records.break_glass_reason_short", min=REASON_MIN_LENGTH
            )
        grant = BreakGlass(
            person_id=person.id,
            user_id=actor.user_id,
            institution_id=actor.institution_id,
            role_codes=",".join(actor.role_codes)[:255] or None,
            purpose=use.value,
            reason=reason,
            created_at=now,
            expires_at=now + timedelta(hours=break_glass_hours(session)),
        )
        session.add(grant)
        session.flush()
        audit.record(
            session=session,
            actor=actor,
            action="records.break_glass.open",
            resource_type="records.break_glass",
            resource_id=grant.id,
            patient_id=person.id,
            purpose=AUDIT_PURPOSE[use],
            # The reason stays in records_break_glass (free text may name people).
            detail={
                "breakGlass": True,
                "purpose": use.value,
                "expiresAt": grant.expires_at.isoformat(),
            },
            request=request,
        )
        return AccessGrant(person, actor, use.value, GROUND_BREAK_GLASS, hidden, grant)

    existing = active_break_glass(session, actor=actor, person_id=person.id, now=now)
    # An emergency grant is used whenever it is open: it is the one that shows hidden items.
    if existing is not None and existing.purpose == Purpose.EMERGENCY:
        return AccessGrant(person, actor, use.value, GROUND_BREAK_GLASS, hidden, existing)
    if person_in_scope(session, actor, person):
        return AccessGrant(person, actor, use.value, GROUND_SCOPE, hidden)
    if has_care_relationship(
        session, person_id=person.id, institution_id=actor.institution_id, now=now
    ):
        return AccessGrant(person, actor, use.value, GROUND_CARE, hidden)
    if existing is not None:
        return AccessGrant(person, actor, use.value, GROUND_BREAK_GLASS, hidden, existing)
    raise _refuse(session, actor, person.id, use, request, known=True)


# ---------------------------------------------------------------- residents


def resident_person_id(session: Session, actor: Actor) -> str:
    """The person a signed-in resident account belongs to (403 for staff accounts)."""
    from healthnet.core.auth.models import KIND_RESIDENT, User

    row = session.execute(
        select(User.kind, User.person_id).where(User.id == actor.user_id)
    ).one_or_none()
    if row is None or row.kind != KIND_RESIDENT or row.person_id is None:
        raise Forbidden("records.not_a_resident")
    return str(row.person_id)


def open_own_record(*, session: Session, actor: Actor) -> AccessGrant:
    """A resident reading their own record: everything, hidden categories included."""
    person_id = resident_person_id(session, actor)
    person = session.get(Person, person_id)
    if person is None:  # the account's person was removed behind the application's back
        raise NotFound("records.no_access")
    return AccessGrant(
        person, actor, GROUND_SELF, GROUND_SELF, hidden_categories(session, person_id)
    )


# ---------------------------------------------------------------- auditing views


def record_view(
    *,
    session: Session,
    grant: AccessGrant,
    view: str,
    resource_id: str | None = None,
    detail: dict[str, Any] | None = None,
    request: AuditContext | None = None,
) -> None:
    """One audit record for one page a person saw (``view``: timeline, lab_trend, document …),
    with the purpose and, under a break-the-glass grant, its id. Call it last."""
    info: dict[str, Any] = {"view": view, "ground": grant.ground, "purpose": grant.purpose}
    bg = grant.break_glass
    if bg is not None:
        info["breakGlass"] = True
        info["breakGlassId"] = bg.id
    info.update(detail or {})
    if bg is not None:
        values: dict[str, Any] = {"views": BreakGlass.views + 1}
        if info.get("revealedHidden"):
            values["revealed_hidden"] = True
        session.execute(
            update(BreakGlass)
            .where(BreakGlass.id == bg.id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
    audit.record(
        session=session,
        actor=grant.actor,
        action="records.record.view",
        resource_type=f"records.{view}",
        resource_id=resource_id or grant.person_id,
        patient_id=grant.person_id,
        purpose=AUDIT_PURPOSE[grant.purpose],
        detail=info,
        request=request,
    )
