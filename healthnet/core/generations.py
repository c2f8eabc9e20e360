"""Change counters for what worker processes keep in memory.

A process may keep something it built from the database — a session's Actor, the duplicate
rules — as long as the rows it came from are unchanged. Each such thing has a *generation*, a
named counter in ``core_generation``; :func:`watch`, called beside the models of the tables it
is built from (so every process that can write them counts), names them, and every
Session that changes one of them (ORM flushes, and ``INSERT``/``UPDATE``/``DELETE`` statements
sent through the Session) bumps the counter in the same transaction. A reader compares the
counter with the one its copy was built under: one indexed read instead of rebuilding, and a
change made in any worker process counts at its commit.

Not seen: rows changed behind the application's back (another program writing the tables, a
Core statement on a raw connection). Callers bound that with a time limit where it matters.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Generic, TypeVar

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    String,
    Table,
    TextClause,
    event,
    func,
    inspect,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column

from healthnet.core.db import Base

T = TypeVar("T")
_PENDING = "healthnet.generations.pending"


class Generation(Base):
    """One counter per kind of in-memory copy (``access``, ``alerts.rules`` ...)."""

    __tablename__ = "core_generation"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


@dataclass(frozen=True)
class _Source:
    name: str
    # For a changed (not new or deleted) ORM object: only a change to one of these fields
    # counts (None: any change).
    fields: tuple[str, ...] | None


# table name → the counters it feeds. Filled by the models modules that define the tables, so
# every process that can write a table counts its changes (not only processes that hold a copy).
_sources: dict[str, list[_Source]] = {}
# counter name → what this process does at once when it changes one (e.g. empty a cache).
_hooks: dict[str, list[Callable[[], None]]] = {}


def watch(name: str, tables: Iterable[str], *, fields: Iterable[str] | None = None) -> None:
    """Count every change to ``tables`` under ``name``; ``fields``: for changed rows, only
    changes to these columns count. Called next to the tables' models, at import."""
    for table in tables:
        known = _sources.setdefault(table, [])
        if all(s.name != name for s in known):
            known.append(_Source(name, tuple(fields) if fields is not None else None))


def on_change(name: str, hook: Callable[[], None]) -> None:
    """Run ``hook`` in this process when a Session here changes ``name``'s tables — at once and
    again after the commit."""
    _hooks.setdefault(name, []).append(hook)


def _run_hooks(name: str) -> None:
    for hook in _hooks.get(name, ()):
        hook()


def column(name: str) -> ColumnElement[int]:
    """The counter as a column, to read with another statement (0 before any change)."""
    value = select(Generation.value).where(Generation.name == name).scalar_subquery()
    return func.coalesce(value, 0)


@lru_cache(maxsize=64)
def _current_stmt(name: str) -> Any:
    return select(column(name))


def current(session: Session, name: str) -> int:
    return int(session.scalar(_current_stmt(name)) or 0)


def pending(session: Session, name: str) -> bool:
    """Whether the session's open transaction changed ``name``'s tables (its reads may show
    rows that are never committed: not to be kept)."""
    return name in session.info.get(_PENDING, ())


def bump(session: Session, name: str) -> None:
    """Count a change in the session's transaction."""
    table: Table = Generation.__table__  # type: ignore[assignment]
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt = (
        insert(table)
        .values(name=name, value=1)
        .on_conflict_do_update(index_elements=[table.c.name], set_={"value": table.c.value + 1})
    )
    session.connection().execute(stmt)
    session.info.setdefault(_PENDING, set()).add(name)
    _run_hooks(name)


class Memo(Generic[T]):
    """A value built from the database, kept in this process until ``name``'s counter moves."""

    def __init__(self, name: str, load: Callable[[Session], T]) -> None:
        self.name = name
        self._load = load
        self._lock = threading.Lock()
        self._entry: tuple[int, T] | None = None

    def get(self, session: Session) -> T:
        generation = current(session, self.name)
        entry = self._entry
        if entry is not None and entry[0] == generation:
            return entry[1]
        value = self._load(session)  # read after the counter: at least as new as it
        if not pending(session, self.name):
            with self._lock:
                self._entry = (generation, value)
        return value


# --------------------------------------------------------------------------- change detection


def _table_name(obj: Any) -> str | None:
    return getattr(getattr(type(obj), "__table__", None), "name", None)


def _changed(obj: Any, fields: tuple[str, ...]) -> bool:
    attrs = inspect(obj).attrs
    return any(attrs[f].history.has_changes() for f in fields)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _flush_context: Any) -> None:
    names: set[str] = set()
    for obj in (*session.new, *session.deleted):
        names.update(s.name for s in _sources.get(_table_name(obj) or "", ()))
    for obj in session.dirty:
        for s in _sources.get(_table_name(obj) or "", ()):
            if s.fields is None or _changed(obj, s.fields):
                names.add(s.name)
    for name in sorted(names):
        bump(session, name)


def _tables_written(state: ORMExecuteState) -> set[str]:
    """The watched tables a statement may write."""
    statement = state.statement
    if isinstance(statement, TextClause):
        text = statement.text.lstrip().lower()
        if text.startswith(("select", "with", "set", "show")):
            return set()
        return {t for t in _sources if t in text}
    if state.is_update or state.is_delete or state.is_insert:
        name = getattr(getattr(statement, "table", None), "name", None)
        return {name} if name in _sources else set()
    return set()


@event.listens_for(Session, "do_orm_execute")
def _on_statement(state: ORMExecuteState) -> None:
    names = {s.name for t in _tables_written(state) for s in _sources[t]}
    for name in sorted(names):
        bump(state.session, name)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    # Again after the commit: another request of this process may have built a copy from the
    # old rows between the change and the commit.
    for name in session.info.pop(_PENDING, ()):
        _run_hooks(name)


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction: Any) -> None:
    if transaction.parent is None:  # the outermost transaction ended (rolled back)
        session.info.pop(_PENDING, None)
