"""Imports every slice's tables so ``Base.metadata`` is whole (Alembic, tests, create_all)."""

from healthnet.core.db import Base

# One line per slice that owns tables.
import healthnet.core.auth.models  # noqa: E402,F401
import healthnet.core.orgs.models  # noqa: E402,F401
import healthnet.core.crypto.models  # noqa: E402,F401
import healthnet.core.patients.models  # noqa: E402,F401
import healthnet.core.codes.models  # noqa: E402,F401
import healthnet.core.jobs.models  # noqa: E402,F401
import healthnet.core.audit.models  # noqa: E402,F401

metadata = Base.metadata
