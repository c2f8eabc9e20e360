"""What a save sets in motion: scheduled events (stage schedules and ``schedule_event``
actions) and notifications (``send_notification`` actions)."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from healthnet.core.notify import service as notify
from healthnet.core.orgs import service as orgs
from healthnet.core.programs.definition import Action
from healthnet.core.programs.models import EVENT_SCHEDULED, Enrolment, Event, Program
from healthnet.core.programs.schemas import ScheduledRead
from healthnet.core.programs.service._base import Compiled

NOTIFY_KIND = "programs.rule"


def add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def schedule(
    session: Session,
    compiled: Compiled,
    enrolment: Enrolment,
    stage: str,
    due_on: date,
    *,
    rule: str | None = None,
    replace: bool = True,
) -> Event:
    """The stage's next scheduled event due on ``due_on``: an existing scheduled event of the
    stage is moved (``replace``) rather than a second one created."""
    existing = session.scalar(
        select(Event)
        .where(
            Event.enrolment_id == enrolment.id,
            Event.stage == stage,
            Event.status == EVENT_SCHEDULED,
        )
        .order_by(Event.due_on)
        .limit(1)
    )
    if existing is not None and replace:
        existing.due_on = due_on
        existing.scheduled_by_rule = rule
        session.flush()
        return existing
    event = Event(
        enrolment_id=enrolment.id,
        program_id=enrolment.program_id,
        version_id=compiled.version_id,
        stage=stage,
        status=EVENT_SCHEDULED,
        due_on=due_on,
        org_unit_id=enrolment.org_unit_id,
        assigned_user_id=enrolment.assigned_user_id,
        values={},
        scheduled_by_rule=rule,
    )
    session.add(event)
    session.flush()
    return event


def initial_schedule(session: Session, compiled: Compiled, enrolment: Enrolment) -> list[Event]:
    """On enrolment: the first event of every stage scheduled by interval, and the
    fixed-age events (e.g. child checks at 1, 3, 6 ... months) not already past."""
    out: list[Event] = []
    for st in compiled.spec.stages:
        sch = st.schedule
        if sch is None or not st.auto_schedule:
            continue
        # "after the previous event": the enrolment counts as the previous one for the first
        if sch.after is not None and sch.days is not None:
            due = enrolment.enrolled_on + timedelta(days=sch.days)
            out.append(schedule(session, compiled, enrolment, st.code, due))
        elif sch.ages_months is not None and enrolment.birth_on is not None:
            for months in sorted(set(sch.ages_months)):
                due = add_months(enrolment.birth_on, months)
                if due >= enrolment.enrolled_on:
                    out.append(schedule(session, compiled, enrolment, st.code, due, replace=False))
    return out


def after_event(
    session: Session,
    compiled: Compiled,
    enrolment: Enrolment,
    event: Event,
    rule_schedules: list[tuple[str, Action]],
) -> list[Event]:
    """After an event is recorded: the rules' schedules first (they win), then the stage's own
    "N days after the previous event" when no event of that stage is scheduled yet."""
    out: list[Event] = []
    base = event.event_on or enrolment.enrolled_on
    ruled: set[str] = set()
    for rule, act in rule_schedules:
        assert act.stage is not None and act.days is not None
        out.append(
            schedule(
                session, compiled, enrolment, act.stage, base + timedelta(days=act.days), rule=rule
            )
        )
        ruled.add(act.stage)
    if not compiled.has_stage(event.stage):
        return out
    st = compiled.stage(event.stage)
    sch = st.schedule
    if (
        st.repeatable
        and st.auto_schedule
        and sch is not None
        and sch.after == "previous_event"
        and sch.days is not None
        and event.stage not in ruled
    ):
        pending = session.scalar(
            select(Event.id).where(
                Event.enrolment_id == enrolment.id,
                Event.stage == event.stage,
                Event.status == EVENT_SCHEDULED,
            )
        )
        if pending is None:
            out.append(
                schedule(session, compiled, enrolment, event.stage, base + timedelta(days=sch.days))
            )
    return out


def after_enrolment_rules(
    session: Session,
    compiled: Compiled,
    enrolment: Enrolment,
    rule_schedules: list[tuple[str, Action]],
) -> list[Event]:
    out = []
    for rule, act in rule_schedules:
        assert act.stage is not None and act.days is not None
        due = enrolment.enrolled_on + timedelta(days=act.days)
        out.append(schedule(session, compiled, enrolment, act.stage, due, rule=rule))
    return out


def scheduled_read(events: list[Event]) -> list[ScheduledRead]:
    seen: dict[str, ScheduledRead] = {}
    for e in events:
        assert e.due_on is not None
        seen[e.id] = ScheduledRead(event_id=e.id, stage=e.stage, due_on=e.due_on)
    return list(seen.values())


def notify_all(
    session: Session,
    enrolment: Enrolment,
    notices: list[tuple[str, Action]],
    *,
    about: str,
) -> int:
    """Send the rules' notifications; ``about`` (the enrolment or event id) keeps a re-save
    from notifying the same people twice for the same rule."""
    if not notices:
        return 0
    program = session.get(Program, enrolment.program_id)
    assert program is not None
    sent = 0
    for rule, act in notices:
        common = {
            "kind": NOTIFY_KIND,
            "title_key": "programs.notify_rule_title",
            "params": {"program": program.name, "message": act.message or ""},
            "link": f"/programs/enrolments/{enrolment.id}",
            "person_id": enrolment.person_id,
            "source": "programs",
            "dedup_key": f"programs:{about}:{rule}"[:100],
        }
        if act.to_role:
            places = [enrolment.org_unit_id]
            if act.to_role_at == "district":
                district = orgs.district_of_institution(
                    session=session, institution_id=enrolment.org_unit_id
                )
                if district is not None:
                    places = orgs.institution_ids_in_district(
                        session=session, district_code=district
                    )
            recipients: list[str] = []
            for place in places:
                recipients += notify.recipients_with_role(
                    session=session, role_code=act.to_role, institution_id=place
                )
            if recipients:
                sent += len(
                    notify.send(session=session, recipients=recipients, **common)  # type: ignore[arg-type]
                )
        if act.to_assigned_user and enrolment.assigned_user_id:
            sent += len(
                notify.send(
                    session=session,
                    recipients=[enrolment.assigned_user_id],
                    **common,  # type: ignore[arg-type]
                )
            )
    return sent
