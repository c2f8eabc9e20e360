"""System parameters (系统参数) and data dictionaries (数据字典) of the web console.

Parameters are typed key/value settings an administrator may change at run time (the system
name, the session warning, export limits); dictionaries are the small value lists the UI shows
in selects and tags (gender, yes/no, institution kinds ...). Built-in ones are loaded from
``metadata/builtin.yaml`` by :func:`healthnet.core.sysconf.service.load_builtin`.
"""

from healthnet.core.manifest import Manifest, MenuEntry
from healthnet.core.sysconf import messages as _messages  # noqa: F401  (menu and slice titles)

MANIFEST = Manifest(
    key="sysconf",
    router="healthnet.core.sysconf.api:router",
    prefix="/sysconf",
    depends=("audit", "orgs"),
    permissions={
        "sysconf:param:read": ("查看系统参数", "View system parameters"),
        "sysconf:param:write": ("修改系统参数", "Change system parameters"),
        "sysconf:dict:read": ("查看数据字典", "View data dictionaries"),
        "sysconf:dict:write": ("维护数据字典", "Maintain data dictionaries"),
    },
    menu=(
        MenuEntry("menu.sysconf.params", "/system/params", "sysconf:param:read"),
        MenuEntry("menu.sysconf.dicts", "/system/dicts", "sysconf:dict:read"),
    ),
)
