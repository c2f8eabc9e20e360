"""Fixtures for the crypto tests: the test-only tables of tables.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from tests.core.crypto.tables import TEST_METADATA


@pytest.fixture(scope="session")
def secret_tables(engine: Engine) -> Iterator[None]:
    for md in TEST_METADATA:
        md.create_all(engine)
    yield
    for md in TEST_METADATA:
        md.drop_all(engine)


@pytest.fixture
def committed(secret_tables: None, engine: Engine) -> Iterator[None]:
    """For tests whose code commits on its own connections: empty the test tables after."""
    yield
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM crypto_test_secret"))
        conn.execute(text("DELETE FROM crypto_test_other"))
