"""Liveness and readiness probes for load balancers and orchestration."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from healthnet.core.db import get_engine

router = APIRouter(tags=["health"])
MIGRATIONS = Path(__file__).resolve().parent.parent.parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url:
        cfg.set_main_option("sqlalchemy.url", url)
    return cfg


def migration_heads() -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config()).get_heads())


@router.get("/healthz", include_in_schema=False)
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", include_in_schema=False)
def readyz() -> JSONResponse:
    checks: dict[str, str] = {}
    ok = True
    try:
        with get_engine().connect() as conn:
            conn.execute(text("SELECT 1"))
            current = set(MigrationContext.configure(conn).get_current_heads())
        checks["database"] = "ok"
        heads = migration_heads()
        checks["migrations"] = "ok" if current == heads else "pending"
        ok = current == heads
    except Exception:
        checks["database"] = "unreachable"
        ok = False
    return JSONResponse(
        {"status": "ok" if ok else "unavailable", "checks": checks}, status_code=200 if ok else 503
    )
