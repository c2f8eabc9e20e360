"""`healthnet demo --size small|medium|large [--seed N]`: load synthetic Shanghai demo data."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from healthnet.demo.generators import DEFAULT_SEED, SIZES


class _RichProgress:
    """One bar per phase (institutions, accounts, residents); the display starts with the first
    phase, so a run that finds everything loaded prints only its message."""

    def __init__(self, console: Console) -> None:
        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
        )
        self._task: TaskID | None = None

    def phase(self, name: str, total: int) -> None:
        if self._task is None:
            self._progress.start()
        self._task = self._progress.add_task(name, total=total)

    def advance(self, n: int = 1) -> None:
        if self._task is not None:
            self._progress.advance(self._task, n)

    def stop(self) -> None:
        if self._task is not None:
            self._progress.stop()


def demo(
    size: str = typer.Option(
        "small",
        "--size",
        help="数据规模：small（约60家机构、2000名居民）、medium（约600家、"
        "5万名）、large（约600家、100万名）",
    ),
    seed: int = typer.Option(DEFAULT_SEED, "--seed", help="随机种子：相同种子生成相同数据"),
    bulk: bool | None = typer.Option(
        None, "--bulk/--no-bulk", help="居民走批量写入路径（默认：超过10万名时）"
    ),
) -> None:
    """生成并加载上海市演示数据（合成数据，非真实人员）。"""
    from healthnet.core.db import get_sessionmaker
    from healthnet.demo.loader import load_demo

    if size not in SIZES:
        typer.echo(f"未知的规模 {size!r}，可选：small、medium、large", err=True)
        raise typer.Exit(2)
    console = Console()
    session = get_sessionmaker()()
    progress = _RichProgress(console)
    try:
        report = load_demo(
            session=session, size=size, seed=seed, progress=progress, bulk_residents=bulk
        )
    finally:
        progress.stop()
        session.close()

    if report.already_loaded:
        console.print(f"演示数据（规模 {size}，种子 {seed}）已加载，未做任何更改。")
    else:
        console.print(
            f"已加载演示数据（规模 {size}，种子 {seed}），用时 {report.seconds:.1f} 秒：\n"
            f"  机构 {report.institutions_created} 家（已存在 {report.institutions_existing}），"
            f"科室 {report.departments_created} 个\n"
            f"  工作人员账号 {report.staff_created} 个（已存在 {report.staff_existing}；"
            f"密码随机生成、不显示，由管理员重置）\n"
            f"  居民 {report.residents_registered} 名（已存在 {report.residents_existing}），"
            f"待人工核对的疑似重复 {report.review_candidates} 对\n"
            f"  诊疗记录 {report.clinical_rows} 条（就诊、诊断、处方、检验、检查、文书、接种）\n"
            f"  高血压、糖尿病患者管理登记 {report.registry_enrolments} 人"
            "（含季度随访与签约家庭医生）"
        )
    fresh = [(u, n, p) for u, n, p in report.district_admins if p]
    if fresh:
        console.print("各区管理员账号（初始密码只显示这一次，首次登录后须修改）：")
        for username, name, password in fresh:
            console.print(f"  {username:<18} {name:<8} {password}")
    elif report.district_admins:
        console.print("各区管理员账号已存在，密码未变。")
    residents = report.resident_accounts
    if any(secret for _, _, secret in residents):
        console.print("居民演示账号（/h5/ 用手机号或身份证号登录，初始密码只显示这一次）：")
        for phone, resident, secret in residents:
            console.print(f"  {phone:<13} {resident:<6} {secret or '（已存在，密码未变）'}")
    elif residents:
        console.print("居民演示账号已存在，密码未变。")
