"""`healthnet codes ...`: load the built-in code systems, import an operator's edition."""

from __future__ import annotations

import time
from pathlib import Path

import typer

from healthnet.core.codes import service
from healthnet.core.codes.csv_import import ImportRejected
from healthnet.core.db import transaction
from healthnet.core.errors import DomainError

app = typer.Typer(help="代码系统 code systems", no_args_is_help=True)


@app.command("load")
def load(
    only: str = typer.Option(
        ",".join(service.BUILTIN_GROUPS),
        "--only",
        help="逗号分隔：icd10, icd11, valuesets（默认全部）",
    ),
) -> None:
    """Load ICD-10, ICD-11 and the national value sets (safe to repeat: versions already loaded
    are left as they are)."""
    groups = [g.strip() for g in only.split(",") if g.strip()]
    unknown = [g for g in groups if g not in service.BUILTIN_GROUPS]
    if unknown:
        typer.echo(
            f"未知的代码系统组：{', '.join(unknown)}（可选 icd10, icd11, valuesets）", err=True
        )
        raise typer.Exit(2)
    started = time.perf_counter()
    try:
        with transaction() as session:
            results = service.load_builtin(session=session, only=groups)
    except DomainError as exc:
        typer.echo(exc.detail, err=True)
        raise typer.Exit(1) from None
    for r in results:
        state = "已加载" if r.created else "已存在，未改动"
        typer.echo(f"{r.system} {r.version}：{r.concept_count} 个代码，{state}")
    typer.echo(f"用时 {time.perf_counter() - started:.1f} 秒")


@app.command("import-csv")
def import_csv(
    system: str = typer.Argument(..., help="代码系统编码，如 icd10-gb-clinical"),
    version: str = typer.Argument(..., help="版本号，如 2.0"),
    file: Path = typer.Argument(
        ...,
        exists=True,
        dir_okay=False,
        readable=True,
        help="CSV（UTF-8 或 GBK）：编码,名称[,上级编码][,英文名称]",
    ),
    name_zh: str | None = typer.Option(None, "--name-zh", help="新代码系统的中文名称"),
    name_en: str | None = typer.Option(None, "--name-en"),
    kind: str = typer.Option("local", "--kind", help="classification | value_set | local"),
    activate: bool = typer.Option(
        True, "--activate/--no-activate", help="导入后设为当前版本（旧版本保留为已停用）"
    ),
) -> None:
    """Import an edition (e.g. 国家临床版 2.0, 医保版 2.0) as a new version; nothing changes if
    any row is wrong."""
    if kind not in service.SYSTEM_KINDS:
        typer.echo(f"--kind 应为 {' | '.join(service.SYSTEM_KINDS)}", err=True)
        raise typer.Exit(2)
    try:
        with transaction() as session:
            result = service.import_csv(
                session=session,
                system=system,
                version=version,
                content=file.read_bytes(),
                name_zh=name_zh,
                name_en=name_en,
                kind=kind,
                activate=activate,
                filename=file.name,
            )
    except ImportRejected as exc:
        typer.echo(exc.detail, err=True)
        for err in exc.errors:
            typer.echo(f"  {err.message}", err=True)
        raise typer.Exit(1) from None
    except DomainError as exc:
        typer.echo(exc.detail, err=True)
        for err in exc.errors:
            typer.echo(f"  {err.field}：{err.message}", err=True)
        raise typer.Exit(1) from None
    state = "已导入" if result.created else "该版本已存在且内容相同，未改动"
    typer.echo(f"{result.system} {result.version}：{result.concept_count} 个代码，{state}")
