"""Each session's Actor, kept in the worker process while what it was built from is unchanged,
so a request does not rebuild it from the account, grants, roles, permissions and institution
rows (≈ 8 SQL statements and the integrity checks) every time.

What is kept: the :class:`~healthnet.core.rbac.actor.Actor` (user id and name, institution,
district, permissions, role codes, data scopes) under the SM3 hash of the session token — no
patient data. The session row is still read on every request, so logout, forced logout,
expiry and the idle limit take effect at once in every process.

Invalidation (decision 0008, "Actor cache"): a change to a row an Actor is built from — an
account's identity, status or institution, a grant, a role, its permissions or institutions, an
institution — bumps the ``access`` generation (:mod:`healthnet.core.generations`) in its
transaction. Every request reads that counter in the same statement as its session row; an
Actor cached under an older value is rebuilt, so a revoked role, a narrowed scope or a
deactivated account applies at the next request in every worker process. In the process making
the change the cache is also emptied at once (the change is visible there before it commits).
A row changed behind the application's back (no bump) is caught by the integrity checks when
the Actor is next built: at most :data:`TTL_SECONDS` later.
"""

from __future__ import annotations

import threading
import time

from healthnet.core import generations
from healthnet.core.rbac.actor import Actor

TTL_SECONDS = 300.0
MAX_ENTRIES = 50_000
# Counted over the rows an Actor is built from (rbac.service.actor_for); the tables are
# registered beside their models (auth, rbac, orgs).
GENERATION = "access"

_lock = threading.Lock()
_entries: dict[str, tuple[float, int, Actor]] = {}
_local_generation = 0


def local_generation() -> int:
    """Read before building an Actor; pass to :func:`put` (a change meanwhile discards it)."""
    return _local_generation


def get(token_hash: str, user_id: str, generation: int) -> Actor | None:
    entry = _entries.get(token_hash)
    if entry is None:
        return None
    expires, built_under, actor = entry
    if expires <= time.monotonic() or built_under != generation or actor.user_id != user_id:
        _entries.pop(token_hash, None)
        return None
    return actor


def put(token_hash: str, actor: Actor, generation: int, built_at_local_generation: int) -> None:
    with _lock:
        if built_at_local_generation != _local_generation:
            return  # this process changed the rows while it was built: it may be stale already
        if len(_entries) >= MAX_ENTRIES:
            _entries.clear()
        _entries[token_hash] = (time.monotonic() + TTL_SECONDS, generation, actor)


def forget(token_hash: str) -> None:
    """Drop one session's Actor (logout, forced logout)."""
    _entries.pop(token_hash, None)


def invalidate() -> None:
    """Forget every Actor in this process (an account, role, grant or institution changed)."""
    global _local_generation
    with _lock:
        _local_generation += 1
        _entries.clear()


generations.on_change(GENERATION, invalidate)
