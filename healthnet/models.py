"""Imports every slice's tables so ``Base.metadata`` is whole (Alembic, tests, create_all).

One line per slice that owns tables.
"""

import healthnet.core.audit.models
import healthnet.core.auth.models
import healthnet.core.certs.models
import healthnet.core.codes.models
import healthnet.core.crypto.models
import healthnet.core.generations
import healthnet.core.jobs.models
import healthnet.core.notify.models
import healthnet.core.oidc.models
import healthnet.core.orgs.models
import healthnet.core.patients.models
import healthnet.core.programs.models
import healthnet.core.rbac.models
import healthnet.core.sysconf.models
import healthnet.modules.alerts.models
import healthnet.modules.records.models
import healthnet.modules.records.models_access  # noqa: F401
from healthnet.core.db import Base

metadata = Base.metadata
