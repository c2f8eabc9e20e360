"""Time partitioning of the large fact tables on PostgreSQL (encounter, medication order, lab).

A table opts in with ``postgresql_partition_by="RANGE (<column>)"`` in its ``__table_args__``;
its primary key then includes that column, and nothing points a foreign key at it. The
partitions themselves are created by one ``after_create`` listener on every ``Table``: whenever
a table declaring ``postgresql_partition_by`` is created on PostgreSQL — by
``metadata.create_all`` or by ``op.create_table`` in the Alembic revision (which renders the
``postgresql_partition_by`` keyword and dispatches the same event) — it gets a ``DEFAULT``
partition and one partition per calendar year from ``FIRST_YEAR`` to two years after the
current one, in the schema ``records_part``. SQLite ignores the keyword: the tables are plain
tables there.

Later years: ``ensure_year_partitions(connection, table_name, years)`` (and the CLI
``healthnet records partitions``) add more; rows of a year without its own partition land in the
default partition, so nothing is ever refused. See ``docs/decisions/0011-fhir.md``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Table, event, text

FIRST_YEAR = 2015
# Partitions live in their own schema: Alembic's autogenerate and schema comparison look at the
# default schema only, so they see the partitioned parents (the models) and not the partitions.
SCHEMA = "records_part"
_RANGE = re.compile(r"^\s*RANGE\s*\(\s*([a-z_][a-z0-9_]*)\s*\)\s*$", re.IGNORECASE)


def default_years() -> range:
    return range(FIRST_YEAR, datetime.now(UTC).year + 3)


def partition_column(table: Table) -> str | None:
    spec = table.dialect_options["postgresql"].get("partition_by")
    if not spec:
        return None
    m = _RANGE.match(str(spec))
    return m.group(1) if m else None


def ensure_year_partitions(
    connection: Connection, table_name: str, years: Iterable[int]
) -> list[int]:
    """Create the yearly partitions ``records_part.<table>_y<year>`` that do not exist yet;
    returns the years added.

    Rows of such a year already in the default partition are moved into the new partition
    (PostgreSQL refuses a new partition whose range the default partition holds rows of): the
    new table is filled, the rows deleted from the default, then it is attached.
    """
    added = []
    default = f'{SCHEMA}."{table_name}_default"'
    column = _column_of(connection, table_name)
    for year in years:
        name = f'{SCHEMA}."{table_name}_y{year:04d}"'
        exists = connection.execute(
            text("SELECT to_regclass(:n) IS NOT NULL"), {"n": f"{SCHEMA}.{table_name}_y{year:04d}"}
        ).scalar()
        if exists:
            continue
        low, high = f"{year:04d}-01-01 00:00:00+00", f"{year + 1:04d}-01-01 00:00:00+00"
        bounds = f"FOR VALUES FROM ('{low}') TO ('{high}')"
        in_range = f"\"{column}\" >= '{low}' AND \"{column}\" < '{high}'"
        stray = connection.execute(
            text(f"SELECT EXISTS (SELECT 1 FROM {default} WHERE {in_range})")
        ).scalar()
        if stray:
            connection.execute(
                text(
                    f'CREATE TABLE {name} (LIKE "{table_name}" '
                    "INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"
                )
            )
            connection.execute(text(f"INSERT INTO {name} SELECT * FROM {default} WHERE {in_range}"))
            connection.execute(text(f"DELETE FROM {default} WHERE {in_range}"))
            connection.execute(text(f'ALTER TABLE "{table_name}" ATTACH PARTITION {name} {bounds}'))
        else:
            connection.execute(text(f'CREATE TABLE {name} PARTITION OF "{table_name}" {bounds}'))
        added.append(year)
    return added


def _column_of(connection: Connection, table_name: str) -> str:
    """The partition column of an existing partitioned table."""
    key = connection.execute(
        text("SELECT pg_get_partkeydef(to_regclass(:t))"), {"t": table_name}
    ).scalar()
    m = _RANGE.match(str(key or ""))
    if m is None:
        raise ValueError(f"{table_name} is not range-partitioned")
    return m.group(1)


@event.listens_for(Table, "after_create")
def _create_partitions(table: Table, connection: Connection, **_: Any) -> None:
    if connection.dialect.name != "postgresql" or partition_column(table) is None:
        return
    connection.execute(text(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}"))
    connection.execute(
        text(
            f'CREATE TABLE IF NOT EXISTS {SCHEMA}."{table.name}_default" '
            f'PARTITION OF "{table.name}" DEFAULT'
        )
    )
    ensure_year_partitions(connection, table.name, default_years())
