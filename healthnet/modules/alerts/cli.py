"""``healthnet alerts ...``: the built-in prompt rules."""

from __future__ import annotations

import typer

app = typer.Typer(help="智能提示 duplicate-order prompts", no_args_is_help=True)


@app.command("load-rules")
def load_rules(
    overwrite: bool = typer.Option(
        False, "--overwrite", help="把已存在的内置规则重置为规则文件中的内容（覆盖界面上的修改）"
    ),
) -> None:
    """Load the built-in rules of metadata/rules.yaml (idempotent, keyed by code)."""
    import healthnet.models  # noqa: F401  (every table known to the session)
    from healthnet.core.db import transaction
    from healthnet.modules.alerts.service import load_rules as load

    with transaction() as session:
        report = load(session=session, overwrite=overwrite)
    typer.echo(f"智能提示规则已就绪：新增 {report.created} 条，更新 {report.updated} 条")
