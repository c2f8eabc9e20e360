"""Matching, the review list, merge, unmerge and history (rules: ``matching.py``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from healthnet.core.audit.context import AuditContext
from healthnet.core.db import utcnow
from healthnet.core.errors import Conflict, NotFound, RuleViolation
from healthnet.core.patients.matching import Band, score
from healthnet.core.patients.models import (
    CANDIDATE_DISMISSED,
    CANDIDATE_MERGED,
    CANDIDATE_OPEN,
    EVENT_MERGE,
    EVENT_UNMERGE,
    STATUS_ACTIVE,
    STATUS_MERGED,
    Identifier,
    LinkEvent,
    MatchCandidate,
    Person,
)
from healthnet.core.patients.schemas import (
    CandidateQuery,
)

# ---------------------------------------------------------------- matching
from healthnet.core.patients.service._base import (
    MAX_MATCH_PEERS,
    CandidatePage,
    _active_person,
    _demographics,
    _event,
    _get_person,
    _load_person,
    _pair,
    _resident_id_indexes,
    _survivor,
    audit_event,
    person_in_scope,
    scope_persons,
)
from healthnet.core.rbac.actor import Actor


def _match(session: Session, person: Person) -> list[MatchCandidate]:
    """Compare ``person`` with the residents found through the blind indexes (and with those
    of its open candidates, whose scores may have changed) and keep the review list current.
    Returns the open candidates of this person."""
    conditions = []
    if person.birth_date is not None:
        conditions.append(
            and_(Person.name_index == person.name_index, Person.birth_date == person.birth_date)
        )
    if person.phone_index is not None:
        conditions.append(Person.phone_index == person.phone_index)
    peers: dict[str, Person] = {}
    if conditions:
        for peer in session.scalars(
            select(Person)
            .where(or_(*conditions), Person.id != person.id, Person.status == STATUS_ACTIVE)
            .order_by(Person.created_at.desc())
            .limit(MAX_MATCH_PEERS)
        ):
            peers[peer.id] = peer
    existing = {
        _pair(c.person_a_id, c.person_b_id): c
        for c in session.scalars(
            select(MatchCandidate).where(
                or_(
                    MatchCandidate.person_a_id == person.id, MatchCandidate.person_b_id == person.id
                )
            )
        )
    }
    for a_id, b_id in existing:
        other_id = b_id if a_id == person.id else a_id
        if other_id not in peers:
            other = session.get(Person, other_id)
            if other is not None and other.status == STATUS_ACTIVE:
                peers[other_id] = other

    id_indexes = _resident_id_indexes(session, [person.id, *peers])
    mine = _demographics(person, id_indexes.get(person.id))
    open_candidates: list[MatchCandidate] = []
    for peer in peers.values():
        result = score(mine, _demographics(peer, id_indexes.get(peer.id)))
        key = _pair(person.id, peer.id)
        candidate = existing.get(key)
        if candidate is not None and candidate.status != CANDIDATE_OPEN:
            continue  # a person already decided about this pair
        if result.band is Band.NO_MATCH:
            if candidate is not None:  # never reviewed and no longer similar
                session.delete(candidate)
            continue
        if candidate is None:
            candidate = MatchCandidate(
                person_a_id=key[0], person_b_id=key[1], status=CANDIDATE_OPEN, created_at=utcnow()
            )
            session.add(candidate)
        candidate.score = result.value
        candidate.band = result.band.value
        candidate.agreeing = list(result.agreeing)
        open_candidates.append(candidate)
    session.flush()
    return open_candidates


def _candidates(actor: Actor, status: str, band: str | None) -> Select[Any]:
    """Pairs of ``status`` whose two residents are in ``actor``'s data scope; open pairs only
    while both records are active."""
    person_a, person_b = Person.__table__.alias("pa"), Person.__table__.alias("pb")
    visible = scope_persons(select(Person.id), actor)
    stmt = select(MatchCandidate).where(
        MatchCandidate.status == status,
        MatchCandidate.person_a_id.in_(visible),
        MatchCandidate.person_b_id.in_(visible),
    )
    if band is not None:
        stmt = stmt.where(MatchCandidate.band == band)
    if status == CANDIDATE_OPEN:
        stmt = (
            stmt.join(person_a, person_a.c.id == MatchCandidate.person_a_id)
            .join(person_b, person_b.c.id == MatchCandidate.person_b_id)
            .where(person_a.c.status == STATUS_ACTIVE, person_b.c.status == STATUS_ACTIVE)
        )
    return stmt


def count_open_candidates(*, session: Session, actor: Actor) -> int:
    """How many pairs wait for review in ``actor``'s data scope (the home page's count; no
    resident is read, so nothing is audited)."""
    stmt = _candidates(actor, CANDIDATE_OPEN, None)
    return int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)


def list_candidates(
    *,
    session: Session,
    actor: Actor,
    query: CandidateQuery,
    request: AuditContext | None = None,
) -> CandidatePage:
    """The review list, highest score first. Open pairs are shown only while both records are
    active (a pair whose member was merged elsewhere reappears if that merge is undone), and
    only pairs whose two residents are both in ``actor``'s data scope."""
    stmt = _candidates(actor, query.status, query.band)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(
        stmt.order_by(MatchCandidate.score.desc(), MatchCandidate.created_at, MatchCandidate.id)
        .offset((query.page - 1) * query.page_size)
        .limit(query.page_size)
    ).all()
    audit_event(
        session,
        actor,
        "patients.candidate.list",
        person_id=None,
        resource_type="patients.candidate",
        request=request,
        detail={"status": query.status, "band": query.band, "results": total},
    )
    return CandidatePage(list(rows), total, query.page, query.page_size)


