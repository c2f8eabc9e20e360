"""Audit test fixtures.

Verification looks at the whole chain, so every audit test starts from an empty chain
(``clean_chain`` empties the audit tables before and after). Most tests work inside the
rolled-back ``db`` transaction and verify through its connection; tests that need committed
rows (own transactions: concurrency, the command line, the API's verify run) commit and rely on
the same clean-up.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from tests.core.audit.helpers import wipe


@pytest.fixture
def clean_chain(engine: Engine) -> Iterator[None]:
    wipe(engine)
    yield
    wipe(engine)


@pytest.fixture
def chain_db(clean_chain: None, db: Session) -> Session:
    """The test transaction, on an empty chain."""
    return db
