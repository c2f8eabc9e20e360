"""Master patient index (主索引, requirement B1): one platform id per resident, many identifiers,
rule-based duplicate detection, a review list, explicit and reversible merges."""

from healthnet.core.manifest import Manifest, MenuEntry

MANIFEST = Manifest(
    key="patients",
    router="healthnet.core.patients.api:router",
    prefix="/patients",
    depends=("orgs",),
    todos="healthnet.core.patients.todos:todos",
    permissions={
        "patients:person:read": ("查询居民主索引", "Look up residents in the patient index"),
        "patients:person:write": ("登记和修改居民信息", "Register and update residents"),
        "patients:person:merge": (
            "审核疑似重复、合并与撤销合并",
            "Review duplicates, merge and unmerge residents",
        ),
        "patients:identifier:read_full": (
            "查看完整证件号码",
            "See full identifier numbers (otherwise masked)",
        ),
    },
    menu=(
        MenuEntry("menu.patients.persons", "/patients/persons", "patients:person:read"),
        MenuEntry("menu.patients.candidates", "/patients/candidates", "patients:person:merge"),
    ),
)
