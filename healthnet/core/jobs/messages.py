from healthnet.core.i18n import register

MESSAGES: dict[str, tuple[str, str]] = {
    "jobs.job_not_found": ("后台任务不存在", "Job not found"),
    "jobs.schedule_not_found": ("定时计划不存在", "Schedule not found"),
    "jobs.not_dead": (
        "只有已进入死信状态（重试次数用尽）的任务可以重新排队，当前状态：{status}",
        "Only dead jobs can be re-queued; this job is {status}",
    ),
    "jobs.cron_invalid": (
        "cron 表达式不正确，应为 5 段（分 时 日 月 周），例如 “0 2 * * *”",
        "Invalid cron expression: five fields (minute hour day month weekday), e.g. '0 2 * * *'",
    ),
    "jobs.timezone_invalid": ("未知的时区", "Unknown time zone"),
    # Status names, for lists and filters in the UI.
    "jobs.status.pending": ("等待执行", "Pending"),
    "jobs.status.running": ("执行中", "Running"),
    "jobs.status.retrying": ("失败待重试", "Retrying"),
    "jobs.status.succeeded": ("已成功", "Succeeded"),
    "jobs.status.dead": ("死信（已放弃）", "Dead"),
    # to-do item of the home page
    "jobs.todo.dead": (
        "失败已放弃的后台任务，请检查原因后重新排队",
        "Dead background jobs: check why, then re-queue them",
    ),
}
register(MESSAGES)
