"""create_app(): the core slices, every enabled module, FHIR, DICOMweb and the web UI."""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware

from healthnet import __version__
from healthnet.config import get_settings
from healthnet.core import errors, health, webui
from healthnet.core.logging import configure as configure_logging
from healthnet.core.manifest import Manifest
from healthnet.core.middleware import PlatformMiddleware

# Core slices with an API, in the order their routes are mounted.
CORE_SLICES = (
    "healthnet.core.auth",
    "healthnet.core.rbac",
    "healthnet.core.orgs",
    "healthnet.core.patients",
    "healthnet.core.programs",
    "healthnet.core.codes",
    "healthnet.core.jobs",
    "healthnet.core.audit",
    "healthnet.core.certs",
    "healthnet.core.oidc",
    "healthnet.core.sysconf",
    "healthnet.core.notify",
    "healthnet.core.home",
)
MODULES: tuple[str, ...] = (
    "healthnet.modules.records",
    "healthnet.modules.alerts",
    "healthnet.modules.registries",
)


def manifests(names: Iterable[str] = CORE_SLICES + MODULES) -> list[Manifest]:
    found = []
    for name in names:
        mod = importlib.import_module(name)
        manifest = getattr(mod, "MANIFEST", None)
        if isinstance(manifest, Manifest):
            found.append(manifest)
    return found


def _router(spec: str) -> APIRouter:
    module_name, _, attr = spec.partition(":")
    router = getattr(importlib.import_module(module_name), attr)
    assert isinstance(router, APIRouter)
    return router


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    from healthnet.core.crypto import ensure_active_key
    from healthnet.core.jobs.worker import start_in_process_worker, stop_in_process_worker

    ensure_active_key()
    in_process = get_settings().run_worker_in_process
    if in_process:
        # The embedded default runs one worker thread; production runs `healthnet worker`.
        start_in_process_worker()
    try:
        yield
    finally:
        if in_process:
            stop_in_process_worker()


def create_app() -> FastAPI:
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json)
    app = FastAPI(
        lifespan=lifespan,
        title="HealthNet 城市健康信息网",
        version=__version__,
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    errors.install_handlers(app)
    app.include_router(health.router)
    for m in manifests():
        if m.router:
            app.include_router(_router(m.router), prefix=f"/api/v1{m.prefix}")
    # OpenID Connect fixes its own paths (/.well-known/openid-configuration, /oidc/...), which
    # clients find through discovery; they live outside /api/v1.
    app.include_router(_router("healthnet.core.oidc.api:protocol_router"))
    # The FHIR R4 base of the shared health record (hospital systems; OperationOutcome errors).
    if "healthnet.modules.records" in MODULES:
        app.include_router(_router("healthnet.modules.records.fhir.api:router"), prefix="/fhir/R4")
    # Last: the web console answers only what no route above matched (SPA history fallback).
    webui.install(app)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=True,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "X-CSRF-Token", "X-Request-Id"],
        )
    app.add_middleware(
        PlatformMiddleware,
        max_body=settings.max_body_bytes,
        hsts=settings.environment == "production",
    )
    return app
