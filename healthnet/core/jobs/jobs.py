"""The jobs slice's own periodic work: keeping the job table from growing without end."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from healthnet.core.jobs import service
from healthnet.core.jobs.registry import job_handler, register_schedule

PURGE_KIND = "jobs.purge_succeeded"


@job_handler(PURGE_KIND)
def purge_succeeded(session: Session, payload: dict[str, Any]) -> None:
    # Dead jobs are kept until an operator re-queues them; succeeded ones only for a while.
    service.purge_succeeded(session=session, older_than=timedelta(days=int(payload["days"])))


register_schedule(PURGE_KIND, "30 3 * * *", PURGE_KIND, {"days": 30})
