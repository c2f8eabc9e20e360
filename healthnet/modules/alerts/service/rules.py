"""The prompt rules: loading the built-in ones from ``metadata/rules.yaml``, editing them in the
console (audited), and the active rules as the matching reads them."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import TypeAdapter
from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from healthnet.core import generations
from healthnet.core.audit import service as audit
from healthnet.core.audit.context import AuditContext
from healthnet.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from healthnet.core.i18n import t
from healthnet.core.rbac.actor import Actor
from healthnet.core.schemas import Page
from healthnet.modules.alerts.matching import DrugRuleSpec, ItemRuleSpec
from healthnet.modules.alerts.models import (
    MATCH_ATC_CLASS,
    RULES_GENERATION,
    DrugRule,
    ItemRule,
)
from healthnet.modules.alerts.schemas import (
    DrugRuleCreate,
    DrugRuleRead,
    DrugRuleUpdate,
    ItemRuleCreate,
    ItemRuleRead,
    ItemRuleUpdate,
    RuleQuery,
)

RULES_FILE = Path(__file__).resolve().parents[1] / "metadata" / "rules.yaml"
# A class rule names an ATC group of level 3, 4 or 5 (4, 5 or 7 characters).
CLASS_PREFIX_LENGTHS = (4, 5, 7)


# ---------------------------------------------------------------- the file


@dataclass(frozen=True)
class RuleFile:
    atc_classes: dict[str, str]
    drug_rules: tuple[DrugRuleCreate, ...]
    item_rules: tuple[ItemRuleCreate, ...]


@lru_cache(maxsize=4)
def read_rules_file(path: Path = RULES_FILE) -> RuleFile:
    """The rules file, each rule checked as the API would check it (a bad file fails loudly)."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    drugs = TypeAdapter(list[DrugRuleCreate]).validate_python(raw.get("drug_rules") or [])
    items = TypeAdapter(list[ItemRuleCreate]).validate_python(raw.get("item_rules") or [])
    for rule in drugs:
        _check_drug_rule(rule.match, rule.atc_prefix)
    codes = [r.code for r in drugs] + [r.code for r in items]
    if len(set(codes)) != len(codes):
        raise ValueError(f"{path}: rule codes repeat")
    if len({(r.kind, r.item_code) for r in items}) != len(items):
        raise ValueError(f"{path}: two rules for one item")
    classes = {str(k): str(v) for k, v in (raw.get("atc_classes") or {}).items()}
    return RuleFile(atc_classes=classes, drug_rules=tuple(drugs), item_rules=tuple(items))


def atc_class_name(code: str | None) -> str | None:
    """The Chinese name of an ATC group from the rules file (None when it names none)."""
    if code is None:
        return None
    return read_rules_file().atc_classes.get(code)


@dataclass
class LoadReport:
    created: int = 0
    updated: int = 0


def load_rules(*, session: Session, overwrite: bool = False, path: Path = RULES_FILE) -> LoadReport:
    """Add the rules of the file that are missing (keyed by code) and mark them built-in. A
    rule that exists keeps the administrator's edits, unless ``overwrite``: then the built-in
    rules are reset to the file. Running it again changes nothing."""
    spec = read_rules_file(path)
    report = LoadReport()
    drugs = {r.code: r for r in session.scalars(select(DrugRule))}
    for d in spec.drug_rules:
        values = d.model_dump()
        _upsert(session, DrugRule, drugs.get(d.code), values, overwrite, report)
    items = {r.code: r for r in session.scalars(select(ItemRule))}
    for i in spec.item_rules:
        values = i.model_dump()
        row = items.get(i.code)
        if row is None:
            taken = session.scalar(
                select(ItemRule).where(ItemRule.kind == i.kind, ItemRule.item_code == i.item_code)
            )
            if taken is not None:
                # An administrator's own rule for the item stays; the file's is not added.
                continue
        _upsert(session, ItemRule, row, values, overwrite, report)
    session.flush()
    return report


def _upsert(
    session: Session,
    model: type[DrugRule] | type[ItemRule],
    row: DrugRule | ItemRule | None,
    values: dict[str, Any],
    overwrite: bool,
    report: LoadReport,
) -> None:
    if row is None:
        session.add(model(builtin=True, **values))
        report.created += 1
        return
    changes = {k: v for k, v in values.items() if getattr(row, k) != v} if overwrite else {}
    if not row.builtin:
        changes["builtin"] = True
    if changes:
        for k, v in changes.items():
            setattr(row, k, v)
        report.updated += 1