def _get_candidate(session: Session, candidate_id: str) -> MatchCandidate:
    candidate = session.get(MatchCandidate, candidate_id)
    if candidate is None:
        raise NotFound("patients.candidate_not_found")
    return candidate


def dismiss_candidate(
    *,
    session: Session,
    actor: Actor,
    candidate_id: str,
    note: str | None = None,
    request: AuditContext | None = None,
) -> MatchCandidate:
    """A reviewer decided the pair are different people; it is not suggested again."""
    candidate = _get_candidate(session, candidate_id)
    for person_id in (candidate.person_a_id, candidate.person_b_id):
        if not person_in_scope(session, actor, _load_person(session, person_id)):
            raise NotFound("patients.candidate_not_found")
    if candidate.status != CANDIDATE_OPEN:
        raise Conflict("patients.candidate_closed", status=candidate.status)
    candidate.status = CANDIDATE_DISMISSED
    candidate.reviewed_by = actor.user_id[:32]
    candidate.reviewed_at = utcnow()
    candidate.review_note = note
    session.flush()
    _audit_pair(
        session,
        actor,
        "patients.candidate.dismiss",
        (candidate.person_a_id, candidate.person_b_id),
        resource_type="patients.candidate",
        resource_id=candidate.id,
        request=request,
    )
    return candidate


def _audit_pair(
    session: Session,
    actor: Actor,
    action: str,
    person_ids: tuple[str, str],
    *,
    resource_type: str,
    resource_id: str,
    request: AuditContext | None,
) -> None:
    # One record per resident, so each one's access log shows the decision about them.
    for own, other in (person_ids, person_ids[::-1]):
        audit_event(
            session,
            actor,
            action,
            person_id=own,
            resource_type=resource_type,
            resource_id=resource_id,
            request=request,
            detail={"otherPersonId": other},
        )


# ---------------------------------------------------------------- merge and unmerge


def _pair_candidates(session: Session, a: str, b: str) -> list[MatchCandidate]:
    first, second = _pair(a, b)
    return list(
        session.scalars(
            select(MatchCandidate).where(
                MatchCandidate.person_a_id == first, MatchCandidate.person_b_id == second
            )
        )
    )


