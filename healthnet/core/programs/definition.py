"""The shape of one program file (docs/dev/program-yaml.md), as Pydantic models.

The YAML keys are camelCase; unknown keys are refused. :func:`check` adds the cross-reference
checks the shape alone cannot make (option sets exist, rules name real fields and stages,
expressions parse over the program's element codes, workflow states exist ...). Every problem
is reported as ``(path, Chinese message)`` with the path inside the file, e.g.
``stages[1].elements[3].valueType``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel

from healthnet.core.programs import expr

CODE = r"^[a-z][a-z0-9_]{0,62}$"
VALUE_TYPES = (
    "text",
    "long_text",
    "integer",
    "number",
    "date",
    "boolean",
    "option",
    "multi_option",
    "icd10",
    "organisation",
    "coordinate",
)
ValueType = Literal[
    "text",
    "long_text",
    "integer",
    "number",
    "date",
    "boolean",
    "option",
    "multi_option",
    "icd10",
    "organisation",
    "coordinate",
]


class Spec(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class Option(Spec):
    code: str = Field(pattern=r"^[A-Za-z0-9_.\-]{1,64}$")
    name: str = Field(min_length=1, max_length=200)


class OptionSet(Spec):
    code: str = Field(pattern=CODE)
    name: str = Field(min_length=1, max_length=200)
    options: list[Option] = Field(min_length=1)


class DataElement(Spec):
    code: str = Field(pattern=CODE)
    name: str = Field(min_length=1, max_length=200)
    value_type: ValueType
    required: bool = False
    help: str | None = None
    unit: str | None = None
    min: float | None = None
    max: float | None = None
    max_length: int | None = Field(None, ge=1, le=10000)
    option_set: str | None = None
    allow_future: bool = False  # dates: a future date is refused unless allowed
    code_prefixes: list[str] | None = None  # icd10: e.g. [I60, I61, ...]; any code when absent
    decimals: int | None = Field(None, ge=0, le=6)
    # filled in only by the program's assign_value rules (z-scores, BMI ...): a value sent by a
    # client is ignored, and the console shows the field read-only
    computed: bool = False


class Section(Spec):
    code: str = Field(pattern=CODE)
    name: str = Field(min_length=1, max_length=200)
    elements: list[str] = Field(min_length=1)


class Schedule(Spec):
    """When the next event of a stage is due: ``days`` after the enrolment date or the stage's
    previous event, or at fixed ages (months) of the person."""

    after: Literal["enrolment", "previous_event"] | None = None
    days: int | None = Field(None, ge=0, le=3660)
    ages_months: list[int] | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Schedule:
        if self.ages_months is not None:
            if self.after is not None or self.days is not None:
                raise ValueError("ages_months 与 after/days 不能同时使用")
        elif self.after is None or self.days is None:
            raise ValueError("需要 after 与 days，或者 agesMonths")
        return self


class Form(Spec):
    elements: list[DataElement] = Field(default_factory=list)
    sections: list[Section] = Field(default_factory=list)


class Stage(Form):
    code: str = Field(pattern=CODE)
    name: str = Field(min_length=1, max_length=200)
    repeatable: bool = False
    schedule: Schedule | None = None
    auto_schedule: bool = True  # create the scheduled event(s) on enrolment / after each event


class State(Spec):
    code: str = Field(pattern=CODE)
    name: str = Field(min_length=1, max_length=100)
    terminal: bool = False  # the enrolment is closed in this state (no longer "active")


class Transition(Spec):
    code: str = Field(pattern=CODE)
    name: str = Field(min_length=1, max_length=100)
    from_: list[str] = Field(alias="from", min_length=1)
    to: str
    roles: list[str] = Field(min_length=1)  # rbac role codes allowed to perform it
    note_required: bool = False
    # The performer signs the record (SM2, their signing certificate) on this transition; the
    # signed record is then read-only until a later transition (e.g. 更正) moves it on.
    sign: bool = False


class Workflow(Spec):
    initial: str
    states: list[State] = Field(min_length=1)
    transitions: list[Transition] = Field(default_factory=list)


class Action(Spec):
    type: Literal[
        "show_warning",
        "show_error",
        "hide_field",
        "require_field",
        "assign_value",
        "schedule_event",
        "send_notification",
    ]
    field: str | None = None
    message: str | None = Field(None, max_length=500)
    expression: str | None = None  # assign_value: the value
    stage: str | None = None  # schedule_event
    days: int | None = Field(None, ge=0, le=3660)  # schedule_event: due = event date + days
    to_role: str | None = None  # send_notification: holders of this role ...
    # ... at the enrolment's institution, or at every institution of its district (e.g. the
    # district CDC for a report card)
    to_role_at: Literal["institution", "district"] = "institution"
    to_assigned_user: bool = False  # send_notification: the enrolment's responsible user


class Rule(Spec):
    code: str = Field(pattern=CODE)
    name: str | None = None
    # where it runs: "enrolment" (the enrolment / report form) or a stage code
    form: str = "enrolment"
    condition: str
    actions: list[Action] = Field(min_length=1)


class Duplicate(Spec):
    """Single-event programs: a new report is the same case as an earlier one of the same
    person when every listed element has the same value and the report dates are at most
    ``within_days`` apart."""

    same_elements: list[str] = Field(default_factory=list)
    within_days: int = Field(ge=0, le=3660)


class IndicatorPart(Spec):
    """What one side of an indicator counts (docs/dev/program-yaml.md, "Indicators").

    ``period`` is the date that puts a row into a month/quarter/year; ``active`` (enrolments
    only) counts an enrolment in every period in which it was under management: enrolled on
    or before the period's last day and not closed before its first day. ``count: enrolments``
    counts distinct enrolments (persons) instead of rows: an enrolment counts when at least
    ``min_events`` of its events in the period pass the filter, or — with ``aggregate:
    latest`` — when its latest event of the period passes it.
    """

    of: Literal["enrolments", "events"]
    stage: str | None = None  # events of this stage only
    filter: str | None = None  # an expression over the values; absent = all
    period: (
        Literal["enrolment_date", "incident_date", "event_date", "due_date", "active"] | None
    ) = None
    count: Literal["rows", "enrolments"] = "rows"
    aggregate: Literal["all", "latest"] = "all"
    min_events: int = Field(1, ge=1, le=366)


class Indicator(Spec):
    code: str = Field(pattern=CODE)
    name: str = Field(min_length=1, max_length=200)
    description: str | None = None
    numerator: IndicatorPart
    denominator: IndicatorPart | None = None
    factor: float = 1
    decimals: int = Field(1, ge=0, le=6)


# words of the API's paths (/programs/worklist ...) that a program code must not take
RESERVED_CODES = frozenset({"worklist", "transfers", "enrolments", "events", "metadata"})


class ProgramSpec(Spec):
    code: str = Field(pattern=CODE)
    name: str = Field(min_length=1, max_length=200)
    kind: Literal["enrolment", "single_event"]
    description: str | None = None
    source: str | None = None  # the specification / card edition the fields come from
    sensitivity: Literal["normal", "restricted"] = "normal"
    option_sets: list[OptionSet] = Field(default_factory=list)
    enrolment: Form = Field(default_factory=Form)
    stages: list[Stage] = Field(default_factory=list)
    workflow: Workflow
    rules: list[Rule] = Field(default_factory=list)
    duplicate: Duplicate | None = None
    indicators: list[Indicator] = Field(default_factory=list)


Problem = tuple[str, str]


def _dupes(items: list[Any], path: str, what: str) -> list[Problem]:
    seen: set[str] = set()
    out: list[Problem] = []
    for i, item in enumerate(items):
        if item.code in seen:
            out.append((f"{path}[{i}].code", f"{what}代码重复：{item.code}"))
        seen.add(item.code)
    return out


def _form_problems(spec: ProgramSpec, form: Form, path: str) -> list[Problem]:
    out: list[Problem] = []
    sets = {s.code for s in spec.option_sets}
    codes = {e.code for e in form.elements}
    for j, el in enumerate(form.elements):
        p = f"{path}.elements[{j}]"
        if el.value_type in ("option", "multi_option"):
            if not el.option_set:
                out.append((f"{p}.optionSet", "选项类数据元必须指定 optionSet"))
            elif el.option_set not in sets:
                out.append((f"{p}.optionSet", f"未定义的选项集：{el.option_set}"))
        elif el.option_set:
            out.append((f"{p}.optionSet", "只有 option/multi_option 类型可以指定 optionSet"))
        if el.min is not None and el.max is not None and el.min > el.max:
            out.append((f"{p}.min", "min 不能大于 max"))
        if (el.min is not None or el.max is not None) and el.value_type not in (
            "integer",
            "number",
        ):
            out.append((f"{p}.min", "只有 integer/number 类型可以指定取值范围"))
    for j, sec in enumerate(form.sections):
        for k, code in enumerate(sec.elements):
            if code not in codes:
                out.append((f"{path}.sections[{j}].elements[{k}]", f"未定义的数据元：{code}"))
    return out


def check(spec: ProgramSpec) -> list[Problem]:
    """Cross-reference problems of a well-shaped program (empty when it is valid)."""
    out: list[Problem] = []
    if spec.code in RESERVED_CODES:
        out.append(("code", f"项目代码不能使用保留字：{spec.code}"))
    out += _dupes(spec.option_sets, "optionSets", "选项集")
    for i, os_ in enumerate(spec.option_sets):
        out += _dupes(os_.options, f"optionSets[{i}].options", "选项")
    out += _dupes(spec.stages, "stages", "阶段")
    out += _form_problems(spec, spec.enrolment, "enrolment")
    for i, st in enumerate(spec.stages):
        out += _form_problems(spec, st, f"stages[{i}]")
    # element codes are unique in the whole program: rules and indicators name them bare
    seen: dict[str, str] = {}
    forms = [("enrolment", spec.enrolment)] + [
        (f"stages[{i}]", s) for i, s in enumerate(spec.stages)
    ]
    for path, form in forms:
        for j, el in enumerate(form.elements):
            if el.code in seen:
                out.append((f"{path}.elements[{j}].code", f"数据元代码重复：{el.code}"))
            elif el.code in expr.BUILTIN_VARS or el.code in expr.FUNCTIONS:
                out.append(
                    (f"{path}.elements[{j}].code", f"数据元代码与内置变量或函数重名：{el.code}")
                )
            seen[el.code] = path
    stage_codes = {s.code for s in spec.stages}
    if spec.kind == "single_event" and spec.duplicate is None:
        pass  # no de-duplication: every report is a case
    if spec.duplicate is not None:
        enrol_codes = {e.code for e in spec.enrolment.elements}
        for k, code in enumerate(spec.duplicate.same_elements):
            if code not in enrol_codes:
                out.append((f"duplicate.sameElements[{k}]", f"未定义的登记数据元：{code}"))
    # workflow
    wf = spec.workflow
    states = {s.code for s in wf.states}
    out += _dupes(wf.states, "workflow.states", "状态")
    out += _dupes(wf.transitions, "workflow.transitions", "流转")
    if wf.initial not in states:
        out.append(("workflow.initial", f"未定义的状态：{wf.initial}"))
    for i, tr in enumerate(wf.transitions):
        for k, s in enumerate(tr.from_):
            if s not in states:
                out.append((f"workflow.transitions[{i}].from[{k}]", f"未定义的状态：{s}"))
        if tr.to not in states:
            out.append((f"workflow.transitions[{i}].to", f"未定义的状态：{tr.to}"))
    # rules
    all_codes = set(seen)
    out += _dupes(spec.rules, "rules", "规则")
    for i, rule in enumerate(spec.rules):
        p = f"rules[{i}]"
        if rule.form != "enrolment" and rule.form not in stage_codes:
            out.append((f"{p}.form", f"未定义的阶段：{rule.form}"))
            continue
        form_codes = (
            {e.code for e in spec.enrolment.elements}
            if rule.form == "enrolment"
            else {e.code for s in spec.stages if s.code == rule.form for e in s.elements}
        )
        try:
            expr.parse(rule.condition, known_names=all_codes)
        except expr.ExpressionError as e:
            out.append((f"{p}.condition", str(e)))
        for k, act in enumerate(rule.actions):
            out += _action_problems(act, f"{p}.actions[{k}]", form_codes, all_codes, stage_codes)
    # indicators
    out += _dupes(spec.indicators, "indicators", "指标")
    for i, ind in enumerate(spec.indicators):
        parts = [("numerator", ind.numerator), ("denominator", ind.denominator)]
        for name, part in parts:
            if part is None:
                continue
            p = f"indicators[{i}].{name}"
            if part.stage is not None and part.stage not in stage_codes:
                out.append((f"{p}.stage", f"未定义的阶段：{part.stage}"))
            out += _part_problems(part, p)
            if part.filter is not None:
                try:
                    expr.parse(part.filter, known_names=all_codes)
                except expr.ExpressionError as e:
                    out.append((f"{p}.filter", str(e)))
    return out


def _part_problems(part: IndicatorPart, p: str) -> list[Problem]:
    out: list[Problem] = []
    if part.of == "enrolments":
        if part.period in ("event_date", "due_date"):
            out.append((f"{p}.period", "登记计数只能按 enrolmentDate、incidentDate 或 active 分期"))
        if part.stage is not None:
            out.append((f"{p}.stage", "登记计数不能指定阶段"))
        if part.aggregate != "all" or part.min_events != 1:
            out.append((f"{p}.aggregate", "aggregate/minEvents 只用于事件计数"))
    else:
        if part.period in ("enrolment_date", "incident_date", "active"):
            out.append((f"{p}.period", "事件计数只能按 eventDate 或 dueDate 分期"))
        if part.count == "rows" and (part.aggregate != "all" or part.min_events != 1):
            out.append((f"{p}.count", "aggregate/minEvents 需要 count: enrolments（按人计数）"))
        if part.aggregate == "latest" and part.min_events != 1:
            out.append((f"{p}.minEvents", "aggregate: latest 不能与 minEvents 同用"))
    return out


def _action_problems(
    act: Action, p: str, form_codes: set[str], all_codes: set[str], stage_codes: set[str]
) -> list[Problem]:
    out: list[Problem] = []
    needs_field = act.type in ("hide_field", "require_field", "assign_value")
    if needs_field and not act.field:
        out.append((f"{p}.field", f"{act.type} 必须指定 field"))
    if act.field and act.field not in form_codes:
        out.append((f"{p}.field", f"规则所在表单没有数据元：{act.field}"))
    if act.type in ("show_warning", "show_error", "send_notification") and not act.message:
        out.append((f"{p}.message", f"{act.type} 必须有 message"))
    if act.type == "assign_value":
        if not act.expression:
            out.append((f"{p}.expression", "assign_value 必须有 expression"))
        else:
            try:
                expr.parse(act.expression, known_names=all_codes)
            except expr.ExpressionError as e:
                out.append((f"{p}.expression", str(e)))
    if act.type == "schedule_event":
        if not act.stage or act.stage not in stage_codes:
            out.append((f"{p}.stage", f"未定义的阶段：{act.stage}"))
        if act.days is None:
            out.append((f"{p}.days", "schedule_event 必须有 days"))
    if act.type == "send_notification" and not act.to_role and not act.to_assigned_user:
        out.append((f"{p}.toRole", "send_notification 必须指定 toRole 或 toAssignedUser"))
    return out
