"""Around the timeline: finding a resident for retrieval, break-the-glass grants and their review,
the resident's access log ("who looked at my record") and privacy settings (hidden categories).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Table, func, select
from sqlalchemy.orm import Session

from healthnet.core.audit import service as audit
from healthnet.core.audit.context import AuditContext
from healthnet.core.audit.models import AuditRecord, AuditRecordArchive
from healthnet.core.db import utcnow
from healthnet.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from healthnet.core.i18n import t
from healthnet.core.patients import service as patients
from healthnet.core.patients.models import Person
from healthnet.core.patients.service._base import person_in_scope
from healthnet.core.rbac.actor import SYSTEM_ACTOR, Actor
from healthnet.core.rbac.scope import apply_scope
from healthnet.core.schemas import Page
from healthnet.modules.records import access
from healthnet.modules.records.models_access import (
    REVIEW_APPROVED,
    REVIEW_PENDING,
    REVIEW_QUESTIONED,
    BreakGlass,
    Consent,
)
from healthnet.modules.records.retrieval.schemas import (
    AccessLogEntry,
    AccessLogPage,
    BreakGlassQuery,
    BreakGlassRead,
    BreakGlassReview,
    CategorySetting,
    LookupResult,
    PersonLookup,
    PrivacySettings,
    PrivacyUpdate,
)
from healthnet.modules.records.timeline import institution_names

ACCESS_LOG_PAGE = 20


def _pairs(session: Session, stmt: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in session.execute(stmt)}


# ---------------------------------------------------------------- finding a resident


def lookup(
    *, session: Session, actor: Actor, data: PersonLookup, request: AuditContext | None = None
) -> LookupResult:
    """The resident holding an identifier, city-wide (the patient index's search stops at the
    caller's data scope, which would hide the patients a care relationship lets a clinician
    read), and whether the caller may open the record or must give a break-the-glass reason.
    Audited with the resident, so the lookup shows in their access log."""
    person = patients.find_by_identifier(
        session=session,
        id_type=data.id_type,
        value=data.id_value,
        issuer=data.issuer,
        institution_id=data.institution_id,
    )
    result = LookupResult(found=person is not None)
    if person is not None:
        result.person_id = person.id
        if person_in_scope(session, actor, person):
            result.access = "scope"
        elif access.has_care_relationship(
            session, person_id=person.id, institution_id=actor.institution_id
        ):
            result.access = "care"
        elif access.active_break_glass(session, actor=actor, person_id=person.id):
            result.access = "break_glass"
        else:
            result.access = "reason_required"
    audit.record(
        session=session,
        actor=actor,
        action="records.person.lookup",
        resource_type="records.person",
        resource_id=person.id if person else None,
        patient_id=person.id if person else None,
        detail={"idType": data.id_type[:40], "found": person is not None, "access": result.access},
        request=request,
    )
    return result


# ---------------------------------------------------------------- break the glass


def _break_glass_reads(session: Session, rows: Sequence[BreakGlass]) -> list[BreakGlassRead]:
    from healthnet.core.auth.models import User

    user_ids = sorted({r.user_id for r in rows})
    users = (
        _pairs(session, select(User.id, User.display_name).where(User.id.in_(user_ids)))
        if user_ids
        else {}
    )
    person_ids = sorted({r.person_id for r in rows})
    masters = (
        _pairs(session, select(Person.id, Person.master_id).where(Person.id.in_(person_ids)))
        if person_ids
        else {}
    )
    names = institution_names(session, [r.institution_id for r in rows])
    return [
        BreakGlassRead.model_validate(r).model_copy(
            update={
                "person_master_id": masters.get(r.person_id),
                "user_display_name": users.get(r.user_id),
                "institution_name": names.get(r.institution_id or ""),
            }
        )
        for r in rows
    ]


def _scoped_break_glass(actor: Actor) -> Any:
    return apply_scope(select(BreakGlass), actor, institution_column=BreakGlass.institution_id)


def list_break_glass(
    *,
    session: Session,
    actor: Actor,
    query: BreakGlassQuery,
    request: AuditContext | None = None,
) -> Page[BreakGlassRead]:
    """Emergency accesses in the reviewer's data scope, newest first."""
    stmt = _scoped_break_glass(actor)
    if query.status:
        stmt = stmt.where(BreakGlass.review_status == query.status)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(
        stmt.order_by(BreakGlass.created_at.desc(), BreakGlass.id.desc())
        .offset((query.page - 1) * query.page_size)
        .limit(query.page_size)
    ).all()
    audit.record(
        session=session,
        actor=actor,
        action="records.break_glass.list",
        resource_type="records.break_glass",
        purpose="HQUALIMP",
        detail={"status": query.status, "results": int(total)},
        request=request,
    )
    return Page(
        items=_break_glass_reads(session, rows),
        total=int(total),
        page=query.page,
        page_size=query.page_size,
    )


