"""Background work: a transactional outbox of jobs, the worker that drains it, cron schedules.

Producers call :func:`healthnet.core.jobs.service.enqueue` inside their own transaction;
handlers are declared with ``@job_handler("kind")`` in a slice's ``jobs.py``.
"""

from healthnet.core.manifest import Manifest, MenuEntry

MANIFEST = Manifest(
    key="jobs",
    router="healthnet.core.jobs.api:router",
    prefix="/jobs",
    todos="healthnet.core.jobs.todos:todos",
    permissions={
        "jobs:job:read": ("查看后台任务与定时计划", "View background jobs and schedules"),
        "jobs:job:retry": ("重新排队失败任务", "Re-queue dead jobs"),
        "jobs:schedule:manage": ("启用或停用定时计划", "Enable or disable schedules"),
    },
    menu=(MenuEntry(key="menu.jobs.jobs", path="/system/jobs", permission="jobs:job:read"),),
)
