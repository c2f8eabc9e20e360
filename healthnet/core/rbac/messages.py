"""Messages of the access-control slice."""

from healthnet.core.i18n import register

MESSAGES: dict[str, tuple[str, str]] = {
    "rbac.role_not_found": ("角色不存在", "Role not found"),
    "rbac.user_not_found": ("用户不存在", "User not found"),
    "rbac.role_code_taken": ("角色编码「{value}」已存在", "Role code {value} is taken"),
    "rbac.role_builtin_readonly": (
        "内置角色不能通过界面修改或删除，请修改角色元数据文件后重新加载",
        "Built-in roles cannot be changed or deleted here; edit the role metadata file",
    ),
    "rbac.role_in_use": (
        "角色仍被 {count} 个用户使用，请先解除分配",
        "The role is still held by {count} users; remove it from them first",
    ),
    "rbac.permission_unknown": ("权限「{permission}」不存在", "Unknown permission {permission}"),
    "rbac.permission_reserved": (
        "权限「{permission}」只能由内置的{duty}角色持有，不能加入自定义角色",
        "Permission {permission} is reserved to the built-in {duty} role",
    ),
    "rbac.scope_unknown": ("数据范围「{scope}」无效", "Unknown data scope {scope}"),
    "rbac.custom_scope_needs_institutions": (
        "自定义数据范围须至少选择一个机构",
        "A custom data scope needs at least one institution",
    ),
    "rbac.institutions_only_for_custom": (
        "只有自定义数据范围的角色才能指定机构",
        "Only roles with a custom data scope list institutions",
    ),
    "rbac.institution_unknown": ("机构「{value}」不存在", "Unknown institution {value}"),
    "rbac.duty_conflict": (
        "同一账号不得同时担任系统管理员、安全管理员、审计管理员中的两个角色（三员分立）",
        "One account cannot hold two of the system, security and audit administrator roles",
    ),
    "rbac.admin_role_exclusive": (
        "系统管理员、安全管理员、审计管理员账号不得兼任其他角色（三员分立）",
        "An administrator account (system, security, audit) cannot hold any other role",
    ),
    "rbac.self_grant": (
        "不能修改自己账号的角色",
        "You cannot change the roles of your own account",
    ),
    "rbac.integrity_violation": (
        "账号或权限数据完整性校验失败，已拒绝访问，请联系安全管理员",
        "Access-control data failed its integrity check; access denied",
    ),
    # Built-in role metadata problems (operators read these in the CLI).
    "rbac.metadata_invalid": ("角色元数据有误：{reason}", "Role metadata is invalid: {reason}"),
    # Slice names for the permission catalogue.
    "slice.auth": ("账号与登录", "Accounts and login"),
    "slice.rbac": ("角色与权限", "Roles and permissions"),
    "slice.orgs": ("机构", "Organisations"),
    "slice.patients": ("居民主索引", "Patient index"),
    "slice.codes": ("编码库", "Code systems"),
    "slice.jobs": ("后台任务", "Background jobs"),
    "slice.audit": ("安全审计", "Audit"),
    "slice.certs": ("数字证书", "Certificates"),
    "slice.oidc": ("单点登录", "Single sign-on"),
    # Menu groups: the first segment of a menu entry's path.
    "menu.group.orgs": ("机构管理", "Organisations"),
    "menu.group.patients": ("居民主索引", "Patient index"),
    "menu.group.codes": ("编码库", "Code systems"),
    "menu.group.system": ("系统管理", "System"),
    "menu.group.security": ("安全管理", "Security"),
    "menu.group.h5": ("居民服务", "Resident services"),
    "menu.rbac.roles": ("角色管理", "Roles"),
}
register(MESSAGES)

# Titles of menu entries whose slice does not (yet) register its own ``menu.*`` message. They
# are not put into the shared catalogue, so a slice that registers its own text later does not
# collide with these; the slice's own text wins.
FALLBACK_MENU_TITLES: dict[str, str] = {
    "menu.orgs.institutions": "医疗机构",
    "menu.patients.persons": "居民查询与登记",
    "menu.patients.candidates": "疑似重复审核",
    "menu.codes.systems": "代码系统",
    "menu.jobs.jobs": "后台任务",
    "menu.audit.records": "审计日志",
    "menu.audit.chain": "审计链校验",
    "menu.certs.certificates": "数字证书",
    "menu.certs.statistics": "证书统计",
    "menu.oidc.clients": "接入系统",
}
