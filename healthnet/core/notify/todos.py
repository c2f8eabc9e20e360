"""The inbox on the home page: how many messages the signed-in user has not read."""

from __future__ import annotations

from sqlalchemy.orm import Session

from healthnet.core.i18n import t
from healthnet.core.manifest import Todo
from healthnet.core.notify import messages as _messages  # noqa: F401  (registers the catalogue)
from healthnet.core.notify.service import unread_count
from healthnet.core.rbac.actor import Actor

INBOX_PAGE = "/notify/inbox"


def todos(*, session: Session, actor: Actor) -> list[Todo]:
    return [
        Todo(
            key="notify.unread",
            title=t("notify.todo.unread"),
            count=unread_count(session=session, user_id=actor.user_id),
            path=INBOX_PAGE,
            level="info",
        )
    ]