# ---------------------------------------------------------------- what the matching reads


# The active rules are kept in each worker process until a rule row changes anywhere
# (core.generations, alerts.models): a check does not read and rebuild them every time.


def _load_active(session: Session) -> tuple[tuple[DrugRuleSpec, ...], tuple[ItemRuleSpec, ...]]:
    drugs = session.scalars(
        select(DrugRule).where(DrugRule.active.is_(True)).order_by(DrugRule.code)
    )
    items = session.scalars(
        select(ItemRule).where(ItemRule.active.is_(True)).order_by(ItemRule.code)
    )
    return (
        tuple(
            DrugRuleSpec(
                code=r.code,
                name=r.name,
                match=r.match,
                atc_prefix=r.atc_prefix,
                tolerance_days=r.tolerance_days,
                severity=r.severity,
                exempt_encounter_classes=frozenset(str(c) for c in r.exempt_encounter_classes),
                exempt_codes=tuple(str(c) for c in r.exempt_codes),
            )
            for r in drugs
        ),
        tuple(
            ItemRuleSpec(
                code=r.code,
                name=r.name,
                kind=r.kind,
                item_code=r.item_code,
                item_name=r.item_name,
                window_days=r.window_days,
                severity=r.severity,
                exempt_encounter_classes=frozenset(str(c) for c in r.exempt_encounter_classes),
                abnormal_exempts=r.abnormal_exempts,
            )
            for r in items
        ),
    )


_active = generations.Memo(RULES_GENERATION, _load_active)


def active_drug_rules(*, session: Session) -> tuple[DrugRuleSpec, ...]:
    return _active.get(session)[0]


def active_item_rules(*, session: Session) -> tuple[ItemRuleSpec, ...]:
    return _active.get(session)[1]


# ---------------------------------------------------------------- console CRUD


def _check_drug_rule(match: str, atc_prefix: str | None) -> None:
    if match != MATCH_ATC_CLASS:
        return
    if atc_prefix is None:
        raise ValidationFailed.field("atcPrefix", "alerts.class_needs_prefix")
    if len(atc_prefix) not in CLASS_PREFIX_LENGTHS:
        raise ValidationFailed.field("atcPrefix", "alerts.class_prefix_level")


def _taken(code: str, field: str, value: str) -> Conflict:
    return Conflict(code, value=value, errors=[FieldError(field, code, t(code, value=value))])


def _code_free(session: Session, code: str) -> None:
    used = session.scalar(select(DrugRule.id).where(DrugRule.code == code)) or session.scalar(
        select(ItemRule.id).where(ItemRule.code == code)
    )
    if used is not None:
        raise _taken("alerts.rule_code_taken", "code", code)


def _search(q: str | None, active: bool | None, model: Any) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if q:
        parts = [model.code.icontains(q, autoescape=True), model.name.icontains(q, autoescape=True)]
        if model is ItemRule:
            parts.append(ItemRule.item_code.icontains(q, autoescape=True))
            parts.append(ItemRule.item_name.icontains(q, autoescape=True))
        else:
            parts.append(DrugRule.atc_prefix.icontains(q, autoescape=True))
        conds.append(or_(*parts))
    if active is not None:
        conds.append(model.active.is_(active))
    return conds


def list_drug_rules(*, session: Session, query: RuleQuery) -> Page[DrugRuleRead]:
    conds = _search(query.q, query.active, DrugRule)
    total = session.scalar(select(func.count(DrugRule.id)).where(*conds)) or 0
    rows = session.scalars(
        select(DrugRule)
        .where(*conds)
        .order_by(DrugRule.match.desc(), DrugRule.code)
        .offset(query.offset)
        .limit(query.page_size)
    )
    return Page[DrugRuleRead](
        items=[DrugRuleRead.model_validate(r) for r in rows],
        total=total,
        page=query.page,
        page_size=query.page_size,
    )


def list_item_rules(*, session: Session, query: RuleQuery) -> Page[ItemRuleRead]:
    conds = _search(query.q, query.active, ItemRule)
    total = session.scalar(select(func.count(ItemRule.id)).where(*conds)) or 0
    rows = session.scalars(
        select(ItemRule)
        .where(*conds)
        .order_by(ItemRule.kind.desc(), ItemRule.code)
        .offset(query.offset)
        .limit(query.page_size)
    )
    return Page[ItemRuleRead](
        items=[ItemRuleRead.model_validate(r) for r in rows],
        total=total,
        page=query.page,
        page_size=query.page_size,
    )


