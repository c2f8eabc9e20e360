"""Messages of the registries module (menu titles)."""

from healthnet.core.i18n import register

MESSAGES: dict[str, tuple[str, str]] = {
    "slice.registries": ("公共卫生专病登记", "Public-health registries"),
    "menu.group.registries": ("公卫专病管理", "Registries"),
    "menu.registries.worklist": ("登记与随访", "Follow-up work list"),
    "menu.registries.programs": ("专病登记", "Registries"),
    "menu.registries.transfers": ("转入转出", "Transfers"),
    "menu.registries.indicators": ("专病指标统计", "Registry indicators"),
}
register(MESSAGES)
