"""The to-do list: every enabled slice's ``todos`` provider, asked for the current actor.

A provider is ``(*, session, actor) -> list[Todo]`` named in its MANIFEST and imported lazily
(like routers). It decides itself which items the actor may see (permission, data scope);
items with nothing to do (count 0) are left out here.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from sqlalchemy.orm import Session

from healthnet.core.manifest import Todo
from healthnet.core.rbac.actor import Actor

Provider = Callable[..., list[Todo]]
_LEVEL_ORDER = {"danger": 0, "warning": 1, "info": 2}


def providers() -> list[Provider]:
    from healthnet.app import manifests  # the app knows which slices and modules are enabled

    found: list[Provider] = []
    for m in manifests():
        if m.todos:
            module_name, _, attr = m.todos.partition(":")
            found.append(getattr(importlib.import_module(module_name), attr))
    return found


def todos(*, session: Session, actor: Actor) -> list[Todo]:
    """The actor's open to-do items, most urgent first."""
    items = [
        item
        for provider in providers()
        for item in provider(session=session, actor=actor)
        if item.count > 0
    ]
    # Stable: within a level, the order of the slices in the app.
    return sorted(items, key=lambda item: _LEVEL_ORDER[item.level])