def get_drug_rule(*, session: Session, code: str) -> DrugRule:
    row = session.scalar(select(DrugRule).where(DrugRule.code == code))
    if row is None:
        raise NotFound("alerts.drug_rule_not_found")
    return row


def get_item_rule(*, session: Session, code: str) -> ItemRule:
    row = session.scalar(select(ItemRule).where(ItemRule.code == code))
    if row is None:
        raise NotFound("alerts.item_rule_not_found")
    return row


def create_drug_rule(
    *, session: Session, actor: Actor, data: DrugRuleCreate, request: AuditContext | None
) -> DrugRule:
    _check_drug_rule(data.match, data.atc_prefix)
    _code_free(session, data.code)
    row = DrugRule(builtin=False, **data.model_dump())
    session.add(row)
    session.flush()
    _audit(session, actor, request, "alerts.drug_rule.create", "alerts.drug_rule", row.code)
    return row


def update_drug_rule(
    *,
    session: Session,
    actor: Actor,
    code: str,
    data: DrugRuleUpdate,
    request: AuditContext | None,
) -> DrugRule:
    row = get_drug_rule(session=session, code=code)
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
    _check_drug_rule(row.match, changes.get("atc_prefix", row.atc_prefix))
    detail = _changes_detail(row, changes, ("tolerance_days", "active", "severity", "atc_prefix"))
    for field, value in changes.items():
        setattr(row, field, value)
    session.flush()
    _audit(session, actor, request, "alerts.drug_rule.update", "alerts.drug_rule", code, detail)
    return row


def delete_drug_rule(
    *, session: Session, actor: Actor, code: str, request: AuditContext | None
) -> None:
    row = get_drug_rule(session=session, code=code)
    if row.builtin:
        raise Conflict("alerts.rule_builtin", name=row.name)
    session.delete(row)
    session.flush()
    _audit(session, actor, request, "alerts.drug_rule.delete", "alerts.drug_rule", code)


def create_item_rule(
    *, session: Session, actor: Actor, data: ItemRuleCreate, request: AuditContext | None
) -> ItemRule:
    _code_free(session, data.code)
    taken = session.scalar(
        select(ItemRule.id).where(ItemRule.kind == data.kind, ItemRule.item_code == data.item_code)
    )
    if taken is not None:
        raise _taken("alerts.item_rule_taken", "itemCode", data.item_code)
    row = ItemRule(builtin=False, **data.model_dump())
    session.add(row)
    session.flush()
    _audit(session, actor, request, "alerts.item_rule.create", "alerts.item_rule", row.code)
    return row


def update_item_rule(
    *,
    session: Session,
    actor: Actor,
    code: str,
    data: ItemRuleUpdate,
    request: AuditContext | None,
) -> ItemRule:
    row = get_item_rule(session=session, code=code)
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
    detail = _changes_detail(
        row, changes, ("window_days", "active", "severity", "abnormal_exempts")
    )
    for field, value in changes.items():
        setattr(row, field, value)
    session.flush()
    _audit(session, actor, request, "alerts.item_rule.update", "alerts.item_rule", code, detail)
    return row


def delete_item_rule(
    *, session: Session, actor: Actor, code: str, request: AuditContext | None
) -> None:
    row = get_item_rule(session=session, code=code)
    if row.builtin:
        raise Conflict("alerts.rule_builtin", name=row.name)
    session.delete(row)
    session.flush()
    _audit(session, actor, request, "alerts.item_rule.delete", "alerts.item_rule", code)


def _changes_detail(
    row: DrugRule | ItemRule, changes: dict[str, Any], tracked: tuple[str, ...]
) -> dict[str, Any]:
    """The fields changed, and from/to for the few whose values are safe and worth keeping in
    the audit trail (numbers, switches, codes)."""
    detail: dict[str, Any] = {"fields": sorted(changes)}
    for field in tracked:
        if field in changes and getattr(row, field) != changes[field]:
            detail[field] = {"from": getattr(row, field), "to": changes[field]}
    return detail


def _audit(
    session: Session,
    actor: Actor,
    request: AuditContext | None,
    action: str,
    resource_type: str,
    resource_id: str,
    detail: dict[str, Any] | None = None,
) -> None:
    """SECURITY.md: every configuration change is audited, in the caller's transaction."""
    audit.record(
        session=session,
        actor=actor,
        action=action,
        resource_type=resource_type,
        resource_id=resource_id,
        purpose="ADMIN",
        detail=detail,
        request=request,
    )
