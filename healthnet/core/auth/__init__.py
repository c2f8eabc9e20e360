"""Accounts, passwords and sessions (the identity issue grows this into 2FA, SSO and RBAC)."""

from healthnet.core.manifest import Manifest

MANIFEST = Manifest(
    key="auth",
    router="healthnet.core.auth.api:router",
    prefix="/auth",
    permissions={
        "auth:user:read": ("查看用户", "View users"),
        "auth:user:write": ("管理用户", "Manage users"),
    },
)
