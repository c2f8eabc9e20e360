"""HMAC-SM3 integrity tags on access-control rows (GB/T 39786-2021 §8.4 c, SECURITY.md
"integrity of access-control data").

A model opts in by inheriting :class:`IntegrityMixin` and naming its security-relevant
columns in ``__integrity_fields__``. Every insert or update through the ORM unit of work
(re)computes ``integrity_tag`` over the table name, the primary key and those columns, with a
key derived from the master key (which never enters the database). A row changed directly in
the database no longer matches its tag: :func:`verify_row` says so, the request of an affected
user is refused (rbac.service.actor_for) and ``healthnet rbac verify-integrity`` reports it.

Change tagged columns only through the ORM (``obj.col = value; session.flush()``): a Core
``update()`` statement bypasses the hook and leaves a stale tag, which then reads as tampering.
"""

from __future__ import annotations

import hmac
import json
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from sqlalchemy import String, event, inspect, select
from sqlalchemy.orm import Mapped, Mapper, Session, mapped_column

from healthnet.core.crypto import hmac_sm3
from healthnet.core.crypto.keys import KeyProtector, get_protector
from healthnet.core.db import Base

log = logging.getLogger("healthnet.rbac.integrity")

_LABEL = b"healthnet/v1/integrity/access-control"
_key_lock = threading.Lock()
_key_cache: tuple[KeyProtector, bytes] | None = None


def _key() -> bytes:
    """The tag key, derived again when another key protector (an HSM) is installed."""
    global _key_cache
    protector = get_protector()
    cached = _key_cache
    if cached is not None and cached[0] is protector:
        return cached[1]
    with _key_lock:
        key = protector.derive(_LABEL)
        _key_cache = (protector, key)
    return key


def _canonical(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)


