"""Program rules, run on the server at every save (DHIS2's program rule actions).

Rules of a form run in file order over the form's values, the enrolment's values and the
built-in variables; an ``assign_value`` is visible to the rules after it. Then hidden fields
are cleared and required fields (the element's own ``required`` or a ``require_field``
action, unless hidden) are checked. ``show_error`` blocks the save; the rest is reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from healthnet.core.errors import FieldError
from healthnet.core.i18n import t
from healthnet.core.localtime import local_today
from healthnet.core.programs import expr
from healthnet.core.programs.definition import Action
from healthnet.core.programs.service._base import Compiled
from healthnet.core.programs.service.values import check_value, empty


@dataclass
class Outcome:
    values: dict[str, Any]
    warnings: list[dict[str, Any]] = field(default_factory=list)
    errors: list[FieldError] = field(default_factory=list)
    hidden: set[str] = field(default_factory=set)
    schedule: list[tuple[str, Action]] = field(default_factory=list)  # (rule code, action)
    notify: list[tuple[str, Action]] = field(default_factory=list)


def _env_value(compiled: Compiled, code: str, value: Any) -> Any:
    found = compiled.elements.get(code)
    if found is not None and found[1].value_type == "date" and isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return value


def environment(
    compiled: Compiled,
    *,
    enrolment_values: dict[str, Any],
    enrolled_on: date,
    incident_on: date | None,
    birth_on: date | None,
    sex_code: str | None,
    status: str | None,
    event_on: date | None = None,
    stage: str | None = None,
) -> dict[str, Any]:
    env: dict[str, Any] = {code: None for code in compiled.elements}
    for code, value in enrolment_values.items():
        env[code] = _env_value(compiled, code, value)
    at = event_on or enrolled_on
    env.update(
        today=local_today(),
        enrolment_date=enrolled_on,
        incident_date=incident_on,
        event_date=event_on,
        birth_date=birth_on,
        sex=sex_code,
        age_years=None if birth_on is None else expr.months_between(birth_on, at) // 12,  # type: ignore[operator]
        age_months=None if birth_on is None else expr.months_between(birth_on, at),
        age_days=None if birth_on is None else (at - birth_on).days,
        stage=stage,
        status=status,
    )
    return env


def run(
    session: Session,
    compiled: Compiled,
    form: str,
    values: dict[str, Any],
    env: dict[str, Any],
) -> Outcome:
    out = Outcome(values=dict(values))
    env = dict(env)
    form_elements = {e.code: e for e in compiled.form(form)}
    # computed elements get their value from the rules alone, never from the client
    for code, el in form_elements.items():
        if el.computed:
            out.values.pop(code, None)
    # the form's own elements are exactly ``values`` (a value removed by this save is None)
    for code in form_elements:
        env[code] = _env_value(compiled, code, out.values.get(code))
    required_by_rule: set[str] = set()
    for rule in compiled.rules_on(form):
        if not compiled.conditions[rule.code].test(env):
            continue
        for i, act in enumerate(rule.actions):
            target = f"values.{act.field}" if act.field else None
            if act.type == "show_warning":
                out.warnings.append({"field": target, "message": act.message, "rule": rule.code})
            elif act.type == "show_error":
                out.errors.append(
                    FieldError(
                        target or "values",
                        "programs.rule_error",
                        t("programs.rule_error", message=act.message or ""),
                    )
                )
            elif act.type == "hide_field" and act.field:
                out.hidden.add(act.field)
            elif act.type == "require_field" and act.field:
                required_by_rule.add(act.field)
            elif act.type == "assign_value" and act.field:
                result = compiled.assignments[(rule.code, i)].evaluate(env)
                el = form_elements[act.field]
                if empty(result):
                    out.values.pop(act.field, None)
                    env[act.field] = None
                    continue
                if isinstance(result, date):
                    result = result.isoformat()
                norm, problem = check_value(session, compiled, el, result)
                if problem is not None:
                    out.errors.append(problem)
                    continue
                out.values[act.field] = norm
                env[act.field] = _env_value(compiled, act.field, norm)
            elif act.type == "schedule_event":
                out.schedule.append((rule.code, act))
            elif act.type == "send_notification":
                out.notify.append((rule.code, act))
    for code in out.hidden:
        out.values.pop(code, None)
    for code, el in form_elements.items():
        if code in out.hidden:
            continue
        if (el.required or code in required_by_rule) and empty(out.values.get(code)):
            out.errors.append(
                FieldError(
                    f"values.{code}",
                    "programs.value_required",
                    t("programs.value_required", name=el.name),
                )
            )
    return out
