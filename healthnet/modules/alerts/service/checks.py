"""The check at order time, its stored prompts and the doctor's responses.

The clinical history is read only through :mod:`healthnet.modules.records.service`
(``medications_since`` / ``tests_since``), bounded in time by the longest look-back the rules
need, so each query walks the records' (person, time) indexes for a few months at most.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, object_session, selectinload

from healthnet.core.audit import service as audit
from healthnet.core.audit.context import AuditContext
from healthnet.core.db import utcnow
from healthnet.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from healthnet.core.i18n import t
from healthnet.core.localtime import local_date, local_datetime, local_today
from healthnet.core.oidc.models import OidcClient
from healthnet.core.oidc.service import ClientPrincipal
from healthnet.core.orgs.models import Institution
from healthnet.core.patients.models import STATUS_MERGED, Person
from healthnet.core.rbac.actor import Actor
from healthnet.core.rbac.scope import check_object, in_scope
from healthnet.modules.alerts import matching
from healthnet.modules.alerts.matching import Finding, NewDrug, NewItem
from healthnet.modules.alerts.models import (
    KIND_DRUG_CLASS,
    KIND_DRUG_INGREDIENT,
    RESPONSE_OVERRIDDEN,
    Check,
    Prompt,
)
from healthnet.modules.alerts.schemas import (
    CheckRead,
    CheckRequest,
    EarlierRecord,
    Practitioner,
    PractitionerRead,
    PromptLine,
    PromptRead,
    RespondRequest,
)
from healthnet.modules.alerts.service.rules import (
    active_drug_rules,
    active_item_rules,
    atc_class_name,
)
from healthnet.modules.records import service as records

# How far a drug line's start date may lie from the order date (a course started a few weeks
# ago and written up now; a repeat prescription starting when the current one runs out).
START_BEFORE_DAYS = 30
START_AFTER_DAYS = 90
_MAX_MERGE_CHAIN = 16


# ---------------------------------------------------------------- the check


def _resolve_person(
    session: Session, data: CheckRequest, institution_id: str | None
) -> tuple[str, list[str]]:
    """The platform id whose records count (a merged record's survivor) and the ids of the
    records merged into it, whose facts count as its own (``records.person_ids``, read here in
    the same statement). Only ids and status are read (no personal field); unknown → 422 on
    ``personId`` / ``masterId`` / ``patientIdentifier.value``.

    Not limited by the caller's data scope: the patient in front of the doctor may have been
    registered anywhere in the city — comparing with every hospital is the point of R9. The
    check is audited (purpose TREAT) and shows only what the prompt needs."""
    person_id, master_id, ident = data.person_id, data.master_id, data.patient_identifier
    if sum(x is not None for x in (person_id, master_id, ident)) != 1:
        raise ValidationFailed.field("personId", "alerts.person_required")
    if ident is not None:
        found = records.find_person_by_identifier(
            session=session,
            system=ident.system,
            value=ident.value,
            institution_id=institution_id,
            field="patientIdentifier",
        )
        if found is None:
            raise ValidationFailed.field("patientIdentifier.value", "alerts.identifier_unknown")
        person_id = found
    elif master_id is not None:
        found = session.scalar(select(Person.id).where(Person.master_id == master_id))
        if found is None:
            raise ValidationFailed.field("masterId", "alerts.person_unknown")
        person_id = found
    current = str(person_id)
    for _ in range(_MAX_MERGE_CHAIN):
        rows = session.execute(
            select(Person.id, Person.status, Person.merged_into_id).where(
                or_(Person.id == current, Person.merged_into_id == current)
            )
        ).all()
        row = next((r for r in rows if r.id == current), None)
        if row is None:
            raise ValidationFailed.field("personId", "alerts.person_unknown")
        if row.status != STATUS_MERGED or row.merged_into_id is None:
            return current, [current, *(r.id for r in rows if r.id != current)]
        current = row.merged_into_id
    return current, records.person_ids(session, current)


def _ordering_institution(
    session: Session, actor: Actor, institution_id: str | None, client: ClientPrincipal | None
) -> Institution:
    chosen = institution_id or actor.institution_id
    if chosen is None:
        raise ValidationFailed.field("orderingInstitutionId", "alerts.institution_required")
    institution = session.get(Institution, chosen)
    if institution is None:
        raise ValidationFailed.field("orderingInstitutionId", "alerts.institution_unknown")
    if client is not None:
        # A hospital's system orders for that hospital; a system registered without an
        # institution (a district platform) names the institution on every call.
        if client.institution_id is not None and chosen != client.institution_id:
            raise ValidationFailed.field("orderingInstitutionId", "alerts.institution_not_clients")
    elif not in_scope(actor, session=session, institution_id=chosen):
        raise ValidationFailed.field("orderingInstitutionId", "alerts.institution_out_of_scope")
    return institution


def _new_lines(data: CheckRequest, order_date: date) -> tuple[list[NewDrug], list[NewItem]]:
    errors: list[FieldError] = []
    drugs: list[NewDrug] = []
    earliest = order_date - timedelta(days=START_BEFORE_DAYS)
    latest = order_date + timedelta(days=START_AFTER_DAYS)
    for i, line in enumerate(data.drugs):
        start = line.start_date or order_date
        if not earliest <= start <= latest:
            code = "alerts.start_date_range"
            text = t(code, before=START_BEFORE_DAYS, after=START_AFTER_DAYS)
            errors.append(FieldError(f"drugs[{i}].startDate", code, text))
        drugs.append(
            NewDrug(
                index=i,
                drug_code=line.drug_code,
                generic_name=line.generic_name,
                ingredient_code=line.ingredient_code,
                atc_code=line.atc_code,
                start_date=start,
                days_supply=line.days_supply,
            )
        )
    if errors:
        raise ValidationFailed(errors=errors)
    items = [
        NewItem(index=i, kind=line.kind, item_code=line.item_code, item_name=line.item_name)
        for i, line in enumerate(data.items)
    ]
    return drugs, items


def _drug_findings(
    session: Session,
    person_id: str,
    ids: list[str],
    drugs: Sequence[NewDrug],
    encounter_class: str,
    institution: Institution,
) -> list[Finding]:
    rules = active_drug_rules(session=session) if drugs else ()
    if not rules:
        return []
    since = local_datetime(matching.drug_lookback_start(d.start_date for d in drugs))
    history = records.medications_since(session=session, person_id=person_id, since=since, ids=ids)
    found = matching.match_drugs(
        drugs=drugs,
        history=history,
        rules=rules,
        encounter_class=encounter_class,
        own_institution_id=institution.id,
    )
    found += matching.match_drugs_within_order(
        drugs=drugs,
        rules=rules,
        encounter_class=encounter_class,
        institution_id=institution.id,
        institution_name=institution.name,
    )
    return sorted(found, key=lambda f: f.line_index)  # stable: earlier records first


def _item_findings(
    session: Session,
    person_id: str,
    ids: list[str],
    items: Sequence[NewItem],
    encounter_class: str,
    order_date: date,
    institution: Institution,
) -> list[Finding]:
    rules = active_item_rules(session=session) if items else ()
    applicable = matching.rules_for_items(items, rules, encounter_class)
    if not applicable:
        return []
    first_day = min(matching.window_start(order_date, r.window_days) for r in applicable.values())
    history = records.tests_since(
        session=session,
        person_id=person_id,
        since=local_datetime(first_day),
        item_codes=sorted({r.item_code for r in applicable.values()}),
        kinds={r.kind for r in applicable.values()},
        ids=ids,
    )
    found = matching.match_items(
        items=items,
        history=history,
        rules=list(applicable.values()),
        encounter_class=encounter_class,
        order_on=order_date,
        own_institution_id=institution.id,
    )
    found += matching.match_items_within_order(
        items=items,
        rules=list(applicable.values()),
        encounter_class=encounter_class,
        order_on=order_date,
        institution_id=institution.id,
        institution_name=institution.name,
    )
    return sorted(found, key=lambda f: f.line_index)  # stable: earlier records first


def mask_protected(finding: Finding) -> Finding:
    """A protected earlier record as the prompt may show it: no institution, no drug or item
    name, no result — only that the new line duplicates a record, its date and the supply
    left. The record id stays (it opens nothing without access to the record)."""
    if not finding.protected:
        return finding
    name = t("alerts.protected.drug" if finding.line_kind == "drug" else "alerts.protected.test")
    return replace(
        finding,
        earlier_institution_id=None,
        earlier_institution_name=t("alerts.protected.institution"),
        earlier_name=name,
        earlier_result=None,
    )


def message(finding: Finding) -> str:
    """The prompt as the doctor reads it (Chinese)."""
    if finding.within_order:
        klass = None
        if finding.kind == KIND_DRUG_CLASS:
            klass = atc_class_name(finding.class_prefix) or finding.rule_name
        return t(
            f"alerts.prompt.within_{finding.kind}",
            new=finding.line_name,
            line=(finding.other_line_index or 0) + 1,
            earlier=finding.earlier_name,
            klass=klass,
        )
    if finding.protected:
        return t(
            f"alerts.prompt.protected_{'drug' if finding.line_kind == 'drug' else 'test'}",
            date=finding.earlier_date.isoformat(),
            days=finding.remaining_days,
            window=finding.window_days,
            new=finding.line_name,
        )
    common: dict[str, Any] = {
        "date": finding.earlier_date.isoformat(),
        "institution": finding.earlier_institution_name,
        "earlier": finding.earlier_name,
        "new": finding.line_name,
    }
    if finding.kind == KIND_DRUG_INGREDIENT:
        return t("alerts.prompt.drug_ingredient", days=finding.remaining_days, **common)
    if finding.kind == KIND_DRUG_CLASS:
        klass = atc_class_name(finding.class_prefix) or finding.rule_name
        return t("alerts.prompt.drug_class", days=finding.remaining_days, klass=klass, **common)
    result = finding.earlier_result or t("alerts.prompt.no_result")
    return t(f"alerts.prompt.{finding.kind}", result=result, window=finding.window_days, **common)


def _practitioner(value: Practitioner | None) -> tuple[str | None, str | None]:
    return (value.id, value.name) if value is not None else (None, None)


def run_check(
    *,
    session: Session,
    actor: Actor,
    data: CheckRequest,
    request: AuditContext | None = None,
    client: ClientPrincipal | None = None,
) -> Check:
    """Compare the new lines with the patient's recent medications and tests in every
    institution and with each other (two lines of one order), store the check and its prompts,
    and audit the read (one record, purpose TREAT).

    ``client`` is set when a hospital system calls with its access token (``actor`` is then
    :func:`healthnet.core.oidc.service.client_actor`): the check records the system and the
    ordering doctor it names, and orders only for the system's own institution."""
    if not data.drugs and not data.items:
        raise ValidationFailed.field("drugs", "alerts.check_empty")
    institution = _ordering_institution(session, actor, data.ordering_institution_id, client)
    institution_id = institution.id
    person_id, ids = _resolve_person(session, data, institution_id)
    order_date = data.order_date or local_today()
    drugs, items = _new_lines(data, order_date)

    findings = _drug_findings(session, person_id, ids, drugs, data.encounter_class, institution)
    findings += _item_findings(
        session, person_id, ids, items, data.encounter_class, order_date, institution
    )
    findings = [mask_protected(f) for f in findings]

    now = utcnow()
    checked_on = local_date(now)
    practitioner_id, practitioner_name = _practitioner(data.ordering_practitioner)
    check = Check(
        person_id=person_id,
        ordering_institution_id=institution_id,
        checked_by=None if client is not None else actor.user_id,
        client_id=client.client_pk if client is not None else None,
        practitioner_id=practitioner_id,
        practitioner_name=practitioner_name,
        encounter_class=data.encounter_class,
        order_date=order_date,
        checked_at=now,
        drugs=[d.model_dump(mode="json", by_alias=True, exclude_none=True) for d in data.drugs],
        items=[i.model_dump(mode="json", by_alias=True) for i in data.items],
        prompt_count=len(findings),
    )
    for seq, f in enumerate(findings, 1):
        check.prompts.append(
            Prompt(
                seq=seq,
                kind=f.kind,
                rule_code=f.rule_code,
                rule_name=f.rule_name,
                severity=f.severity,
                line_kind=f.line_kind,
                line_index=f.line_index,
                line_code=f.line_code,
                line_name=f.line_name,
                drug_class=f.drug_class,
                drug_class_name=atc_class_name(f.drug_class),
                within_order=f.within_order,
                other_line_index=f.other_line_index,
                earlier_record_id=f.earlier_record_id,
                earlier_institution_id=f.earlier_institution_id,
                earlier_institution_name=f.earlier_institution_name,
                earlier_date=f.earlier_date,
                earlier_name=f.earlier_name,
                earlier_result=f.earlier_result,
                remaining_days=f.remaining_days,
                message=message(f),
                ordering_institution_id=institution_id,
                checked_on=checked_on,
                month=checked_on.strftime("%Y-%m"),
            )
        )
    session.add(check)
    session.flush()
    detail: dict[str, Any] = {
        "orderingInstitution": institution_id,
        "encounterClass": data.encounter_class,
        "drugs": len(drugs),
        "items": len(items),
        "prompts": len(findings),
    }
    if data.patient_identifier is not None:
        detail["patientBy"] = "identifier"  # never the number itself
    if practitioner_id is not None:
        detail["practitioner"] = practitioner_id
    audit.record(
        session=session,
        actor=actor,
        action="alerts.check.run",
        resource_type="alerts.check",
        resource_id=check.id,
        patient_id=person_id,
        purpose="TREAT",
        detail=detail,
        request=request,
    )
    return check


# ---------------------------------------------------------------- reading and responding


def _load_check(
    session: Session, actor: Actor, check_id: str, client: ClientPrincipal | None
) -> Check:
    check = session.scalar(
        select(Check).where(Check.id == check_id).options(selectinload(Check.prompts))
    )
    if check is None:
        raise NotFound("alerts.check_not_found")
    if client is not None:
        # A hospital system sees the checks it asked for, nobody else's.
        if check.client_id != client.client_pk:
            raise NotFound("alerts.check_not_found")
        return check
    check_object(
        actor,
        session=session,
        institution_id=check.ordering_institution_id,
        owner_id=check.checked_by,
        not_found="alerts.check_not_found",
    )
    return check


def get_check(
    *,
    session: Session,
    actor: Actor,
    check_id: str,
    request: AuditContext | None = None,
    client: ClientPrincipal | None = None,
) -> Check:
    """A stored check with its prompts (they show the patient's history: audited)."""
    check = _load_check(session, actor, check_id, client)
    audit.record(
        session=session,
        actor=actor,
        action="alerts.check.read",
        resource_type="alerts.check",
        resource_id=check.id,
        patient_id=check.person_id,
        purpose="TREAT",
        request=request,
    )
    return check


def respond(
    *,
    session: Session,
    actor: Actor,
    check_id: str,
    data: RespondRequest,
    request: AuditContext | None = None,
    client: ClientPrincipal | None = None,
) -> Check:
    """Record the doctor's answer to prompts: ``accepted`` (the order was changed) or
    ``overridden`` (kept, with a reason). Each prompt is answered once; all or nothing.
    A hospital system (``client``) answers for the doctor it names in ``data.practitioner``."""
    check = _load_check(session, actor, check_id, client)
    prompts = {p.id: p for p in check.prompts}
    errors: list[FieldError] = []
    seen: set[str] = set()
    for i, r in enumerate(data.responses):
        if r.prompt_id in seen:
            code = "alerts.prompt_twice"
            errors.append(FieldError(f"responses[{i}].promptId", code, t(code)))
        seen.add(r.prompt_id)
        if r.prompt_id not in prompts:
            code = "alerts.prompt_not_found"
            errors.append(FieldError(f"responses[{i}].promptId", code, t(code, id=r.prompt_id)))
        if r.action == RESPONSE_OVERRIDDEN and not r.reason:
            code = "alerts.reason_required"
            errors.append(FieldError(f"responses[{i}].reason", code, t(code)))
    if errors:
        raise ValidationFailed(errors=errors)
    for r in data.responses:
        answered = prompts[r.prompt_id]
        if answered.response is not None and answered.responded_at is not None:
            at = local_date(answered.responded_at).isoformat()
            raise Conflict("alerts.prompt_answered", at=at)
    now = utcnow()
    counts: dict[str, Any] = {"accepted": 0, "overridden": 0}
    practitioner_id, practitioner_name = _practitioner(data.practitioner)
    for r in data.responses:
        prompt = prompts[r.prompt_id]
        prompt.response = r.action
        prompt.reason = r.reason
        prompt.responded_by = None if client is not None else actor.user_id
        prompt.responded_by_client_id = client.client_pk if client is not None else None
        prompt.responder_practitioner_id = practitioner_id
        prompt.responder_practitioner_name = practitioner_name
        prompt.responded_at = now
        counts[r.action] += 1
    session.flush()
    if practitioner_id is not None:
        counts["practitioner"] = practitioner_id
    audit.record(
        session=session,
        actor=actor,
        action="alerts.prompt.respond",
        resource_type="alerts.check",
        resource_id=check.id,
        patient_id=check.person_id,
        purpose="TREAT",
        detail=counts,
        request=request,
    )
    return check


# ---------------------------------------------------------------- presenting


def _client_ids(session: Session | None, pks: set[str]) -> dict[str, str]:
    """The public client_id of each API client row (what the hospital system knows itself by)."""
    if session is None or not pks:
        return {}
    rows = session.execute(
        select(OidcClient.id, OidcClient.client_id).where(OidcClient.id.in_(pks))
    )
    return {pk: cid for pk, cid in rows}


def _practitioner_read(pid: str | None, name: str | None) -> PractitionerRead | None:
    return None if pid is None and name is None else PractitionerRead(id=pid, name=name)


def present_prompt(prompt: Prompt, clients: dict[str, str] | None = None) -> PromptRead:
    line_kind = prompt.line_kind if prompt.line_kind in ("drug", "lab", "exam") else "drug"
    return PromptRead(
        id=prompt.id,
        kind=prompt.kind,
        rule_code=prompt.rule_code,
        rule_name=prompt.rule_name,
        severity=prompt.severity,
        line=PromptLine(
            kind=line_kind,
            index=prompt.line_index,
            code=prompt.line_code,
            name=prompt.line_name,
        ),
        within_order=bool(prompt.within_order),
        other_line_index=prompt.other_line_index,
        earlier=EarlierRecord(
            record_id=prompt.earlier_record_id,
            institution_id=prompt.earlier_institution_id,
            institution_name=prompt.earlier_institution_name,
            date=prompt.earlier_date,
            name=prompt.earlier_name,
            result=prompt.earlier_result,
            remaining_days=prompt.remaining_days,
        ),
        message=prompt.message,
        response=prompt.response,
        reason=prompt.reason,
        responded_by=prompt.responded_by,
        responded_by_client=(clients or {}).get(prompt.responded_by_client_id or ""),
        responder_practitioner=_practitioner_read(
            prompt.responder_practitioner_id, prompt.responder_practitioner_name
        ),
        responded_at=prompt.responded_at,
    )


def present_check(check: Check) -> CheckRead:
    pks = {check.client_id} | {p.responded_by_client_id for p in check.prompts}
    clients = _client_ids(object_session(check), {pk for pk in pks if pk})
    return CheckRead(
        id=check.id,
        person_id=check.person_id,
        ordering_institution_id=check.ordering_institution_id,
        encounter_class=check.encounter_class,
        order_date=check.order_date,
        checked_at=check.checked_at,
        checked_by=check.checked_by,
        client=clients.get(check.client_id or ""),
        ordering_practitioner=_practitioner_read(check.practitioner_id, check.practitioner_name),
        prompts=[present_prompt(p, clients) for p in check.prompts],
    )


__all__ = [
    "get_check",
    "message",
    "present_check",
    "present_prompt",
    "respond",
    "run_check",
]
