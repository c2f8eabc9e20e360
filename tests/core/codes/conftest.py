"""Fixtures of the code-systems tests: ICD-10 and the value sets, loaded once per test run."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from healthnet.core.codes import service


@pytest.fixture(scope="session")
def icd10(engine: Engine) -> None:
    """ICD-10 with Chinese names and the national value sets, committed once for the run.

    Loading is idempotent, so a run that finds them already loaded changes nothing.
    """
    with Session(bind=engine) as session:
        try:
            service.load_builtin(session=session, only=["valuesets", "icd10"])
            session.commit()
        except IntegrityError:  # another process of a parallel run loaded them first
            session.rollback()


@pytest.fixture
def settle(db: Session) -> Callable[[], None]:
    """Keep set-up data when a request of the same test fails (releases a savepoint only)."""
    return db.commit
