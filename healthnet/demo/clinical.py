"""Synthetic clinical histories for the demo residents (shared health record, issue #5).

Each resident (but the deliberate near-duplicates) gets two years of care: visits at a home
community health centre and one or two hospitals (outpatient mostly, some emergency, a few
admissions),
diagnoses drawn from an age-dependent chronic profile plus acute problems, medication orders
from the drug list the duplicate-prescription rules know (ATC / ingredient codes), lab results
for the shared item codes with plausible values, reference ranges and abnormal flags, exam
reports, outpatient notes and discharge summaries, and influenza vaccinations for the elderly.

Deterministic: every resident's history comes from ``random.Random(f"clinical:{seed}:{seq}")``
and the reference day (today unless given), so the same seed on the same day gives the same
rows. Rows go in through ``records.service.store.bulk_insert`` (one insert per table and batch);
source ids ``DEMO-<seq>-...`` make a second run skip residents already done.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from healthnet.core.localtime import local_datetime, local_today
from healthnet.core.orgs.enums import InstitutionKind
from healthnet.core.patients.models import Identifier
from healthnet.core.patients.schemas import IdentifierIn
from healthnet.demo.clinical_data import (
    ACUTE,
    CARE_KINDS,
    CHRONIC,
    CHRONIC_DEPT,
    DOCTORS,
    DRUGS,
    EXAMS,
    LABS,
)
from healthnet.demo.generators import InstitutionSpec, ResidentSpec
from healthnet.demo.residents import _identifier_index, primary_identifier
from healthnet.modules.records.models import (
    KIND_DIAGNOSIS,
    KIND_DOCUMENT,
    KIND_ENCOUNTER,
    KIND_EXAM,
    KIND_IMMUNIZATION,
    KIND_LAB,
    KIND_MEDICATION,
    SourceKey,
)
from healthnet.modules.records.service import store

BATCH = 200


class Progress(Protocol):
    def phase(self, name: str, total: int) -> None: ...

    def advance(self, n: int = 1) -> None: ...


@dataclass
class Rows:
    by_kind: dict[str, list[dict[str, Any]]]

    def add(self, kind: str, row: dict[str, Any]) -> None:
        self.by_kind.setdefault(kind, []).append(row)

    def count(self) -> int:
        return sum(len(v) for v in self.by_kind.values())


def _id(rng: random.Random) -> str:
    return f"{rng.getrandbits(128):032x}"


def _at(day: date, rng: random.Random, start_hour: int = 8, end_hour: int = 17) -> datetime:
    moment = time(rng.randint(start_hour, end_hour - 1), rng.choice((0, 10, 20, 30, 40, 50)))
    return local_datetime(day, moment)


def _lab_value(
    rng: random.Random, code: str, conditions: set[str]
) -> tuple[str, Decimal | None, str]:
    _, unit, low, high, _ = LABS[code]
    if code == "UA":
        text = rng.choices(("阴性", "±", "+"), (0.85, 0.1, 0.05))[0]
        return text, None, "N" if text == "阴性" else "A"
    span = high - low
    value = rng.gauss(low + span * 0.5, span * 0.22)
    if code in ("HBA1C", "FBG") and "dm" in conditions:
        value = rng.uniform(high * 1.05, high * 1.6)
    if code == "LIPID" and "lipid" in conditions:
        value = rng.uniform(high * 0.95, high * 1.35)
    if code == "CRP":
        value = abs(rng.gauss(4, 8))
    value = max(value, 0.1)
    digits = 1 if unit in ("%", "mmol/L", "10^9/L") else 0
    number = Decimal(f"{value:.{digits}f}")
    flag = "H" if number > Decimal(f"{high:g}") else ("L" if number < Decimal(f"{low:g}") else "N")
    return str(number), number, flag


class _History:
    def __init__(
        self,
        seq: int,
        person_id: str,
        age: int,
        seed: int,
        reference: date,
        home: str,
        hospitals: Sequence[str],
        rows: Rows,
    ) -> None:
        self.rng = random.Random(f"clinical:{seed}:{seq}")
        self.seq = seq
        self.person_id = person_id
        self.age = age
        self.reference = reference
        self.home = home
        self.hospitals = hospitals
        self.rows = rows
        self.n = 0

    def _source(self, tag: str) -> str:
        self.n += 1
        return f"DEMO-{self.seq}-{tag}{self.n}"

    def _base(self, institution_id: str, tag: str) -> dict[str, Any]:
        return {
            "id": _id(self.rng),
            "person_id": self.person_id,
            "institution_id": institution_id,
            "source_id": self._source(tag),
        }

    def build(self) -> None:
        rng = self.rng
        conditions = {
            key
            for key, (_, _, p, *_rest) in CHRONIC.items()
            if self.age >= 40 and rng.random() < p * min(1.0, self.age / 60)
        }
        if rng.random() < 0.02:
            conditions.add("depression")
        hospital = rng.choice(self.hospitals) if self.hospitals else self.home
        visits = 2 + len(conditions) * 2 + rng.randint(0, 3)
        days = sorted(self.reference - timedelta(days=rng.randint(0, 729)) for _ in range(visits))
        # The first visit of each chronic condition is at the hospital, follow-ups mostly at home.
        chronic_seen: set[str] = set()
        for day in days:
            if conditions and rng.random() < 0.7:
                key = rng.choice(sorted(conditions))
                first = key not in chronic_seen
                chronic_seen.add(key)
                self._chronic_visit(day, key, conditions, hospital if first else self.home)
            else:
                self._acute_visit(day, rng.choice(ACUTE), conditions, hospital)
        if self.age >= 60 and rng.random() < 0.6:
            for year_back in (1, 0):
                day = date(self.reference.year - year_back, 10, rng.randint(8, 28))
                if day <= self.reference:
                    self.rows.add(
                        KIND_IMMUNIZATION,
                        {
                            **self._base(self.home, "I"),
                            "vaccine_code": "FLU-IIV4",
                            "vaccine_name": "四价流感病毒裂解疫苗",
                            "dose_number": 1,
                            "occurred_at": _at(day, rng),
                            "lot_number": f"2{rng.randint(10000, 99999)}",
                            "status": "completed",
                        },
                    )

    def _encounter(self, day: date, institution_id: str, dept: str, cls: str) -> dict[str, Any]:
        start = _at(day, self.rng, 7 if cls != "emergency" else 0, 17 if cls != "emergency" else 24)
        end = start + (
            timedelta(days=self.rng.randint(3, 10))
            if cls == "inpatient"
            else timedelta(minutes=self.rng.randint(10, 40))
        )
        row = {
            **self._base(institution_id, "E"),
            "class_code": cls,
            "start_at": start,
            "end_at": end,
            "status": "finished",
            "department_code": None,
            "department_name": dept,
            "attending_name": f"{self.rng.choice(DOCTORS)}医生",
            "reason": None,
        }
        self.rows.add(KIND_ENCOUNTER, row)
        return row

    def _diagnosis(self, enc: dict[str, Any], code: str, name: str, kind: str) -> None:
        self.rows.add(
            KIND_DIAGNOSIS,
            {
                **self._base(enc["institution_id"], "D"),
                "encounter_id": enc["id"],
                "icd10_code": code,
                "name": name,
                "kind": kind,
                "clinical_status": "active",
                "recorded_at": enc["start_at"],
            },
        )

    def _order(self, enc: dict[str, Any], drug: str, days: int) -> None:
        code, generic, ing_code, ing_name, atc, dose, unit, freq = DRUGS[drug]
        per_day = {"qd": 1, "qn": 1, "bid": 2, "tid": 3}[freq]
        self.rows.add(
            KIND_MEDICATION,
            {
                **self._base(enc["institution_id"], "M"),
                "encounter_id": enc["id"],
                "ordered_at": enc["start_at"] + timedelta(minutes=5),
                "drug_code": code,
                "generic_name": generic,
                "ingredient_code": ing_code,
                "ingredient_name": ing_name,
                "atc_code": atc,
                "dose": Decimal(dose),
                "dose_unit": unit,
                "route": "口服",
                "frequency": freq,
                "days_supply": days,
                "quantity": Decimal(per_day * days),
                "quantity_unit": "片",
                "status": "completed",
            },
        )

    def _lab(self, enc: dict[str, Any], code: str, conditions: set[str]) -> None:
        name, unit, low, high, specimen = LABS[code]
        text, number, flag = _lab_value(self.rng, code, conditions)
        collected = enc["start_at"] + timedelta(minutes=20)
        self.rows.add(
            KIND_LAB,
            {
                **self._base(enc["institution_id"], "L"),
                "encounter_id": enc["id"],
                "collected_at": collected,
                "reported_at": collected + timedelta(hours=2),
                "item_code": code,
                "item_name": name,
                "value": text,
                "value_numeric": number,
                "unit": unit or None,
                "reference_range": "阴性" if code == "UA" else f"{low:g}-{high:g}",
                "reference_low": None if code == "UA" else Decimal(f"{low:g}"),
                "reference_high": None if code == "UA" else Decimal(f"{high:g}"),
                "abnormal_flag": flag,
                "specimen": specimen,
                "status": "final",
            },
        )

    def _exam(self, enc: dict[str, Any], code: str) -> None:
        name, modality, part, nf, nc, af, ac = EXAMS[code]
        abnormal = self.rng.random() < 0.3
        performed = enc["start_at"] + timedelta(minutes=40)
        self.rows.add(
            KIND_EXAM,
            {
                **self._base(enc["institution_id"], "X"),
                "encounter_id": enc["id"],
                "modality": modality,
                "item_code": code,
                "item_name": name,
                "body_part": part,
                "findings": af if abnormal else nf,
                "conclusion": ac if abnormal else nc,
                "abnormal": abnormal,
                "performed_at": performed,
                "reported_at": performed + timedelta(hours=3),
                "status": "final",
            },
        )

    def _chronic_visit(self, day: date, key: str, conditions: set[str], inst: str) -> None:
        code, name, _, drugs, labs, exams = CHRONIC[key]
        enc = self._encounter(day, inst, CHRONIC_DEPT[key], "outpatient")
        self._diagnosis(enc, code, name, "primary")
        for other in sorted(conditions - {key})[:1]:
            self._diagnosis(enc, CHRONIC[other][0], CHRONIC[other][1], "secondary")
        if drugs:
            self._order(enc, self.rng.choice(drugs), self.rng.choice((28, 30, 30)))
        for lab in labs:
            if self.rng.random() < 0.5:
                self._lab(enc, lab, conditions)
        for exam in exams:
            if self.rng.random() < 0.3:
                self._exam(enc, exam)
        if self.rng.random() < 0.25:
            self.rows.add(
                KIND_DOCUMENT,
                {
                    **self._base(inst, "S"),
                    "encounter_id": enc["id"],
                    "type_code": "34108-1",
                    "type_name": "门诊病历",
                    "title": f"门诊病历（{name}）",
                    "content_type": "text/plain",
                    "content": (
                        f"主诉：{name}随访。现病史：规律服药，无明显不适。"
                        "处理：继续当前治疗方案，定期复查。"
                    ),
                    "attachment_hash": None,
                    "attachment_url": None,
                    "authored_at": enc["start_at"] + timedelta(minutes=15),
                    "status": "current",
                },
            )

    def _acute_visit(
        self, day: date, problem: tuple[Any, ...], conditions: set[str], hospital: str
    ) -> None:
        code, name, drugs, labs, exams, dept = problem
        roll = self.rng.random()
        cls = (
            "inpatient"
            if code == "J18.900" and roll < 0.4
            else ("emergency" if roll < 0.12 else "outpatient")
        )
        inst = hospital if cls != "outpatient" or self.rng.random() < 0.5 else self.home
        enc = self._encounter(day, inst, "急诊科" if cls == "emergency" else dept, cls)
        self._diagnosis(enc, code, name, "primary")
        for drug in drugs[:1]:
            self._order(enc, drug, 7 if cls == "inpatient" else self.rng.choice((3, 5, 7)))
        for lab in labs:
            self._lab(enc, lab, conditions)
        for exam in exams[:1] if code != "Z00.000" else exams:
            self._exam(enc, exam)
        if cls == "inpatient":
            discharge = enc["end_at"]
            self.rows.add(
                KIND_DOCUMENT,
                {
                    **self._base(inst, "S"),
                    "encounter_id": enc["id"],
                    "type_code": "18842-5",
                    "type_name": "出院小结",
                    "title": f"出院小结（{name}）",
                    "content_type": "text/plain",
                    "content": (
                        f"入院诊断：{name}。住院期间予抗感染、对症支持治疗，病情好转。"
                        f"出院医嘱：继续口服药物，1周后门诊复查血常规及胸部影像。"
                    ),
                    "attachment_hash": None,
                    "attachment_url": None,
                    "authored_at": discharge,
                    "status": "current",
                },
            )


def _age(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _person_ids(session: Session, specs: Sequence[ResidentSpec]) -> dict[int, str]:
    """Resident seq → platform id, by the blind index of each one's primary identifier (one
    query per batch, as the bulk resident writer does)."""
    wanted: dict[tuple[str, str], int] = {}
    for spec in specs:
        primary, value = primary_identifier(spec)
        index = _identifier_index(IdentifierIn(type=primary, value=value))
        wanted[(primary.value, index)] = spec.seq
    if not wanted:
        return {}
    rows = session.execute(
        select(Identifier.id_type, Identifier.value_index, Identifier.person_id).where(
            Identifier.value_index.in_([index for _, index in wanted]),
            Identifier.active.is_(True),
        )
    )
    found: dict[int, str] = {}
    for kind, index, person_id in rows:
        seq = wanted.get((kind, index))
        if seq is not None:
            found[seq] = person_id
    return found


def load_histories(
    *,
    session: Session,
    residents: Iterable[ResidentSpec],
    total: int,
    institutions: Sequence[InstitutionSpec],
    ids: dict[str, str],
    seed: int,
    progress: Progress,
    commit: Callable[[], None],
    reference: date | None = None,
) -> int:
    """Write the histories; returns the number of clinical rows written."""
    today = reference or local_today()
    homes: dict[str, list[str]] = {}
    hospitals: dict[str, list[str]] = {}
    for inst in institutions:
        if inst.kind is InstitutionKind.COMMUNITY_HEALTH_CENTRE:
            homes.setdefault(inst.district_code, []).append(ids[inst.code])
        elif inst.kind in CARE_KINDS:
            hospitals.setdefault(inst.district_code, []).append(ids[inst.code])
    all_homes = [i for v in homes.values() for i in v]
    all_hospitals = [i for v in hospitals.values() for i in v]
    if not all_hospitals and not all_homes:
        return 0
    progress.phase("诊疗记录", total)
    written = 0
    batch: list[ResidentSpec] = []

    def flush(specs: list[ResidentSpec]) -> int:
        first_keys = [f"DEMO-{s.seq}-E1" for s in specs]
        done = set(
            session.scalars(
                select(SourceKey.source_id).where(
                    SourceKey.kind == KIND_ENCOUNTER, SourceKey.source_id.in_(first_keys)
                )
            )
        )
        rows = Rows({})
        todo = [s for s in specs if f"DEMO-{s.seq}-E1" not in done]
        people = _person_ids(session, todo)
        for spec in todo:
            person_id = people.get(spec.seq)
            if person_id is None:  # not registered (an interrupted load): the next run adds it
                continue
            rng = random.Random(f"clinical-place:{seed}:{spec.seq}")
            home = rng.choice(homes.get(spec.district_code) or all_homes or all_hospitals)
            near = hospitals.get(spec.district_code, []) + rng.sample(
                all_hospitals, min(2, len(all_hospitals))
            )
            _History(
                spec.seq,
                person_id,
                _age(spec.birth_date, today),
                seed,
                today,
                home,
                near or [home],
                rows,
            ).build()
        for kind in (
            KIND_ENCOUNTER,
            KIND_DIAGNOSIS,
            KIND_MEDICATION,
            KIND_LAB,
            KIND_EXAM,
            KIND_DOCUMENT,
            KIND_IMMUNIZATION,
        ):
            store.bulk_insert(session=session, kind=kind, rows=rows.by_kind.get(kind, []))
        commit()
        progress.advance(len(specs))
        return rows.count()

    for spec in residents:
        if spec.duplicate_of is not None:
            progress.advance()
            continue
        batch.append(spec)
        if len(batch) >= BATCH:
            written += flush(batch)
            batch = []
    if batch:
        written += flush(batch)
    return written
