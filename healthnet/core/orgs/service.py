"""Districts, institutions and departments: every rule about them, and the API other slices use.

Public functions other slices may call: :func:`district_of_institution`, :func:`get_institution`,
:func:`get_institution_by_code`, :func:`institution_ids_in_district`, :func:`list_districts`,
:func:`load_districts`, :func:`directory` (every institution, public facts, no scope).
Routes reach institutions through :func:`institution_in_scope` and :func:`list_institutions`,
which apply the caller's data scope (healthnet.core.rbac.scope).
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session

from healthnet.core.audit.context import AuditContext
from healthnet.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from healthnet.core.i18n import t
from healthnet.core.orgs import messages as _messages  # noqa: F401  (registers the catalogue)
from healthnet.core.orgs.metadata_files import DISTRICTS_FILE, read_districts
from healthnet.core.orgs.models import Department, District, Institution
from healthnet.core.orgs.schemas import (
    DepartmentCreate,
    DepartmentQuery,
    DepartmentRead,
    DepartmentUpdate,
    DirectoryEntry,
    DirectoryQuery,
    ImportResult,
    InstitutionCreate,
    InstitutionQuery,
    InstitutionRead,
    InstitutionUpdate,
)
from healthnet.core.rbac.actor import Actor
from healthnet.core.rbac.scope import apply_scope, check_object
from healthnet.core.schemas import Page

# Deep enough for any real hierarchy (city → district → hospital → campus); stops a bad loop.
_MAX_PARENT_DEPTH = 32

# ---------------------------------------------------------------- districts


def load_districts(*, session: Session, path: Path = DISTRICTS_FILE) -> tuple[int, int]:
    """Insert or update the districts of the metadata file, keyed by code. Returns (created,
    updated); running it again changes nothing."""
    existing = {d.code: d for d in session.scalars(select(District))}
    created = updated = 0
    for order, row in enumerate(read_districts(path)):
        values = {
            "name": str(row["name"]),
            "name_en": str(row.get("name_en") or ""),
            "longitude": row.get("longitude"),
            "latitude": row.get("latitude"),
            "sort_order": order,
        }
        code = str(row["code"])
        district = existing.get(code)
        if district is None:
            session.add(District(code=code, **values))
            created += 1
        elif any(getattr(district, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(district, k, v)
            updated += 1
    session.flush()
    return created, updated


def list_districts(*, session: Session) -> list[District]:
    return list(session.scalars(select(District).order_by(District.sort_order, District.code)))


def _require_district(session: Session, code: str, field: str = "districtCode") -> None:
    if session.get(District, code) is None:
        raise ValidationFailed.field(field, "orgs.district_unknown", value=code)


# ---------------------------------------------------------------- institutions


def district_of_institution(*, session: Session, institution_id: str) -> str | None:
    """The 6-digit district code of an institution, or None if there is no such institution."""
    return session.scalar(select(Institution.district_code).where(Institution.id == institution_id))


def institution_ids_in_district(
    *, session: Session, district_code: str, active_only: bool = True
) -> list[str]:
    stmt = select(Institution.id).where(Institution.district_code == district_code)
    if active_only:
        stmt = stmt.where(Institution.is_active.is_(True))
    return list(session.scalars(stmt))


def get_institution(*, session: Session, institution_id: str) -> Institution:
    inst = session.get(Institution, institution_id)
    if inst is None:
        raise NotFound("orgs.institution_not_found")
    return inst


def institution_in_scope(*, session: Session, actor: Actor, institution_id: str) -> Institution:
    """The institution, if it exists and lies in ``actor``'s data scope; otherwise the same 404
    as for an unknown id (the answer must not reveal institutions outside the scope)."""
    inst = get_institution(session=session, institution_id=institution_id)
    check_object(
        actor,
        session=session,
        institution_id=inst.id,
        district_code=inst.district_code,
        not_found="orgs.institution_not_found",
    )
    return inst


def get_institution_by_code(*, session: Session, code: str) -> Institution | None:
    return session.scalar(select(Institution).where(Institution.code == code))


def _check_code_free(session: Session, code: str, own_id: str | None = None) -> None:
    other = session.scalar(select(Institution.id).where(Institution.code == code))
    if other is not None and other != own_id:
        raise Conflict(
            "orgs.institution_code_taken",
            value=code,
            errors=[
                FieldError(
                    "code",
                    "orgs.institution_code_taken",
                    t("orgs.institution_code_taken", value=code),
                )
            ],
        )


def _check_parent(session: Session, parent_id: str | None, own_id: str | None) -> None:
    if parent_id is None:
        return
    if own_id is not None and parent_id == own_id:
        raise ValidationFailed.field("parentId", "orgs.parent_cycle")
    current: str | None = parent_id
    for _ in range(_MAX_PARENT_DEPTH):
        if current is None:
            return
        if own_id is not None and current == own_id:
            raise ValidationFailed.field("parentId", "orgs.parent_cycle")
        row = session.execute(
            select(Institution.id, Institution.parent_id).where(Institution.id == current)
        ).first()
        if row is None:
            if current == parent_id:
                raise ValidationFailed.field("parentId", "orgs.parent_unknown")
            return
        current = row.parent_id
    raise ValidationFailed.field("parentId", "orgs.parent_cycle")


def _check_coordinates(longitude: float | None, latitude: float | None) -> None:
    if (longitude is None) != (latitude is None):
        field = "latitude" if latitude is None else "longitude"
        raise ValidationFailed.field(field, "orgs.coordinates_incomplete")


def create_institution(
    *,
    session: Session,
    data: InstitutionCreate,
    actor: Actor | None = None,
    request: AuditContext | None = None,
) -> Institution:
    _check_code_free(session, data.code)
    _require_district(session, data.district_code)
    _check_parent(session, data.parent_id, None)
    _check_coordinates(data.longitude, data.latitude)
    values = data.model_dump()
    values["kind"] = data.kind.value
    values["level"] = data.level.value
    inst = Institution(is_active=True, **values)
    session.add(inst)
    session.flush()
    _audit(session, actor, request, "orgs.institution.create", "orgs.institution", inst.id)
    return inst


def update_institution(
    *,
    session: Session,
    institution_id: str,
    data: InstitutionUpdate,
    actor: Actor | None = None,
    request: AuditContext | None = None,
) -> Institution:
    """Change only the fields present in ``data`` (PATCH semantics)."""
    inst = get_institution(session=session, institution_id=institution_id)
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
    if "code" in changes:
        _check_code_free(session, changes["code"], inst.id)
    if "district_code" in changes:
        _require_district(session, changes["district_code"])
    if "parent_id" in changes:
        _check_parent(session, changes["parent_id"], inst.id)
    _check_coordinates(
        changes.get("longitude", inst.longitude), changes.get("latitude", inst.latitude)
    )
    for key, value in changes.items():
        setattr(inst, key, value.value if isinstance(value, Enum) else value)
    session.flush()
    if "district_code" in changes:
        session.expire(inst, ["district"])
    _audit(
        session,
        actor,
        request,
        "orgs.institution.update",
        "orgs.institution",
        inst.id,
        {"fields": sorted(changes)},
    )
    return inst


def set_institution_active(
    *,
    session: Session,
    institution_id: str,
    active: bool,
    actor: Actor | None = None,
    request: AuditContext | None = None,
) -> Institution:
    """Deactivate (or reactivate) an institution. Rows are never deleted: records, users and
    reports keep pointing at them."""
    inst = get_institution(session=session, institution_id=institution_id)
    if inst.is_active != active:
        inst.is_active = active
        session.flush()
    action = "orgs.institution.reactivate" if active else "orgs.institution.deactivate"
    _audit(session, actor, request, action, "orgs.institution", inst.id)
    return inst


_INSTITUTION_SORT: dict[str, InstrumentedAttribute[Any]] = {
    "code": Institution.code,
    "name": Institution.name,
    "districtCode": Institution.district_code,
    "kind": Institution.kind,
    "level": Institution.level,
    "beds": Institution.beds,
    "createdAt": Institution.created_at,
    "updatedAt": Institution.updated_at,
}


def list_institutions(
    *, session: Session, actor: Actor, query: InstitutionQuery
) -> Page[InstitutionRead]:
    """The institutions in ``actor``'s data scope that match ``query``."""
    conds: list[ColumnElement[bool]] = []
    if query.district_code is not None:
        conds.append(Institution.district_code == query.district_code)
    if query.kind is not None:
        conds.append(Institution.kind == query.kind.value)
    if query.level is not None:
        conds.append(Institution.level == query.level.value)
    if query.active is not None:
        conds.append(Institution.is_active.is_(query.active))
    if query.parent_id is not None:
        conds.append(Institution.parent_id == query.parent_id)
    if query.name:
        conds.append(
            or_(
                Institution.name.icontains(query.name, autoescape=True),
                Institution.short_name.icontains(query.name, autoescape=True),
                Institution.code.icontains(query.name, autoescape=True),
            )
        )

    def scoped(stmt: Select[Any]) -> Select[Any]:
        return apply_scope(
            stmt.where(*conds),
            actor,
            institution_column=Institution.id,
            district_column=Institution.district_code,
        )

    total = session.scalar(scoped(select(func.count(Institution.id)))) or 0
    column = _INSTITUTION_SORT[query.sort.removeprefix("-")]
    # NULLs (e.g. unknown beds) last in both directions, the same on SQLite and PostgreSQL.
    order = [column.is_(None), column.desc() if query.sort.startswith("-") else column.asc()]
    rows = session.scalars(
        scoped(select(Institution))
        .order_by(*order, Institution.code)
        .offset((query.page - 1) * query.page_size)
        .limit(query.page_size)
    ).unique()
    return Page[InstitutionRead](
        items=[InstitutionRead.model_validate(r) for r in rows],
        total=total,
        page=query.page,
        page_size=query.page_size,
    )


