"""The audit trail on the home page: a failed or overdue integrity verification.

The nightly ``audit.verify`` job keeps the last run at most a day old; an older one means the
schedule stopped (or never ran), which the audit administrator should notice.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from healthnet.core.audit import messages as _messages  # noqa: F401  (registers the catalogue)
from healthnet.core.audit.service import latest_verification
from healthnet.core.db import utcnow
from healthnet.core.i18n import t
from healthnet.core.manifest import Todo
from healthnet.core.rbac.actor import Actor

CHAIN_PAGE = "/security/audit/chain"
MAX_AGE = timedelta(hours=24)


def todos(*, session: Session, actor: Actor) -> list[Todo]:
    # Whoever can run the verification (the page the item links to needs this permission).
    if not actor.can("audit:chain:verify"):
        return []
    last = latest_verification(session=session)
    if last is not None and not last.ok:
        return [
            Todo(
                key="audit.chain_failed",
                title=t("audit.todo.chain_failed"),
                count=1,
                path=CHAIN_PAGE,
                level="danger",
            )
        ]
    if last is None or utcnow() - last.finished_at > MAX_AGE:
        return [
            Todo(
                key="audit.chain_unverified",
                title=t("audit.todo.chain_unverified"),
                count=1,
                path=CHAIN_PAGE,
                level="warning",
            )
        ]
    return []
