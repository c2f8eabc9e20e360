"""The shared health record's service layer.

Public API for other modules (keep the names stable): :func:`medications_since`,
:func:`tests_since` (:func:`person_ids` once for both) and their dataclasses
:class:`MedicationFact`, :class:`TestFact`;
:func:`find_person_by_identifier` (a patient named by a hospital system's identifier).
"""

from healthnet.modules.records.service.facts import (
    MedicationFact,
    TestFact,
    medications_since,
    person_ids,
    tests_since,
)
from healthnet.modules.records.service.identity import find_person_by_identifier

__all__ = [
    "MedicationFact",
    "TestFact",
    "find_person_by_identifier",
    "medications_since",
    "person_ids",
    "tests_since",
]
