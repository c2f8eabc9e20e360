"""Loading the registries' program files (``healthnet setup`` and the demo call this)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from healthnet.core.programs.loader import LoadResult, load_files

PROGRAMS_DIR = Path(__file__).parent / "metadata" / "programs"


def program_files() -> list[Path]:
    """The program files shipped with the module, in name order."""
    return sorted(PROGRAMS_DIR.glob("*.yaml"))


def load_programs(*, session: Session, loaded_by: str | None = "setup") -> list[LoadResult]:
    """Validate and load every shipped program file (all or nothing). Idempotent: an unchanged
    file changes nothing; a changed one becomes a new version of its program."""
    return load_files(session=session, paths=program_files(), loaded_by=loaded_by)
