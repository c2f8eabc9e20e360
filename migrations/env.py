"""Alembic environment: one history for the whole product."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import TypeDecorator, pool

from healthnet.config import get_settings
from healthnet.core.db import make_engine
from healthnet.models import metadata

config = context.config


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Render our TypeDecorators as their plain storage type, so migrations need no app code."""
    if type_ == "type" and isinstance(obj, TypeDecorator):
        impl = obj.impl_instance
        autogen_context.imports.add("import sqlalchemy as sa")
        return f"sa.{impl!r}"
    return False


def run_migrations_offline() -> None:
    url = config.get_main_option("sqlalchemy.url") or get_settings().database_url
    context.configure(
        url=url,
        target_metadata=metadata,
        literal_binds=True,
        render_as_batch=url.startswith("sqlite"),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url") or get_settings().database_url
    engine = (
        make_engine(url, poolclass=pool.NullPool)
        if not url.startswith("sqlite")
        else make_engine(url)
    )
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # type: ignore[attr-defined]
        compare_type=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
