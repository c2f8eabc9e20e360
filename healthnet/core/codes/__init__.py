"""Code systems and value sets: ICD-10 (Chinese names), ICD-11, national value sets, local
dictionaries and the editions operators import — versioned, searchable by code, Chinese text
and pinyin initials. Other slices use ``healthnet.core.codes.service`` (``validate_code``,
``lookup``, ``search``)."""

from healthnet.core.manifest import Manifest, MenuEntry

MANIFEST = Manifest(
    key="codes",
    router="healthnet.core.codes.api:router",
    prefix="/codes",
    permissions={
        "codes:concept:read": ("查看代码系统和代码", "View code systems and codes"),
        "codes:system:import": (
            "导入代码系统版本（如国家临床版、医保版）",
            "Import code-system versions (e.g. national clinical or insurance editions)",
        ),
    },
    menu=(MenuEntry("menu.codes.systems", "/codes/systems", "codes:concept:read"),),
)
