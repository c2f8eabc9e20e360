"""The signed-in user's own account on the home page: password expiry, second factor,
recovery codes."""

from __future__ import annotations

import math
from datetime import timedelta

from sqlalchemy.orm import Session

from healthnet.config import get_settings
from healthnet.core.auth import messages as _messages  # noqa: F401  (registers the catalogue)
from healthnet.core.auth import totp
from healthnet.core.auth.models import KIND_STAFF, User
from healthnet.core.db import utcnow
from healthnet.core.i18n import t
from healthnet.core.manifest import Todo
from healthnet.core.rbac.actor import Actor

ACCOUNT_PAGE = "/account/security"
PASSWORD_WARNING = timedelta(days=14)
MIN_RECOVERY_CODES = 3


def _has_login_certificate(session: Session, user_id: str) -> bool:
    from healthnet.core.certs import service as certs
    from healthnet.core.certs.models import PURPOSE_AUTHENTICATION

    return any(
        c.purpose == PURPOSE_AUTHENTICATION and c.state == "valid"
        for c in certs.certificates_of_user(session=session, user_id=user_id)
    )


def todos(*, session: Session, actor: Actor) -> list[Todo]:
    user = session.get(User, actor.user_id)
    if user is None:  # not an account (the system, a job)
        return []
    items: list[Todo] = []
    max_age = get_settings().password_max_age_days
    if max_age > 0:
        left = user.password_changed_at + timedelta(days=max_age) - utcnow()
        if left <= PASSWORD_WARNING:
            days = math.ceil(left / timedelta(days=1))  # 9.2 days left: "within 10 days"
            items.append(
                Todo(
                    key="auth.password_expiring",
                    title=t("auth.todo.password_expiring", days=days)
                    if days > 0
                    else t("auth.todo.password_expired"),
                    count=1,
                    path=ACCOUNT_PAGE,
                    level="danger" if days <= 3 else "warning",
                )
            )
    if user.kind != KIND_STAFF:
        return items
    if totp.has_totp(session=session, user_id=user.id):
        left_codes = totp.remaining_recovery_codes(session=session, user_id=user.id)
        if left_codes < MIN_RECOVERY_CODES:
            items.append(
                Todo(
                    key="auth.recovery_codes_low",
                    title=t("auth.todo.recovery_codes_low", count=left_codes),
                    count=1,
                    path=ACCOUNT_PAGE,
                    level="warning",
                )
            )
    elif not _has_login_certificate(session, user.id):
        items.append(
            Todo(
                key="auth.second_factor_missing",
                title=t("auth.todo.second_factor_missing"),
                count=1,
                path=ACCOUNT_PAGE,
                level="danger",
            )
        )
    return items
