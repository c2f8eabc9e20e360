"""`healthnet records ...`: yearly partitions (PostgreSQL) and the bulk import from a file."""

from __future__ import annotations

from pathlib import Path

import typer
from sqlalchemy import Table

from healthnet.core.db import transaction
from healthnet.core.tabular import ImportRejected
from healthnet.modules.records import imports, partitions
from healthnet.modules.records.models import MODELS

app = typer.Typer(help="共享健康档案 shared health record", no_args_is_help=True)


@app.command("partitions")
def add_partitions(
    years: list[int] = typer.Argument(None, help="年份，如 2029 2030（默认：今年起三年）"),
) -> None:
    """Add yearly partitions to the time-partitioned tables (PostgreSQL; safe to repeat)."""
    wanted = years or list(partitions.default_years())[-3:]
    with transaction() as session:
        connection = session.connection()
        if connection.dialect.name != "postgresql":
            typer.echo("只有 PostgreSQL 使用分区，无需操作。")
            return
        for model in MODELS.values():
            table = model.__table__
            if not isinstance(table, Table) or partitions.partition_column(table) is None:
                continue
            added = partitions.ensure_year_partitions(connection, table.name, wanted)
            typer.echo(f"{table.name}：新增分区 {', '.join(map(str, added)) or '无'}")


@app.command("import")
def import_file(
    kind: str = typer.Argument(..., help="encounter | medication_order | lab_result"),
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True),
) -> None:
    """Backfill one kind of record from a CSV or .xlsx file (all rows, or nothing)."""
    from healthnet.core.rbac.actor import SYSTEM_ACTOR

    if kind not in imports.IMPORT_KINDS:
        typer.echo("类型应为 encounter、medication_order 或 lab_result", err=True)
        raise typer.Exit(2)
    try:
        with transaction() as session:
            result = imports.import_records(
                session=session, actor=SYSTEM_ACTOR, kind=kind, content=file.read_bytes()
            )
    except ImportRejected as exc:
        typer.echo(exc.detail, err=True)
        for err in exc.errors:
            typer.echo(f"  {err.message}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"已导入 {result.total} 行：新增 {result.created}，更新 {result.updated}")
