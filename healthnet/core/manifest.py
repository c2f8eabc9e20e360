"""What a slice or module declares about itself: the app and the menus are built from these."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True)
class MenuEntry:
    key: str  # i18n key of the title, e.g. "menu.orgs.institutions"
    path: str  # web route
    permission: str


@dataclass(frozen=True)
class Todo:
    """One line of the home page's to-do list (a slice's ``todos`` provider returns these)."""

    key: str  # stable, e.g. "patients.candidates_open"
    title: str  # Chinese, from the slice's message catalogue
    count: int
    path: str  # web route that deals with it
    level: Literal["info", "warning", "danger"] = "warning"


@dataclass(frozen=True)
class Manifest:
    key: str
    router: str | None = None  # "package.api:router", imported lazily by the app
    prefix: str = ""
    depends: tuple[str, ...] = ()
    permissions: dict[str, tuple[str, str]] = field(default_factory=dict)  # code → (zh, en)
    menu: tuple[MenuEntry, ...] = ()
    # "package.module:function", imported lazily by the home page (healthnet.core.home): the
    # slice's to-do items for the signed-in user, ``(*, session, actor) -> list[Todo]``.
    todos: str | None = None
