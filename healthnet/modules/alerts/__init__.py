"""Duplicate-medication and duplicate-test prompts at order time (智能提示, requirement R9).

When a doctor signs a prescription or a lab/exam order, the hospital's workstation calls
``POST /api/v1/alerts/check`` with the new lines; the platform compares them with the patient's
recent medications and tests from every hospital of the network (through
:mod:`healthnet.modules.records.service`) and answers with prompts. The rules are data
(``metadata/rules.yaml`` loaded into tables, editable in the console); every check and the
doctor's response to each prompt are stored for the acceptance statistics.
Design: ``docs/decisions/0014-duplicate-prompts.md``.
"""

from healthnet.core.manifest import Manifest, MenuEntry
from healthnet.modules.alerts import messages as _messages  # noqa: F401  (menu and slice titles)

MANIFEST = Manifest(
    key="alerts",
    router="healthnet.modules.alerts.api:router",
    prefix="/alerts",
    depends=("records",),
    permissions={
        "alerts:check:run": (
            "开具医嘱时的重复用药与重复检查检验提示（提示与处理）",
            "Run duplicate-order checks and respond to their prompts",
        ),
        "alerts:rule:read": ("查看智能提示规则", "View duplicate-prompt rules"),
        "alerts:rule:write": ("维护智能提示规则", "Maintain duplicate-prompt rules"),
        "alerts:stats:read": ("查看智能提示统计", "View duplicate-prompt statistics"),
    },
    menu=(
        MenuEntry("menu.alerts.trial", "/alerts/trial", "alerts:check:run"),
        MenuEntry("menu.alerts.rules", "/alerts/rules", "alerts:rule:read"),
        MenuEntry("menu.alerts.statistics", "/alerts/statistics", "alerts:stats:read"),
    ),
)
