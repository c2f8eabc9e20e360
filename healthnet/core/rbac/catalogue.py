"""The permission catalogue, the built-in role metadata and the menus — all read from the
MANIFESTs of the enabled slices and modules and from ``metadata/roles.yaml``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from healthnet.core.i18n import has, t
from healthnet.core.rbac.actor import DATA_SCOPES, SCOPE_CUSTOM, Actor
from healthnet.core.rbac.messages import FALLBACK_MENU_TITLES  # (registers the catalogue)
from healthnet.core.rbac.models import DUTIES
from healthnet.core.rbac.schemas import MenuNode, PermissionGroup, PermissionRead

ROLES_FILE = Path(__file__).resolve().parent / "metadata" / "roles.yaml"


# --------------------------------------------------------------------------- catalogue


def _manifests() -> list[Any]:
    from healthnet.app import manifests  # the app knows which slices and modules are enabled

    return manifests()


def permission_catalogue() -> list[PermissionGroup]:
    """Every permission declared by an enabled slice or module, grouped by slice."""
    groups = []
    for m in _manifests():
        if not m.permissions:
            continue
        key = f"slice.{m.key}"
        groups.append(
            PermissionGroup(
                slice=m.key,
                title=t(key) if has(key) else m.key,
                permissions=[
                    PermissionRead(code=c, label_zh=zh, label_en=en)
                    for c, (zh, en) in sorted(m.permissions.items())
                ],
            )
        )
    return groups


def permission_codes() -> set[str]:
    return {c for m in _manifests() for c in m.permissions}


def _matches(code: str, pattern: str) -> bool:
    return code.startswith(pattern[:-1]) if pattern.endswith("*") else code == pattern


def expand_permissions(patterns: Iterable[str], known: set[str]) -> list[str]:
    """Exact codes must be declared; ``prefix*`` patterns expand to the declared codes."""
    out: set[str] = set()
    for p in patterns:
        if p.endswith("*"):
            out.update(c for c in known if _matches(c, p))
        elif p in known:
            out.add(p)
        else:
            raise ValueError(f"permission {p!r} is not declared by any MANIFEST")
    return sorted(out)


# --------------------------------------------------------------------------- built-in roles


@dataclass(frozen=True)
class RoleSpec:
    code: str
    name: str
    name_en: str
    description: str | None
    data_scope: str
    duty: str | None
    permissions: tuple[str, ...]  # patterns as written


@dataclass(frozen=True)
class RoleMetadata:
    reserved: dict[str, tuple[str, ...]]  # duty → reserved patterns
    duty_names: dict[str, str]
    roles: tuple[RoleSpec, ...]


@lru_cache(maxsize=4)
def read_metadata(path: Path = ROLES_FILE) -> RoleMetadata:
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    duties = raw.get("duties") or {}
    if set(duties) != set(DUTIES):
        raise ValueError(f"{path}: duties must be exactly {DUTIES}")
    roles = []
    for item in raw.get("roles") or []:
        scope = str(item.get("data_scope", ""))
        duty = item.get("duty")
        if scope not in DATA_SCOPES or scope == SCOPE_CUSTOM:
            raise ValueError(f"{path}: role {item.get('code')}: data_scope {scope!r}")
        if duty is not None and duty not in DUTIES:
            raise ValueError(f"{path}: role {item.get('code')}: duty {duty!r}")
        roles.append(
            RoleSpec(
                code=str(item["code"]),
                name=str(item["name"]),
                name_en=str(item.get("name_en", "")),
                description=item.get("description"),
                data_scope=scope,
                duty=duty,
                permissions=tuple(str(p) for p in item.get("permissions") or ()),
            )
        )
    if len({r.code for r in roles}) != len(roles):
        raise ValueError(f"{path}: role codes repeat")
    for duty in DUTIES:
        if sum(1 for r in roles if r.duty == duty) != 1:
            raise ValueError(f"{path}: exactly one role must carry duty {duty}")
    return RoleMetadata(
        reserved={d: tuple(str(p) for p in duties[d].get("reserved") or ()) for d in DUTIES},
        duty_names={d: str(duties[d].get("name", d)) for d in DUTIES},
        roles=tuple(roles),
    )


def reserved_duty(permission: str, meta: RoleMetadata | None = None) -> str | None:
    """The duty whose built-in role alone may carry ``permission``, or None."""
    meta = meta or read_metadata()
    for duty, patterns in meta.reserved.items():
        if any(_matches(permission, p) for p in patterns):
            return duty
    return None


# --------------------------------------------------------------------------- menus


def menus_for(actor: Actor) -> list[MenuNode]:
    """The menu tree of the web UI for ``actor``: MANIFEST menu entries the actor may open,
    grouped by the first segment of their path, in the order the slices are mounted."""
    groups: dict[str, list[MenuNode]] = {}
    for m in _manifests():
        for entry in m.menu:
            if not actor.can(entry.permission):
                continue
            group = entry.path.strip("/").split("/")[0]
            groups.setdefault(group, []).append(
                MenuNode(
                    key=entry.key,
                    title=menu_title(entry.key),
                    path=entry.path,
                    permission=entry.permission,
                )
            )
    out = []
    for group, children in groups.items():
        key = f"menu.group.{group}"
        out.append(MenuNode(key=key, title=menu_title(key), path=f"/{group}", children=children))
    return out


def menu_title(key: str) -> str:
    """The Chinese title of a menu key: the slice's own message, else a fallback, else the key."""
    if has(key):
        return t(key)
    return FALLBACK_MENU_TITLES.get(key, key)
