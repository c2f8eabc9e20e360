"""Fixtures of the patient-index tests: ID numbers made by the standard's algorithm, an actor,
an institution for hospital cards, and a registration helper."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from sqlalchemy.orm import Session

from healthnet.core.deps import Actor
from healthnet.core.orgs import service as orgs
from healthnet.core.orgs.models import Institution
from healthnet.core.orgs.schemas import InstitutionCreate
from healthnet.core.patients import service
from healthnet.core.patients.schemas import PersonCreate

# GB 11643-1999 §7.2, written out as the standard's table (not derived from the code under test).
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = {0: "1", 1: "0", 2: "X", 3: "9", 4: "8", 5: "7", 6: "6", 7: "5", 8: "4", 9: "3", 10: "2"}


def id_number(birth: date, seq: int, *, region: str = "310104") -> str:
    """A valid 18-character citizen ID number: ``seq`` odd → male, even → female."""
    first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
    return first17 + _CHECK[sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def settle(db: Session) -> None:
    """Keep set-up data when a request of the same test fails: the ``client`` fixture rolls the
    shared session back on failure; committing here releases only a savepoint."""
    db.commit()


@pytest.fixture
def actor() -> Actor:
    return Actor(
        "u-registrar",
        "registrar",
        None,
        None,
        frozenset({"patients:person:read", "patients:person:write", "patients:person:merge"}),
    )


@pytest.fixture
def institution(db: Session) -> Institution:
    orgs.load_districts(session=db)
    return orgs.create_institution(
        session=db,
        data=InstitutionCreate.model_validate(
            {
                "code": "PT-H1",
                "name": "测试医院",
                "kind": "tertiary_hospital",
                "level": "3A",
                "district_code": "310104",
            }
        ),
    )


@pytest.fixture
def register(db: Session, actor: Actor) -> Callable[..., service.Registration]:
    def _register(**fields: Any) -> service.Registration:
        values: dict[str, Any] = {"name": "张三"}
        values.update(fields)
        return service.register_person(
            session=db, actor=actor, data=PersonCreate.model_validate(values)
        )

    return _register
