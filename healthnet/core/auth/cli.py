from __future__ import annotations

import typer

from healthnet.core.auth import service
from healthnet.core.db import transaction

app = typer.Typer(help="用户 users", no_args_is_help=True)


def create_initial_admin() -> tuple[str, str] | None:
    """Create the first administrator with a generated password, once; None if users exist."""
    with transaction() as session:
        service.ensure_builtin_roles(session=session)
        if service.has_users(session=session):
            return None
        password = service.generate_initial_password()
        service.create_user(session=session, username="admin", display_name="平台管理员",
                            password=password, role_codes=["city_admin"],
                            must_change_password=True)
        return "admin", password


@app.command("create-admin")
def create_admin() -> None:
    """Create the first administrator and print its one-time password."""
    created = create_initial_admin()
    if created is None:
        typer.echo("已存在用户，未创建新的管理员")
        raise typer.Exit(1)
    typer.echo(f"管理员账号：{created[0]}  初始密码：{created[1]}（首次登录后须修改）")
