"""The program engine's service: every rule about programs, enrolments, events, workflow.

Public API for other slices and modules (keep the names stable):
loading — :func:`load_files`, :func:`load_yaml`; metadata — :func:`list_programs`,
:func:`program_detail`; capture — :func:`enrol`, :func:`update_enrolment`,
:func:`record_event`, :func:`update_event`; workflow — :func:`transition`,
:func:`request_transfer`, :func:`accept_transfer`, :func:`reject_transfer`,
:func:`list_transfers`; reading — :func:`get_enrolment`, :func:`list_enrolments`,
:func:`work_list`; signatures — :func:`verify_signature`. Design:
``docs/decisions/0015-program-engine.md``; the file format: ``docs/dev/program-yaml.md``.
"""

from healthnet.core.programs.loader import LoadResult, ProgramFileError, load_files, load_spec
from healthnet.core.programs.service.capture import (
    enrol,
    record_event,
    update_enrolment,
    update_event,
)
from healthnet.core.programs.service.reads import (
    get_enrolment,
    list_enrolments,
    list_programs,
    load_yaml,
    program_detail,
    work_list,
)
from healthnet.core.programs.service.signing import verify_signature
from healthnet.core.programs.service.workflow import (
    accept_transfer,
    list_transfers,
    reject_transfer,
    request_transfer,
    skip_event,
    transition,
)

__all__ = [
    "LoadResult",
    "ProgramFileError",
    "accept_transfer",
    "enrol",
    "get_enrolment",
    "list_enrolments",
    "list_programs",
    "list_transfers",
    "load_files",
    "load_spec",
    "load_yaml",
    "program_detail",
    "record_event",
    "reject_transfer",
    "request_transfer",
    "skip_event",
    "transition",
    "update_enrolment",
    "update_event",
    "verify_signature",
    "work_list",
]
