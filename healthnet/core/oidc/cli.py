"""``healthnet oidc ...``: register clients before the admin UI exists, manage signing keys."""

from __future__ import annotations

from datetime import timedelta

import typer

from healthnet.core.auth.service import SYSTEM_ACTOR
from healthnet.core.db import transaction
from healthnet.core.errors import DomainError
from healthnet.core.oidc import service
from healthnet.core.oidc.schemas import ClientCreate, ClientQuery

app = typer.Typer(help="单点登录与接口客户端 oidc", no_args_is_help=True)


@app.command("register")
def register(
    name: str = typer.Option(..., help="接入系统名称"),
    grant: list[str] = typer.Option(
        ..., "--grant", help="authorization_code / refresh_token / client_credentials（可重复）"
    ),
    scope: list[str] = typer.Option(..., "--scope", help="授权范围（可重复）"),
    redirect_uri: list[str] = typer.Option([], "--redirect-uri", help="回调地址（可重复）"),
    logout_uri: list[str] = typer.Option([], "--logout-uri", help="退出后回调地址（可重复）"),
    public: bool = typer.Option(False, "--public", help="公开客户端（无密钥，如浏览器应用）"),
    institution_id: str | None = typer.Option(None, "--institution-id"),
) -> None:
    """Register a client and print its id and secret (the secret is shown only now)."""
    try:
        data = ClientCreate.model_validate(
            {
                "name": name,
                "grantTypes": grant,
                "scopes": scope,
                "redirectUris": redirect_uri,
                "postLogoutRedirectUris": logout_uri,
                "isPublic": public,
                "institutionId": institution_id,
            }
        )
        with transaction() as session:
            client, secret = service.register_client(session=session, actor=SYSTEM_ACTOR, data=data)
            client_id = client.client_id
    except DomainError as exc:
        typer.echo(f"{exc.detail} {[e.as_dict() for e in exc.errors]}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"client_id     {client_id}")
    if secret:
        typer.echo(f"client_secret {secret}   （仅显示这一次，请妥善保存）")


@app.command("list")
def list_clients() -> None:
    """List registered clients."""
    with transaction() as session:
        rows, _ = service.list_clients(session=session, query=ClientQuery(page_size=500))
        for c in rows:
            state = "active" if c.is_active else "inactive"
            typer.echo(f"{c.client_id}\t{state}\t{','.join(c.grant_types)}\t{c.name}")


@app.command("rotate-signing-key")
def rotate_signing_key() -> None:
    """Sign ID tokens with a new key; the old one stays in the JWKS until retired."""
    with transaction() as session:
        kid = service.rotate_signing_key(session=session)
    typer.echo(f"new signing key {kid}")


@app.command("retire-signing-keys")
def retire_signing_keys(
    older_than_hours: int = typer.Option(24, min=1, help="只移除创建早于此时长且已停用的密钥"),
) -> None:
    """Remove replaced keys from the JWKS once no ID token they signed is still valid."""
    with transaction() as session:
        kids = service.retire_signing_keys(
            session=session, older_than=timedelta(hours=older_than_hours)
        )
    typer.echo("\n".join(kids) or "nothing to retire")