def merge(
    *,
    session: Session,
    actor: Actor,
    survivor_id: str,
    merged_id: str,
    reason: str,
    request: AuditContext | None = None,
) -> LinkEvent:
    """Merge ``merged_id`` into ``survivor_id``. Explicit and reversible: the merged record's
    active identifiers move to the survivor, the record is kept with status ``merged`` and
    ``merged_into_id``, and the event snapshot names what moved so :func:`unmerge` restores it.
    The survivor's own fields are not changed."""
    if survivor_id == merged_id:
        raise RuleViolation("patients.merge_same_person")
    survivor = _active_person(session, survivor_id, actor)
    merged = _active_person(session, merged_id, actor)
    survivor_id_card = _resident_id_indexes(session, [survivor.id]).get(survivor.id)
    merged_id_card = _resident_id_indexes(session, [merged.id]).get(merged.id)
    if survivor_id_card and merged_id_card and survivor_id_card != merged_id_card:
        raise RuleViolation("patients.merge_conflicting_id_numbers")

    moved = [i for i in merged.identifiers if i.active]
    for ident in moved:
        ident.person = survivor
        ident.updated_at = utcnow()
    merged.status = STATUS_MERGED
    merged.merged_into_id = survivor.id
    merged.updated_at = utcnow()
    now = utcnow()
    closed = []
    for candidate in _pair_candidates(session, survivor.id, merged.id):
        if candidate.status == CANDIDATE_OPEN:
            candidate.status = CANDIDATE_MERGED
            candidate.reviewed_by = actor.user_id[:32]
            candidate.reviewed_at = now
            closed.append(candidate.id)
    event = _event(
        session,
        actor,
        EVENT_MERGE,
        survivor,
        other=merged,
        reason=reason,
        snapshot={"identifierIds": [i.id for i in moved], "candidateIds": closed},
    )
    session.flush()
    session.expire(survivor, ["identifiers"])
    session.expire(merged, ["identifiers"])
    _audit_pair(
        session,
        actor,
        "patients.person.merge",
        (survivor.id, merged.id),
        resource_type="patients.link_event",
        resource_id=event.id,
        request=request,
    )
    return event


def unmerge(
    *,
    session: Session,
    actor: Actor,
    event_id: str,
    reason: str,
    request: AuditContext | None = None,
) -> LinkEvent:
    """Undo a merge exactly: the identifiers it moved go back to the merged record, which is
    active again; identifiers linked to the survivor since then stay with the survivor. The
    pair is marked dismissed on the review list — a person has now said they differ."""
    event = session.get(LinkEvent, event_id)
    if event is None or not all(
        person_in_scope(session, actor, _load_person(session, pid))
        for pid in (event.person_id, event.other_person_id)
        if pid is not None
    ):
        raise NotFound("patients.event_not_found")
    if event.kind != EVENT_MERGE or event.other_person_id is None:
        raise RuleViolation("patients.unmerge_not_a_merge")
    if event.undone_by_id is not None:
        raise Conflict("patients.unmerge_already_done")
    survivor = _load_person(session, event.person_id)
    merged = _load_person(session, event.other_person_id)
    if survivor.status != STATUS_ACTIVE:
        raise Conflict(
            "patients.unmerge_survivor_merged", master_id=_survivor(session, survivor).master_id
        )

    moved_ids = [str(i) for i in event.snapshot.get("identifierIds", [])]
    restored = []
    for ident_id in moved_ids:
        ident = session.get(Identifier, ident_id)
        if ident is not None and ident.person_id == survivor.id:
            ident.person = merged
            ident.updated_at = utcnow()
            restored.append(ident.id)
    merged.status = STATUS_ACTIVE
    merged.merged_into_id = None
    merged.updated_at = utcnow()
    now = utcnow()
    for candidate in _pair_candidates(session, survivor.id, merged.id):
        candidate.status = CANDIDATE_DISMISSED
        candidate.reviewed_by = actor.user_id[:32]
        candidate.reviewed_at = now
    undo = _event(
        session,
        actor,
        EVENT_UNMERGE,
        survivor,
        other=merged,
        reason=reason,
        snapshot={"undoes": event.id, "identifierIds": restored},
    )
    session.flush()
    event.undone_by_id = undo.id
    session.flush()
    session.expire(survivor, ["identifiers"])
    session.expire(merged, ["identifiers"])
    _audit_pair(
        session,
        actor,
        "patients.person.unmerge",
        (survivor.id, merged.id),
        resource_type="patients.link_event",
        resource_id=undo.id,
        request=request,
    )
    return undo


def history(
    *, session: Session, actor: Actor, person_id: str, request: AuditContext | None = None
) -> list[LinkEvent]:
    """Every registration, identifier link and unlink, merge and unmerge involving the person,
    oldest first. Audited as ``patients.person.history``."""
    person = _get_person(session, actor, person_id)
    events = list(
        session.scalars(
            select(LinkEvent)
            .where(or_(LinkEvent.person_id == person.id, LinkEvent.other_person_id == person.id))
            .order_by(LinkEvent.created_at, LinkEvent.id)
        )
    )
    audit_event(
        session,
        actor,
        "patients.person.history",
        person_id=person.id,
        resource_id=person.id,
        request=request,
    )
    return events