def review_break_glass(
    *,
    session: Session,
    actor: Actor,
    break_glass_id: str,
    data: BreakGlassReview,
    request: AuditContext | None = None,
) -> BreakGlassRead:
    """Approve or question one emergency access (once); questioning needs a note."""
    row = session.scalar(_scoped_break_glass(actor).where(BreakGlass.id == break_glass_id))
    if row is None:
        raise NotFound("records.break_glass_not_found")
    if row.review_status != REVIEW_PENDING:
        raise Conflict("records.break_glass_reviewed")
    note = (data.note or "").strip() or None
    if data.decision == "question" and note is None:
        raise ValidationFailed.field("note", "records.review_note_required")
    row.review_status = REVIEW_APPROVED if data.decision == "approve" else REVIEW_QUESTIONED
    row.reviewed_by = actor.user_id
    row.reviewed_at = utcnow()
    row.review_note = note
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="records.break_glass.review",
        resource_type="records.break_glass",
        resource_id=row.id,
        patient_id=row.person_id,
        purpose="HQUALIMP",
        detail={"decision": data.decision},
        request=request,
    )
    return _break_glass_reads(session, [row])[0]


# ---------------------------------------------------------------- access log


def _action_label(action: str, detail: dict[str, Any]) -> tuple[str, str]:
    if action == "records.break_glass.open":
        return "break_glass", t("records.action.break_glass")
    if action.startswith("records.record."):
        return "view", t("records.action.view")
    if action in ("patients.person.search", "records.person.lookup"):
        return "search", t("records.action.search")
    if action.startswith("patients.person.read"):
        return "person", t("records.action.person")
    if action.startswith(("patients.", "records.")) and not action.endswith((".read", ".list")):
        return "change", t("records.action.change")
    return "other", t("records.action.other")


def _purpose(code: str) -> tuple[str, str]:
    name = access.PURPOSE_OF_AUDIT.get(code, "other")
    return name, t(f"records.purpose.{name}")


def _log_rows(
    session: Session,
    table: Table,
    person_id: str,
    exclude_user: str | None,
    before: int | None,
    n: int,
) -> list[dict[str, Any]]:
    c = table.c
    # Work done by the platform itself (SYSTEM_ACTOR: loaders, account set-up) is not a person
    # looking at the record.
    conds: list[ColumnElement[bool]] = [
        c.patient_id == person_id,
        c.actor_id.is_not(None),
        c.actor_id != SYSTEM_ACTOR.user_id,
    ]
    if exclude_user is not None:
        conds.append(c.actor_id != exclude_user)
    if before is not None:
        conds.append(c.seq < before)
    rows = session.execute(select(table).where(*conds).order_by(c.seq.desc()).limit(n))
    return [dict(r) for r in rows.mappings()]


def access_log(
    *,
    session: Session,
    person_id: str,
    exclude_user: str | None,
    cursor: str | None = None,
    limit: int = ACCESS_LOG_PAGE,
) -> AccessLogPage:
    """Who read or changed this resident's data, newest first, from the audit trail (live, then
    the archive). Institution, department, role, time, purpose — never the staff member's name.
    The caller audits the view."""
    from healthnet.core.auth.models import User
    from healthnet.core.orgs.models import Department
    from healthnet.core.rbac.models import Role

    limit = max(1, min(limit, 100))
    before: int | None = None
    if cursor:
        if not cursor.isdigit() or len(cursor) > 18:
            raise ValidationFailed.field("cursor", "records.cursor_invalid")
        before = int(cursor)
    live: Table = AuditRecord.__table__  # type: ignore[assignment]
    archive: Table = AuditRecordArchive.__table__  # type: ignore[assignment]
    rows = _log_rows(session, live, person_id, exclude_user, before, limit + 1)
    if len(rows) <= limit:
        floor = rows[-1]["seq"] if rows else before
        rows += _log_rows(session, archive, person_id, exclude_user, floor, limit + 1 - len(rows))
    page, more = rows[:limit], len(rows) > limit

    actor_ids = sorted({r["actor_id"] for r in page})
    departments = (
        _pairs(
            session,
            select(User.id, Department.name)
            .join(Department, Department.id == User.department_id)
            .where(User.id.in_(actor_ids)),
        )
        if actor_ids
        else {}
    )
    role_codes = sorted(
        {code for r in page for code in (r["actor_roles"] or "").split(",") if code}
    )
    roles = (
        _pairs(session, select(Role.code, Role.name).where(Role.code.in_(role_codes)))
        if role_codes
        else {}
    )
    names = institution_names(session, [r["institution_id"] for r in page])
    items: list[AccessLogEntry] = []
    for r in page:
        detail = json.loads(r["detail"]) if r["detail"] else {}
        action, label = _action_label(r["action"], detail)
        purpose, purpose_label = _purpose(r["purpose"])
        items.append(
            AccessLogEntry(
                occurred_at=r["occurred_at"],
                institution_id=r["institution_id"],
                institution_name=names.get(r["institution_id"] or ""),
                department_name=departments.get(r["actor_id"]),
                role_names=[
                    roles.get(code, code)
                    for code in (r["actor_roles"] or "").split(",")
                    if code and not code.startswith("test_")
                ],
                action=action,
                action_label=label,
                purpose=purpose,
                purpose_label=purpose_label,
                break_glass=bool(detail.get("breakGlass")),
                outcome=r["outcome"],
            )
        )
    return AccessLogPage(items=items, next_cursor=str(page[-1]["seq"]) if more and page else None)


