"""Sending notifications and reading one's own inbox, against the real database."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from healthnet.core.db import utcnow
from healthnet.core.errors import NotFound, ValidationFailed
from healthnet.core.home import service as home
from healthnet.core.jobs.models import Job
from healthnet.core.notify import service
from healthnet.core.notify.models import Message
from healthnet.core.notify.schemas import InboxQuery
from healthnet.core.orgs.models import Institution
from tests.core.notify.conftest import Staff


def send_one(db: Session, *recipients: str, **kw: object) -> list[Message]:
    values: dict[str, object] = {"kind": "test.hello", "title": "有一条新消息", "link": "/"}
    values.update(kw)
    return service.send(session=db, recipients=list(recipients), **values)  # type: ignore[arg-type]


def inbox(db: Session, who: Staff, **query: object) -> list[str]:
    page = service.list_inbox(
        session=db, actor=who.actor(db), query=InboxQuery.model_validate(query)
    )
    return [m.title for m in page.items]


def test_each_recipient_gets_one_message_in_chinese_from_the_catalogue(
    db: Session, staff: Callable[..., Staff]
) -> None:
    a, b = staff(), staff()
    sent = service.send(
        session=db,
        recipients=[a.id, b.id, a.id],
        kind="notify.test",
        title_key="notify.channel_unknown",  # any catalogue entry with a parameter
        params={"channel": "传真"},
        link="/patients/persons",
    )
    assert [m.recipient_user_id for m in sent] == [a.id, b.id]
    assert inbox(db, a) == ["未知的发送渠道：传真"]
    assert inbox(db, b) == ["未知的发送渠道：传真"]
    assert sent[0].source == "notify" and sent[0].link == "/patients/persons"


def test_the_inbox_holds_only_the_users_own_messages_newest_first(
    db: Session, staff: Callable[..., Staff]
) -> None:
    me, other = staff(), staff()
    send_one(db, me.id, title="第一条")
    send_one(db, other.id, title="别人的")
    send_one(db, me.id, title="第二条")
    assert inbox(db, me) == ["第二条", "第一条"]
    assert inbox(db, other) == ["别人的"]


def test_unread_count_and_marking_read(db: Session, staff: Callable[..., Staff]) -> None:
    me = staff()
    first, second, third = (send_one(db, me.id, title=f"第{n}条")[0] for n in "一二三")
    assert service.unread_count(session=db, user_id=me.id) == 3

    assert service.mark_read(session=db, actor=me.actor(db), ids=[second.id]) == 1
    assert service.mark_read(session=db, actor=me.actor(db), ids=[second.id]) == 0  # already
    assert service.unread_count(session=db, user_id=me.id) == 2
    assert inbox(db, me, unreadOnly=True) == ["第三条", "第一条"]

    assert service.mark_all_read(session=db, actor=me.actor(db)) == 2
    assert service.unread_count(session=db, user_id=me.id) == 0
    assert inbox(db, me, unreadOnly=True) == []
    assert len(inbox(db, me)) == 3
    assert first.id and third.id


def test_nobody_marks_another_users_message(db: Session, staff: Callable[..., Staff]) -> None:
    me, intruder = staff(), staff()
    mine = send_one(db, me.id)[0]
    theirs = send_one(db, intruder.id)[0]
    with pytest.raises(NotFound):
        service.mark_read(session=db, actor=intruder.actor(db), ids=[theirs.id, mine.id])
    # Nothing changed, not even the intruder's own message sent along.
    assert service.unread_count(session=db, user_id=me.id) == 1
    assert service.unread_count(session=db, user_id=intruder.id) == 1


def test_a_dedup_key_gives_each_recipient_at_most_one_message(
    db: Session, staff: Callable[..., Staff]
) -> None:
    a, b = staff(), staff()
    assert len(send_one(db, a.id, dedup_key="visit:p1:h1:2026-11-26")) == 1
    again = send_one(db, a.id, b.id, dedup_key="visit:p1:h1:2026-11-26")
    assert [m.recipient_user_id for m in again] == [b.id]
    assert service.unread_count(session=db, user_id=a.id) == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "Not A Kind"}, "kind"),
        ({"title": "  "}, "title"),
        ({"link": "https://evil.example/"}, "link"),
        ({"link": "//evil.example/"}, "link"),
        ({"channels": ("fax",)}, "channels"),
    ],
)
def test_bad_input_names_the_field(
    db: Session, staff: Callable[..., Staff], change: dict[str, object], field: str
) -> None:
    me = staff()
    with pytest.raises(ValidationFailed) as err:
        send_one(db, me.id, **change)
    assert [e.field for e in err.value.errors] == [field]
    assert service.unread_count(session=db, user_id=me.id) == 0


def test_recipients_must_exist(db: Session, staff: Callable[..., Staff]) -> None:
    me = staff()
    for recipients in ([], [me.id, "no-such-user"]):
        with pytest.raises(ValidationFailed) as err:
            send_one(db, *recipients)
        assert err.value.errors[0].field == "recipients"
    assert service.unread_count(session=db, user_id=me.id) == 0


def test_send_to_role_reaches_the_active_holders_at_that_institution(
    db: Session,
    staff: Callable[..., Staff],
    institution: Callable[..., Institution],
    role: Callable[[], str],
) -> None:
    cdc, other_cdc = institution(), institution("长宁区疾病预防控制中心")
    code = role()
    on_duty = staff(cdc.id, (code,))
    retired = staff(cdc.id, (code,))
    retired.user.is_active = False
    elsewhere = staff(other_cdc.id, (code,))
    colleague_without_role = staff(cdc.id)
    db.flush()

    sent = service.send_to_role(
        session=db, role_code=code, institution_id=cdc.id, kind="test.report", title="请审核报告卡"
    )
    assert [m.recipient_user_id for m in sent] == [on_duty.id]
    for nobody in (retired, elsewhere, colleague_without_role):
        assert service.unread_count(session=db, user_id=nobody.id) == 0
    # Nobody holding the role there is no error: there is simply nobody to tell.
    assert (
        service.send_to_role(
            session=db, role_code=role(), institution_id=cdc.id, kind="test.report", title="无人"
        )
        == []
    )


def test_other_channels_are_delivered_by_a_job_per_message(
    db: Session, staff: Callable[..., Staff]
) -> None:
    a, b = staff(), staff()
    sent = send_one(db, a.id, b.id, channels=("sms",))
    jobs = db.scalars(select(Job).where(Job.kind == service.DELIVER_KIND)).all()
    assert sorted(j.payload["messageId"] for j in jobs) == sorted(m.id for m in sent)
    assert {j.payload["channel"] for j in jobs} == {"sms"}
    assert all(set(j.payload) == {"messageId", "channel"} for j in jobs)  # ids, no text


def test_the_home_page_counts_unread_messages(db: Session, staff: Callable[..., Staff]) -> None:
    me = staff()
    assert "notify.unread" not in [t.key for t in home.todos(session=db, actor=me.actor(db))]
    send_one(db, me.id)
    send_one(db, me.id)
    todo = next(t for t in home.todos(session=db, actor=me.actor(db)) if t.key == "notify.unread")
    assert (todo.title, todo.count, todo.path) == ("未读消息", 2, "/notify/inbox")


def test_read_messages_are_purged_after_a_while_unread_ones_never(
    db: Session, staff: Callable[..., Staff]
) -> None:
    me = staff()
    old_read, old_unread, fresh_read = (send_one(db, me.id, title=t)[0] for t in "甲乙丙")
    now = utcnow()
    old_read.read_at = now - timedelta(days=200)
    old_unread.created_at = now - timedelta(days=400)
    fresh_read.read_at = now - timedelta(days=10)
    db.flush()
    assert service.purge_read(session=db, older_than=timedelta(days=180), now=now) == 1
    assert sorted(inbox(db, me)) == sorted(["乙", "丙"])
