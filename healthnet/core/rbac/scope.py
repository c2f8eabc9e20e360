"""The one place where data scope limits what a caller sees.

* :func:`apply_scope` adds the caller's scope to a list query;
* :func:`check_object` refuses an object read outside the scope with **404**, the answer for an
  id that does not exist, so the response does not reveal that the object exists elsewhere.

A caller sees the union of what their roles grant: records they created or are responsible for
(``own``, always included when the table has an owner column), their institution
(``institution``), a hand-picked institution set (``custom``), everything registered in or
belonging to their district (``district``), or everything (``city``).

A slice describes its rows with up to three columns: the owning institution, the district and
the owner (user id). Any of them may be an SQL expression, e.g. :func:`creator_institution`.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, false, or_, select
from sqlalchemy.orm import Session

from healthnet.core.errors import NotFound
from healthnet.core.rbac.actor import (
    SCOPE_CITY,
    SCOPE_DISTRICT,
    SCOPE_INSTITUTION,
    Actor,
)

S = TypeVar("S", bound=Select[Any])


def _institutions_in_district(district_code: str) -> Select[Any]:
    # orgs is a core slice; importing its table here keeps the scope filter one SQL statement.
    from healthnet.core.orgs.models import Institution

    return select(Institution.id).where(Institution.district_code == district_code)


def creator_institution(owner_column: Any) -> Any:
    """SQL for "the institution of the user in ``owner_column``": for rows that record who
    created them but not where (e.g. a resident registered by a hospital's staff member)."""
    from healthnet.core.auth.models import User

    return select(User.institution_id).where(User.id == owner_column).scalar_subquery()


def scope_condition(
    actor: Actor,
    *,
    institution_column: Any = None,
    district_column: Any = None,
    owner_column: Any = None,
) -> ColumnElement[bool] | None:
    """The WHERE condition for ``actor``'s data scope; None when the actor sees everything."""
    if SCOPE_CITY in actor.scopes:
        return None
    conds: list[ColumnElement[bool]] = []
    if owner_column is not None:
        conds.append(owner_column == actor.user_id)
    if institution_column is not None:
        if SCOPE_INSTITUTION in actor.scopes and actor.institution_id:
            conds.append(institution_column == actor.institution_id)
        if actor.custom_institution_ids:
            conds.append(institution_column.in_(sorted(actor.custom_institution_ids)))
    if SCOPE_DISTRICT in actor.scopes and actor.district_code:
        if district_column is not None:
            conds.append(district_column == actor.district_code)
        if institution_column is not None:
            conds.append(institution_column.in_(_institutions_in_district(actor.district_code)))
    return or_(*conds) if conds else false()


def apply_scope(
    stmt: S,
    actor: Actor,
    *,
    institution_column: Any = None,
    district_column: Any = None,
    owner_column: Any = None,
) -> S:
    """``stmt`` limited to the rows ``actor`` may see. Give at least one column."""
    if institution_column is None and district_column is None and owner_column is None:
        raise ValueError("apply_scope needs an institution, district or owner column")
    cond = scope_condition(
        actor,
        institution_column=institution_column,
        district_column=district_column,
        owner_column=owner_column,
    )
    return stmt if cond is None else stmt.where(cond)


def in_scope(
    actor: Actor,
    *,
    session: Session,
    institution_id: str | None = None,
    district_code: str | None = None,
    owner_id: str | None = None,
) -> bool:
    """Whether one object, described by its institution, district and owner, is in scope."""
    if SCOPE_CITY in actor.scopes:
        return True
    if owner_id is not None and owner_id == actor.user_id:
        return True
    if institution_id is not None:
        if SCOPE_INSTITUTION in actor.scopes and institution_id == actor.institution_id:
            return True
        if institution_id in actor.custom_institution_ids:
            return True
    if SCOPE_DISTRICT in actor.scopes and actor.district_code:
        if district_code is not None and district_code == actor.district_code:
            return True
        if institution_id is not None:
            from healthnet.core.orgs.models import Institution

            inst_district = session.scalar(
                select(Institution.district_code).where(Institution.id == institution_id)
            )
            if inst_district == actor.district_code:
                return True
    return False


def check_object(
    actor: Actor,
    *,
    session: Session,
    institution_id: str | None = None,
    district_code: str | None = None,
    owner_id: str | None = None,
    not_found: str = "not_found",
    **params: Any,
) -> None:
    """Raise ``NotFound(not_found, **params)`` — pass the code the slice uses for a missing
    object, so both answers are identical — unless the object is in ``actor``'s scope."""
    if not in_scope(
        actor,
        session=session,
        institution_id=institution_id,
        district_code=district_code,
        owner_id=owner_id,
    ):
        raise NotFound(not_found, **params)


def institution_of_user(*, session: Session, user_id: str | None) -> str | None:
    """The institution of a user (None for none, or no such user)."""
    if user_id is None:
        return None
    from healthnet.core.auth.models import User

    return session.scalar(select(User.institution_id).where(User.id == user_id))


__all__ = [
    "apply_scope",
    "check_object",
    "creator_institution",
    "in_scope",
    "institution_of_user",
    "scope_condition",
]
