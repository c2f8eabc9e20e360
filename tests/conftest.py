"""Test fixtures: a real database (SQLite file, or PostgreSQL when HEALTHNET_TEST_DATABASE_URL is
set), migrated with Alembic once per run; each test inside a transaction that is rolled back."""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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
    from healthnet.core.audit import service as audit
    from healthnet.core.auth.login_flow import get_tx_factory
    from healthnet.core.deps import get_session

    app = create_app()

    def _session() -> Iterator[Session]:
        # One savepoint per request: a failed request undoes only its own work, not the
        # test's set-up data.
        nested = db.begin_nested()
        try:
            yield db
            if nested.is_active:
                audit.write_pending(db)  # what the request's commit does (core.audit.service)
                nested.commit()
        except BaseException:
            if nested.is_active:
                nested.rollback()
            raise

    @contextmanager
    def _own_transaction() -> Iterator[Session]:
        # The login steps' "own transactions" (failure counters, login log) become savepoints
        # of the test's transaction: kept when the step's other work is undone, like a commit.
        nested = db.begin_nested()
        try:
            yield db
        except BaseException:
            if nested.is_active:
                nested.rollback()
            raise
        if nested.is_active:
            audit.write_pending(db)
            nested.commit()

    app.dependency_overrides[get_session] = _session
    app.dependency_overrides[get_tx_factory] = lambda: _own_transaction
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def make_headers(db: Session) -> Callable[..., dict[str, str]]:
    """Headers of a freshly logged-in staff user holding exactly ``permissions``."""
    from healthnet.core.auth import service as auth
    from healthnet.core.rbac import service as rbac

    def _make(
        *permissions: str, institution_id: str | None = None, data_scope: str = "institution"
    ) -> dict[str, str]:
        n = secrets.token_hex(4)
        # define_role is the raw write path: tests may bundle any permissions (even the ones
        # reserved to the built-in administrator roles), which the API would refuse.
        role = rbac.define_role(
            session=db,
            code=f"test_{n}",
            name=f"测试角色{n}",
            permissions=permissions,
            data_scope=data_scope,
        )
        password = "Test-pass-123"
        user = auth.create_user(
            session=db,
            username=f"user_{n}",
            display_name=f"测试用户{n}",
            password=password,
            institution_id=institution_id,
            role_codes=[role.code],
            must_change_password=False,
        )
        # Both factors are taken as given here; tests/core/auth covers the real login.
        token, _ = auth.open_session(session=db, user=user, method="test")
        return {"Authorization": f"Bearer {token}"}

    return _make
