"""The shared health record's service layer.

Public API for other modules (keep the names stable): :func:`medications_since`,
:func:`tests_since` and their dataclasses :class:`MedicationFact`, :class:`TestFact`.
"""

from healthnet.modules.records.service.facts import (
    MedicationFact,
    TestFact,
    medications_since,
    tests_since,
)

__all__ = ["MedicationFact", "TestFact", "medications_since", "tests_since"]
