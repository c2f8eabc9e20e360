"""`healthnet orgs ...`: load the districts, import institutions from CSV."""

from __future__ import annotations

from pathlib import Path

import typer

from healthnet.core.db import transaction
from healthnet.core.orgs import service
from healthnet.core.orgs.csv_import import ImportRejected

app = typer.Typer(help="机构 organisations", no_args_is_help=True)


@app.command("load-districts")
def load_districts() -> None:
    """Load or refresh Shanghai's 16 districts from the metadata file (safe to repeat)."""
    with transaction() as session:
        created, updated = service.load_districts(session=session)
    typer.echo(f"区划已加载：新增 {created} 个，更新 {updated} 个")


@app.command("import")
def import_institutions(
    file: Path = typer.Argument(
        ..., exists=True, dir_okay=False, readable=True, help="CSV 文件（UTF-8 或 GBK）"
    ),
) -> None:
    """Create or update institutions from a CSV file; nothing changes if any row is wrong."""
    content = file.read_bytes()
    try:
        with transaction() as session:
            result = service.import_institutions(session=session, content=content)
    except ImportRejected as exc:
        typer.echo(exc.detail, err=True)
        for err in exc.errors:
            typer.echo(f"  {err.message}", err=True)
        raise typer.Exit(1) from None
    typer.echo(
        f"导入完成：新增 {result.created} 家，更新 {result.updated} 家，"
        f"未变 {result.unchanged} 家，共 {result.total} 行"
    )
