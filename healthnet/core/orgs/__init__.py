"""Organisations: Shanghai's districts, the institutions of the network, their departments."""

from healthnet.core.manifest import Manifest, MenuEntry

MANIFEST = Manifest(
    key="orgs",
    router="healthnet.core.orgs.api:router",
    prefix="/orgs",
    permissions={
        "orgs:institution:read": ("查看机构和科室", "View institutions and departments"),
        "orgs:institution:write": (
            "管理机构（新增、修改、停用、导入）",
            "Manage institutions (create, edit, deactivate, import)",
        ),
        "orgs:department:write": ("管理科室", "Manage departments"),
        "orgs:directory:read": (
            "查看全市机构名录（名称、代码、所在区、类别）",
            "View the city's institution directory (name, code, district, kind)",
        ),
    },
    menu=(MenuEntry("menu.orgs.institutions", "/orgs/institutions", "orgs:institution:read"),),
)
