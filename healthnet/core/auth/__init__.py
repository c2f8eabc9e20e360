"""Accounts, passwords, two-factor login (TOTP, SM2 certificate), sessions and the login log."""

from healthnet.core.manifest import Manifest, MenuEntry

MANIFEST = Manifest(
    key="auth",
    router="healthnet.core.auth.api:router",
    prefix="/auth",
    depends=("audit", "orgs", "patients", "rbac", "certs"),
    todos="healthnet.core.auth.todos:todos",
    permissions={
        "auth:user:read": ("查看用户", "View users"),
        "auth:user:write": ("管理用户（新建、停用、重置密码）", "Manage users"),
        "auth:user:unlock": ("解锁账户、重置双因素认证", "Unlock accounts, reset two-factor"),
        "auth:session:manage": ("查看在线用户、强制下线", "See online users, force logout"),
        "auth:login_log:read": ("查看登录日志", "Read the login log"),
    },
    menu=(
        MenuEntry(key="menu.auth.users", path="/system/users", permission="auth:user:read"),
        MenuEntry(
            key="menu.auth.sessions", path="/security/sessions", permission="auth:session:manage"
        ),
        MenuEntry(
            key="menu.auth.login_log", path="/security/login-log", permission="auth:login_log:read"
        ),
    ),
)
