"""The master patient index: every rule about residents, their identifiers, duplicates, merges.

Public API for other slices and modules (keep the names stable):
:func:`register_person`, :func:`get_person`, :func:`find_by_identifier`, :func:`search`,
:func:`update_person`, :func:`add_identifier`, :func:`unlink_identifier`, :func:`merge`,
:func:`unmerge`, :func:`list_candidates`, :func:`count_open_candidates`,
:func:`dismiss_candidate`, :func:`history`, :func:`family_doctor_of`,
:func:`family_doctor_candidates`, :func:`grant_care`, :func:`end_care` (decision 0018).
The ``present_*`` functions turn rows into API shapes, masking identifier values for callers
without ``patients:identifier:read_full``.

Matching rules: :mod:`healthnet.core.patients.matching` and
``docs/decisions/0004-patient-matching.md``. Reads of patient data are not audited here yet: the
audited accessor arrives with the identity issue and will wrap these functions.
"""

from healthnet.core.patients.service._base import (
    FULL_ID_PERMISSION,
    MAX_MATCH_PEERS,
    CandidatePage,
    PersonPage,
    Registration,
    get_person,
)
from healthnet.core.patients.service.care import end_care, grant_care
from healthnet.core.patients.service.family_doctor import (
    FamilyDoctor,
    family_doctor_candidates,
    family_doctor_of,
)
from healthnet.core.patients.service.persons import (
    add_identifier,
    find_by_identifier,
    register_person,
    search,
    unlink_identifier,
    update_person,
)
from healthnet.core.patients.service.present import (
    present_candidate,
    present_candidates,
    present_events,
    present_identifier,
    present_person,
    present_persons,
    present_registration,
)
from healthnet.core.patients.service.review import (
    count_open_candidates,
    dismiss_candidate,
    history,
    list_candidates,
    merge,
    unmerge,
)

__all__ = [
    "FULL_ID_PERMISSION",
    "MAX_MATCH_PEERS",
    "CandidatePage",
    "FamilyDoctor",
    "PersonPage",
    "Registration",
    "add_identifier",
    "count_open_candidates",
    "dismiss_candidate",
    "end_care",
    "family_doctor_candidates",
    "family_doctor_of",
    "find_by_identifier",
    "get_person",
    "grant_care",
    "history",
    "list_candidates",
    "merge",
    "present_candidate",
    "present_candidates",
    "present_events",
    "present_identifier",
    "present_person",
    "present_persons",
    "present_registration",
    "register_person",
    "search",
    "unlink_identifier",
    "unmerge",
    "update_person",
]
