"""Fixtures of the system parameters and dictionaries tests."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from healthnet.core.sysconf import service


@pytest.fixture
def builtin(db: Session) -> None:
    """The built-in parameters and dictionaries, surviving a failing request of the test (the
    commit only releases a savepoint; the test's transaction still rolls everything back)."""
    service.load_builtin(session=db)
    db.commit()
