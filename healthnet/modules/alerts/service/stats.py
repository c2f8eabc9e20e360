"""Statistics of the prompts: how many, how many accepted or overridden, the acceptance rate,
grouped by ordering institution, drug class, item or month, within the caller's data scope.

Counts are by the day the check ran (Asia/Shanghai), ``from`` and ``to`` inclusive. The
acceptance rate is accepted / prompts: a prompt nobody answered was not accepted.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from healthnet.core.errors import ValidationFailed
from healthnet.core.i18n import t
from healthnet.core.localtime import local_today
from healthnet.core.orgs.models import Institution
from healthnet.core.rbac.actor import Actor
from healthnet.core.rbac.scope import scope_condition
from healthnet.modules.alerts.models import RESPONSE_ACCEPTED, RESPONSE_OVERRIDDEN, Prompt
from healthnet.modules.alerts.schemas import StatsQuery, StatsRead, StatsRow

DEFAULT_DAYS = 30
MAX_DAYS = 3 * 366


def _row(key: str, label: str, prompts: int, accepted: int, overridden: int) -> StatsRow:
    return StatsRow(
        key=key,
        label=label,
        prompts=prompts,
        accepted=accepted,
        overridden=overridden,
        unanswered=prompts - accepted - overridden,
        acceptance_rate=round(accepted / prompts, 4) if prompts else None,
    )


def statistics(*, session: Session, actor: Actor, query: StatsQuery) -> StatsRead:
    date_to = query.date_to or local_today()
    date_from = query.date_from or date_to - timedelta(days=DEFAULT_DAYS - 1)
    if date_from > date_to:
        raise ValidationFailed.field("from", "alerts.range_invalid")
    if (date_to - date_from).days + 1 > MAX_DAYS:
        raise ValidationFailed.field("from", "alerts.range_too_long", days=MAX_DAYS)

    conds: list[ColumnElement[bool]] = [
        Prompt.checked_on >= date_from,
        Prompt.checked_on <= date_to,
    ]
    scope = scope_condition(actor, institution_column=Prompt.ordering_institution_id)
    if scope is not None:
        conds.append(scope)

    key: Any
    label: Any
    stmt_from: Any = Prompt
    if query.group_by == "institution":
        key, label = Prompt.ordering_institution_id, func.min(Institution.name)
    elif query.group_by == "drugClass":
        conds.append(Prompt.line_kind == "drug")
        key = func.coalesce(Prompt.drug_class, "")
        label = func.min(Prompt.drug_class_name)
    elif query.group_by == "item":
        conds.append(Prompt.line_kind.in_(("lab", "exam")))
        key, label = Prompt.line_code, func.min(Prompt.line_name)
    else:
        key, label = Prompt.month, func.min(Prompt.month)

    accepted = func.sum(case((Prompt.response == RESPONSE_ACCEPTED, 1), else_=0))
    overridden = func.sum(case((Prompt.response == RESPONSE_OVERRIDDEN, 1), else_=0))
    stmt = select(key, label, func.count(Prompt.id), accepted, overridden).select_from(stmt_from)
    if query.group_by == "institution":
        stmt = stmt.join(Institution, Institution.id == Prompt.ordering_institution_id)
    stmt = stmt.where(*conds).group_by(key)

    rows: list[StatsRow] = []
    for k, lbl, n, acc, ovr in session.execute(stmt).all():
        if query.group_by == "drugClass" and not k:
            lbl = t("alerts.stats.unknown_class")
        rows.append(_row(str(k), str(lbl or k), int(n), int(acc or 0), int(ovr or 0)))
    if query.group_by == "month":
        rows.sort(key=lambda r: r.key)
    else:
        rows.sort(key=lambda r: (-r.prompts, r.key))
    total = _row(
        "",
        t("alerts.stats.total"),
        sum(r.prompts for r in rows),
        sum(r.accepted for r in rows),
        sum(r.overridden for r in rows),
    )
    return StatsRead(
        date_from=date_from, date_to=date_to, group_by=query.group_by, rows=rows, total=total
    )
