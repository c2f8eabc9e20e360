"""Background work of the program engine.

* Follow-up reminders (issue #6 point 4): once a day, see
  :mod:`healthnet.core.programs.service.reminders`.
* The indicator refresh (issue #6 point 5): nightly, one job enqueues a refresh job per active
  program; each program's refresh runs in its own job, hence its own transaction, so its stored
  values are replaced all at once. The on-demand refresh (POST
  /programs/{code}/indicators/refresh) enqueues the same per-program job.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from healthnet.core.jobs import service as jobs
from healthnet.core.jobs.registry import JobError, job_handler, register_schedule
from healthnet.core.programs import indicators
from healthnet.core.programs.models import Program

log = logging.getLogger("healthnet.programs")

# ---------------------------------------------------------------- follow-up reminders
# One digest per responsible user and local day (the dedup key makes a re-run send nothing);
# 08:00 Shanghai time (schedules are read in Asia/Shanghai), as the clinics open.

REMINDER_KIND = "programs.followup_reminder"
REMINDER_CRON = "0 8 * * *"


@job_handler(REMINDER_KIND, lease=timedelta(minutes=30))
def send_reminders(session: Session, payload: dict[str, Any]) -> None:
    from healthnet.core.programs.service.reminders import send_followup_reminders

    send_followup_reminders(session=session)


register_schedule(REMINDER_KIND, REMINDER_CRON, REMINDER_KIND)

# ---------------------------------------------------------------- indicator refresh

REFRESH_KIND = "programs.indicators.refresh"
REFRESH_ALL_KIND = "programs.indicators.refresh_all"
REFRESH_ALL_CRON = "10 1 * * *"


def _years(payload: dict[str, Any]) -> tuple[int, int]:
    first, last = indicators.default_years()
    first = int(payload.get("firstYear") or first)
    last = int(payload.get("lastYear") or last)
    if not 1900 <= first <= last <= 2999:
        raise JobError("firstYear/lastYear out of range")
    return first, last


# Counting 10 million events takes minutes; a run past its lease would be started twice.
@job_handler(REFRESH_KIND, max_attempts=3, lease=timedelta(minutes=60))
def refresh_indicators(session: Session, payload: dict[str, Any]) -> None:
    code = str(payload.get("program") or "")
    program = session.scalar(select(Program).where(Program.code == code))
    if program is None or not program.is_active or program.current_version_id is None:
        return  # removed or deactivated since the job was queued: nothing to count
    first, last = _years(payload)
    result = indicators.refresh_program(
        session=session, program=program, first_year=first, last_year=last
    )
    log.info(
        "indicators refreshed: program=%s rows=%s ms=%s",
        result.program,
        result.rows,
        result.duration_ms,
    )


@job_handler(REFRESH_ALL_KIND)
def refresh_all_indicators(session: Session, payload: dict[str, Any]) -> None:
    years = {k: v for k, v in payload.items() if k in ("firstYear", "lastYear")}
    for program in indicators.active_programs(session):
        jobs.enqueue(session=session, kind=REFRESH_KIND, payload={"program": program.code, **years})


register_schedule(REFRESH_ALL_KIND, REFRESH_ALL_CRON, REFRESH_ALL_KIND)
