"""Tables of the duplicate-order prompts: the rules (data, keyed by code), every check and its
prompts with the doctor's response (the statistics are counted from the prompts)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from healthnet.core import generations
from healthnet.core.db import Base, IdMixin, TimestampMixin, utcnow

MATCH_INGREDIENT = "ingredient"
MATCH_ATC_CLASS = "atc_class"

KIND_DRUG_INGREDIENT = "drug_ingredient"
KIND_DRUG_CLASS = "drug_class"
KIND_LAB_REPEAT = "lab_repeat"
KIND_EXAM_REPEAT = "exam_repeat"
PROMPT_KINDS = (KIND_DRUG_INGREDIENT, KIND_DRUG_CLASS, KIND_LAB_REPEAT, KIND_EXAM_REPEAT)

RESPONSE_ACCEPTED = "accepted"
RESPONSE_OVERRIDDEN = "overridden"


class DrugRule(IdMixin, TimestampMixin, Base):
    """Two medications are duplicates when they share the ingredient (``match='ingredient'``)
    or fall in the same ATC group ``atc_prefix`` with different ingredients
    (``match='atc_class'``), and the earlier one's supply still covers more than
    ``tolerance_days`` days from the new one's start (healthnet.modules.alerts.matching)."""

    __tablename__ = "alerts_drug_rule"
    __table_args__ = (
        CheckConstraint("match IN ('ingredient', 'atc_class')", name="match_known"),
        CheckConstraint("severity IN ('warning', 'info')", name="severity_known"),
        CheckConstraint("tolerance_days >= 0", name="tolerance_non_negative"),
        CheckConstraint("match = 'ingredient' OR atc_prefix IS NOT NULL", name="class_has_prefix"),
    )

    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    match: Mapped[str] = mapped_column(String(16))
    # ATC group (level 3–5, e.g. C10AA). For an ingredient rule it limits the rule to the drugs
    # of that group; none means every drug.
    atc_prefix: Mapped[str | None] = mapped_column(String(7))
    tolerance_days: Mapped[int] = mapped_column(Integer, default=0)
    severity: Mapped[str] = mapped_column(String(8), default="warning")
    # Encounter classes whose orders this rule does not check, e.g. ["emergency"].
    exempt_encounter_classes: Mapped[list[Any]] = mapped_column(default=list)
    # Drug codes, ingredient codes or ATC prefixes never prompted by this rule.
    exempt_codes: Mapped[list[Any]] = mapped_column(default=list)
    description: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)


class ItemRule(IdMixin, TimestampMixin, Base):
    """A lab or exam item is a repeat when the same item was done for the patient, in any
    institution, within ``window_days`` calendar days before the new order (the day it was done
    counts as day 1)."""

    __tablename__ = "alerts_item_rule"
    __table_args__ = (
        UniqueConstraint("kind", "item_code"),
        CheckConstraint("kind IN ('lab', 'exam')", name="kind_known"),
        CheckConstraint("severity IN ('warning', 'info')", name="severity_known"),
        CheckConstraint("window_days >= 1", name="window_positive"),
    )

    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(8))
    item_code: Mapped[str] = mapped_column(String(64))
    item_name: Mapped[str] = mapped_column(String(100))
    window_days: Mapped[int] = mapped_column(Integer)
    severity: Mapped[str] = mapped_column(String(8), default="warning")
    exempt_encounter_classes: Mapped[list[Any]] = mapped_column(default=list)
    # An abnormal earlier result is being followed up: repeating it is no duplicate.
    abnormal_exempts: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)


class Check(IdMixin, Base):
    """One call of the check: who ordered what for whom, where and when.

    Asked either by a signed-in clinician (``checked_by``) or by a hospital system with its
    API token (``client_id``; the HIS may name the ordering doctor, who has no account here, in
    ``practitioner_id`` / ``practitioner_name``)."""

    __tablename__ = "alerts_check"
    __table_args__ = (
        CheckConstraint(
            "encounter_class IN ('outpatient', 'emergency', 'inpatient')", name="class_known"
        ),
        CheckConstraint("checked_by IS NOT NULL OR client_id IS NOT NULL", name="has_who"),
        Index("ix_alerts_check_institution_checked", "ordering_institution_id", "checked_at"),
    )

    person_id: Mapped[str] = mapped_column(ForeignKey("patients_person.id"), index=True)
    ordering_institution_id: Mapped[str] = mapped_column(ForeignKey("orgs_institution.id"))
    checked_by: Mapped[str | None] = mapped_column(ForeignKey("auth_user.id"), index=True)
    client_id: Mapped[str | None] = mapped_column(ForeignKey("oidc_client.id"), index=True)
    # The ordering doctor as the hospital system names them (its own staff id and name).
    practitioner_id: Mapped[str | None] = mapped_column(String(64))
    practitioner_name: Mapped[str | None] = mapped_column(String(100))
    encounter_class: Mapped[str] = mapped_column(String(16))
    order_date: Mapped[date] = mapped_column(Date)
    checked_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The new lines as sent (codes and drug/item names; never personal data).
    drugs: Mapped[list[Any]] = mapped_column(default=list)
    items: Mapped[list[Any]] = mapped_column(default=list)
    prompt_count: Mapped[int] = mapped_column(Integer, default=0)

    prompts: Mapped[list[Prompt]] = relationship(
        back_populates="check", order_by="Prompt.seq", cascade="all, delete-orphan"
    )


