"""The program engine (DHIS2 Tracker's model): public-health registries defined as data —
programs, stages, data elements, option sets, workflow, rules and indicators loaded from one
YAML file per program — and the capture of enrolments, report cards and follow-up events.
Decision: docs/decisions/0015-program-engine.md; file format: docs/dev/program-yaml.md."""

from healthnet.core.manifest import Manifest

MANIFEST = Manifest(
    key="programs",
    router="healthnet.core.programs.api:router",
    prefix="/programs",
    depends=("orgs", "patients", "codes", "notify", "audit", "certs"),
    todos="healthnet.core.programs.todos:todos",
    permissions={
        "programs:enrolment:read": (
            "查看专病/公卫登记、随访与工作清单",
            "View registry enrolments, follow-ups and work lists",
        ),
        "programs:enrolment:write": (
            "登记、报告卡填报、修改登记与申请/接收转移",
            "Enrol, file report cards, edit enrolments, transfer them",
        ),
        "programs:event:write": ("录入和修改随访/事件", "Record and edit follow-up events"),
        "programs:workflow:transition": (
            "执行登记的审核、结案等流转（按项目定义的角色）",
            "Move enrolments through their workflow (roles per program)",
        ),
        "programs:metadata:write": ("加载和更新项目定义", "Load and update program definitions"),
        "programs:restricted:read": (
            "查看受限（敏感）项目的登记，如严重精神障碍",
            "See enrolments of restricted programs (e.g. severe mental disorders)",
        ),
        "programs:indicator:read": (
            "查看和导出项目统计指标（按区、机构、期间汇总）",
            "View and export program indicators (by district, institution and period)",
        ),
        "programs:indicator:refresh": (
            "立即重新计算项目统计指标",
            "Recompute program indicators now",
        ),
    },
)
