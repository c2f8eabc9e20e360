"""A few seconds' memory of each session's Actor, so a request does not rebuild it from the
account, grants, roles, permissions and institution rows (≈ 8 SQL statements and the integrity
checks) every time.

What is kept: the :class:`~healthnet.core.rbac.actor.Actor` (user id and name, institution,
district, permissions, role codes, data scopes) under the SM3 hash of the session token — no
patient data. The session row itself is still read on every request, so logout, forced logout,
expiry and the idle limit take effect at once in every process.

Invalidation: in this process the whole cache is emptied when a session flushes or commits a
change to an account, role, grant, role permission, role institution or institution row (ORM
changes and ``UPDATE``/``INSERT``/``DELETE`` statements sent through a Session), and an entry is
dropped when its session is logged out. In other worker processes a change (or tampering with
those rows behind the application's back) takes effect within :data:`TTL_SECONDS` (decision
0008, "Actor cache").
"""

from __future__ import annotations

import threading
import time
from typing import Any

from sqlalchemy import TextClause, event
from sqlalchemy.orm import ORMExecuteState, Session

from healthnet.core.rbac.actor import Actor

TTL_SECONDS = 5.0
MAX_ENTRIES = 50_000

# The rows an Actor is built from (rbac.service.actor_for).
WATCHED_TABLES = frozenset(
    {
        "auth_user",
        "rbac_role",
        "rbac_role_permission",
        "rbac_role_institution",
        "rbac_user_role",
        "orgs_institution",
    }
)
_CHANGED = "healthnet.auth.actor_rows_changed"

_lock = threading.Lock()
_entries: dict[str, tuple[float, Actor]] = {}
_generation = 0


def generation() -> int:
    """Read before building an Actor; pass to :func:`put` (a change meanwhile discards it)."""
    return _generation


def get(token_hash: str, user_id: str) -> Actor | None:
    entry = _entries.get(token_hash)
    if entry is None:
        return None
    expires, actor = entry
    if expires <= time.monotonic() or actor.user_id != user_id:
        _entries.pop(token_hash, None)
        return None
    return actor


def put(token_hash: str, actor: Actor, built_at_generation: int) -> None:
    with _lock:
        if built_at_generation != _generation:
            return  # the rows changed while it was built: it may be stale already
        if len(_entries) >= MAX_ENTRIES:
            _entries.clear()
        _entries[token_hash] = (time.monotonic() + TTL_SECONDS, actor)


def forget(token_hash: str) -> None:
    """Drop one session's Actor (logout, forced logout)."""
    _entries.pop(token_hash, None)


def invalidate() -> None:
    """Forget every Actor (an account, role, grant or institution changed)."""
    global _generation
    with _lock:
        _generation += 1
        _entries.clear()


# --------------------------------------------------------------------------- change detection


def _table_name(obj: Any) -> str | None:
    table = getattr(type(obj), "__table__", None)
    return getattr(table, "name", None)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _flush_context: Any) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        if _table_name(obj) in WATCHED_TABLES:
            session.info[_CHANGED] = True
            invalidate()
            return


@event.listens_for(Session, "do_orm_execute")
def _after_statement(state: ORMExecuteState) -> None:
    statement = state.statement
    if isinstance(statement, TextClause):
        text = statement.text.lstrip().lower()
        if text.startswith(("select", "with", "set", "show")):
            return
        if not any(name in text for name in WATCHED_TABLES):
            return
    elif state.is_update or state.is_delete or state.is_insert:
        table = getattr(statement, "table", None)
        if getattr(table, "name", None) not in WATCHED_TABLES:
            return
    else:
        return
    state.session.info[_CHANGED] = True
    invalidate()


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    # Again after the commit: a request may have rebuilt an Actor from the old rows between
    # the flush and the commit.
    if session.info.pop(_CHANGED, False):
        invalidate()
