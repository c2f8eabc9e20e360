"""The ``healthnet`` command: serve, worker, db upgrade, demo, keys, codes, ..."""

from __future__ import annotations

import importlib

import typer

from healthnet.config import get_settings

app = typer.Typer(help="HealthNet 城市健康信息网 命令行", no_args_is_help=True, add_completion=False)
db_app = typer.Typer(help="数据库 database", no_args_is_help=True)
app.add_typer(db_app, name="db")

# Slices that add command groups: "module:attribute" → group name.
COMMAND_GROUPS = {
    "healthnet.core.crypto.cli:app": "keys",
    "healthnet.core.codes.cli:app": "codes",
    "healthnet.core.orgs.cli:app": "orgs",
    "healthnet.core.auth.cli:app": "users",
}
COMMANDS = {
    "healthnet.core.jobs.cli:worker": "worker",
    "healthnet.demo.cli:demo": "demo",
}


def _load(spec: str) -> object:
    module_name, _, attr = spec.partition(":")
    return getattr(importlib.import_module(module_name), attr)


for _spec, _name in COMMAND_GROUPS.items():
    app.add_typer(_load(_spec), name=_name)  # type: ignore[arg-type]
for _spec, _name in COMMANDS.items():
    app.command(_name)(_load(_spec))  # type: ignore[arg-type]


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Create or migrate the database to the newest schema."""
    from alembic import command

    from healthnet.core.health import alembic_config

    settings = get_settings()
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(settings.database_url), revision)
    typer.echo("数据库已升级到最新版本")


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    """Serve the API and web UI (uvicorn)."""
    import uvicorn

    uvicorn.run("healthnet.app:create_app", factory=True, host=host, port=port,
                workers=workers, access_log=False, proxy_headers=True)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