def directory(*, session: Session, query: DirectoryQuery) -> Page[DirectoryEntry]:
    """The institution directory: every institution of the network (not limited by data
    scope), with public facts only. Used to pick a transfer's receiving institution in another
    district and to name institutions in lists (decision 0018)."""
    conds: list[ColumnElement[bool]] = []
    if query.ids is not None:
        ids = [i.strip() for i in query.ids.split(",") if i.strip()]
        if len(ids) > 100:
            raise ValidationFailed.field("ids", "orgs.directory_too_many_ids")
        conds.append(Institution.id.in_(ids))
    else:
        conds.append(Institution.is_active.is_(True))
    if query.district_code is not None:
        conds.append(Institution.district_code == query.district_code)
    if query.kind is not None:
        conds.append(Institution.kind == query.kind.value)
    if query.name:
        conds.append(
            or_(
                Institution.name.icontains(query.name, autoescape=True),
                Institution.short_name.icontains(query.name, autoescape=True),
                Institution.code.icontains(query.name, autoescape=True),
            )
        )
    total = session.scalar(select(func.count(Institution.id)).where(*conds)) or 0
    rows = session.scalars(
        select(Institution)
        .where(*conds)
        .order_by(Institution.district_code, Institution.code)
        .offset((query.page - 1) * query.page_size)
        .limit(query.page_size)
    )
    return Page[DirectoryEntry](
        items=[DirectoryEntry.model_validate(r) for r in rows],
        total=total,
        page=query.page,
        page_size=query.page_size,
    )


