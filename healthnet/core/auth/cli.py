from __future__ import annotations

import typer
from sqlalchemy.orm import Session

from healthnet.core.auth import ratelimit, service
from healthnet.core.auth.models import User
from healthnet.core.db import transaction

app = typer.Typer(help="用户 users", no_args_is_help=True)


# 三员分立: three administrators, meant for three different people, each with a one-time
# password. (username, display name, role code)
INITIAL_ADMINS = (
    ("admin", "系统管理员", "sys_admin"),
    ("secadmin", "安全管理员", "security_admin"),
    ("auditadmin", "审计管理员", "audit_admin"),
)


def create_initial_admin() -> list[tuple[str, str, str]] | None:
    """Create the system, security and audit administrators with generated passwords, once;
    returns (username, role name, password) for each, or None if users exist."""
    with transaction() as session:
        service.ensure_builtin_roles(session=session)
        if service.has_users(session=session):
            return None
        created = []
        for username, display_name, role_code in INITIAL_ADMINS:
            password = service.generate_initial_password()
            service.create_user(
                session=session,
                username=username,
                display_name=display_name,
                password=password,
                role_codes=[role_code],
                must_change_password=True,
            )
            created.append((username, display_name, password))
        return created


def print_initial_admins(created: list[tuple[str, str, str]]) -> None:
    typer.secho(
        "\n首次登录账号（三员分立：请分别交给三位不同的人员，初始密码只显示这一次，"
        "登录后须立即修改）：",
        fg=typer.colors.GREEN,
        bold=True,
    )
    for username, role_name, password in created:
        typer.secho(
            f"  {role_name}  账号 {username}  初始密码 {password}", fg=typer.colors.GREEN, bold=True
        )
    typer.echo("")


@app.command("create-admin")
def create_admin() -> None:
    """Create the three administrators (system, security, audit) and print their one-time
    passwords."""
    created = create_initial_admin()
    if created is None:
        typer.echo("已存在用户，未创建新的管理员")
        raise typer.Exit(1)
    print_initial_admins(created)


def _user_by_name(session: Session, username: str) -> User:
    user = service.find_login_user(session=session, login_name=username)
    if user is None:
        typer.echo(f"用户不存在：{username}")
        raise typer.Exit(1)
    return user


@app.command("unlock")
def unlock(username: str) -> None:
    """Unlock an account locked by failed logins (the operator's way out)."""
    with transaction() as session:
        user = _user_by_name(session, username)
        ratelimit.clear(session=session, key=ratelimit.user_key(user.id))
    typer.echo(f"已解锁：{username}")


@app.command("reset-password")
def reset_password(username: str) -> None:
    """Give the account a one-time password that must be changed at the next login."""
    with transaction() as session:
        user = _user_by_name(session, username)
        password = service.admin_reset_password(session=session, user=user)
    typer.echo(f"账号 {username} 的临时密码：{password}（登录后须立即修改）")
