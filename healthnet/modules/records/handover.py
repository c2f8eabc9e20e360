"""Chronic-patient handover (患者全程管理, B3): a resident's visit to another institution reaches
their contracted family doctor in time.

Called by ingestion after each encounter is flushed (:func:`on_encounter`). The doctor gets one
inbox message per resident, institution and day — resending an encounter, or a second encounter
the same day at the same hospital, adds nothing (notify's dedup key, unique in the database).
The message says where and when, never who: it carries the resident only as ``person_id`` and
links to the record page, which checks access and audits the read. A visit labelled sensitive
(mental health, HIV, ...) gets a message that names neither the institution nor the department,
since those alone may reveal the category.

Only visits of the last :data:`WINDOW` are handed over, so loading years of history from a
hospital does not flood the doctors' inboxes with old news.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from healthnet.core.db import utcnow
from healthnet.core.i18n import register, t
from healthnet.core.localtime import local_zone
from healthnet.core.notify import service as notify
from healthnet.core.orgs import service as orgs
from healthnet.core.patients import service as patients
from healthnet.modules.records.models import Encounter

KIND = "records.handover"
WINDOW = timedelta(days=7)
_NOT_A_VISIT = frozenset({"cancelled", "entered-in-error"})

# The handover's texts live with it (records' own catalogue is the ingestion's).
register(
    {
        "records.handover.title": (
            "您签约的居民于{institution}{encounter_class}就诊",
            "A resident you care for visited {institution} ({encounter_class})",
        ),
        "records.handover.body": (
            "就诊时间：{time}{department}。点击查看健康档案。",
            "Visit at {time}{department}. Open the health record.",
        ),
        "records.handover.title_protected": (
            "您签约的居民有一条新的就诊记录",
            "A resident you care for has a new visit",
        ),
        "records.handover.body_protected": (
            "就诊时间：{time}。该记录属于受保护类别，请在健康档案中按规定查看。",
            "Visit at {time}. The record is protected; open it in the health record.",
        ),
        "records.handover.class.outpatient": ("门诊", "outpatient"),
        "records.handover.class.emergency": ("急诊", "emergency"),
        "records.handover.class.inpatient": ("住院", "inpatient"),
        "records.handover.department": ("，{name}", ", {name}"),
    }
)


def record_page(person_id: str) -> str:
    """The web route of the resident's shared health record (records retrieval)."""
    return f"/records/persons/{person_id}"


def on_encounter(*, session: Session, encounter: Encounter, now: datetime | None = None) -> None:
    """Tell the resident's family doctor about this visit, if it is recent, at another
    institution than the doctor's own, and the first of that resident there that day."""
    if encounter.status in _NOT_A_VISIT:
        return
    now = now or utcnow()
    if encounter.start_at < now - WINDOW or encounter.start_at > now + timedelta(days=1):
        return
    doctor = patients.family_doctor_of(session=session, person_id=encounter.person_id)
    if doctor is None or doctor.institution_id == encounter.institution_id:
        return
    local = encounter.start_at.astimezone(local_zone())
    params = {"time": f"{local:%Y-%m-%d %H:%M}"}
    if encounter.sensitivity:
        title_key, body_key = "records.handover.title_protected", "records.handover.body_protected"
    else:
        institution = orgs.get_institution(session=session, institution_id=encounter.institution_id)
        title_key, body_key = "records.handover.title", "records.handover.body"
        params.update(
            institution=institution.name,
            encounter_class=t(f"records.handover.class.{encounter.class_code}"),
            department=t("records.handover.department", name=encounter.department_name)
            if encounter.department_name
            else "",
        )
    notify.send(
        session=session,
        recipients=[doctor.user_id],
        kind=KIND,
        title_key=title_key,
        body_key=body_key,
        params=params,
        link=record_page(encounter.person_id),
        person_id=encounter.person_id,
        source="records",
        dedup_key=f"{KIND}:{encounter.person_id}:{encounter.institution_id}:{local:%Y-%m-%d}",
    )