# ---------------------------------------------------------------- departments


def _check_department_code_free(
    session: Session, institution_id: str, code: str, own_id: str | None = None
) -> None:
    other = session.scalar(
        select(Department.id).where(
            Department.institution_id == institution_id, Department.code == code
        )
    )
    if other is not None and other != own_id:
        raise Conflict(
            "orgs.department_code_taken",
            value=code,
            errors=[
                FieldError(
                    "code",
                    "orgs.department_code_taken",
                    t("orgs.department_code_taken", value=code),
                )
            ],
        )


def create_department(
    *,
    session: Session,
    institution_id: str,
    data: DepartmentCreate,
    actor: Actor | None = None,
    request: AuditContext | None = None,
) -> Department:
    get_institution(session=session, institution_id=institution_id)
    _check_department_code_free(session, institution_id, data.code)
    dept = Department(institution_id=institution_id, **data.model_dump())
    session.add(dept)
    session.flush()
    _audit(
        session,
        actor,
        request,
        "orgs.department.create",
        "orgs.department",
        dept.id,
        {"institutionId": institution_id},
    )
    return dept


def get_department(*, session: Session, institution_id: str, department_id: str) -> Department:
    dept = session.get(Department, department_id)
    # A department reached through another institution's path is "not found", not "forbidden":
    # the path must not reveal what exists elsewhere.
    if dept is None or dept.institution_id != institution_id:
        raise NotFound("orgs.department_not_found")
    return dept


