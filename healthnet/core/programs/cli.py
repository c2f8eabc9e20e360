"""``healthnet programs``: load program files."""

from __future__ import annotations

from pathlib import Path

import typer

app = typer.Typer(help="专病/公卫登记项目 programs", no_args_is_help=True)


@app.command("load")
def load(
    paths: list[Path] = typer.Argument(None, help="项目 YAML 文件或目录"),
) -> None:
    """校验并加载项目定义（按代码幂等；定义有变化时生成新版本）。"""
    from healthnet.core.db import transaction
    from healthnet.core.programs.loader import ProgramFileError, load_files

    if not paths:
        typer.echo("请指定项目 YAML 文件或目录", err=True)
        raise typer.Exit(2)
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        typer.echo(f"文件不存在：{', '.join(missing)}", err=True)
        raise typer.Exit(2)
    try:
        with transaction() as session:
            results = load_files(session=session, paths=paths, loaded_by="cli")
    except ProgramFileError as e:
        for line in e.lines():
            typer.echo(line, err=True)
        raise typer.Exit(1) from None
    for r in results:
        state = f"新版本 v{r.version}" if r.changed else f"未变化 v{r.version}"
        typer.echo(f"{r.file}: {r.code} {state}")
