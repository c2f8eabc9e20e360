"""The safe expression language of program rules and indicator filters.

An expression is Python *syntax* parsed with :func:`ast.parse` (``mode="eval"``) and then
checked node by node against a whitelist; it is never compiled or passed to ``eval``. What is
allowed (docs/decisions/0015-program-engine.md):

* literals: numbers, strings, ``True``/``False``/``None``, lists/tuples of literals (for ``in``);
* names: the program's data-element codes and the built-in variables (:data:`BUILTIN_VARS`);
* ``and`` / ``or`` / ``not``; comparisons ``== != < <= > >= in not in`` (chained too);
* arithmetic ``+ - * / // %`` and unary ``-``/``+``; ``a if cond else b``;
* calls of the functions in :data:`FUNCTIONS` with positional arguments only.

Missing values are ``None``. ``None`` propagates through arithmetic (``None + 1`` is ``None``),
and a comparison with ``None`` (other than ``== None``/``!= None``) is false, so
``sbp >= 140`` is simply false while ``sbp`` is not filled in — the DHIS2 behaviour of rules
over empty values. Division by zero is ``None`` too. An expression is at most
:data:`MAX_LENGTH` characters and :data:`MAX_NODES` syntax nodes.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from healthnet.core.programs import growth

MAX_LENGTH = 1000
MAX_NODES = 200

BUILTIN_VARS: dict[str, str] = {
    "today": "今天（上海时区）",
    "enrolment_date": "登记/报告日期",
    "incident_date": "发病/事件日期",
    "event_date": "本次随访/事件日期",
    "due_date": "本次随访/事件的应随访日期（指标筛选条件用）",
    "event_status": "事件状态：scheduled 待随访，completed 已完成，skipped 已跳过（指标用）",
    "birth_date": "出生日期（来自主索引）",
    "sex": "性别代码（GB/T 2261.1：1 男，2 女）",
    "age_years": "登记时或事件日期的周岁年龄",
    "age_months": "登记时或事件日期的月龄",
    "age_days": "登记时或事件日期的日龄（出生日期到该日期的天数）",
    "stage": "当前阶段代码",
    "status": "当前工作流状态",
}


class ExpressionError(ValueError):
    """An expression that cannot be parsed or uses something not allowed (Chinese message)."""


def _as_date(v: Any) -> date | None:
    if v is None:
        return None
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    if isinstance(v, str):
        try:
            return date.fromisoformat(v[:10])
        except ValueError:
            return None
    return None


def _days_between(a: Any, b: Any) -> int | None:
    da, db_ = _as_date(a), _as_date(b)
    if da is None or db_ is None:
        return None
    return (db_ - da).days


def months_between(a: Any, b: Any) -> int | None:
    da, db_ = _as_date(a), _as_date(b)
    if da is None or db_ is None:
        return None
    months = (db_.year - da.year) * 12 + (db_.month - da.month)
    if db_.day < da.day:
        months -= 1
    return months


def _years_between(a: Any, b: Any) -> int | None:
    m = months_between(a, b)
    return None if m is None else m // 12


def _has_value(v: Any) -> bool:
    return v is not None and v != "" and v != []


def _num(fn: Callable[..., Any]) -> Callable[..., Any]:
    def wrapped(*args: Any) -> Any:
        if any(a is None for a in args):
            return None
        try:
            return fn(*args)
        except (TypeError, ValueError, OverflowError):
            return None

    return wrapped


def _round(v: Any, digits: Any = 0) -> Any:
    return round(v, int(digits))


def _coalesce(*args: Any) -> Any:
    for a in args:
        if _has_value(a):
            return a
    return None


def _length(v: Any) -> int | None:
    return None if v is None else len(v) if isinstance(v, str | list) else None


def _starts_with(v: Any, prefix: Any) -> bool:
    return isinstance(v, str) and isinstance(prefix, str) and v.upper().startswith(prefix.upper())


def _add_days(d: Any, n: Any) -> date | None:
    dd = _as_date(d)
    if dd is None or n is None:
        return None
    from datetime import timedelta

    return dd + timedelta(days=int(n))


# name → (function, min args, max args, Chinese description)
FUNCTIONS: dict[str, tuple[Callable[..., Any], int, int, str]] = {
    "has_value": (_has_value, 1, 1, "是否已填写"),
    "days_between": (_days_between, 2, 2, "两个日期相差的天数（后者减前者）"),
    "months_between": (months_between, 2, 2, "两个日期相差的整月数"),
    "years_between": (_years_between, 2, 2, "两个日期相差的整年数"),
    "add_days": (_add_days, 2, 2, "日期加若干天"),
    "abs": (_num(abs), 1, 1, "绝对值"),
    "round": (_num(_round), 1, 2, "四舍五入"),
    "min": (_num(min), 1, 10, "最小值"),
    "max": (_num(max), 1, 10, "最大值"),
    "sqrt": (_num(math.sqrt), 1, 1, "平方根"),
    "coalesce": (_coalesce, 1, 10, "第一个已填写的值"),
    "length": (_length, 1, 1, "文本长度或多选个数"),
    "starts_with": (_starts_with, 2, 2, "文本（如 ICD 编码）是否以某前缀开头，不分大小写"),
    "who_zscore": (
        growth.who_zscore,
        4,
        6,
        "WHO 儿童生长标准 Z 评分（指标 wfa、lhfa、wflh、bmifa、hcfa）",
    ),
}
# parse-time checks of particular functions' arguments: (argument nodes) → Chinese problem or None
_CALL_CHECKS: dict[str, Callable[[list[ast.expr]], str | None]] = {
    "who_zscore": growth.check_call,
}


def _is_num(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _mult(a: Any, b: Any) -> Any:
    # numbers only: 'x' * 10**9 would be a memory bomb
    return a * b if _is_num(a) and _is_num(b) else None


def _pow(a: Any, b: Any) -> Any:
    # in floating point (overflow raises, caught by the caller), small exponents only, no
    # complex results: nested powers of integers would otherwise grow without bound
    if not (_is_num(a) and _is_num(b)) or abs(b) > 10:
        return None
    result = float(a) ** b
    return result if isinstance(result, float) else None


_BINOPS: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: _mult,
    ast.Div: lambda a, b: None if b == 0 else a / b,
    ast.FloorDiv: lambda a, b: None if b == 0 else a // b,
    ast.Mod: lambda a, b: None if b == 0 else a % b,
    ast.Pow: _pow,
}
_CMPOPS: dict[type[ast.cmpop], Callable[[Any, Any], bool]] = {
    ast.Eq: lambda a, b: bool(a == b),
    ast.NotEq: lambda a, b: bool(a != b),
    ast.Lt: lambda a, b: bool(a < b),
    ast.LtE: lambda a, b: bool(a <= b),
    ast.Gt: lambda a, b: bool(a > b),
    ast.GtE: lambda a, b: bool(a >= b),
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}


@dataclass(frozen=True)
class Expression:
    """A parsed, checked expression. ``names`` are the variables it reads."""

    source: str
    tree: ast.Expression
    names: frozenset[str]

    def evaluate(self, env: Mapping[str, Any]) -> Any:
        return _eval(self.tree.body, env)

    def test(self, env: Mapping[str, Any]) -> bool:
        """As a condition: anything but a true value (``None`` included) is false."""
        return bool(self.evaluate(env))


def parse(source: str, *, known_names: set[str] | frozenset[str] | None = None) -> Expression:
    """Parse and check ``source``; ``known_names`` (when given) are the variables allowed
    besides :data:`BUILTIN_VARS`. Raises :class:`ExpressionError` with a Chinese message."""
    if not isinstance(source, str) or not source.strip():
        raise ExpressionError("表达式为空")
    if len(source) > MAX_LENGTH:
        raise ExpressionError(f"表达式过长（上限 {MAX_LENGTH} 个字符）")
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as e:
        raise ExpressionError(f"表达式语法错误（第 {e.offset or 0} 个字符附近）") from None
    nodes = list(ast.walk(tree))
    if len(nodes) > MAX_NODES:
        raise ExpressionError(f"表达式过于复杂（上限 {MAX_NODES} 个语法节点）")
    names: set[str] = set()
    for node in nodes:
        _check(node, names)
    names -= {n.func.id for n in nodes if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    if known_names is not None:
        unknown = sorted(n for n in names if n not in known_names and n not in BUILTIN_VARS)
        if unknown:
            raise ExpressionError(f"表达式引用了未定义的数据元或变量：{', '.join(unknown)}")
    return Expression(source, tree, frozenset(names))


_ALLOWED = (
    ast.Expression,
    ast.BoolOp,
    ast.And,
    ast.Or,
    ast.UnaryOp,
    ast.Not,
    ast.USub,
    ast.UAdd,
    ast.BinOp,
    ast.Compare,
    ast.Name,
    ast.Load,
    ast.Constant,
    ast.List,
    ast.Tuple,
    ast.Call,
    ast.IfExp,
    *_BINOPS,
    *_CMPOPS,
)


def _check(node: ast.AST, names: set[str]) -> None:
    if not isinstance(node, _ALLOWED):
        raise ExpressionError(f"表达式中不允许使用 {type(node).__name__}")
    if isinstance(node, ast.Constant):
        if not isinstance(node.value, int | float | str | bool | type(None)):
            raise ExpressionError("表达式中只允许数字、文本、True/False/None 常量")
        if isinstance(node.value, str) and len(node.value) > 200:
            raise ExpressionError("表达式中的文本常量过长")
    elif isinstance(node, ast.Name):
        if node.id.startswith("_"):
            raise ExpressionError(f"不允许的名称：{node.id}")
        names.add(node.id)
    elif isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            fname = node.func.id if isinstance(node.func, ast.Name) else "?"
            raise ExpressionError(f"未知的函数：{fname}（可用：{', '.join(FUNCTIONS)}）")
        if node.keywords:
            raise ExpressionError("函数只接受按位置传入的参数")
        _, lo, hi, _ = FUNCTIONS[node.func.id]
        if not lo <= len(node.args) <= hi:
            raise ExpressionError(f"函数 {node.func.id} 的参数个数不正确")
        check = _CALL_CHECKS.get(node.func.id)
        problem = check(node.args) if check is not None else None
        if problem is not None:
            raise ExpressionError(problem)
    elif isinstance(node, ast.List | ast.Tuple):
        for elt in node.elts:
            if not isinstance(elt, ast.Constant | ast.UnaryOp):
                raise ExpressionError("列表中只允许常量")


def _eval(node: ast.AST, env: Mapping[str, Any]) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return env.get(node.id)
    if isinstance(node, ast.BoolOp):
        if isinstance(node.op, ast.And):
            result: Any = True
            for v in node.values:
                result = _eval(v, env)
                if not result:
                    return False
            return bool(result)
        return any(_eval(v, env) for v in node.values)
    if isinstance(node, ast.UnaryOp):
        val = _eval(node.operand, env)
        if isinstance(node.op, ast.Not):
            return not val
        if val is None or not isinstance(val, int | float) or isinstance(val, bool):
            return None
        return -val if isinstance(node.op, ast.USub) else +val
    if isinstance(node, ast.BinOp):
        left, right = _eval(node.left, env), _eval(node.right, env)
        if left is None or right is None:
            return None
        try:
            return _BINOPS[type(node.op)](left, right)
        except (TypeError, ValueError, OverflowError):
            return None
    if isinstance(node, ast.Compare):
        left = _eval(node.left, env)
        for op, comp in zip(node.ops, node.comparators, strict=True):
            right = _eval(comp, env)
            if isinstance(op, ast.Eq | ast.NotEq):
                ok = _CMPOPS[type(op)](left, right)
            elif left is None or right is None:
                return False
            else:
                try:
                    ok = _CMPOPS[type(op)](left, right)
                except TypeError:
                    return False
            if not ok:
                return False
            left = right
        return True
    if isinstance(node, ast.List | ast.Tuple):
        return [_eval(e, env) for e in node.elts]
    if isinstance(node, ast.IfExp):
        return _eval(node.body, env) if _eval(node.test, env) else _eval(node.orelse, env)
    if isinstance(node, ast.Call):
        assert isinstance(node.func, ast.Name)
        fn = FUNCTIONS[node.func.id][0]
        return fn(*[_eval(a, env) for a in node.args])
    raise ExpressionError(f"表达式中不允许使用 {type(node).__name__}")  # pragma: no cover
