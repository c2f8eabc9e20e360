"""The ``healthnet`` command: serve, worker, db upgrade, demo, keys, codes, ..."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import typer

from healthnet.config import get_settings

app = typer.Typer(
    help="HealthNet 城市健康信息网 命令行", no_args_is_help=True, add_completion=False
)
db_app = typer.Typer(help="数据库 database", no_args_is_help=True)
app.add_typer(db_app, name="db")

# Slices that add command groups: "module:attribute" → group name.
COMMAND_GROUPS = {
    "healthnet.core.crypto.cli:app": "keys",
    "healthnet.core.codes.cli:app": "codes",
    "healthnet.core.orgs.cli:app": "orgs",
    "healthnet.core.auth.cli:app": "users",
    "healthnet.core.rbac.cli:app": "rbac",
    "healthnet.core.audit.cli:app": "audit",
    "healthnet.core.certs.cli:app": "cert",
    "healthnet.core.oidc.cli:app": "oidc",
    "healthnet.core.programs.cli:app": "programs",
    "healthnet.modules.records.cli:app": "records",
    "healthnet.modules.alerts.cli:app": "alerts",
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
    app.command(_name)(_load(_spec))  # type: ignore[type-var]


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """创建数据库或升级到最新结构。"""
    from alembic import command

    from healthnet.core.health import alembic_config

    settings = get_settings()
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(settings.database_url), revision)
    typer.echo("数据库已升级到最新版本")


@app.command()
def setup(
    demo: bool = typer.Option(True, "--demo/--no-demo", help="首次运行时加载演示数据"),
    demo_size: str = typer.Option("small", "--demo-size"),
) -> None:
    """首次安装（可重复执行）：数据库迁移、密钥、编码库、系统参数与字典、三员账号、演示数据。"""
    from healthnet.core.auth.cli import create_initial_admin, print_initial_admins
    from healthnet.core.codes.service import load_builtin
    from healthnet.core.crypto import ensure_active_key
    from healthnet.core.db import transaction
    from healthnet.core.orgs.service import load_districts
    from healthnet.core.sysconf.service import load_builtin as load_sysconf

    db_upgrade()
    ensure_active_key()
    with transaction() as session:
        load_districts(session=session)
        results = load_builtin(session=session)
        load_sysconf(session=session)
        from healthnet.modules.alerts.service import load_rules as load_alert_rules

        load_alert_rules(session=session)
        from healthnet.modules.registries.service import load_programs

        load_programs(session=session)
    typer.echo("编码库已就绪：" + "，".join(f"{r.system} {r.version}" for r in results))
    admin = create_initial_admin()
    if admin is not None and demo:
        from healthnet.demo.cli import demo as load_demo_cli

        load_demo_cli(size=demo_size, seed=20261125, bulk=None)
    if admin is not None:
        print_initial_admins(admin)


@app.command()
def openapi(
    out: Path | None = typer.Option(None, "--out", help="写入文件（默认输出到标准输出）"),
) -> None:
    """输出 OpenAPI 接口文档（JSON），供前端生成 TypeScript 类型。"""
    from healthnet.app import create_app

    text = json.dumps(create_app().openapi(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"已写入 {out}", err=True)


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    """启动接口与网页服务（uvicorn）。"""
    import uvicorn

    uvicorn.run(
        "healthnet.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        proxy_headers=True,
    )


def main() -> None:
    app()


if __name__ == "__main__":
    main()