def tag_row(table: str, primary_key: tuple[Any, ...], fields: dict[str, Any]) -> str:
    """The tag of one row: HMAC-SM3 over table, primary key and fields (hex, 64 chars).

    The primary key and table name are inside the MAC, so a tag copied to another row, or
    another table, does not verify."""
    payload = json.dumps(
        [
            "v1",
            table,
            [_canonical(v) for v in primary_key],
            {k: _canonical(v) for k, v in sorted(fields.items())},
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode("utf-8")
    return hmac_sm3(_key(), payload).hex()


def verify_tag(
    table: str, primary_key: tuple[Any, ...], fields: dict[str, Any], tag: str | None
) -> bool:
    expected = tag_row(table, primary_key, fields)
    return hmac.compare_digest(expected.encode(), (tag or "").encode())


class IntegrityMixin:
    """Opt-in integrity tag. Subclasses set ``__integrity_fields__`` (attribute names)."""

    __integrity_fields__: ClassVar[tuple[str, ...]] = ()

    integrity_tag: Mapped[str] = mapped_column(String(64), default="")


def _table(obj: Any) -> str:
    return str(inspect(type(obj)).local_table.name)


def _pk(obj: Any) -> tuple[Any, ...]:
    mapper: Mapper[Any] = inspect(type(obj))
    return tuple(getattr(obj, mapper.get_property_by_column(c).key) for c in mapper.primary_key)


def _fields(obj: IntegrityMixin) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in type(obj).__integrity_fields__}


def compute_tag(obj: IntegrityMixin) -> str:
    return tag_row(_table(obj), _pk(obj), _fields(obj))


def retag(obj: IntegrityMixin) -> None:
    """Accept the row's current values: give it a fresh tag (written at the next flush).

    Only for an operator who has checked and corrected a row that failed verification
    (``healthnet rbac retag``), or for values rewritten from a trusted source (the built-in
    role file); ordinary updates never re-tag a row that fails its check."""
    obj.integrity_tag = compute_tag(obj)


def verify_row(obj: IntegrityMixin) -> bool:
    """True if ``obj`` (as loaded from the database) still matches its tag."""
    return verify_tag(_table(obj), _pk(obj), _fields(obj), obj.integrity_tag)


def _apply_defaults(mapper: Mapper[Any], target: IntegrityMixin) -> None:
    """Fill the primary key and the tagged columns from their Python-side defaults now.

    The tag must cover the values that will be stored, but column defaults (IdMixin's id,
    ``is_active=True``...) normally run only inside the INSERT. Tagged columns therefore must
    not rely on a *server* default.
    """
    names = [mapper.get_property_by_column(c).key for c in mapper.primary_key]
    names += [n for n in type(target).__integrity_fields__ if n not in names]
    for name in names:
        if getattr(target, name) is not None:
            continue
        default = mapper.columns[name].default
        if default is None:
            continue
        if default.is_scalar:
            setattr(target, name, default.arg)  # type: ignore[attr-defined]
        elif default.is_callable:
            # SQLAlchemy wraps a zero-argument callable so that it takes the context.
            setattr(target, name, default.arg(None))  # type: ignore[attr-defined]


@event.listens_for(IntegrityMixin, "before_insert", propagate=True)
def _tag_before_insert(mapper: Mapper[Any], connection: Any, target: IntegrityMixin) -> None:
    _apply_defaults(mapper, target)
    target.integrity_tag = compute_tag(target)


def _stored_row_intact(mapper: Mapper[Any], connection: Any, target: IntegrityMixin) -> bool:
    """Whether the row as it is stored now (before this UPDATE) matches its stored tag."""
    names = type(target).__integrity_fields__
    identity = inspect(target).identity
    if identity is None:
        return True
    cols = [mapper.columns[n] for n in names] + [mapper.columns["integrity_tag"]]
    stmt = select(*cols).where(*(c == v for c, v in zip(mapper.primary_key, identity, strict=True)))
    row = connection.execute(stmt).one_or_none()
    if row is None:
        return True
    fields = dict(zip(names, row[:-1], strict=True))
    return verify_tag(_table(target), tuple(identity), fields, row[-1])


@event.listens_for(IntegrityMixin, "before_update", propagate=True)
def _tag_before_update(mapper: Mapper[Any], connection: Any, target: IntegrityMixin) -> None:
    # A row that was changed behind the application's back keeps its broken tag: re-tagging
    # it on the next ordinary update (a login stamping last_login_at) would launder the change.
    if not _stored_row_intact(mapper, connection, target):
        log.critical(
            "not re-tagging a row that fails its integrity check",
            extra={"table": _table(target), "row": "/".join(map(str, _pk(target)))},
        )
        return
    target.integrity_tag = compute_tag(target)


# --------------------------------------------------------------------------- whole-table checks


@dataclass(frozen=True)
class IntegrityProblem:
    """One row whose tag does not verify (ids only, never values)."""

    table: str
    primary_key: tuple[str, ...]
    reason: str = "tag_mismatch"

    def describe(self) -> str:
        return f"{self.table} {'/'.join(self.primary_key)}: {self.reason}"


def tagged_models() -> list[type[IntegrityMixin]]:
    """Every mapped class that opted in, in table-name order."""
    found = [m.class_ for m in Base.registry.mappers if issubclass(m.class_, IntegrityMixin)]
    return sorted(found, key=lambda cls: str(inspect(cls).local_table.name))


def model_for_table(table: str) -> type[IntegrityMixin] | None:
    for model in tagged_models():
        if inspect(model).local_table.name == table:
            return model
    return None


def scan(
    session: Session, model: type[IntegrityMixin], *, batch: int = 1000
) -> Iterator[IntegrityProblem]:
    """Verify every row of ``model``; yields the rows that fail."""
    for obj in session.scalars(select(model).execution_options(yield_per=batch)):
        if not verify_row(obj):
            yield IntegrityProblem(_table(obj), tuple(str(v) for v in _pk(obj)))
