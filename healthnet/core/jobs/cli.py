"""``healthnet worker``: drain the job table (run as many as you like, on any machine).

healthnet/cli.py registers :func:`worker` as the ``worker`` command.
"""

from __future__ import annotations

import signal
from datetime import timedelta
from types import FrameType

import typer

from healthnet.core.jobs.registry import discover
from healthnet.core.jobs.worker import WorkerGroup, enabled_packages


def worker(
    once: bool = typer.Option(False, "--once", help="处理完当前到期的任务后退出"),
    concurrency: int = typer.Option(1, "--concurrency", min=1, max=64, help="并发线程数"),
    poll_interval: float = typer.Option(
        2.0, "--poll-interval", min=0.05, help="无任务时的轮询间隔（秒）"
    ),
    queue: list[str] = typer.Option(["default"], "--queue", help="处理的队列，可重复"),
    backoff_base: float = typer.Option(
        10.0, "--backoff-base", min=0.01, help="失败重试的基础退避时间（秒），逐次翻倍"
    ),
) -> None:
    """Run background jobs and schedules until stopped (SIGTERM/Ctrl-C finish the current job)."""
    discover(enabled_packages())
    group = WorkerGroup(
        concurrency=concurrency,
        poll_interval=poll_interval,
        queues=queue,
        once=once,
        backoff_base=timedelta(seconds=backoff_base),
    )

    def _stop(signum: int, _frame: FrameType | None) -> None:
        typer.echo("收到停止信号，完成当前任务后退出……", err=True)
        group.stop_event.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    group.start()
    typer.echo(f"后台任务进程已启动（{concurrency} 个线程，队列：{', '.join(queue)}）", err=True)
    while group.alive():
        group.join(timeout=0.5)
    typer.echo("后台任务进程已退出", err=True)
