"""The patient index on the home page: possible duplicates waiting for review."""

from __future__ import annotations

from sqlalchemy.orm import Session

from healthnet.core.i18n import t
from healthnet.core.manifest import Todo
from healthnet.core.patients import messages as _messages  # noqa: F401  (registers the catalogue)
from healthnet.core.patients.service import count_open_candidates
from healthnet.core.rbac.actor import Actor


def todos(*, session: Session, actor: Actor) -> list[Todo]:
    if not actor.can("patients:person:merge"):
        return []
    return [
        Todo(
            key="patients.candidates_open",
            title=t("patients.todo.candidates_open"),
            count=count_open_candidates(session=session, actor=actor),
            path="/patients/candidates",
            level="warning",
        )
    ]
