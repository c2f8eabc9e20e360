from healthnet.core.i18n import register

MESSAGES: dict[str, tuple[str, str]] = {
    "auth.invalid_credentials": ("用户名或密码错误", "Wrong user name or password"),
    "auth.account_locked": (
        "登录失败次数过多，账户已临时锁定，请 {minutes} 分钟后再试或联系管理员解锁",
        "Too many failed logins: the account is locked for {minutes} minutes",
    ),
    "auth.rate_limited": (
        "登录尝试过于频繁，请稍后再试",
        "Too many login attempts from this address; try again later",
    ),
    "auth.ticket_invalid": (
        "登录步骤已失效或已超时，请重新输入用户名和密码",
        "This login step has expired; start again with your user name and password",
    ),
    "auth.second_factor_invalid": ("动态验证码错误", "Wrong verification code"),
    "auth.totp_reused": (
        "该动态验证码已使用过，请等待下一个验证码",
        "This code was already used; wait for the next one",
    ),
    "auth.totp_not_enrolled": ("尚未绑定动态口令", "No authenticator app is set up"),
    "auth.totp_enrolment_not_started": (
        "请先获取动态口令绑定二维码",
        "Start the authenticator set-up first",
    ),
    "auth.totp_enrolment_not_allowed": (
        "已绑定动态口令，不能在登录时重新绑定",
        "An authenticator is already set up; it cannot be replaced during login",
    ),
    "auth.recovery_code_invalid": ("恢复码错误或已使用", "Wrong or already used recovery code"),
    "auth.cert_login_unavailable": (
        "数字证书登录暂不可用",
        "Certificate login is not available",
    ),
    "auth.session_expired": ("登录已过期，请重新登录", "Your session has expired"),
    "auth.csrf_failed": (
        "请求缺少有效的防伪令牌（X-CSRF-Token），请刷新页面后重试",
        "Missing or wrong CSRF token",
    ),
    "auth.username_taken": ("用户名已存在", "The user name is taken"),
    "auth.username_invalid": (
        "用户名须以字母开头，只能包含字母、数字、下划线、点和连字符",
        "User names start with a letter and use letters, digits, _ . -",
    ),
    "auth.phone_taken": ("该手机号已绑定其他居民账号", "This phone number has an account"),
    "auth.phone_invalid": ("手机号格式不正确", "Invalid mobile number"),
    "auth.person_has_account": ("该居民已有账号", "This resident already has an account"),
    "auth.password_weak": (
        "密码至少 8 位，且包含大写字母、小写字母、数字、符号中的至少三类，不能与用户名相同",
        "Password: at least 8 characters, 3 of 4 character classes, not the user name",
    ),
    "auth.password_too_short": ("密码至少 {min} 位", "Password: at least {min} characters"),
    "auth.password_classes": (
        "密码须包含大写字母、小写字母、数字、符号中的至少三类",
        "Password: use 3 of upper case, lower case, digits, symbols",
    ),
    "auth.password_contains_username": (
        "密码不能包含用户名",
        "Password must not contain the user name",
    ),
    "auth.password_reused": (
        "新密码不能与最近 {count} 次使用过的密码相同",
        "The new password was one of your last {count}",
    ),
    "auth.password_wrong": ("当前密码不正确", "The current password is wrong"),
    "auth.password_change_required": (
        "首次登录或密码已被重置，请先修改密码",
        "Change your password first",
    ),
    "auth.password_expired": (
        "密码已超过 {days} 天未修改，请修改密码",
        "Your password is older than {days} days; change it",
    ),
    "auth.user_not_found": ("用户不存在", "User not found"),
    "auth.session_not_found": ("会话不存在或已结束", "Session not found"),
    "auth.department_mismatch": (
        "科室不属于该机构",
        "The department does not belong to the institution",
    ),
    "auth.not_a_resident": ("该账号不是居民账号", "Not a resident account"),
    # reason codes in the login log (never shown to the person logging in)
    "auth.unknown_user": ("用户不存在", "No such account"),
    "auth.account_disabled": ("账号已停用", "The account is disabled"),
    "auth.second_factor_required": (
        "密码正确，等待第二因素认证",
        "Password accepted; second factor next",
    ),
    "auth.cannot_disable_self": ("不能停用自己的账号", "You cannot disable your own account"),
    # to-do items of the home page
    "auth.todo.password_expiring": (
        "密码将在 {days} 天内过期，请及时修改",
        "Your password expires within {days} days",
    ),
    "auth.todo.password_expired": ("密码已过期，请立即修改", "Your password has expired"),
    "auth.todo.second_factor_missing": (
        "尚未设置第二因素认证（身份验证器或数字证书），请尽快设置",
        "Set up a second factor (authenticator app or certificate)",
    ),
    "auth.todo.recovery_codes_low": (
        "备用恢复码仅剩 {count} 个，请重新生成",
        "Only {count} recovery codes left; generate new ones",
    ),
    # menu titles of this slice
    "menu.auth.users": ("用户管理", "Users"),
    "menu.auth.sessions": ("在线用户", "Online users"),
    "menu.auth.login_log": ("登录日志", "Login log"),
}
register(MESSAGES)
