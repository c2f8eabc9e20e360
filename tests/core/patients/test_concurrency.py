"""Two hospitals registering the same resident at the same moment get one record (PostgreSQL:
the partial unique index makes the later transaction wait, fail, and find the first one)."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from healthnet.core.deps import Actor
from healthnet.core.patients import service
from healthnet.core.patients.models import Identifier, LinkEvent, MatchCandidate, Person
from healthnet.core.patients.schemas import PersonCreate

from .conftest import id_number

THREADS = 6


def test_concurrent_registrations_of_one_id_number_make_one_person(
    engine: Engine, actor: Actor
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers: there is no concurrent registration to race")
    number = id_number(date(1966, 6, 6), 661)
    data = PersonCreate.model_validate(
        {"name": "并发登记", "identifiers": [{"type": "resident_id_card", "value": number}]}
    )
    barrier = threading.Barrier(THREADS)
    results: list[tuple[str, bool]] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            with Session(engine) as session:
                barrier.wait()
                reg = service.register_person(session=session, actor=actor, data=data)
                session.commit()
                results.append((reg.person.id, reg.created))
        except BaseException as exc:  # collected and re-raised in the test thread
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    try:
        assert errors == []
        assert len({pid for pid, _ in results}) == 1
        assert sum(created for _, created in results) == 1
    finally:
        with Session(engine) as session, session.begin():
            ids = list(session.scalars(select(Person.id).where(Person.created_by == actor.user_id)))
            session.execute(delete(LinkEvent).where(LinkEvent.person_id.in_(ids)))
            session.execute(delete(MatchCandidate).where(MatchCandidate.person_a_id.in_(ids)))
            session.execute(delete(MatchCandidate).where(MatchCandidate.person_b_id.in_(ids)))
            session.execute(delete(Identifier).where(Identifier.person_id.in_(ids)))
            session.execute(delete(Person).where(Person.id.in_(ids)))
