"""Background jobs on the home page: dead letters waiting for an operator."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from healthnet.core.i18n import t
from healthnet.core.jobs import messages as _messages  # noqa: F401  (registers the catalogue)
from healthnet.core.jobs.models import Job, JobStatus
from healthnet.core.manifest import Todo
from healthnet.core.rbac.actor import Actor


def todos(*, session: Session, actor: Actor) -> list[Todo]:
    if not actor.can("jobs:job:read"):
        return []
    dead = session.scalar(select(func.count(Job.id)).where(Job.status == JobStatus.DEAD.value))
    return [
        Todo(
            key="jobs.dead",
            title=t("jobs.todo.dead"),
            count=int(dead or 0),
            path="/system/jobs?status=dead",
            level="danger",
        )
    ]
