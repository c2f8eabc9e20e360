from healthnet.core.i18n import register

MESSAGES: dict[str, tuple[str, str]] = {
    "auth.invalid_credentials": ("用户名或密码错误", "Wrong user name or password"),
    "auth.session_expired": ("登录已过期，请重新登录", "Your session has expired"),
    "auth.username_taken": ("用户名已存在", "The user name is taken"),
    "auth.password_weak": (
        "密码至少 8 位，且包含大写字母、小写字母、数字、符号中的至少三类，不能与用户名相同",
        "Password: at least 8 characters, 3 of 4 character classes, not the user name",
    ),
    "auth.user_not_found": ("用户不存在", "User not found"),
}
register(MESSAGES)