class Prompt(IdMixin, Base):
    """One prompt of a check and the doctor's response. The ordering institution, the local
    check date and month, and the drug class / item are copied here so that the statistics are
    one grouped query over this table."""

    __tablename__ = "alerts_prompt"
    __table_args__ = (
        UniqueConstraint("check_id", "seq"),
        CheckConstraint(
            "kind IN ('drug_ingredient', 'drug_class', 'lab_repeat', 'exam_repeat')",
            name="kind_known",
        ),
        CheckConstraint(
            "response IS NULL OR response IN ('accepted', 'overridden')", name="response_known"
        ),
        CheckConstraint(
            "response IS NULL OR ((responded_by IS NOT NULL OR responded_by_client_id IS NOT NULL)"
            " AND responded_at IS NOT NULL)",
            name="response_has_who_and_when",
        ),
        CheckConstraint(
            "response IS NULL OR response <> 'overridden' OR reason IS NOT NULL",
            name="override_has_reason",
        ),
        CheckConstraint("within_order OR earlier_record_id IS NOT NULL", name="earlier_has_record"),
        Index("ix_alerts_prompt_institution_day", "ordering_institution_id", "checked_on"),
    )

    check_id: Mapped[str] = mapped_column(ForeignKey("alerts_check.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    rule_code: Mapped[str] = mapped_column(String(64))
    rule_name: Mapped[str] = mapped_column(String(100))
    severity: Mapped[str] = mapped_column(String(8))
    # The new line: "drug", "lab" or "exam", its index in the request, code and name.
    line_kind: Mapped[str] = mapped_column(String(8))
    line_index: Mapped[int] = mapped_column(Integer)
    line_code: Mapped[str] = mapped_column(String(64))
    line_name: Mapped[str] = mapped_column(String(200))
    # ATC level 4 of the new drug (e.g. C10AA) and its name, for "by drug class".
    drug_class: Mapped[str | None] = mapped_column(String(7))
    drug_class_name: Mapped[str | None] = mapped_column(String(100))
    # The earlier record that makes the new line a duplicate. A duplicate within the new order
    # itself (``within_order``) names the other line instead (``other_line_index``, same list):
    # no record id, the ordering institution and the other line's start / the order date.
    within_order: Mapped[bool] = mapped_column(Boolean, default=False)
    other_line_index: Mapped[int | None] = mapped_column(Integer)
    earlier_record_id: Mapped[str | None] = mapped_column(String(64))
    earlier_institution_id: Mapped[str | None] = mapped_column(String(32))
    earlier_institution_name: Mapped[str] = mapped_column(String(200))
    earlier_date: Mapped[date] = mapped_column(Date)
    earlier_name: Mapped[str] = mapped_column(String(200))
    earlier_result: Mapped[str | None] = mapped_column(Text)
    remaining_days: Mapped[int | None] = mapped_column(Integer)
    message: Mapped[str] = mapped_column(Text)
    # Copied from the check (see the class docstring).
    ordering_institution_id: Mapped[str] = mapped_column(String(32))
    checked_on: Mapped[date] = mapped_column(Date, index=True)
    month: Mapped[str] = mapped_column(String(7))
    response: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    responded_by: Mapped[str | None] = mapped_column(ForeignKey("auth_user.id"))
    # A response a hospital system sent (and the doctor it names), as on the check.
    responded_by_client_id: Mapped[str | None] = mapped_column(ForeignKey("oidc_client.id"))
    responder_practitioner_id: Mapped[str | None] = mapped_column(String(64))
    responder_practitioner_name: Mapped[str | None] = mapped_column(String(100))
    responded_at: Mapped[datetime | None] = mapped_column()

    check: Mapped[Check] = relationship(back_populates="prompts")


# The active rules are kept in each worker process until a rule row changes anywhere.
RULES_GENERATION = "alerts.rules"
generations.watch(RULES_GENERATION, ("alerts_drug_rule", "alerts_item_rule"))
