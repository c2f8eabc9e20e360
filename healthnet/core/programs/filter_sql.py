"""Indicator filters as SQL, where the translation keeps the expression language's meaning
exactly (:mod:`healthnet.core.programs.expr`); anything else is left to the streaming pass.

What is translated: ``and``/``or``/``not``; comparisons ``== != < <= > >= in not in`` between a
variable and a literal (or two date variables); ``has_value(x)``; the variables
``event_date``, ``due_date``, ``enrolment_date``, ``incident_date`` (dates), ``event_status``,
``status``, ``stage``, ``sex`` (text), ``today``, and elements of type ``option``, ``text``,
``icd10``, ``organisation`` (compared with text) and ``integer``/``number`` (compared with
numbers).

The expression language is two-valued: a comparison with a missing value is false, never
unknown, and ``None == x`` / ``None != x`` are plain false / true. SQL's three-valued logic is
folded back to that: every comparison is ``COALESCE(cmp, false)``, equality uses ``IS [NOT]
DISTINCT FROM``, and a JSON value of the wrong type reads as missing (as a Python comparison of
a text with a number is false), so a stored value of an unexpected type can never make the
refresh fail.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

from sqlalchemy import Float, String, and_, case, cast, false, func, literal, not_, or_
from sqlalchemy.sql.elements import ColumnElement

from healthnet.core.programs import expr
from healthnet.core.programs.models import Enrolment, Event

_TEXT_TYPES = ("option", "text", "long_text", "icd10", "organisation")
_NUMBER_TYPES = ("integer", "number")


class NotTranslatable(Exception):
    """The filter needs the streaming pass."""


class _Value:
    """A variable in SQL with the kind of literal it may be compared with."""

    def __init__(self, sql: Any, kind: str) -> None:
        self.sql = sql
        self.kind = kind  # "text" | "number" | "date"


def _json_text(dialect: str, column: Any, code: str) -> Any:
    if dialect == "postgresql":
        return case(
            (func.jsonb_typeof(column.op("->")(code)) == "string", column.op("->>")(code)),
            else_=None,
        )
    path = f'$."{code}"'
    return case(
        (func.json_type(column, path) == "text", func.json_extract(column, path)),
        else_=None,
    )


def _json_number(dialect: str, column: Any, code: str) -> Any:
    if dialect == "postgresql":
        return case(
            (
                func.jsonb_typeof(column.op("->")(code)) == "number",
                cast(column.op("->>")(code), Float),
            ),
            else_=None,
        )
    path = f'$."{code}"'
    return case(
        (func.json_type(column, path).in_(["integer", "real"]), func.json_extract(column, path)),
        else_=None,
    )


class Translator:
    def __init__(self, *, dialect: str, elements: dict[str, tuple[str, Any]], events: bool) -> None:
        self.dialect = dialect
        self.elements = elements  # code → (form, DataElement)
        self.events = events

    def translate(self, source: str) -> ColumnElement[bool]:
        tree = expr.parse(source).tree
        return self._bool(tree.body)

    # ------------------------------------------------------------ values

    def _variable(self, name: str) -> _Value:
        from healthnet.core.localtime import local_today

        builtins: dict[str, Callable[[], _Value]] = {
            "enrolment_date": lambda: _Value(Enrolment.enrolled_on, "date"),
            "incident_date": lambda: _Value(Enrolment.incident_on, "date"),
            "status": lambda: _Value(Enrolment.status, "text"),
            "sex": lambda: _Value(Enrolment.sex_code, "text"),
            "today": lambda: _Value(literal(local_today()), "date"),
        }
        if self.events:
            builtins.update(
                event_date=lambda: _Value(Event.event_on, "date"),
                due_date=lambda: _Value(Event.due_on, "date"),
                event_status=lambda: _Value(Event.status, "text"),
                stage=lambda: _Value(Event.stage, "text"),
            )
        if name in builtins:
            return builtins[name]()
        found = self.elements.get(name)
        if found is None:
            raise NotTranslatable(name)
        form, element = found
        if form != "enrolment" and not self.events:
            raise NotTranslatable(name)
        column = Enrolment.values if form == "enrolment" else Event.values
        if element.value_type in _TEXT_TYPES:
            return _Value(_json_text(self.dialect, column, name), "text")
        if element.value_type in _NUMBER_TYPES:
            return _Value(_json_number(self.dialect, column, name), "number")
        raise NotTranslatable(name)

    def _operand(self, node: ast.AST, kind: str | None) -> _Value:
        if isinstance(node, ast.Name):
            return self._variable(node.id)
        const = _constant(node)
        if isinstance(const, bool) or const is None:
            raise NotTranslatable("constant")
        if isinstance(const, str) and kind == "text":
            return _Value(literal(const, String), "text")
        if isinstance(const, int | float) and kind == "number":
            return _Value(literal(float(const), Float), "number")
        raise NotTranslatable("constant")

    # ------------------------------------------------------------ conditions

    def _bool(self, node: ast.AST) -> ColumnElement[bool]:
        if isinstance(node, ast.BoolOp):
            parts = [self._bool(v) for v in node.values]
            return and_(*parts) if isinstance(node.op, ast.And) else or_(*parts)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return not_(self._bool(node.operand))
        if isinstance(node, ast.Compare):
            return self._compare(node)
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "has_value"
            and isinstance(node.args[0], ast.Name)
        ):
            v = self._variable(node.args[0].id)
            if v.kind == "text":
                return and_(v.sql.is_not(None), v.sql != "")
            present: ColumnElement[bool] = v.sql.is_not(None)
            return present
        raise NotTranslatable(type(node).__name__)

    def _compare(self, node: ast.Compare) -> ColumnElement[bool]:
        if len(node.ops) != 1:
            raise NotTranslatable("chained comparison")
        op, left_node, right_node = node.ops[0], node.left, node.comparators[0]
        if isinstance(op, ast.In | ast.NotIn):
            if not isinstance(left_node, ast.Name):
                raise NotTranslatable("in")
            left = self._variable(left_node.id)
            items = _constant(right_node)
            if not isinstance(items, list) or not items:
                raise NotTranslatable("in")
            values = [self._operand(ast.Constant(i), left.kind).sql for i in items]
            # a missing value is neither in nor "not in" a list (expr: any order test with
            # None is false)
            test = left.sql.in_(values) if isinstance(op, ast.In) else left.sql.not_in(values)
            return func.coalesce(test, false())
        # a variable on at least one side; a literal (of the variable's kind) or a variable
        # of the same kind on the other
        if isinstance(left_node, ast.Name):
            left = self._variable(left_node.id)
            right = self._operand(right_node, left.kind)
        elif isinstance(right_node, ast.Name):
            right = self._variable(right_node.id)
            left = self._operand(left_node, right.kind)
        else:
            raise NotTranslatable("no variable")
        if left.kind != right.kind:
            raise NotTranslatable("kinds")
        a, b = left.sql, right.sql
        if isinstance(op, ast.Eq | ast.NotEq):
            same: ColumnElement[bool] = (
                a.is_not_distinct_from(b) if isinstance(op, ast.Eq) else a.is_distinct_from(b)
            )
            return same
        if left.kind == "text":
            # text order differs between Python and a database's collation
            raise NotTranslatable("text order")
        orders: dict[type[ast.cmpop], Callable[[], Any]] = {
            ast.Lt: lambda: a < b,
            ast.LtE: lambda: a <= b,
            ast.Gt: lambda: a > b,
            ast.GtE: lambda: a >= b,
        }
        cmp = orders.get(type(op))
        if cmp is None:
            raise NotTranslatable(type(op).__name__)
        return func.coalesce(cmp(), false())


def _constant(node: ast.AST) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, ast.USub)
        and isinstance(node.operand, ast.Constant)
        and isinstance(node.operand.value, int | float)
        and not isinstance(node.operand.value, bool)
    ):
        return -node.operand.value
    if isinstance(node, ast.List | ast.Tuple):
        return [_constant(e) for e in node.elts]
    raise NotTranslatable("not a literal")


def translate(
    source: str, *, dialect: str, elements: dict[str, tuple[str, Any]], events: bool
) -> ColumnElement[bool] | None:
    """The filter as an SQL condition, or None when it needs the streaming pass."""
    try:
        return Translator(dialect=dialect, elements=elements, events=events).translate(source)
    except NotTranslatable:
        return None


__all__ = ["NotTranslatable", "translate"]
