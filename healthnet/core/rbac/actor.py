"""Who is calling: the :class:`Actor` resolved once per request, and the data scopes.

This module imports nothing from the database layer so that every slice (and the audit
trail) can type against :class:`Actor` without import cycles.
"""

from __future__ import annotations

from dataclasses import dataclass

# Data scopes, narrowest first. "custom" is a hand-picked set of institutions; it is ranked
# between one institution and a whole district only to name a "widest" scope for display —
# filtering always uses the union of everything the user's roles grant (see rbac.scope).
SCOPE_OWN = "own"  # records the user created or is responsible for
SCOPE_INSTITUTION = "institution"
SCOPE_CUSTOM = "custom"
SCOPE_DISTRICT = "district"
SCOPE_CITY = "city"
DATA_SCOPES = (SCOPE_OWN, SCOPE_INSTITUTION, SCOPE_CUSTOM, SCOPE_DISTRICT, SCOPE_CITY)


def widest_scope(scopes: set[str] | frozenset[str]) -> str:
    known = [s for s in DATA_SCOPES if s in scopes]
    return known[-1] if known else SCOPE_OWN


@dataclass(frozen=True)
class Actor:
    """The caller of a request or job.

    The first five fields are positional (older call sites build ``Actor(...)`` that way);
    the rest describe the roles and the data scope. ``scopes`` is every scope the user's roles
    grant; ``data_scope`` the widest of them; ``custom_institution_ids`` the institutions of
    custom-scope roles.
    """

    user_id: str
    username: str
    institution_id: str | None
    district_code: str | None
    permissions: frozenset[str]
    role_codes: tuple[str, ...] = ()
    scopes: frozenset[str] = frozenset({SCOPE_OWN})
    custom_institution_ids: frozenset[str] = frozenset()

    @property
    def data_scope(self) -> str:
        return widest_scope(self.scopes)

    def can(self, permission: str) -> bool:
        return permission in self.permissions


# Internal work that is not done on anybody's behalf (jobs, loaders): the whole city, but no
# permissions — it never passes a route's permission check.
SYSTEM_ACTOR = Actor("system", "system", None, None, frozenset(), scopes=frozenset({SCOPE_CITY}))