def own_access_log(
    *,
    session: Session,
    actor: Actor,
    cursor: str | None = None,
    request: AuditContext | None = None,
) -> AccessLogPage:
    """A signed-in resident's "who looked at my record" (their own reads are left out)."""
    person_id = access.resident_person_id(session, actor)
    page = access_log(
        session=session, person_id=person_id, exclude_user=actor.user_id, cursor=cursor
    )
    audit.record(
        session=session,
        actor=actor,
        action="records.access_log.read",
        resource_type="records.access_log",
        resource_id=person_id,
        patient_id=person_id,
        purpose="PATRQT",
        request=request,
    )
    return page


# ---------------------------------------------------------------- privacy settings


def _settings(session: Session, person_id: str) -> PrivacySettings:
    hidden = access.hidden_categories(session, person_id)
    return PrivacySettings(
        categories=[
            CategorySetting(category=c, label=t(f"records.category.{c}"), hidden=c in hidden)
            for c in access.CATEGORIES
        ]
    )


def own_privacy(*, session: Session, actor: Actor) -> PrivacySettings:
    return _settings(session, access.resident_person_id(session, actor))


def set_own_privacy(
    *,
    session: Session,
    actor: Actor,
    data: PrivacyUpdate,
    request: AuditContext | None = None,
) -> PrivacySettings:
    """Replace the resident's hidden categories with ``data.hidden``. Audited (the label
    change itself is evidence: who changed what, when); each choice carries an integrity tag,
    and settings that fail theirs are refused (403) rather than silently re-tagged."""
    person_id = access.resident_person_id(session, actor)
    wanted = set(data.hidden)
    for i, category in enumerate(data.hidden):
        if category not in access.CATEGORIES:
            raise ValidationFailed.field(f"hidden[{i}]", "records.category_unknown")
    if access.tampered_categories(session, person_id):
        raise Forbidden("records.consent_integrity_violation")
    existing = {
        c.category: c
        for c in session.scalars(select(Consent).where(Consent.person_id == person_id))
    }
    for category in access.CATEGORIES:
        row = existing.get(category)
        hide = category in wanted
        if row is None and hide:
            session.add(
                Consent(
                    person_id=person_id, category=category, hidden=True, changed_by=actor.user_id
                )
            )
        elif row is not None and row.hidden != hide:
            row.hidden = hide
            row.changed_by = actor.user_id
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="records.consent.update",
        resource_type="records.consent",
        resource_id=person_id,
        patient_id=person_id,
        purpose="PATRQT",
        detail={"hidden": sorted(wanted)},
        request=request,
    )
    return _settings(session, person_id)


def set_hidden_categories(
    *, session: Session, person_id: str, hidden: Sequence[str], changed_by: str | None = None
) -> None:
    """For loaders and tests: set a resident's hidden categories directly (not audited)."""
    for category in hidden:
        row = session.scalar(
            select(Consent).where(Consent.person_id == person_id, Consent.category == category)
        )
        if row is None:
            session.add(
                Consent(person_id=person_id, category=category, hidden=True, changed_by=changed_by)
            )
        else:
            row.hidden = True
    session.flush()


__all__ = [
    "access_log",
    "list_break_glass",
    "lookup",
    "own_access_log",
    "own_privacy",
    "review_break_glass",
    "set_hidden_categories",
    "set_own_privacy",
]
