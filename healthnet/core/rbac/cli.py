"""``healthnet rbac ...``: built-in roles and the integrity check of access-control data."""

from __future__ import annotations

import typer

from healthnet.core.db import transaction

app = typer.Typer(help="角色与权限 roles and permissions", no_args_is_help=True)


@app.command("load-roles")
def load_roles() -> None:
    """Create or update the built-in roles from the role metadata file (idempotent)."""
    from healthnet.core.rbac.service import load_builtin_roles

    with transaction() as session:
        created, updated = load_builtin_roles(session=session)
    typer.echo(f"内置角色已就绪：新增 {created} 个，更新 {updated} 个")


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
    typer.secho(f"发现 {len(problems)} 行访问控制数据被篡改或无法校验：", fg=typer.colors.RED,
                err=True)
    for p in problems:
        typer.echo(f"  {p.describe()}", err=True)
    raise typer.Exit(1)
