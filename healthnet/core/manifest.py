"""What a slice or module declares about itself: the app and the menus are built from these."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class MenuEntry:
    key: str  # i18n key of the title, e.g. "menu.orgs.institutions"
    path: str  # web route
    permission: str


@dataclass(frozen=True)
class Manifest:
    key: str
    router: str | None = None  # "package.api:router", imported lazily by the app
    prefix: str = ""
    depends: tuple[str, ...] = ()
    permissions: dict[str, tuple[str, str]] = field(default_factory=dict)  # code → (zh, en)
    menu: tuple[MenuEntry, ...] = ()
