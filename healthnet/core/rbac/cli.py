"""``healthnet rbac ...``: built-in roles and the integrity check of access-control data."""

from __future__ import annotations

import typer

from healthnet.core.db import transaction

app = typer.Typer(help="角色与权限 roles and permissions", no_args_is_help=True)


@app.command("load-roles")
def load_roles(
    repair: bool = typer.Option(False, "--repair", help="重写并重新签注完整性校验失败的内置角色"),
) -> None:
    """Create or update the built-in roles from the role metadata file (idempotent)."""
    from healthnet.core.rbac.service import load_builtin_roles

    with transaction() as session:
        created, updated = load_builtin_roles(session=session, repair=repair)
    typer.echo(f"内置角色已就绪：新增 {created} 个，更新 {updated} 个")


@app.command("retag")
def retag_row(
    table: str = typer.Argument(help="表名，如 auth_user"),
    key: str = typer.Argument(help="主键；多列主键用 / 分隔，如 角色id/权限编码"),
) -> None:
    """Accept a row that failed verification, after you have checked and corrected it."""
    import healthnet.models  # noqa: F401  (every tagged table must be known)
    from healthnet.core.rbac.integrity import model_for_table, retag, verify_row

    model = model_for_table(table)
    if model is None:
        typer.echo(f"没有带完整性标签的表：{table}", err=True)
        raise typer.Exit(2)
    with transaction() as session:
        obj = session.get(model, tuple(key.split("/")) if "/" in key else key)
        if obj is None:
            typer.echo(f"{table} 中没有主键为 {key} 的行", err=True)
            raise typer.Exit(2)
        if verify_row(obj):
            typer.echo("该行校验通过，无需重新签注")
            return
        retag(obj)
        from healthnet.core.audit import service as audit

        audit.record(
            session=session,
            actor=None,
            username="cli",
            action="rbac.integrity.retag",
            resource_type=table,
            resource_id=key[:64],
            purpose="ADMIN",
        )
    typer.echo(f"已重新签注：{table} {key}")


@app.command("verify-integrity")
def verify_integrity() -> None:
    """Check the HMAC-SM3 tags of users, roles, permissions and grants (and every other table
    that opted in); exit 1 and list the rows changed behind the application's back."""
    import healthnet.models  # noqa: F401  (every tagged table must be known)
    from healthnet.core.rbac.integrity import tagged_models
    from healthnet.core.rbac.service import verify_integrity as run

    with transaction() as session:
        problems = run(session=session)
    tables = ", ".join(m.__tablename__ for m in tagged_models())  # type: ignore[attr-defined]
    if not problems:
        typer.echo(f"访问控制数据完整性校验通过（{tables}）")
        return
    typer.secho(
        f"发现 {len(problems)} 行访问控制数据被篡改或无法校验：", fg=typer.colors.RED, err=True
    )
    for p in problems:
        typer.echo(f"  {p.describe()}", err=True)
    raise typer.Exit(1)
