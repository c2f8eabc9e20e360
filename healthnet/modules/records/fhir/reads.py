"""FHIR reads for API clients: read, search, ``Patient/$everything``; every read of a resident's
data is audited with the client as the actor (one record per resident per request).

A client sees every institution's records, except the categories a resident chose to hide
(records/access ``hidden_categories``), which it sees only from its own institution. Clinical
searches must name a ``patient`` (or ``_id``): no city-wide sweeps over health data.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from healthnet.core.audit import service as audit
from healthnet.core.errors import DomainError
from healthnet.core.oidc.service import ClientPrincipal, client_actor
from healthnet.core.patients import service as patients
from healthnet.core.patients.identifiers import IdentifierType
from healthnet.core.patients.models import Person
from healthnet.core.rbac.actor import Actor
from healthnet.modules.records.access import hidden_categories
from healthnet.modules.records.fhir import search, systems
from healthnet.modules.records.fhir.outcome import FhirError, issue
from healthnet.modules.records.fhir.render import Renderer
from healthnet.modules.records.service.facts import person_ids

EVERYTHING_TYPES = (
    "Encounter",
    "Condition",
    "MedicationRequest",
    "Observation",
    "DiagnosticReport",
    "DocumentReference",
    "Immunization",
)
SUPPORTED = ("Patient", *EVERYTHING_TYPES)


def not_found(rtype: str, rid: str) -> FhirError:
    return FhirError(
        404, [issue("not-found", "records.fhir.not_found", f"{rtype}/{rid}", type=rtype, id=rid)]
    )


def check_type(rtype: str) -> None:
    if rtype not in SUPPORTED:
        raise FhirError(
            404, [issue("not-supported", "records.fhir.unsupported_type", rtype, type=rtype)]
        )


class _Visibility:
    def __init__(self, session: Session, institution_id: str | None) -> None:
        self.session = session
        self.institution_id = institution_id
        self._hidden: dict[str, frozenset[str]] = {}

    def hidden(self, person_id: str) -> frozenset[str]:
        if person_id not in self._hidden:
            self._hidden[person_id] = hidden_categories(self.session, person_id)
        return self._hidden[person_id]

    def visible(self, row: Any) -> bool:
        if row.sensitivity is None or row.institution_id == self.institution_id:
            return True
        return row.sensitivity not in self.hidden(row.person_id)

    def clause(self, model: Any, ids: Iterable[str]) -> Any:
        hidden = sorted({c for pid in ids for c in self.hidden(pid)})
        if not hidden:
            return None
        return or_(
            model.sensitivity.is_(None),
            model.sensitivity.not_in(hidden),
            model.institution_id == self.institution_id,
        )


def _audit(
    session: Session, actor: Actor, action: str, rtype: str, person_id: str, **detail: Any
) -> None:
    audit.record(
        session=session,
        actor=actor,
        action=action,
        resource_type=f"records.fhir.{rtype}",
        patient_id=person_id,
        detail=detail or None,
    )


def _person(session: Session, person_id: str) -> Person | None:
    return session.scalars(
        select(Person).where(Person.id == person_id).options(selectinload(Person.identifiers))
    ).one_or_none()


def read(*, session: Session, principal: ClientPrincipal, rtype: str, rid: str) -> dict[str, Any]:
    check_type(rtype)
    actor = client_actor(principal)
    renderer = Renderer(session, principal.institution_id)
    if rtype == "Patient":
        person = _person(session, rid)
        if person is None:
            raise not_found(rtype, rid)
        _audit(session, actor, "records.fhir.read", rtype, person.id, id=rid)
        return renderer.patient(person)
    model = search.MODEL_OF_TYPE[rtype]
    row = session.scalars(select(model).where(model.id == rid)).one_or_none()
    if row is None or not _Visibility(session, principal.institution_id).visible(row):
        raise not_found(rtype, rid)
    _audit(session, actor, "records.fhir.read", rtype, row.person_id, id=rid)
    return renderer.render(row)


def _bundle(entries: list[dict[str, Any]], base: str, total: int | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset"}
    if total is not None:
        out["total"] = total
    out["entry"] = [
        {
            "fullUrl": f"{base}/{r['resourceType']}/{r['id']}",
            "resource": r,
            "search": {"mode": "match"},
        }
        for r in entries
    ]
    return out


def search_type(
    *,
    session: Session,
    principal: ClientPrincipal,
    rtype: str,
    params: dict[str, list[str]],
    base: str,
) -> dict[str, Any]:
    check_type(rtype)
    actor = client_actor(principal)
    renderer = Renderer(session, principal.institution_id)
    if rtype == "Patient":
        return _search_patients(session, actor, renderer, params, base)
    if not params.get("patient") and not params.get("subject") and not params.get("_id"):
        raise search.bad("patient")
    q = search.build(session, rtype, params, person_ids)
    vis = _Visibility(session, principal.institution_id)
    stmt = q.stmt
    if q.person_ids is not None:
        clause = vis.clause(search.MODEL_OF_TYPE[rtype], q.person_ids)
        if clause is not None:
            stmt = stmt.where(clause)
    total = search.total_of(session, stmt)
    rows = [
        r for r in session.scalars(stmt.offset(q.offset).limit(q.count)).all() if vis.visible(r)
    ]
    for pid in sorted({r.person_id for r in rows} | set((q.person_ids or [])[:1])):
        _audit(
            session,
            actor,
            "records.fhir.search",
            rtype,
            pid,
            results=sum(1 for r in rows if r.person_id == pid),
        )
    bundle = _bundle([renderer.render(r) for r in rows], base, total)
    bundle["link"] = search.page_links(f"{base}/{rtype}", params, q.offset, q.count, total)
    return bundle


def _search_patients(
    session: Session,
    actor: Actor,
    renderer: Renderer,
    params: dict[str, list[str]],
    base: str,
) -> dict[str, Any]:
    search.check_params("Patient", params)
    found: Person | None = None
    if params.get("_id"):
        found = _person(session, params["_id"][-1])
    elif params.get("identifier"):
        system, sep, value = params["identifier"][-1].rpartition("|")
        if not sep or not value:
            raise search.bad("identifier")
        found = _by_identifier(session, actor, system, value)
    else:
        raise search.bad("identifier")
    count = search.count_of(params)
    people = [found] if found is not None else []
    for p in people:
        _audit(session, actor, "records.fhir.search", "Patient", p.id, results=1)
    bundle = _bundle([renderer.patient(p) for p in people], base, len(people))
    bundle["link"] = search.page_links(f"{base}/Patient", params, 0, count, len(people))
    return bundle


def _by_identifier(session: Session, actor: Actor, system: str, value: str) -> Person | None:
    if system == systems.MASTER_ID:
        pid = session.scalar(select(Person.id).where(Person.master_id == value))
        return _person(session, pid) if pid else None
    if system in systems.ID_CARD_ALIASES:
        kind, inst = IdentifierType.RESIDENT_ID_CARD, None
    elif system.startswith(systems.HOSPITAL_CARD_PREFIX):
        from healthnet.core.orgs.models import Institution

        code = system.removeprefix(systems.HOSPITAL_CARD_PREFIX)
        inst = session.scalar(select(Institution.id).where(Institution.code == code))
        if inst is None:
            return None
        kind = IdentifierType.HOSPITAL_CARD
    else:
        raise search.bad(f"identifier={system}|")
    try:
        person = patients.find_by_identifier(
            session=session, id_type=kind, value=value, institution_id=inst
        )
    except (ValidationError, DomainError):  # an invalid number is simply not found
        return None
    return _person(session, person.id) if person is not None else None


def everything(
    *, session: Session, principal: ClientPrincipal, person_id: str, base: str
) -> dict[str, Any]:
    """The resident and every record of theirs the client may see, oldest first per type."""
    actor = client_actor(principal)
    renderer = Renderer(session, principal.institution_id)
    person = _person(session, person_id)
    if person is None:
        raise not_found("Patient", person_id)
    ids = person_ids(session, person.id)
    vis = _Visibility(session, principal.institution_id)
    resources = [renderer.patient(person)]
    counts: dict[str, int] = {}
    for rtype in EVERYTHING_TYPES:
        model = search.MODEL_OF_TYPE[rtype]
        date_col = getattr(model, search.DATE_COLUMN[rtype])
        stmt = select(model).where(model.person_id.in_(ids)).order_by(date_col, model.id)
        clause = vis.clause(model, ids)
        if clause is not None:
            stmt = stmt.where(clause)
        rows = session.scalars(stmt).all()
        counts[rtype] = len(rows)
        resources += [renderer.render(r) for r in rows]
    _audit(session, actor, "records.fhir.everything", "Patient", person.id, **counts)
    bundle = _bundle(resources, base, len(resources))
    bundle["link"] = [{"relation": "self", "url": f"{base}/Patient/{person_id}/$everything"}]
    return bundle
