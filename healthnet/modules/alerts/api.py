"""Routes of the duplicate-order prompts (mounted under /api/v1/alerts)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from healthnet.core.audit.context import AuditContextDep
from healthnet.core.deps import Actor, SessionDep, require
from healthnet.core.oidc.deps import Caller, require_permission_or_scope
from healthnet.core.schemas import Page
from healthnet.modules.alerts import service
from healthnet.modules.alerts.schemas import (
    CheckRead,
    CheckRequest,
    DrugRuleCreate,
    DrugRuleRead,
    DrugRuleUpdate,
    ItemRuleCreate,
    ItemRuleRead,
    ItemRuleUpdate,
    RespondRequest,
    RuleQuery,
    StatsQuery,
    StatsRead,
)

router = APIRouter(tags=["alerts"])

# A clinician in the console (permission) or the hospital's order entry system calling with its
# client-credentials token (scope alerts.check, see core/oidc/scopes.py).
CheckRun = Annotated[
    Caller, Depends(require_permission_or_scope("alerts:check:run", "alerts.check"))
]
RuleRead = Annotated[Actor, Depends(require("alerts:rule:read"))]
RuleWrite = Annotated[Actor, Depends(require("alerts:rule:write"))]
StatsReader = Annotated[Actor, Depends(require("alerts:stats:read"))]


def _no_store(response: Response) -> None:
    # SECURITY.md: patient-data responses are not cached.
    response.headers["Cache-Control"] = "no-store"


# ---------------------------------------------------------------- checks


@router.post("/check", response_model=CheckRead, operation_id="alerts_check")
def check(
    data: CheckRequest,
    session: SessionDep,
    caller: CheckRun,
    ctx: AuditContextDep,
    response: Response,
) -> CheckRead:
    """The check at order time: prompts for suspected duplicate drugs, labs and exams against
    the patient's recent records from every institution. Called by a signed-in clinician or by
    the hospital's order entry with an access token of scope ``alerts.check``; the patient is
    named by ``personId``, ``masterId`` or ``patientIdentifier`` (e.g. the ID card number)."""
    _no_store(response)
    return service.present_check(
        service.run_check(
            session=session, actor=caller.actor, data=data, request=ctx, client=caller.client
        )
    )


@router.get("/checks/{check_id}", response_model=CheckRead, operation_id="alerts_get_check")
def get_check(
    check_id: str, session: SessionDep, caller: CheckRun, ctx: AuditContextDep, response: Response
) -> CheckRead:
    _no_store(response)
    return service.present_check(
        service.get_check(
            session=session,
            actor=caller.actor,
            check_id=check_id,
            request=ctx,
            client=caller.client,
        )
    )


@router.post(
    "/checks/{check_id}/responses", response_model=CheckRead, operation_id="alerts_respond"
)
def respond(
    check_id: str,
    data: RespondRequest,
    session: SessionDep,
    caller: CheckRun,
    ctx: AuditContextDep,
    response: Response,
) -> CheckRead:
    """The doctor's answer to prompts: accepted (the order was changed) or overridden (with a
    reason)."""
    _no_store(response)
    return service.present_check(
        service.respond(
            session=session,
            actor=caller.actor,
            check_id=check_id,
            data=data,
            request=ctx,
            client=caller.client,
        )
    )


# ---------------------------------------------------------------- statistics


@router.get("/statistics", response_model=StatsRead, operation_id="alerts_statistics")
def statistics(
    session: SessionDep, actor: StatsReader, query: Annotated[StatsQuery, Query()]
) -> StatsRead:
    return service.statistics(session=session, actor=actor, query=query)


# ---------------------------------------------------------------- drug rules


@router.get("/drug-rules", response_model=Page[DrugRuleRead], operation_id="alerts_list_drug_rules")
def list_drug_rules(
    session: SessionDep, actor: RuleRead, query: Annotated[RuleQuery, Query()]
) -> Page[DrugRuleRead]:
    return service.list_drug_rules(session=session, query=query)


@router.post(
    "/drug-rules",
    response_model=DrugRuleRead,
    status_code=201,
    operation_id="alerts_create_drug_rule",
)
def create_drug_rule(
    data: DrugRuleCreate, session: SessionDep, actor: RuleWrite, ctx: AuditContextDep
) -> DrugRuleRead:
    row = service.create_drug_rule(session=session, actor=actor, data=data, request=ctx)
    return DrugRuleRead.model_validate(row)


@router.get("/drug-rules/{code}", response_model=DrugRuleRead, operation_id="alerts_get_drug_rule")
def get_drug_rule(code: str, session: SessionDep, actor: RuleRead) -> DrugRuleRead:
    return DrugRuleRead.model_validate(service.get_drug_rule(session=session, code=code))


@router.patch(
    "/drug-rules/{code}", response_model=DrugRuleRead, operation_id="alerts_update_drug_rule"
)
def update_drug_rule(
    code: str, data: DrugRuleUpdate, session: SessionDep, actor: RuleWrite, ctx: AuditContextDep
) -> DrugRuleRead:
    row = service.update_drug_rule(session=session, actor=actor, code=code, data=data, request=ctx)
    return DrugRuleRead.model_validate(row)


@router.delete("/drug-rules/{code}", status_code=204, operation_id="alerts_delete_drug_rule")
def delete_drug_rule(
    code: str, session: SessionDep, actor: RuleWrite, ctx: AuditContextDep
) -> None:
    service.delete_drug_rule(session=session, actor=actor, code=code, request=ctx)


# ---------------------------------------------------------------- lab and exam rules


@router.get("/item-rules", response_model=Page[ItemRuleRead], operation_id="alerts_list_item_rules")
def list_item_rules(
    session: SessionDep, actor: RuleRead, query: Annotated[RuleQuery, Query()]
) -> Page[ItemRuleRead]:
    return service.list_item_rules(session=session, query=query)


@router.post(
    "/item-rules",
    response_model=ItemRuleRead,
    status_code=201,
    operation_id="alerts_create_item_rule",
)
def create_item_rule(
    data: ItemRuleCreate, session: SessionDep, actor: RuleWrite, ctx: AuditContextDep
) -> ItemRuleRead:
    row = service.create_item_rule(session=session, actor=actor, data=data, request=ctx)
    return ItemRuleRead.model_validate(row)


@router.get("/item-rules/{code}", response_model=ItemRuleRead, operation_id="alerts_get_item_rule")
def get_item_rule(code: str, session: SessionDep, actor: RuleRead) -> ItemRuleRead:
    return ItemRuleRead.model_validate(service.get_item_rule(session=session, code=code))


@router.patch(
    "/item-rules/{code}", response_model=ItemRuleRead, operation_id="alerts_update_item_rule"
)
def update_item_rule(
    code: str, data: ItemRuleUpdate, session: SessionDep, actor: RuleWrite, ctx: AuditContextDep
) -> ItemRuleRead:
    row = service.update_item_rule(session=session, actor=actor, code=code, data=data, request=ctx)
    return ItemRuleRead.model_validate(row)


@router.delete("/item-rules/{code}", status_code=204, operation_id="alerts_delete_item_rule")
def delete_item_rule(
    code: str, session: SessionDep, actor: RuleWrite, ctx: AuditContextDep
) -> None:
    service.delete_item_rule(session=session, actor=actor, code=code, request=ctx)
