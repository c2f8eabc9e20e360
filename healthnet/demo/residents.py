"""Residents into the master patient index: the service path and the bulk path.

**Service path** (small, medium): every resident goes through
``patients.service.register_person`` — the same validation, normalisation, encryption,
identifier linking, history events and duplicate matching as a registration at a hospital desk.

**Bulk path** (large, and the benchmark): building 1,000,000 residents one service call at a time
costs ~10 statements each. The bulk path writes the same rows — ``patients_person``,
``patients_identifier`` and the ``register``/``identifier_link`` history events — with one
multi-row INSERT per table and batch. It stays on the same rules:

* every value is first validated by the API's own ``PersonCreate`` schema (GB 11643 checksum,
  phone and card formats, birth date and sex read from the ID number);
* names, phones, addresses and identifier values are written through the models' own
  ``EncryptedText`` columns (SM4-GCM under the active data key, with the column's AAD);
* blind indexes are computed with ``healthnet.core.crypto.blind_index`` over the patient
  index's own normalisers and purposes, so ``find_by_identifier`` and name + birth-date search
  find bulk rows exactly like service rows (``tests/demo/test_loader.py`` proves it);
* master ids have the service's form (``HN`` + 11 digits + Luhn) and are unique.

What it skips is the per-row duplicate matching; the deliberate near-duplicates (1 %) are
therefore still registered through the service, after their batch, so the review list fills up
by the real rules.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from healthnet.core.crypto import blind_index
from healthnet.core.db import is_postgres, new_id, utcnow
from healthnet.core.localtime import local_today
from healthnet.core.patients import service as patients
from healthnet.core.patients.identifiers import (
    GB11643_TYPES,
    IdentifierType,
    index_input,
    normalise_name,
    normalise_phone,
    parse_resident_id,
)
from healthnet.core.patients.models import (
    EVENT_LINK,
    EVENT_REGISTER,
    STATUS_ACTIVE,
    Identifier,
    LinkEvent,
    Person,
)
from healthnet.core.patients.schemas import IdentifierIn, PersonCreate
from healthnet.core.rbac.actor import SCOPE_CITY, Actor
from healthnet.demo.generators import ResidentSpec

if TYPE_CHECKING:
    from healthnet.demo.loader import LoadReport, Progress

# Who the history says registered demo residents.
DEMO_ACTOR = Actor(
    "demo-loader", "demo-loader", None, None, frozenset(), scopes=frozenset({SCOPE_CITY})
)
BULK_BATCH = 2000

# Blind-index purposes of the patient index (patients/service.py); a drift breaks the search
# test in tests/demo/test_loader.py rather than passing silently.
NAME_PURPOSE = "patients.person.name"
PHONE_PURPOSE = "patients.person.phone"


def identifiers_of(spec: ResidentSpec) -> list[tuple[IdentifierType, str]]:
    pairs = [
        (IdentifierType.RESIDENT_ID_CARD, spec.id_number),
        (IdentifierType.SOCIAL_SECURITY_CARD, spec.social_security_card),
        (IdentifierType.MEDICAL_INSURANCE_CARD, spec.medical_insurance_card),
        (IdentifierType.SHANGHAI_SELF_PAY_CARD, spec.self_pay_card),
    ]
    return [(t, v) for t, v in pairs if v]


def primary_identifier(spec: ResidentSpec) -> tuple[IdentifierType, str]:
    """The identifier that tells whether this resident is already registered."""
    return identifiers_of(spec)[0]


def person_create(spec: ResidentSpec) -> PersonCreate:
    """The registration a hospital desk would send for this resident (validated by the API
    schema, exactly like a request body)."""
    return PersonCreate.model_validate(
        {
            "name": spec.name,
            "sexCode": spec.sex,
            "birthDate": spec.birth_date,
            "phone": spec.phone,
            "address": spec.address,
            "districtCode": spec.district_code,
            "ethnicityCode": "01",  # 汉族, GB/T 3304; the demo does not model ethnicity
            "identifiers": [{"type": t.value, "value": v} for t, v in identifiers_of(spec)],
        }
    )


def is_registered(*, session: Session, spec: ResidentSpec) -> bool:
    id_type, value = primary_identifier(spec)
    return patients.find_by_identifier(session=session, id_type=id_type, value=value) is not None


def _batches(items: Iterable[ResidentSpec], size: int) -> Iterator[list[ResidentSpec]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def load_residents(
    *,
    session: Session,
    residents: Iterable[ResidentSpec],
    total: int,
    bulk: bool,
    progress: Progress,
    report: LoadReport,
    commit: Callable[[], None],
    batch: int,
) -> None:
    """Register ``residents`` batch by batch, committing each; batches already in the database
    (their last resident is registered — batches commit whole) are skipped."""
    progress.phase("居民主索引" + ("（批量写入）" if bulk else ""), total)
    writer = BulkWriter(session) if bulk else None
    for chunk in _batches(residents, BULK_BATCH if bulk else batch):
        if is_registered(session=session, spec=chunk[-1]):
            report.residents_existing += len(chunk)
            progress.advance(len(chunk))
            continue
        if writer is not None:
            before = writer.written
            deferred = writer.write([r for r in chunk if r.duplicate_of is None])
            report.residents_registered += writer.written - before
            service_chunk = deferred + [r for r in chunk if r.duplicate_of is not None]
        else:
            service_chunk = chunk
        for spec in service_chunk:
            reg = patients.register_person(
                session=session, actor=DEMO_ACTOR, data=person_create(spec)
            )
            if reg.created:
                report.residents_registered += 1
            else:
                report.residents_existing += 1
            report.review_candidates += len(reg.candidates)
        commit()
        progress.advance(len(chunk))


class BulkWriter:
    """Multi-row inserts of persons, identifiers and history events (see module docstring)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._master_ids: set[str] = set(session.scalars(select(Person.master_id)))
        self.written = 0

    def _master_id(self) -> str:
        # The service's form: HN + 11 random digits + a Luhn check digit.
        while True:
            digits = f"{secrets.randbelow(10**11):011d}"
            master_id = f"HN{digits}{_luhn_digit(digits)}"
            if master_id not in self._master_ids:
                self._master_ids.add(master_id)
                return master_id

    def write(self, specs: Iterable[ResidentSpec]) -> list[ResidentSpec]:
        """Write ``specs``; returns the residents *not* written because one of their
        identifiers is already in the index — the caller registers those through the service,
        which links them to the resident who holds it ("same identifier → same person")."""
        prepared: list[tuple[ResidentSpec, PersonCreate, list[tuple[IdentifierIn, str]]]] = []
        for spec in specs:
            data = person_create(spec)
            prepared.append((spec, data, [(i, _identifier_index(i)) for i in data.identifiers]))
        indexes = [ix for _, _, pairs in prepared for _, ix in pairs]
        taken = set(
            self.session.scalars(
                select(Identifier.value_index).where(
                    Identifier.value_index.in_(indexes), Identifier.active.is_(True)
                )
            )
        )
        persons: list[dict[str, Any]] = []
        idents: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        deferred: list[ResidentSpec] = []
        now = utcnow()
        for spec, data, pairs in prepared:
            if any(ix in taken for _, ix in pairs):
                deferred.append(spec)
                continue
            taken.update(ix for _, ix in pairs)
            person_id = new_id()
            birth = data.birth_date
            sex: str = data.sex_code or "0"
            for ident, _ in pairs:
                if ident.type in GB11643_TYPES:  # the number decides, as in the service
                    info = parse_resident_id(ident.value, today=local_today())
                    birth, sex = info.birth_date, info.sex_code
            persons.append(
                {
                    "id": person_id,
                    "master_id": self._master_id(),
                    "name": data.name,
                    "name_index": blind_index(normalise_name(data.name), purpose=NAME_PURPOSE),
                    "sex_code": sex,
                    "birth_date": birth,
                    "phone": data.phone,
                    "phone_index": (
                        blind_index(normalise_phone(data.phone), purpose=PHONE_PURPOSE)
                        if data.phone
                        else None
                    ),
                    "address": data.address,
                    "district_code": data.district_code,
                    "ethnicity_code": data.ethnicity_code,
                    "status": STATUS_ACTIVE,
                    "merged_into_id": None,
                    "created_by": DEMO_ACTOR.user_id,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            events.append(_event_row(EVENT_REGISTER, person_id, None, now))
            for ident, index in pairs:
                ident_id = new_id()
                idents.append(_identifier_row(ident, index, ident_id, person_id, now))
                events.append(_event_row(EVENT_LINK, person_id, ident_id, now))
        if persons:
            self.session.flush()  # rows the session holds go first (foreign keys)
            for model, rows in ((Person, persons), (Identifier, idents), (LinkEvent, events)):
                _insert_rows(self.session, model, rows)
        self.written += len(persons)
        return deferred


def _identifier_index(ident: IdentifierIn) -> str:
    # Issuer-free types only (the demo has no passports or hospital cards): index_input then
    # is the value itself, as in the service.
    return blind_index(
        index_input(ident.type, ident.value, None),
        purpose=f"patients.identifier.{ident.type.value}",
    )


def _insert_rows(session: Session, model: type[Any], rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` into the model's table, every value processed by its column type
    (EncryptedText encrypts, UTCDateTime normalises, JSON serialises) exactly as in a flush.

    PostgreSQL: ``COPY ... FROM STDIN`` (the psycopg driver would otherwise send an executemany
    as one statement per row, ~4x slower). Other databases: a Core executemany.
    """
    if not rows:
        return
    table = model.__table__
    if not is_postgres(session):
        session.execute(insert(table), rows)
        return
    dialect = session.get_bind().dialect
    names = list(rows[0])
    processors = []
    for name in names:
        column = table.c[name]
        processors.append(column.type.dialect_impl(dialect).bind_processor(dialect))
    quote = dialect.identifier_preparer.quote
    sql = f"COPY {quote(table.name)} ({', '.join(quote(n) for n in names)}) FROM STDIN"
    raw = session.connection().connection.driver_connection
    assert raw is not None
    with raw.cursor() as cur, cur.copy(sql) as copy:
        for row in rows:
            copy.write_row(
                [
                    proc(row[name]) if proc is not None else row[name]
                    for name, proc in zip(names, processors, strict=True)
                ]
            )


def _identifier_row(
    ident: IdentifierIn, index: str, ident_id: str, person_id: str, now: Any
) -> dict[str, Any]:
    return {
        "id": ident_id,
        "person_id": person_id,
        "id_type": ident.type.value,
        "value": ident.value,
        "value_index": index,
        "issuer": None,
        "institution_id": None,
        "active": True,
        "created_at": now,
        "updated_at": now,
    }


def _event_row(kind: str, person_id: str, identifier_id: str | None, now: Any) -> dict[str, Any]:
    return {
        "id": new_id(),
        "kind": kind,
        "person_id": person_id,
        "other_person_id": None,
        "identifier_id": identifier_id,
        "actor_user_id": DEMO_ACTOR.user_id,
        "actor_username": DEMO_ACTOR.username,
        "reason": None,
        "snapshot": {},
        "undone_by_id": None,
        "created_at": now,
    }


def _luhn_digit(digits: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return str((10 - total % 10) % 10)
