"""Demo clinical histories: realistic, within the shared code lists, deterministic by seed."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from healthnet.demo.clinical import Rows, _History
from healthnet.demo.clinical_data import DRUGS, EXAMS, LABS
from healthnet.demo.generators import SIZES, Size
from healthnet.demo.loader import load_demo
from healthnet.modules.records import service as records
from healthnet.modules.records.models import Encounter, LabResult, MedicationOrder

CONTRACT_ATC = {
    "A10BA02",
    "C10AA05",
    "C10AA07",
    "C08CA01",
    "C08CA05",
    "C09CA03",
    "B01AC06",
    "B01AC04",
    "A02BC01",
    "J01DC02",
    "J01CA04",
    "J01MA12",
}


def _history(seed: int) -> Rows:
    rows = Rows({})
    _History(7, "p1", 67, seed, date(2026, 1, 1), "home", ["h1", "h2"], rows).build()
    return rows


def test_histories_are_deterministic_by_seed() -> None:
    assert _history(3).by_kind == _history(3).by_kind
    assert _history(3).by_kind != _history(4).by_kind


def test_codes_come_from_the_shared_lists() -> None:
    assert {d[4] for d in DRUGS.values()} == CONTRACT_ATC
    assert set(LABS) == {"CBC", "LFT", "RFT", "LIPID", "HBA1C", "FBG", "CRP", "UA"}
    assert set(EXAMS) == {"CT-CHEST", "CT-HEAD", "MR-HEAD", "US-ABD", "DR-CHEST", "ECG"}


def test_the_tiny_demo_gives_residents_a_history(db: Session) -> None:
    size = Size(institutions=SIZES["tiny"].institutions, residents=30, staff_per_institution=1)
    report = load_demo(session=db, size=size, seed=5, commit=db.flush)
    assert report.clinical_rows > 100
    people = db.scalars(select(Encounter.person_id).distinct()).all()
    assert len(people) >= 25
    places = db.scalar(select(func.count(func.distinct(Encounter.institution_id))))
    assert places is not None and places >= 3
    atc = set(db.scalars(select(MedicationOrder.atc_code).distinct()))
    assert atc <= CONTRACT_ATC
    for lab in db.scalars(select(LabResult).where(LabResult.item_code == "FBG")):
        assert lab.reference_low is not None and lab.value_numeric is not None
        expected = (
            "H"
            if lab.value_numeric > lab.reference_high
            else ("L" if lab.value_numeric < lab.reference_low else "N")
        )
        assert lab.abnormal_flag == expected
    # The facts the alerts read see the demo rows.
    someone = people[0]
    since = min(db.scalars(select(Encounter.start_at).where(Encounter.person_id == someone)))
    assert records.tests_since(session=db, person_id=someone, since=since) is not None
    again = load_demo(session=db, size=size, seed=5, commit=db.flush)
    assert again.clinical_rows == 0 and again.already_loaded
