"""Messages of the system parameters and data dictionaries slice."""

from healthnet.core.i18n import register

MESSAGES: dict[str, tuple[str, str]] = {
    "slice.sysconf": ("系统参数与数据字典", "System parameters and dictionaries"),
    "menu.sysconf.params": ("系统参数", "System parameters"),
    "menu.sysconf.dicts": ("数据字典", "Data dictionaries"),
    # parameters
    "sysconf.param_not_found": ("系统参数不存在", "System parameter not found"),
    "sysconf.param_key_taken": ("参数键 {value} 已存在", "Parameter {value} already exists"),
    "sysconf.param_key_invalid": (
        "参数键只能由小写字母、数字和下划线组成，各段以字母开头、用点分隔，如 ui.system_name",
        "lower-case letters, digits and '_', dot-separated, e.g. ui.system_name",
    ),
    "sysconf.param_builtin": (
        "内置参数“{name}”不能删除",
        "Built-in parameter {name} cannot be deleted",
    ),
    "sysconf.param_builtin_fields": (
        "内置参数只能修改参数值",
        "Only the value of a built-in parameter can be changed",
    ),
    "sysconf.param_not_editable": (
        "参数“{name}”由部署配置设定，不能在界面修改",
        "Parameter {name} is set by the deployment, not in the console",
    ),
    "sysconf.value_int": ("“{name}”的值应为整数", "{name} must be an integer"),
    "sysconf.value_bool": ("“{name}”的值应为 true 或 false", "{name} must be true or false"),
    "sysconf.value_json": ("“{name}”的值应为合法的 JSON", "{name} must be valid JSON"),
    # dictionaries
    "sysconf.dict_not_found": ("数据字典不存在", "Dictionary not found"),
    "sysconf.dict_code_taken": ("字典编码 {value} 已存在", "Dictionary {value} already exists"),
    "sysconf.dict_code_invalid": (
        "字典编码只能由小写字母、数字和下划线组成，以字母开头",
        "lower-case letters, digits and '_', starting with a letter",
    ),
    "sysconf.dict_builtin": (
        "内置字典“{name}”不能删除或停用",
        "Built-in dictionary {name} cannot be deleted or deactivated",
    ),
    "sysconf.item_not_found": ("字典项不存在", "Dictionary item not found"),
    "sysconf.item_value_taken": (
        "本字典已有值为 {value} 的字典项",
        "This dictionary already has an item {value}",
    ),
    "sysconf.item_value_invalid": (
        "字典项值只能包含字母、数字、连字符（-）、下划线（_）和点（.）",
        "may contain only letters, digits, '-', '_' and '.'",
    ),
    "sysconf.item_builtin": (
        "内置字典项不能删除，可以停用",
        "A built-in item cannot be deleted; deactivate it instead",
    ),
}
register(MESSAGES)
