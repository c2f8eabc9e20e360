"""Certificates on the home page: valid ones that expire within 30 days, in the actor's scope."""

from __future__ import annotations

from sqlalchemy.orm import Session

from healthnet.core.certs import messages as _messages  # noqa: F401  (registers the catalogue)
from healthnet.core.certs.schemas import CertificateQuery
from healthnet.core.certs.service import list_certificates
from healthnet.core.certs.service.common import EXPIRING_SOON
from healthnet.core.i18n import t
from healthnet.core.manifest import Todo
from healthnet.core.rbac.actor import Actor


def todos(*, session: Session, actor: Actor) -> list[Todo]:
    if not actor.can("certs:certificate:read"):
        return []
    days = EXPIRING_SOON.days
    page = list_certificates(
        session=session,
        query=CertificateQuery(expiring_within_days=days, page_size=1),
        actor=actor,
    )
    return [
        Todo(
            key="certs.expiring",
            title=t("certs.todo.expiring"),
            count=page.total,
            path=f"/security/certificates?expiringWithinDays={days}",
            level="warning",
        )
    ]
