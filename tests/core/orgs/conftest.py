"""Fixtures of the organisations tests: the districts, and a factory for institutions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.orm import Session

from healthnet.core.orgs import service
from healthnet.core.orgs.models import Institution
from healthnet.core.orgs.schemas import InstitutionCreate

# Valid unified social credit codes: the example printed in GB 32100-2015, and one computed with
# the standard's algorithm (checked against the published one in test_rules.py).
STANDARD_EXAMPLE_CREDIT_CODE = "91350100M000100Y43"


@pytest.fixture
def settle(db: Session) -> Callable[[], None]:
    """Make set-up data survive a failing request of the same test.

    The ``client`` fixture rolls the shared session back when a request fails, which discards
    everything not yet committed; committing here only releases a savepoint, so the test's
    outer transaction still rolls all of it back at the end.
    """
    return db.commit


@pytest.fixture
def districts(db: Session, settle: Callable[[], None]) -> None:
    service.load_districts(session=db)
    settle()


@pytest.fixture
def make_institution(db: Session, districts: None) -> Callable[..., Institution]:
    counter = iter(range(1, 10_000))

    def _make(**overrides: Any) -> Institution:
        n = next(counter)
        values: dict[str, Any] = {
            "code": f"T{n:05d}",
            "name": f"测试医院{n}",
            "kind": "tertiary_hospital",
            "level": "3A",
            "district_code": "310104",
        }
        values.update(overrides)
        return service.create_institution(session=db, data=InstitutionCreate.model_validate(values))

    return _make
