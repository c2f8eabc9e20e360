"""Roles, grants, separation of duties, the Actor and the integrity check.

(The permission catalogue, the role metadata and the menus are in :mod:`.catalogue`;
re-exported here.) Public functions other slices call:
:func:`actor_for` (the request's :class:`~healthnet.core.rbac.actor.Actor`, after checking the
integrity tags of everything it is built from), :func:`grant_roles` (the one path that gives a
user roles; auth's ``create_user`` uses it), :func:`load_builtin_roles`,
:func:`permission_catalogue`, :func:`verify_integrity`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from healthnet.core.crypto import sm3
from healthnet.core.errors import (
    Conflict,
    FieldError,
    Forbidden,
    NotFound,
    Unauthenticated,
    ValidationFailed,
)
from healthnet.core.i18n import t
from healthnet.core.rbac.actor import DATA_SCOPES, SCOPE_CUSTOM, SCOPE_OWN, Actor
from healthnet.core.rbac.catalogue import (
    ROLES_FILE,
    expand_permissions,
    menu_title,
    menus_for,
    permission_catalogue,
    permission_codes,
    read_metadata,
    reserved_duty,
)
from healthnet.core.rbac.integrity import (
    IntegrityMixin,
    IntegrityProblem,
    retag,
    scan,
    tagged_models,
    verify_row,
)
from healthnet.core.rbac.models import Role, RoleInstitution, RolePermission, UserRole
from healthnet.core.rbac.schemas import (
    RoleCreate,
    RoleQuery,
    RoleRead,
    RoleUpdate,
    UserRoleRead,
)
from healthnet.core.rbac.scope import check_object
from healthnet.core.schemas import Page

log = logging.getLogger("healthnet.rbac")

_DETAIL_LIST_MAX = 40  # keep audit details small (the audit trail caps them at 2000 bytes)


def load_builtin_roles(
    *, session: Session, path: Path = ROLES_FILE, repair: bool = False
) -> tuple[int, int]:
    """Create or update the built-in roles of the metadata file, keyed by code.

    Returns (created, updated); running it again changes nothing. Fails (ValueError) when a
    role lists an undeclared permission or one reserved to another duty. With ``repair``, a
    built-in role whose rows fail their integrity check is rewritten from the file and re-tagged
    (everything its tags cover comes from the file); without it such a role stays refused.
    """
    meta = read_metadata(path)
    known = permission_codes()
    existing = {r.code: r for r in session.scalars(select(Role))}
    created = updated = 0
    for spec in meta.roles:
        perms = expand_permissions(spec.permissions, known)
        for p in perms:
            duty = reserved_duty(p, meta)
            if duty is not None and duty != spec.duty:
                raise ValueError(f"role {spec.code}: {p} is reserved to the {duty} duty")
        role = existing.get(spec.code)
        if role is not None and not role.builtin:
            raise ValueError(f"role {spec.code} exists and is not built-in")
        before = None if role is None else _role_state(role)
        role = define_role(
            session=session,
            role=role,
            code=spec.code,
            name=spec.name,
            name_en=spec.name_en,
            description=spec.description,
            data_scope=spec.data_scope,
            permissions=perms,
            builtin=True,
            duty=spec.duty,
        )
        if before is None:
            created += 1
        elif before != _role_state(role):
            updated += 1
        if repair and not role_intact(role):
            rows: list[IntegrityMixin] = [role, *role.permission_rows, *role.institution_rows]
            for row in rows:
                if not verify_row(row):
                    retag(row)
            log.warning(
                "built-in role re-tagged from the metadata file",
                extra={"table": "rbac_role", "row": role.id},
            )
            updated += 1
    session.flush()
    return created, updated


def _role_state(role: Role) -> tuple[Any, ...]:
    return (
        role.name,
        role.name_en,
        role.description,
        role.data_scope,
        role.duty,
        tuple(role.permissions),
        tuple(role.institution_ids),
    )


# --------------------------------------------------------------------------- the write path


def permissions_digest(permissions: Iterable[str], institution_ids: Iterable[str]) -> str:
    """SM3 over the role's whole permission and institution set; covered by the role's tag,
    so a permission row inserted or deleted in the database is detected."""
    text = "\n".join(sorted(set(permissions))) + "\x00" + "\n".join(sorted(set(institution_ids)))
    return sm3(text.encode("utf-8")).hex()


def define_role(
    *,
    session: Session,
    code: str,
    name: str,
    data_scope: str,
    permissions: Iterable[str],
    institution_ids: Iterable[str] = (),
    name_en: str = "",
    description: str | None = None,
    builtin: bool = False,
    duty: str | None = None,
    role: Role | None = None,
) -> Role:
    """Create ``role`` (or rewrite it) with exactly these permissions and institutions.

    The one place that writes role rows and keeps ``permissions_digest`` right. It checks
    shapes only; the API rules (catalogue, reserved permissions, built-in roles) are in
    :func:`create_role` / :func:`update_role`.
    """
    perms = sorted(set(permissions))
    insts = sorted(set(institution_ids))
    if data_scope not in DATA_SCOPES:
        raise ValidationFailed.field("dataScope", "rbac.scope_unknown", scope=data_scope)
    if data_scope == SCOPE_CUSTOM and not insts:
        raise ValidationFailed.field("institutionIds", "rbac.custom_scope_needs_institutions")
    if data_scope != SCOPE_CUSTOM and insts:
        raise ValidationFailed.field("institutionIds", "rbac.institutions_only_for_custom")
    if role is None:
        role = Role(code=code)
        session.add(role)
    role.name, role.name_en, role.description = name, name_en, description
    role.data_scope, role.builtin, role.duty = data_scope, builtin, duty
    have = {p.permission: p for p in role.permission_rows}
    role.permission_rows = [have.get(p) or RolePermission(permission=p) for p in perms]
    have_inst = {r.institution_id: r for r in role.institution_rows}
    role.institution_rows = [have_inst.get(i) or RoleInstitution(institution_id=i) for i in insts]
    role.permissions_digest = permissions_digest(perms, insts)
    session.flush()
    return role


def _check_catalogue(permissions: Sequence[str]) -> None:
    known = permission_codes()
    meta = read_metadata()
    for n, p in enumerate(permissions):
        if p not in known:
            raise ValidationFailed.field(
                f"permissions[{n}]", "rbac.permission_unknown", permission=p
            )
        duty = reserved_duty(p, meta)
        if duty is not None:
            raise ValidationFailed.field(
                f"permissions[{n}]",
                "rbac.permission_reserved",
                permission=p,
                duty=meta.duty_names[duty],
            )


def _check_institutions(session: Session, institution_ids: Sequence[str]) -> None:
    from healthnet.core.orgs.models import Institution

    if not institution_ids:
        return
    found = set(session.scalars(select(Institution.id).where(Institution.id.in_(institution_ids))))
    for n, i in enumerate(institution_ids):
        if i not in found:
            raise ValidationFailed.field(
                f"institutionIds[{n}]", "rbac.institution_unknown", value=i
            )


def _audit(
    session: Session,
    actor: Actor,
    action: str,
    resource_type: str,
    resource_id: str,
    detail: dict[str, Any],
    ctx: Any,
) -> None:
    from healthnet.core.audit import service as audit

    def clip(v: Any) -> Any:
        return sorted(v)[:_DETAIL_LIST_MAX] if isinstance(v, set | list | tuple) else v

    audit.record(
        session=session,
        actor=actor,
        action=action,
        resource_type=resource_type,
        resource_id=resource_id,
        purpose="ADMIN",
        detail={k: clip(v) for k, v in detail.items()},
        request=ctx,
    )


def role_read(role: Role) -> RoleRead:
    return RoleRead(
        id=role.id,
        code=role.code,
        name=role.name,
        name_en=role.name_en,
        description=role.description,
        data_scope=role.data_scope,
        builtin=role.builtin,
        duty=role.duty,
        permissions=role.permissions,
        institution_ids=role.institution_ids,
        created_at=role.created_at,
        updated_at=role.updated_at,
    )


def get_role(*, session: Session, role_id: str) -> Role:
    role = session.get(Role, role_id)
    if role is None:
        raise NotFound("rbac.role_not_found")
    return role


def list_roles(*, session: Session, query: RoleQuery) -> Page[RoleRead]:
    conds = []
    if query.q:
        conds.append(
            or_(
                Role.code.icontains(query.q, autoescape=True),
                Role.name.icontains(query.q, autoescape=True),
            )
        )
    if query.builtin is not None:
        conds.append(Role.builtin.is_(query.builtin))
    total = session.scalar(select(func.count(Role.id)).where(*conds)) or 0
    rows = session.scalars(
        select(Role)
        .where(*conds)
        .order_by(Role.builtin.desc(), Role.code)
        .offset(query.offset)
        .limit(query.page_size)
    )
    return Page[RoleRead](
        items=[role_read(r) for r in rows], total=total, page=query.page, page_size=query.page_size
    )


def create_role(*, session: Session, actor: Actor, data: RoleCreate, ctx: Any = None) -> Role:
    if session.scalar(select(Role.id).where(Role.code == data.code)):
        raise Conflict(
            "rbac.role_code_taken",
            value=data.code,
            errors=[
                FieldError(
                    "code", "rbac.role_code_taken", t("rbac.role_code_taken", value=data.code)
                )
            ],
        )
    _check_catalogue(data.permissions)
    _check_institutions(session, data.institution_ids)
    role = define_role(
        session=session,
        code=data.code,
        name=data.name,
        name_en=data.name_en,
        description=data.description,
        data_scope=data.data_scope,
        permissions=data.permissions,
        institution_ids=data.institution_ids,
    )
    _audit(
        session,
        actor,
        "rbac.role.create",
        "rbac.role",
        role.id,
        {
            "roleCode": role.code,
            "dataScope": role.data_scope,
            "added": role.permissions,
            "institutionIds": role.institution_ids,
        },
        ctx,
    )
    return role


def update_role(
    *, session: Session, actor: Actor, role_id: str, data: RoleUpdate, ctx: Any = None
) -> Role:
    role = get_role(session=session, role_id=role_id)
    if role.builtin:
        raise Conflict("rbac.role_builtin_readonly")
    sent = data.model_fields_set
    perms = role.permissions if data.permissions is None else data.permissions
    scope = data.data_scope or role.data_scope
    if data.institution_ids is not None:
        insts = data.institution_ids
    else:
        # Leaving the custom scope drops its institution list rather than refusing.
        insts = role.institution_ids if scope == SCOPE_CUSTOM else []
    if data.permissions is not None:
        _check_catalogue(data.permissions)
    _check_institutions(session, insts)
    before = set(role.permissions)
    define_role(
        session=session,
        role=role,
        code=role.code,
        name=data.name if data.name is not None else role.name,
        name_en=data.name_en if data.name_en is not None else role.name_en,
        description=data.description if "description" in sent else role.description,
        data_scope=scope,
        permissions=perms,
        institution_ids=insts,
    )
    after = set(role.permissions)
    _audit(
        session,
        actor,
        "rbac.role.update",
        "rbac.role",
        role.id,
        {
            "roleCode": role.code,
            "dataScope": role.data_scope,
            "added": after - before,
            "removed": before - after,
            "institutionIds": role.institution_ids,
        },
        ctx,
    )
    return role


def delete_role(*, session: Session, actor: Actor, role_id: str, ctx: Any = None) -> None:
    role = get_role(session=session, role_id=role_id)
    if role.builtin:
        raise Conflict("rbac.role_builtin_readonly")
    holders = (
        session.scalar(
            select(func.count()).select_from(UserRole).where(UserRole.role_id == role.id)
        )
        or 0
    )
    if holders:
        raise Conflict("rbac.role_in_use", count=holders)
    _audit(
        session,
        actor,
        "rbac.role.delete",
        "rbac.role",
        role.id,
        {"roleCode": role.code, "removed": role.permissions},
        ctx,
    )
    session.delete(role)
    session.flush()


# --------------------------------------------------------------------------- grants


def check_duties(roles: Sequence[Role]) -> None:
    """三员分立: at most one administrator duty per account, and an administrator account
    holds no other role (so the system administrator never reaches patient data)."""
    duties = {r.duty for r in roles if r.duty}
    if len(duties) > 1:
        raise Conflict("rbac.duty_conflict")
    if duties and len({r.id or r.code for r in roles}) > 1:
        raise Conflict("rbac.admin_role_exclusive")


def _held_roles(session: Session, user_id: str) -> list[Role]:
    return list(
        session.scalars(
            select(Role)
            .join(UserRole, UserRole.role_id == Role.id)
            .where(UserRole.user_id == user_id)
        )
    )


def roles_by_code(
    *, session: Session, role_codes: Iterable[str], field: str = "roleCodes"
) -> list[Role]:
    """The roles with these codes; ValidationFailed naming ``field`` when one is unknown."""
    codes = sorted(set(role_codes))
    roles = list(session.scalars(select(Role).where(Role.code.in_(codes)))) if codes else []
    if len(roles) != len(codes):
        raise ValidationFailed.field(field, "field.invalid")
    return roles


def grant_roles(
    *,
    session: Session,
    user: Any,
    roles: Sequence[Role] = (),
    role_codes: Iterable[str] = (),
    granted_by: str | None = None,
) -> list[Role]:
    """Give ``user`` these roles (by object or code) on top of those held, after the
    separation-of-duties check. The only write path for grants."""
    wanted = list(roles) + roles_by_code(session=session, role_codes=role_codes)
    held = _held_roles(session, user.id)
    held_ids = {r.id for r in held}
    new = {r.id: r for r in wanted if r.id not in held_ids}
    check_duties(held + list(new.values()))
    for role in new.values():
        session.add(
            UserRole(
                user_id=user.id, role_id=role.id, granted_by=granted_by[:32] if granted_by else None
            )
        )
    session.flush()
    if new:
        session.expire(user, ["roles"])
    return held + list(new.values())


def _target_user(session: Session, actor: Actor, user_id: str) -> Any:
    from healthnet.core.auth.models import User

    user = session.get(User, user_id)
    if user is None:
        raise NotFound("rbac.user_not_found")
    check_object(
        actor, session=session, institution_id=user.institution_id, not_found="rbac.user_not_found"
    )
    return user


def user_roles(*, session: Session, actor: Actor, user_id: str) -> list[UserRoleRead]:
    _target_user(session, actor, user_id)
    grants = session.scalars(select(UserRole).where(UserRole.user_id == user_id))
    return sorted((_grant_read(g) for g in grants), key=lambda g: g.role_code)


def _grant_read(g: UserRole) -> UserRoleRead:
    return UserRoleRead(
        role_id=g.role_id,
        role_code=g.role.code,
        role_name=g.role.name,
        data_scope=g.role.data_scope,
        duty=g.role.duty,
        granted_at=g.granted_at,
        granted_by=g.granted_by,
    )


def assign_role(
    *, session: Session, actor: Actor, user_id: str, role_code: str, ctx: Any = None
) -> list[UserRoleRead]:
    user = _target_user(session, actor, user_id)
    if user.id == actor.user_id:
        raise Forbidden("rbac.self_grant")
    (role,) = roles_by_code(session=session, role_codes=[role_code], field="roleCode")
    grant_roles(session=session, user=user, roles=[role], granted_by=actor.user_id)
    _audit(
        session,
        actor,
        "rbac.user_role.grant",
        "auth.user",
        user.id,
        {"roleCode": role.code, "duty": role.duty},
        ctx,
    )
    return user_roles(session=session, actor=actor, user_id=user.id)


def remove_role(
    *, session: Session, actor: Actor, user_id: str, role_id: str, ctx: Any = None
) -> None:
    user = _target_user(session, actor, user_id)
    if user.id == actor.user_id:
        raise Forbidden("rbac.self_grant")
    grant = session.get(UserRole, (user.id, role_id))
    if grant is None:
        raise NotFound("rbac.role_not_found")
    code = grant.role.code
    session.delete(grant)
    session.flush()
    session.expire(user, ["roles"])
    _audit(session, actor, "rbac.user_role.revoke", "auth.user", user.id, {"roleCode": code}, ctx)


# --------------------------------------------------------------------------- the Actor


def _integrity_failure(table: str, row_id: str) -> None:
    # Ids only: never values. `healthnet rbac verify-integrity` names every affected row.
    log.critical("access-control integrity check failed", extra={"table": table, "row": row_id})


def role_intact(role: Role) -> bool:
    """The role row, each permission and institution row, and the set as a whole verify."""
    if not verify_row(role):
        return False
    if not all(verify_row(p) for p in role.permission_rows):
        return False
    if not all(verify_row(i) for i in role.institution_rows):
        return False
    return role.permissions_digest == permissions_digest(role.permissions, role.institution_ids)


def actor_for(*, session: Session, user: Any) -> Actor:
    """The Actor of ``user``: permissions, role codes and data scope of all their roles.

    Checks the integrity tags of the user row, the grants, the roles and their permission
    rows first; a row changed behind the application's back denies the request (401 when
    the account row itself fails, 403 when a grant or role does).
    """
    from healthnet.core.orgs.service import district_of_institution

    # Query first: the autoflush writes pending ORM changes (and their tags) before checking.
    grants = list(session.scalars(select(UserRole).where(UserRole.user_id == user.id)))
    if not verify_row(user):
        _integrity_failure("auth_user", user.id)
        raise Unauthenticated("rbac.integrity_violation")
    perms: set[str] = set()
    codes: list[str] = []
    scopes: set[str] = set()
    custom: set[str] = set()
    for grant in grants:
        role = grant.role
        if not verify_row(grant):
            _integrity_failure("rbac_user_role", f"{grant.user_id}/{grant.role_id}")
            raise Forbidden("rbac.integrity_violation")
        if not role_intact(role):
            _integrity_failure("rbac_role", role.id)
            raise Forbidden("rbac.integrity_violation")
        perms.update(role.permissions)
        codes.append(role.code)
        scopes.add(role.data_scope)
        if role.data_scope == SCOPE_CUSTOM:
            custom.update(role.institution_ids)
    scopes.add(SCOPE_OWN)
    district = (
        district_of_institution(session=session, institution_id=user.institution_id)
        if user.institution_id
        else None
    )
    return Actor(
        user.id,
        user.username,
        user.institution_id,
        district,
        frozenset(perms),
        role_codes=tuple(sorted(codes)),
        scopes=frozenset(scopes),
        custom_institution_ids=frozenset(custom),
    )


# --------------------------------------------------------------------------- integrity


def verify_integrity(*, session: Session) -> list[IntegrityProblem]:
    """Every tagged row that does not verify, and every role whose permission set was changed
    (rows inserted or deleted) behind the application's back."""
    problems: list[IntegrityProblem] = []
    for model in tagged_models():
        problems.extend(scan(session, model))
    for role in session.scalars(select(Role)):
        if role.permissions_digest != permissions_digest(role.permissions, role.institution_ids):
            problems.append(IntegrityProblem("rbac_role", (role.id,), "permission_set_changed"))
    return problems


__all__ = [
    "ROLES_FILE",
    "actor_for",
    "assign_role",
    "check_duties",
    "create_role",
    "define_role",
    "delete_role",
    "expand_permissions",
    "get_role",
    "grant_roles",
    "list_roles",
    "load_builtin_roles",
    "menu_title",
    "menus_for",
    "permission_catalogue",
    "permission_codes",
    "permissions_digest",
    "read_metadata",
    "remove_role",
    "reserved_duty",
    "role_intact",
    "role_read",
    "roles_by_code",
    "update_role",
    "user_roles",
    "verify_integrity",
]
