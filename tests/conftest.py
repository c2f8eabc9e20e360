"""Test fixtures: a real database (SQLite file, or PostgreSQL when HEALTHNET_TEST_DATABASE_URL is
set), migrated with Alembic once per run; each test inside a transaction that is rolled back."""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

_TMP = Path(tempfile.mkdtemp(prefix="healthnet-test-"))
TEST_DATABASE_URL = os.environ.get("HEALTHNET_TEST_DATABASE_URL") or f"sqlite:///{_TMP / 'test.db'}"
os.environ["HEALTHNET_DATABASE_URL"] = TEST_DATABASE_URL
os.environ["HEALTHNET_ENVIRONMENT"] = "test"
os.environ["HEALTHNET_VAR_DIR"] = str(_TMP)
os.environ.setdefault("HEALTHNET_MASTER_KEY", "00112233445566778899aabbccddeeff" * 2)
os.environ["HEALTHNET_RUN_WORKER_IN_PROCESS"] = "false"
os.environ["HEALTHNET_LOG_JSON"] = "true"

from alembic import command  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import Engine, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from healthnet.core.db import get_engine  # noqa: E402
from healthnet.core.health import alembic_config  # noqa: E402


def _reset_postgres(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))


@pytest.fixture(scope="session")
def engine() -> Iterator[Engine]:
    eng = get_engine()
    if eng.dialect.name == "postgresql":
        _reset_postgres(eng)
    cfg = alembic_config(TEST_DATABASE_URL)
    with eng.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    # The first data key is written on the keyring's own connection; do it before any test
    # transaction holds SQLite's write lock.
    from healthnet.core.crypto import ensure_active_key

    ensure_active_key()
    yield eng
    eng.dispose()


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    """A session whose work is rolled back after the test (commits become savepoints)."""
    conn = engine.connect()
    outer = conn.begin()
    session = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield session
    finally:
        session.close()
        outer.rollback()
        conn.close()


@pytest.fixture
def client(db: Session) -> Iterator[TestClient]:
    """The real app, its requests running inside the test's transaction."""
    from healthnet.app import create_app
    from healthnet.core.deps import get_session

    app = create_app()

    def _session() -> Iterator[Session]:
        # One savepoint per request: a failed request undoes only its own work, not the
        # test's set-up data.
        nested = db.begin_nested()
        try:
            yield db
            if nested.is_active:
                nested.commit()
        except BaseException:
            if nested.is_active:
                nested.rollback()
            raise

    app.dependency_overrides[get_session] = _session
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def make_headers(db: Session) -> Callable[..., dict[str, str]]:
    """Headers of a freshly logged-in staff user holding exactly ``permissions``."""
    from healthnet.core.auth import service as auth
    from healthnet.core.auth.models import Role

    def _make(
        *permissions: str, institution_id: str | None = None, data_scope: str = "institution"
    ) -> dict[str, str]:
        n = secrets.token_hex(4)
        role = Role(
            code=f"test_{n}",
            name=f"测试角色{n}",
            permissions=list(permissions),
            data_scope=data_scope,
        )
        db.add(role)
        db.flush()
        password = "Test-pass-123"
        auth.create_user(
            session=db,
            username=f"user_{n}",
            display_name=f"测试用户{n}",
            password=password,
            institution_id=institution_id,
            role_codes=[role.code],
            must_change_password=False,
        )
        token, _, _ = auth.login(session=db, username=f"user_{n}", password=password)
        return {"Authorization": f"Bearer {token}"}

    return _make
