"""Follow-up reminders (issue #6 point 4): once a day, every responsible user gets ONE inbox
message counting their scheduled follow-ups that are overdue or due within the lead days, per
program, with a link to the work list.

Who is responsible for a scheduled event (decision, docs/dev/program-yaml.md "Reminders"):

* the event's ``assigned_user_id`` (the family doctor the enrolment is assigned to), if that
  account is active and holds ``programs:event:write``;
* otherwise — nobody assigned, or the assigned account is disabled, deleted or no longer allowed
  to record follow-ups — every active user of the event's institution (org unit) who holds
  ``programs:event:write``: somebody there has to see it. Their digest counts these separately
  ("not assigned to a doctor").

Events of restricted programs (e.g. severe mental disorders) count only for recipients who hold
``programs:restricted:read``, as the work list withholds them from everybody else.

The message carries counts and program names only — never a resident — so it may go out by SMS
too (``programs.reminder_sms``). It is sent with the dedup key ``programs.followup_reminder:<local
day>``: a second run on the same day (a retry, a second worker, an operator's manual run) sends
nothing new. The lead days are the system parameter ``programs.reminder_lead_days`` (default 7).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from healthnet.core.auth.models import User
from healthnet.core.i18n import register, t
from healthnet.core.localtime import local_today
from healthnet.core.notify import service as notify
from healthnet.core.notify.channels import SMS
from healthnet.core.programs.models import EVENT_SCHEDULED, Enrolment, Event, Program
from healthnet.core.programs.service._base import RESTRICTED, RESTRICTED_PERMISSION
from healthnet.core.rbac.models import RolePermission, UserRole
from healthnet.core.sysconf import service as sysconf

KIND = "programs.followup_reminder"
LEAD_DAYS_KEY = "programs.reminder_lead_days"
SMS_KEY = "programs.reminder_sms"
DEFAULT_LEAD_DAYS = 7
MAX_LEAD_DAYS = 90
WRITE_PERMISSION = "programs:event:write"
WORKLIST = "/registries/worklist"
_CHUNK = 500  # ids per IN list (SQLite's bound-parameter limit)

register(
    {
        "programs.reminder.title": (
            "随访提醒：逾期 {overdue} 人次，{days} 天内到期 {due} 人次",
            "Follow-ups: {overdue} overdue, {due} due within {days} days",
        ),
        "programs.reminder.program_line": (
            "{program}：逾期 {overdue}，{days} 天内到期 {due}",
            "{program}: {overdue} overdue, {due} due within {days} days",
        ),
        "programs.reminder.unassigned_line": (
            "本机构未指定责任医生的随访——{lines}",
            "Follow-ups of your institution without a responsible doctor — {lines}",
        ),
        "programs.reminder.footer": (
            "请在“随访工作清单”中处理。",
            "Open the follow-up work list to record them.",
        ),
    }
)


@dataclass
class _Counts:
    overdue: int = 0
    due: int = 0


@dataclass
class _Digest:
    own: dict[str, _Counts] = field(default_factory=lambda: defaultdict(_Counts))
    unassigned: dict[str, _Counts] = field(default_factory=lambda: defaultdict(_Counts))

    def totals(self) -> _Counts:
        out = _Counts()
        for part in (self.own, self.unassigned):
            for c in part.values():
                out.overdue += c.overdue
                out.due += c.due
        return out


@dataclass(frozen=True)
class ReminderRun:
    """What one run did: the day, the lead days, how many users had something due, how many
    messages were created (0 on a second run the same day)."""

    day: date
    lead_days: int
    recipients: int
    sent: int


def _chunks(ids: Iterable[str]) -> Iterator[list[str]]:
    items = sorted(set(ids))
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


def _holders(session: Session, user_ids: Iterable[str], permission: str) -> set[str]:
    """Which of ``user_ids`` are active and hold ``permission`` through one of their roles."""
    out: set[str] = set()
    for chunk in _chunks(user_ids):
        out.update(
            session.scalars(
                select(User.id)
                .join(UserRole, UserRole.user_id == User.id)
                .join(RolePermission, RolePermission.role_id == UserRole.role_id)
                .where(
                    User.id.in_(chunk),
                    User.is_active.is_(True),
                    RolePermission.permission == permission,
                )
                .distinct()
            ).all()
        )
    return out


def _writers_at(session: Session, institution_ids: Iterable[str]) -> dict[str, list[str]]:
    """Active users holding ``programs:event:write`` per institution."""
    out: dict[str, list[str]] = defaultdict(list)
    for chunk in _chunks(institution_ids):
        rows = session.execute(
            select(User.institution_id, User.id)
            .join(UserRole, UserRole.user_id == User.id)
            .join(RolePermission, RolePermission.role_id == UserRole.role_id)
            .where(
                User.institution_id.in_(chunk),
                User.is_active.is_(True),
                RolePermission.permission == WRITE_PERMISSION,
            )
            .distinct()
            .order_by(User.institution_id, User.id)
        ).all()
        for inst, user_id in rows:
            out[str(inst)].append(user_id)
    return out


def _due_counts(session: Session, today: date, horizon: date) -> list[Any]:
    """Scheduled events due up to ``horizon`` (overdue ones included), counted per responsible
    user, institution, program, sensitivity and overdue/due."""
    overdue = case((Event.due_on < today, True), else_=False).label("overdue")
    # the same expression objects in SELECT and GROUP BY (one bound parameter each)
    restricted = (Enrolment.sensitivity == RESTRICTED).label("restricted")
    return list(
        session.execute(
            select(
                Event.assigned_user_id,
                Event.org_unit_id,
                Program.name,
                restricted,
                overdue,
                func.count(),
            )
            .join(Enrolment, Enrolment.id == Event.enrolment_id)
            .join(Program, Program.id == Event.program_id)
            .where(Event.status == EVENT_SCHEDULED, Event.due_on <= horizon)
            .group_by(
                Event.assigned_user_id,
                Event.org_unit_id,
                Program.name,
                restricted,
                overdue,
            )
        ).all()
    )


def _lines(parts: dict[str, _Counts], days: int) -> list[str]:
    return [
        t("programs.reminder.program_line", program=name, overdue=c.overdue, due=c.due, days=days)
        for name, c in sorted(parts.items())
    ]


def _message(digest: _Digest, days: int) -> tuple[str, str, str]:
    total = digest.totals()
    title = t("programs.reminder.title", overdue=total.overdue, due=total.due, days=days)
    lines = _lines(digest.own, days)
    if digest.unassigned:
        lines.append(
            t("programs.reminder.unassigned_line", lines="；".join(_lines(digest.unassigned, days)))
        )
    body = "\n".join([*lines, t("programs.reminder.footer")])
    query = "due=overdue" if total.overdue else "due=due"
    link = f"{WORKLIST}?{query}" + ("&mine=true" if digest.own and not digest.unassigned else "")
    return title, body, link


def send_followup_reminders(*, session: Session, today: date | None = None) -> ReminderRun:
    """Send today's digests (see the module text); returns what was done."""
    today = today or local_today()
    lead = sysconf.get_value(session=session, key=LEAD_DAYS_KEY, default=DEFAULT_LEAD_DAYS)
    lead = max(0, min(MAX_LEAD_DAYS, int(lead)))
    sms = bool(sysconf.get_value(session=session, key=SMS_KEY, default=False))
    rows = _due_counts(session, today, today + timedelta(days=lead))

    assigned = _holders(session, (r[0] for r in rows if r[0]), WRITE_PERMISSION)
    orphan_orgs = {r[1] for r in rows if r[0] not in assigned}
    writers = _writers_at(session, orphan_orgs) if orphan_orgs else {}
    digests: dict[str, _Digest] = defaultdict(_Digest)
    for user_id, org_id, program, restricted, is_overdue, n in rows:
        if user_id in assigned:
            targets: Sequence[tuple[str, bool]] = [(user_id, True)]
        else:
            targets = [(w, False) for w in writers.get(org_id, [])]
        for target, own in targets:
            part = digests[target].own if own else digests[target].unassigned
            counts = part[f"\x00{program}" if restricted else program]
            if is_overdue:
                counts.overdue += n
            else:
                counts.due += n
    cleared = _holders(session, digests, RESTRICTED_PERMISSION) if digests else set()

    sent = 0
    recipients = 0
    for user_id in sorted(digests):
        digest = digests[user_id]
        for part in (digest.own, digest.unassigned):
            for key in [k for k in part if k.startswith("\x00")]:
                counts = part.pop(key)
                if user_id in cleared:
                    part[key[1:]] = counts  # program names differ: no merge needed
        if not digest.own and not digest.unassigned:
            continue
        recipients += 1
        title, body, link = _message(digest, lead)
        created = notify.send(
            session=session,
            recipients=[user_id],
            kind=KIND,
            title=title,
            body=body,
            link=link,
            source="programs",
            dedup_key=f"{KIND}:{today.isoformat()}",
            channels=(SMS,) if sms else (),
        )
        sent += len(created)
    return ReminderRun(day=today, lead_days=lead, recipients=recipients, sent=sent)
