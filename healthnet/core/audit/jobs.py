"""Periodic audit work: sign a checkpoint every 15 minutes, verify the whole chain nightly."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.orm import Session

from healthnet.core.audit import service
from healthnet.core.jobs.registry import job_handler, register_schedule

log = logging.getLogger("healthnet.audit")

CHECKPOINT_KIND = "audit.checkpoint"
VERIFY_KIND = "audit.verify"
# How much of the chain's end is unsigned at worst: a tail deleted together with the head
# row after the last checkpoint is the one change the chain alone cannot reveal.
CHECKPOINT_CRON = "*/15 * * * *"
VERIFY_CRON = "30 2 * * *"


@job_handler(CHECKPOINT_KIND)
def sign_checkpoint(session: Session, payload: dict[str, Any]) -> None:
    service.checkpoint(session=session)


@job_handler(VERIFY_KIND)
def verify_chain(session: Session, payload: dict[str, Any]) -> None:
    report = service.verify()
    service.save_verification(session=session, report=report, triggered_by="schedule")
    if not report.ok:
        # Codes and sequence numbers only: the report holds no personal data.
        log.critical("audit chain verification failed; first bad record %s", report.first_bad_seq)


register_schedule(CHECKPOINT_KIND, CHECKPOINT_CRON, CHECKPOINT_KIND)
register_schedule(VERIFY_KIND, VERIFY_CRON, VERIFY_KIND)
