"""What the provider says about a user (OIDC Core §5.1) and which scopes exist."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from healthnet.core.errors import NotFound
from healthnet.core.oidc.scopes import OIDC_SCOPES


def user_claims(*, session: Session, user_id: str, scopes: Iterable[str]) -> dict[str, Any]:
    """OIDC Core §5.1 claims of a HealthNet user for the granted scopes."""
    from healthnet.core.auth.service import get_user
    from healthnet.core.orgs.service import district_of_institution

    scope_set = set(scopes)
    claims: dict[str, Any] = {"sub": user_id}
    if "profile" in scope_set:
        user = get_user(session=session, user_id=user_id)
        claims.update(
            name=user.display_name,
            preferred_username=user.username,
            institution_id=user.institution_id,
        )
        if user.institution_id:
            claims["district_code"] = district_of_institution(
                session=session, institution_id=user.institution_id
            )
    return claims


def user_is_active(*, session: Session, user_id: str) -> bool:
    from healthnet.core.auth.service import get_user

    try:
        return bool(get_user(session=session, user_id=user_id).is_active)
    except NotFound:
        return False


def scope_list() -> list[tuple[str, str, str, bool]]:
    from healthnet.core.oidc.scopes import API_SCOPES

    out = [(code, zh, en, True) for code, (zh, en) in OIDC_SCOPES.items()]
    out += [(code, zh, en, False) for code, (zh, en) in API_SCOPES.items()]
    return out
