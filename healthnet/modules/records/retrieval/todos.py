"""Record retrieval on the home page: emergency accesses (破窗) waiting for review."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from healthnet.core.i18n import t
from healthnet.core.manifest import Todo
from healthnet.core.rbac.actor import Actor
from healthnet.core.rbac.scope import apply_scope
from healthnet.modules.records.access import REVIEW_PERMISSION
from healthnet.modules.records.models_access import REVIEW_PENDING, BreakGlass


def todos(*, session: Session, actor: Actor) -> list[Todo]:
    if not actor.can(REVIEW_PERMISSION):
        return []
    stmt = apply_scope(
        select(func.count())
        .select_from(BreakGlass)
        .where(BreakGlass.review_status == REVIEW_PENDING),
        actor,
        institution_column=BreakGlass.institution_id,
    )
    return [
        Todo(
            key="records.break_glass_pending",
            title=t("records.todo.break_glass_pending"),
            count=int(session.scalar(stmt) or 0),
            path="/records/break-glass",
            level="danger",
        )
    ]
