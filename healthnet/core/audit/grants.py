"""PostgreSQL privileges that make the audit trail append-only for the application.

SECURITY.md "Audit / protection": the application's role may only INSERT and SELECT audit
records and checkpoints, and UPDATE only the head row's two columns. The tables are owned by
the migration/maintenance role (the one that runs ``healthnet db upgrade`` and
``healthnet audit archive``); an owner bypasses these grants, so the application must not
connect as the owner. ``healthnet audit grants --role <app_role>`` prints this SQL.
"""

from __future__ import annotations

import re

_ROLE_RE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

AUDIT_TABLES = (
    "audit_record",
    "audit_record_archive",
    "audit_checkpoint",
    "audit_chain_head",
    "audit_signing_key",
    "audit_verification",
)


def pg_grants_sql(app_role: str, schema: str = "public") -> str:
    """SQL granting ``app_role`` append-only access to the audit tables (PostgreSQL only)."""
    if not (_ROLE_RE.match(app_role) and _ROLE_RE.match(schema)):
        raise ValueError("role names are lower-case letters, digits and _ (max 63)")
    role = f'"{app_role}"'

    def q(*tables: str) -> str:
        return ", ".join(f'"{schema}".{t}' for t in tables)

    return (
        "\n".join(
            [
                f'GRANT USAGE ON SCHEMA "{schema}" TO {role};',
                f"REVOKE ALL ON {q(*AUDIT_TABLES)} FROM {role};",
                f"REVOKE ALL ON {q(*AUDIT_TABLES)} FROM PUBLIC;",
                # The chain and its signatures: append and read, never change or remove.
                f"GRANT SELECT, INSERT ON {q('audit_record', 'audit_checkpoint')} TO {role};",
                # Archived ranges are moved by the owner role; the application only reads them.
                f"GRANT SELECT ON {q('audit_record_archive')} TO {role};",
                # The head row: created once (INSERT ... ON CONFLICT DO NOTHING), then only its last
                # seq/hash change. SELECT ... FOR UPDATE needs an UPDATE privilege, which this is.
                f"GRANT SELECT, INSERT ON {q('audit_chain_head')} TO {role};",
                f"GRANT UPDATE (last_seq, last_hash, updated_at) "
                f"ON {q('audit_chain_head')} TO {role};",
                # The checkpoint key is created on first use and rotated by demoting the old one.
                f"GRANT SELECT, INSERT ON {q('audit_signing_key')} TO {role};",
                f"GRANT UPDATE (active_slot) ON {q('audit_signing_key')} TO {role};",
                f"GRANT SELECT, INSERT ON {q('audit_verification')} TO {role};",
            ]
        )
        + "\n"
    )
