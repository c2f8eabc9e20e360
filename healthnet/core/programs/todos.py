"""The program engine on the home page: the caller's overdue follow-ups and the transfers
waiting for their institution. Counts only, never patient data."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from healthnet.core.i18n import t
from healthnet.core.localtime import local_today
from healthnet.core.manifest import Todo
from healthnet.core.programs import messages as _messages  # noqa: F401  (registers the catalogue)
from healthnet.core.programs.models import EVENT_SCHEDULED, TRANSFER_REQUESTED, Event, Transfer
from healthnet.core.rbac.actor import Actor
from healthnet.core.rbac.scope import apply_scope


def todos(*, session: Session, actor: Actor) -> list[Todo]:
    if not actor.can("programs:enrolment:read"):
        return []
    overdue = session.scalar(
        select(func.count(Event.id)).where(
            Event.assigned_user_id == actor.user_id,
            Event.status == EVENT_SCHEDULED,
            Event.due_on < local_today(),
        )
    )
    out = []
    if overdue:
        out.append(
            Todo(
                key="programs.overdue",
                title=t("programs.todo_overdue", count=overdue),
                count=overdue,
                path="/programs/worklist",
                level="danger",
            )
        )
    if actor.can("programs:enrolment:write"):
        stmt = apply_scope(
            select(func.count(Transfer.id)).where(Transfer.status == TRANSFER_REQUESTED),
            actor,
            institution_column=Transfer.to_org_unit_id,
        )
        incoming = session.scalar(stmt) or 0
        if incoming:
            out.append(
                Todo(
                    key="programs.transfers_incoming",
                    title=t("programs.todo_transfers", count=incoming),
                    count=incoming,
                    path="/programs/transfers",
                    level="warning",
                )
            )
    return out
