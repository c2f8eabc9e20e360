"""Change counters for what worker processes keep in memory.

A process may keep something it built from the database — a session's Actor, the duplicate
rules — as long as the rows it came from are unchanged. Each such thing has a *generation*, a
named counter in ``core_generation``; :func:`watch` names the tables it is built from, and every
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

from sqlalchemy import BigInteger, ColumnElement, String, Table, TextClause, event, func, select
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
class _Watch:
    name: str
    tables: frozenset[str]
    # For a changed (not new or deleted) ORM object: whether the change matters.
    relevant: Callable[[Any], bool] | None
    # Told in this process at once (before the commit) and again after the commit.
    on_change: Callable[[], None] | None


_watches: dict[str, _Watch] = {}


def watch(
    name: str,
    tables: Iterable[str],
    *,
    relevant: Callable[[Any], bool] | None = None,
    on_change: Callable[[], None] | None = None,
) -> None:
    """Count every change to ``tables`` under ``name`` (called once, at import)."""
    _watches[name] = _Watch(name, frozenset(tables), relevant, on_change)


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
    w = _watches.get(name)
    if w is not None and w.on_change is not None:
        w.on_change()


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


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _flush_context: Any) -> None:
    added = {_table_name(o) for o in (*session.new, *session.deleted)}
    dirty = [(o, _table_name(o)) for o in session.dirty]
    for w in _watches.values():
        if not added.isdisjoint(w.tables) or any(
            table in w.tables and (w.relevant is None or w.relevant(o)) for o, table in dirty
        ):
            bump(session, w.name)


def _tables_written(state: ORMExecuteState) -> set[str] | None:
    """The tables a statement may write (None: it writes none of interest)."""
    statement = state.statement
    if isinstance(statement, TextClause):
        text = statement.text.lstrip().lower()
        if text.startswith(("select", "with", "set", "show")):
            return None
        return {t for w in _watches.values() for t in w.tables if t in text}
    if state.is_update or state.is_delete or state.is_insert:
        name = getattr(getattr(statement, "table", None), "name", None)
        return {name} if name else None
    return None


@event.listens_for(Session, "do_orm_execute")
def _on_statement(state: ORMExecuteState) -> None:
    tables = _tables_written(state)
    if not tables:
        return
    for w in _watches.values():
        if not tables.isdisjoint(w.tables):
            bump(state.session, w.name)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    # Again after the commit: another request of this process may have built a copy from the
    # old rows between the change and the commit.
    for name in session.info.pop(_PENDING, ()):
        w = _watches.get(name)
        if w is not None and w.on_change is not None:
            w.on_change()


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction: Any) -> None:
    if transaction.parent is None:  # the outermost transaction ended (rolled back)
        session.info.pop(_PENDING, None)
