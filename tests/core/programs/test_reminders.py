"""Daily follow-up reminders: one digest per responsible user and day, through the job mechanism,
counts only, idempotent per day; unassigned follow-ups reach the institution's recorders;
restricted programs only those cleared for them; lead days and SMS from system parameters."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from healthnet.core.auth.models import User
from healthnet.core.jobs.models import Job
from healthnet.core.jobs.registry import get_handler, schedule_specs
from healthnet.core.localtime import local_today
from healthnet.core.notify.models import Message
from healthnet.core.orgs.models import Institution
from healthnet.core.programs.jobs import REMINDER_KIND
from healthnet.core.programs.loader import load_spec, parse_text
from healthnet.core.programs.models import EVENT_SCHEDULED, Enrolment, Event, Program
from healthnet.core.programs.service.reminders import KIND, send_followup_reminders
from healthnet.core.sysconf import service as sysconf

from .conftest import ALL, World
from .test_schedules import CHILD

TODAY = date(2026, 11, 26)


def _program(world: World, code: str) -> Program:
    program = world.db.scalar(select(Program).where(Program.code == code))
    assert program is not None and program.current_version_id is not None
    return program


def _follow_up(
    world: World,
    person: str,
    *,
    due: date,
    org: Institution,
    doctor: str | None,
    program: str = "hypertension_demo",
    restricted: bool = False,
) -> None:
    """An open enrolment with one scheduled follow-up due on ``due``."""
    p = _program(world, program)
    enrolment = Enrolment(
        program_id=p.id,
        version_id=p.current_version_id,
        person_id=person,
        org_unit_id=org.id,
        assigned_user_id=doctor,
        status="managed",
        is_open=True,
        enrolled_on=due - timedelta(days=90),
        values={},
        sensitivity="restricted" if restricted else "normal",
    )
    world.db.add(enrolment)
    world.db.flush()
    world.db.add(
        Event(
            enrolment_id=enrolment.id,
            program_id=p.id,
            version_id=p.current_version_id,
            stage="followup",
            status=EVENT_SCHEDULED,
            due_on=due,
            org_unit_id=org.id,
            assigned_user_id=doctor,
            values={},
        )
    )
    world.db.flush()


def _inbox(world: World, user_id: str) -> list[Message]:
    return list(
        world.db.scalars(
            select(Message).where(Message.recipient_user_id == user_id, Message.kind == KIND)
        )
    )


def _set(world: World, key: str, value: str) -> None:
    sysconf.load_builtin(session=world.db)
    sysconf.get_parameter(session=world.db, key=key).value = value
    world.db.flush()


def test_a_doctor_gets_one_digest_a_day_with_counts_and_a_link(world: World) -> None:
    doc = world.user("family_doctor", world.a)
    for due in (TODAY - timedelta(days=20), TODAY - timedelta(days=1), TODAY + timedelta(days=3)):
        _follow_up(world, world.person(doc), due=due, org=world.a, doctor=doc.user_id)
    _follow_up(
        world, world.person(doc), due=TODAY + timedelta(days=30), org=world.a, doctor=doc.user_id
    )

    run = send_followup_reminders(session=world.db, today=TODAY)

    assert (run.recipients, run.sent, run.lead_days) == (1, 1, 7)
    [message] = _inbox(world, doc.user_id)
    assert message.title == "随访提醒：逾期 2 人次，7 天内到期 1 人次"
    assert "高血压患者健康管理（测试）：逾期 2，7 天内到期 1" in message.body
    assert message.link == "/registries/worklist?due=overdue&mine=true"
    assert message.person_id is None and "测试居民" not in message.title + message.body
    # Running again the same day (a retry, a second worker) sends nothing new ...
    again = send_followup_reminders(session=world.db, today=TODAY)
    assert (again.recipients, again.sent) == (1, 0)
    assert len(_inbox(world, doc.user_id)) == 1
    # ... the next day is a new digest.
    assert send_followup_reminders(session=world.db, today=TODAY + timedelta(days=1)).sent == 1
    assert len(_inbox(world, doc.user_id)) == 2


def test_nothing_due_means_no_message(world: World) -> None:
    doc = world.user("family_doctor", world.a)
    _follow_up(
        world, world.person(doc), due=TODAY + timedelta(days=8), org=world.a, doctor=doc.user_id
    )
    run = send_followup_reminders(session=world.db, today=TODAY)
    assert (run.recipients, run.sent) == (0, 0)
    assert _inbox(world, doc.user_id) == []


def test_unassigned_follow_ups_reach_the_institutions_recorders(world: World) -> None:
    doc_a = world.user("family_doctor", world.a)
    doc_b = world.user("family_doctor", world.b)
    reader_b = world.user("registry_viewer", world.b, permissions=("programs:enrolment:read",))
    gone = world.user("family_doctor", world.b)
    gone_user = world.db.get(User, gone.user_id)
    assert gone_user is not None
    gone_user.is_active = False
    _follow_up(world, world.person(doc_b), due=TODAY - timedelta(days=2), org=world.b, doctor=None)
    # assigned to a disabled account: nobody would see it, so B's recorders do
    _follow_up(
        world, world.person(doc_b), due=TODAY + timedelta(days=1), org=world.b, doctor=gone.user_id
    )
    _follow_up(world, world.person(doc_a), due=TODAY, org=world.a, doctor=doc_a.user_id)

    send_followup_reminders(session=world.db, today=TODAY)

    [message] = _inbox(world, doc_b.user_id)
    assert message.title == "随访提醒：逾期 1 人次，7 天内到期 1 人次"
    assert "本机构未指定责任医生的随访" in message.body
    assert message.link == "/registries/worklist?due=overdue"
    assert _inbox(world, reader_b.user_id) == []  # cannot record follow-ups
    assert _inbox(world, gone.user_id) == []
    [own] = _inbox(world, doc_a.user_id)  # due today counts as due, not overdue
    assert own.title == "随访提醒：逾期 0 人次，7 天内到期 1 人次"
    assert own.link == "/registries/worklist?due=due&mine=true"


def test_restricted_programs_count_only_for_cleared_users(world: World) -> None:
    restricted = (
        CHILD.replace("code: child_checks_demo", "code: mental_demo")
        .replace("kind: enrolment", "kind: enrolment\nsensitivity: restricted")
        .replace("儿童健康检查（测试）", "精神障碍管理（测试）")
    )
    load_spec(session=world.db, spec=parse_text(restricted, file="mental.yaml"))
    cleared = world.user(
        "psychiatric_doctor", world.a, permissions=(*ALL, "programs:restricted:read")
    )
    plain = world.user("family_doctor", world.a)
    for who in (cleared, plain):
        _follow_up(
            world,
            world.person(who),
            due=TODAY - timedelta(days=1),
            org=world.a,
            doctor=who.user_id,
            program="mental_demo",
            restricted=True,
        )
        _follow_up(
            world, world.person(who), due=TODAY + timedelta(days=1), org=world.a, doctor=who.user_id
        )

    send_followup_reminders(session=world.db, today=TODAY)

    [seen] = _inbox(world, cleared.user_id)
    assert seen.title == "随访提醒：逾期 1 人次，7 天内到期 1 人次"
    assert "精神障碍管理（测试）：逾期 1" in seen.body
    [withheld] = _inbox(world, plain.user_id)
    assert withheld.title == "随访提醒：逾期 0 人次，7 天内到期 1 人次"
    assert "精神障碍" not in withheld.body


def test_lead_days_and_sms_come_from_the_system_parameters(world: World) -> None:
    doc = world.user("family_doctor", world.a)
    _follow_up(
        world, world.person(doc), due=TODAY + timedelta(days=30), org=world.a, doctor=doc.user_id
    )
    _set(world, "programs.reminder_lead_days", "30")
    _set(world, "programs.reminder_sms", "true")

    run = send_followup_reminders(session=world.db, today=TODAY)

    assert (run.lead_days, run.sent) == (30, 1)
    [message] = _inbox(world, doc.user_id)
    assert message.title == "随访提醒：逾期 0 人次，30 天内到期 1 人次"
    jobs = world.db.scalars(select(Job).where(Job.kind == "notify.deliver")).all()
    assert [j.payload for j in jobs] == [{"messageId": message.id, "channel": "sms"}]


def test_the_daily_job_is_registered_and_sends_todays_digest(
    client: TestClient, world: World
) -> None:
    # A follow-up enrolled through the API, due in three days (the first visit is moved up).
    doc = world.user("family_doctor", world.a)
    person = world.person(doc)
    world.db.commit()
    r = client.post(
        "/api/v1/programs/hypertension_demo/enrolments",
        json={
            "personId": person,
            "assignedUserId": doc.user_id,
            "values": {"diagnosis": "I10", "diagnosed_on": "2020-01-02", "height_cm": 170},
        },
        headers=doc.headers,
    )
    assert r.status_code == 201, r.text
    event = world.db.get(Event, r.json()["scheduled"][0]["eventId"])
    assert event is not None and event.assigned_user_id == doc.user_id
    event.due_on = local_today() + timedelta(days=3)
    world.db.flush()

    assert any(s.kind == REMINDER_KIND and s.cron == "0 8 * * *" for s in schedule_specs())
    handler = get_handler(REMINDER_KIND)
    assert handler is not None
    handler.func(world.db, {})
    handler.func(world.db, {})  # the same day again: still one
    [message] = _inbox(world, doc.user_id)
    assert message.title == "随访提醒：逾期 0 人次，7 天内到期 1 人次"
    assert message.dedup_key == f"{KIND}:{local_today().isoformat()}"
