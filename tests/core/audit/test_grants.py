"""On PostgreSQL, the application's role can append to the audit trail but never change it."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.orm import Session

from healthnet.core.audit import service
from healthnet.core.audit.grants import pg_grants_sql
from tests.core.audit.helpers import check, write


@pytest.fixture
def app_role_conn(clean_chain: None, engine: Engine) -> Iterator[Connection]:
    """A connection acting as a fresh role holding only the documented grants."""
    if engine.dialect.name != "postgresql":
        pytest.skip("privileges are a PostgreSQL feature")
    role = f"hn_audit_app_{secrets.token_hex(4)}"
    with engine.begin() as conn:
        conn.execute(text(f'CREATE ROLE "{role}" NOLOGIN'))
        for statement in pg_grants_sql(role).strip().splitlines():
            conn.execute(text(statement))
    conn = engine.connect()
    trans = conn.begin()
    conn.execute(text(f'SET LOCAL ROLE "{role}"'))
    try:
        yield conn
    finally:
        trans.rollback()
        conn.close()
        with engine.begin() as admin:
            admin.execute(text(f'DROP OWNED BY "{role}"'))
            admin.execute(text(f'DROP ROLE "{role}"'))


def _denied(conn: Connection, sql: str) -> None:
    with pytest.raises(ProgrammingError, match="permission denied"), conn.begin_nested():
        conn.execute(text(sql))


def test_the_app_role_appends_and_checkpoints_but_cannot_update_or_delete(
    app_role_conn: Connection,
) -> None:
    session = Session(bind=app_role_conn, join_transaction_mode="create_savepoint")
    write(session, 3)
    assert service.checkpoint(session=session) is not None
    assert check(app_role_conn).ok

    _denied(app_role_conn, "UPDATE audit_record SET outcome = 'failure' WHERE seq = 2")
    _denied(app_role_conn, "DELETE FROM audit_record WHERE seq = 2")
    _denied(app_role_conn, "DELETE FROM audit_checkpoint")
    _denied(app_role_conn, "UPDATE audit_checkpoint SET seq = 1")
    _denied(app_role_conn, "DELETE FROM audit_chain_head")
    _denied(app_role_conn, "UPDATE audit_chain_head SET id = 2")
    _denied(app_role_conn, "INSERT INTO audit_record_archive SELECT * FROM audit_record")
    _denied(app_role_conn, "TRUNCATE audit_record")
    # ...and the chain is still whole after all those attempts.
    assert check(app_role_conn).ok
    session.close()
