"""Access control: permissions, roles with data scope, separation of duties (三员分立), menus,
and HMAC-SM3 integrity tags on access-control data.

Other slices use:
* :class:`healthnet.core.rbac.actor.Actor` (re-exported by ``healthnet.core.deps``);
* :func:`healthnet.core.rbac.scope.apply_scope` / :func:`~healthnet.core.rbac.scope.check_object`,
  the one place where list queries and object reads are limited to the caller's data scope;
* :class:`healthnet.core.rbac.integrity.IntegrityMixin` to put an integrity tag on a table.
"""

from healthnet.core.manifest import Manifest, MenuEntry

MANIFEST = Manifest(
    key="rbac",
    router="healthnet.core.rbac.api:router",
    prefix="/rbac",
    depends=("auth", "orgs"),
    permissions={
        "rbac:role:read": ("查看角色、权限与用户授权", "View roles, permissions and grants"),
        "rbac:role:write": ("新增、修改、删除角色", "Create, edit and delete roles"),
        "rbac:user_role:write": ("为用户分配或解除角色", "Grant roles to users and revoke them"),
    },
    menu=(MenuEntry("menu.rbac.roles", "/system/roles", "rbac:role:read"),),
)