def list_departments(
    *, session: Session, institution_id: str, query: DepartmentQuery
) -> Page[DepartmentRead]:
    get_institution(session=session, institution_id=institution_id)
    conds: list[ColumnElement[bool]] = [Department.institution_id == institution_id]
    if query.active is not None:
        conds.append(Department.is_active.is_(query.active))
    if query.name:
        conds.append(
            or_(
                Department.name.icontains(query.name, autoescape=True),
                Department.code.icontains(query.name, autoescape=True),
            )
        )
    total = session.scalar(select(func.count(Department.id)).where(*conds)) or 0
    rows = session.scalars(
        select(Department)
        .where(*conds)
        .order_by(Department.code)
        .offset((query.page - 1) * query.page_size)
        .limit(query.page_size)
    )
    return Page[DepartmentRead](
        items=[DepartmentRead.model_validate(r) for r in rows],
        total=total,
        page=query.page,
        page_size=query.page_size,
    )


def update_department(
    *,
    session: Session,
    institution_id: str,
    department_id: str,
    data: DepartmentUpdate,
    actor: Actor | None = None,
    request: AuditContext | None = None,
) -> Department:
    dept = get_department(
        session=session, institution_id=institution_id, department_id=department_id
    )
    changes = data.model_dump(exclude_unset=True)
    if "code" in changes:
        _check_department_code_free(session, institution_id, changes["code"], dept.id)
    for key, value in changes.items():
        setattr(dept, key, value)
    session.flush()
    _audit(
        session,
        actor,
        request,
        "orgs.department.update",
        "orgs.department",
        dept.id,
        {"institutionId": institution_id, "fields": sorted(changes)},
    )
    return dept


def delete_department(
    *,
    session: Session,
    institution_id: str,
    department_id: str,
    actor: Actor | None = None,
    request: AuditContext | None = None,
) -> None:
    """Delete a department nothing refers to; one that is referenced must be deactivated."""
    dept = get_department(
        session=session, institution_id=institution_id, department_id=department_id
    )
    try:
        # A savepoint, so a refused delete leaves the request's transaction usable.
        with session.begin_nested():
            session.execute(delete(Department).where(Department.id == dept.id))
    except IntegrityError as exc:
        raise Conflict("orgs.department_in_use") from exc
    session.expunge(dept)
    _audit(
        session,
        actor,
        request,
        "orgs.department.delete",
        "orgs.department",
        department_id,
        {"institutionId": institution_id},
    )


# ---------------------------------------------------------------- CSV import


def import_institutions(
    *,
    session: Session,
    content: bytes,
    actor: Actor | None = None,
    request: AuditContext | None = None,
) -> ImportResult:
    """Create or update institutions from a CSV file, keyed by institution code.

    Every row is checked first; if any is wrong, :class:`~healthnet.core.orgs.csv_import.
    ImportRejected` lists each error with its line and nothing is written.
    """
    from healthnet.core.orgs.csv_import import run_import

    result = run_import(session=session, content=content)
    _audit(
        session,
        actor,
        request,
        "orgs.institution.import",
        "orgs.institution",
        None,
        {
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "total": result.total,
        },
    )
    return result


def _audit(
    session: Session,
    actor: Actor | None,
    request: AuditContext | None,
    action: str,
    resource_type: str,
    resource_id: str | None,
    detail: dict[str, Any] | None = None,
) -> None:
    """SECURITY.md: every configuration change is audited (in the caller's transaction, as
    the last step). ``actor`` is None for the CLI and the demo loader."""
    from healthnet.core.audit import service as audit

    audit.record(
        session=session,
        actor=actor,
        action=action,
        resource_type=resource_type,
        resource_id=resource_id,
        purpose="ADMIN",
        detail=detail,
        request=request,
        username=None if actor is not None else "system",
    )
