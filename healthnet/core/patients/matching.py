"""Deterministic matching rules of the master patient index (decision record:
``docs/decisions/0004-patient-matching.md``).

1. **Same identifier → same person.** An identifier is its type plus its normalised value (plus
   the issuing country for passports and the issuing institution for hospital cards). Registering
   a resident whose identifier is already linked returns that person — no duplicate is created —
   and links the new identifiers sent with it. This is the only automatic link.
2. **Otherwise a score over demographics.** Each agreeing field adds its weight (points out of
   100, so sums are exact):

   ============  ======  =====================================================
   field         weight  agrees when
   ============  ======  =====================================================
   name          35      the normalised names are equal (same blind index)
   birth date    30      both known and equal
   sex           10      both known (1 or 2, GB/T 2261.1) and equal
   phone         25      both known and equal after normalisation (blind index)
   ============  ======  =====================================================

   Score ≥ 0.90 is band ``match``; 0.60–0.89 is ``possible_match``; below 0.60 is no match.
   Both bands go to the review list (``patients_match_candidate``) — a high score without a
   shared identifier is still not proof (twins, a parent's phone, namesakes with one birthday)
   and a wrong automatic merge harms two patients, so a person decides.
3. **A different resident ID number rules a pair out.** Two people holding different active
   citizen identity numbers (GB 11643, issued once for life) are different people whatever
   their score.

Candidates are found only through blind indexes and the plaintext birth date: same name index
and same birth date, or same phone index. No decrypted data is scanned, so the work per
registration is a few index lookups at any population size. A pair that reaches 0.60 always
shares name and birth date or shares phone (every combination of the other fields stays below
0.60), so this search misses no pair the score would flag.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

WEIGHTS = {"name": 35, "birthDate": 30, "sex": 10, "phone": 25}
MATCH_THRESHOLD = 90
POSSIBLE_THRESHOLD = 60
KNOWN_SEXES = frozenset({"1", "2"})


class Band(StrEnum):
    MATCH = "match"
    POSSIBLE_MATCH = "possible_match"
    NO_MATCH = "no_match"


@dataclass(frozen=True)
class Demographics:
    """What the score compares: blind indexes, never plaintext names or phones."""

    name_index: str
    birth_date: date | None
    sex_code: str
    phone_index: str | None
    resident_id_index: str | None = None


@dataclass(frozen=True)
class Score:
    points: int
    agreeing: tuple[str, ...]

    @property
    def value(self) -> float:
        return self.points / 100

    @property
    def band(self) -> Band:
        if self.points >= MATCH_THRESHOLD:
            return Band.MATCH
        if self.points >= POSSIBLE_THRESHOLD:
            return Band.POSSIBLE_MATCH
        return Band.NO_MATCH


def score(a: Demographics, b: Demographics) -> Score:
    """Score one pair by the rules of the module docstring."""
    if a.resident_id_index and b.resident_id_index and a.resident_id_index != b.resident_id_index:
        return Score(0, ())
    agreeing: list[str] = []
    if a.name_index == b.name_index:
        agreeing.append("name")
    if a.birth_date is not None and a.birth_date == b.birth_date:
        agreeing.append("birthDate")
    if a.sex_code in KNOWN_SEXES and a.sex_code == b.sex_code:
        agreeing.append("sex")
    if a.phone_index is not None and a.phone_index == b.phone_index:
        agreeing.append("phone")
    return Score(sum(WEIGHTS[f] for f in agreeing), tuple(agreeing))
