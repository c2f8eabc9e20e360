"""Tamper-evident audit trail: an SM3 hash chain of audit records, SM2-signed checkpoints,
verification, search and export for the audit administrator.

Other slices write through :func:`healthnet.core.audit.service.record` (in their transaction)
or :func:`~healthnet.core.audit.service.record_separately` (own transaction, for failures and
denials), passing the request's :class:`~healthnet.core.audit.context.AuditContext`
(``ctx: AuditContextDep`` in a route).
"""

from healthnet.core.manifest import Manifest, MenuEntry

MANIFEST = Manifest(
    key="audit",
    router="healthnet.core.audit.api:router",
    prefix="/audit",
    todos="healthnet.core.audit.todos:todos",
    permissions={
        "audit:record:read": ("查询审计日志", "Search the audit log"),
        "audit:record:export": ("导出审计日志", "Export the audit log"),
        "audit:chain:verify": ("校验审计链完整性", "Verify the audit chain"),
    },
    menu=(
        MenuEntry(key="menu.audit.records", path="/security/audit", permission="audit:record:read"),
        MenuEntry(
            key="menu.audit.chain", path="/security/audit/chain", permission="audit:chain:verify"
        ),
    ),
)
