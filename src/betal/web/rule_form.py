"""The reminder policy editor's form: read the rows of rules from the posted fields, and put each problem
the service reports next to the field it concerns.

Spec: the notifications issue, item 4 ("server-side validation showing the rule broken next to the
field"); ``domain.reminder.validate_rules`` words each problem and cites renteloven. A row is a day offset
(``days_<n>``: -3 before the due date, 0 on it, 10 after), its channels (``channels_<n>``) and a fee in
kroner (``fee_<n>``: "100" or "100,00"); an empty row is left out. Problems become keys the template
translates (``templates/reminders/_macros.html``); one no key fits is shown in the service's own words.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from betal.domain.errors import FieldProblem
from betal.domain.notification import Channel
from betal.domain.reminder import MAX_RULES, ReminderPolicy, ReminderRule
from betal.domain.renteloven import MAX_FEE_REMINDERS
from betal.services.reminder_policy import PolicyInput

SPARE_ROWS = 2
NEW_ROWS = 4
_DAYS = re.compile(r"[+-]?[0-9]{1,4}")
_KRONER = re.compile(r"(?:[0-9]{1,3}(?:\.[0-9]{3})+|[0-9]+)(?:,[0-9]{1,2})?")
_RULE = re.compile(r"^rules\[(\d+)\]\.(\w+)$")
_TWICE = re.compile(r"two reminders on day (-?\d+)")
_APART = re.compile(r"day (-?\d+) and day (-?\d+) are (\d+) days apart")
_FEE_KEYS = (
    ("at most 100", "fee.max"),
    ("after the due date", "fee.before_due"),
    ("negative", "fee.negative"),
)


@dataclass(frozen=True)
class Problem:
    key: str  # what the template says; "" to show ``text``
    text: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Row:
    days: str = ""
    channels: tuple[str, ...] = ()
    fee: str = ""
    errors: Mapping[str, Problem] = field(default_factory=dict)  # days, channels, fee

    @property
    def blank(self) -> bool:
        return not (self.days.strip() or self.channels or self.fee.strip())


@dataclass(frozen=True)
class PolicyForm:
    name: str = ""
    send_hour: str = "9"
    charge_interest: bool = True
    compensation: bool = True
    is_default: bool = False
    rows: tuple[Row, ...] = ()
    errors: Mapping[str, Problem] = field(default_factory=dict)  # name, send_hour, rules
    data: PolicyInput | None = None
    rule_rows: tuple[int, ...] = ()  # the row of each rule in ``data.rules``

    @property
    def invalid(self) -> bool:
        return bool(self.errors) or any(r.errors for r in self.rows)


def _spare(rows: list[Row]) -> tuple[Row, ...]:
    """The rows and up to ``SPARE_ROWS`` empty ones to add reminders in."""
    return tuple(rows + [Row()] * max(0, min(SPARE_ROWS, MAX_RULES - len(rows))))


def _kroner(minor: int) -> str:
    whole, part = divmod(minor, 100)
    return f"{whole},{part:02d}" if part else str(whole)


def blank() -> PolicyForm:
    return PolicyForm(rows=(Row(),) * NEW_ROWS)


def from_policy(policy: ReminderPolicy) -> PolicyForm:
    rows = [
        Row(str(r.days), tuple(c.value for c in r.channels), _kroner(r.fee_minor) if r.fee_minor else "")
        for r in policy.rules
    ]
    return PolicyForm(
        policy.name, str(policy.send_hour), policy.charge_interest, policy.compensation, policy.is_default,
        _spare(rows),
    )  # fmt: skip


def _fee(text: str) -> int | None:
    clean = text.strip().removesuffix("kr.").removesuffix("kr").strip()
    if not clean:
        return 0
    if not _KRONER.fullmatch(clean):
        return None
    return int(Decimal(clean.replace(".", "").replace(",", ".")) * 100)


def _row(form: Mapping[str, Any], index: int) -> tuple[Row, ReminderRule | None]:
    channels = tuple(str(c) for c in form.get(f"channels_{index}", []))
    row = Row(str(form.get(f"days_{index}", "")), channels, str(form.get(f"fee_{index}", "")))
    errors: dict[str, Problem] = {}
    days = row.days.strip()
    if not _DAYS.fullmatch(days):
        errors["days"] = Problem("days.required" if not days else "days.format")
    fee = _fee(row.fee)
    if fee is None:
        errors["fee"] = Problem("fee.format")
    known = {c.value for c in Channel}
    if any(c not in known for c in channels):
        errors["channels"] = Problem("channels")
    if errors or fee is None:
        return replace(row, errors=errors), None
    return row, ReminderRule(int(days), tuple(Channel(c) for c in channels), fee)


def parse(form: Mapping[str, Any]) -> PolicyForm:
    """The form as posted, with the problems the form itself shows; ``data`` when it can go to the service."""
    rows: list[Row] = []
    rules: list[ReminderRule] = []
    rule_rows: list[int] = []
    index = 0
    while f"days_{index}" in form and index < MAX_RULES:
        row, rule = _row(form, index)
        rows.append(Row() if row.blank else row)
        if rule is not None and not row.blank:
            rules.append(rule)
            rule_rows.append(index)
        index += 1
    while rows and rows[-1].blank:
        rows.pop()
    hour = str(form.get("send_hour", "")).strip()
    errors: dict[str, Problem] = {} if hour.isdigit() else {"send_hour": Problem("send_hour")}
    parsed = PolicyForm(
        name=str(form.get("name", "")), send_hour=hour, charge_interest="charge_interest" in form,
        compensation="compensation" in form, is_default="is_default" in form, rows=_spare(rows),
        errors=errors, rule_rows=tuple(rule_rows),
    )  # fmt: skip
    if parsed.invalid:
        return parsed
    data = PolicyInput(
        parsed.name, tuple(rules), int(hour), parsed.charge_interest, parsed.compensation, parsed.is_default
    )
    return replace(parsed, data=data)


def _rule_problem(name: str, message: str) -> Problem:
    if name == "days":
        twice = _TWICE.search(message)
        if twice is None:
            return Problem("days.range", message)
        return Problem("days.duplicate", message, {"day": int(twice.group(1))})
    if name == "channels":
        return Problem("channels", message)
    key = next((k for words, k in _FEE_KEYS if words in message), "")
    return Problem(key, message)


def _placed(form: PolicyForm, message: str) -> list[tuple[int, Problem]]:
    """Where a problem of the whole list goes: the fee of the reminder that breaks the rule."""
    rules = form.data.rules if form.data is not None else ()
    by_day = sorted(zip(rules, form.rule_rows, strict=True), key=lambda pair: pair[0].days)
    apart = _APART.search(message)
    if apart is not None:
        first, second, gap = (int(g) for g in apart.groups())
        params = {"first": first, "second": second, "gap": gap}
        return [
            (row, Problem("fees.spacing", message, params)) for rule, row in by_day if rule.days == second
        ]
    if "may carry a fee" in message:
        fees = [row for rule, row in by_day if rule.fee_minor > 0]
        problem = Problem("fees.count", message, {"count": MAX_FEE_REMINDERS})
        return [(row, problem) for row in fees[MAX_FEE_REMINDERS:]]
    return []


def with_problems(form: PolicyForm, problems: Sequence[FieldProblem]) -> PolicyForm:
    """The form with each of the service's problems next to its field (rule ``n`` is row ``rule_rows[n]``)."""
    rows = [dict(r.errors) for r in form.rows]
    errors = dict(form.errors)
    for problem in problems:
        match = _RULE.match(problem.field)
        if match is not None and int(match.group(1)) < len(form.rule_rows):
            rows[form.rule_rows[int(match.group(1))]][match.group(2)] = _rule_problem(
                match.group(2), problem.message
            )
            continue
        placed = _placed(form, problem.message) if problem.field == "rules" else []
        for row, found in placed:
            rows[row]["fee"] = found
        if not placed:
            key = problem.field if problem.field in ("name", "send_hour") else ""
            errors[problem.field] = Problem(key, problem.message)
    return replace(
        form, rows=tuple(replace(r, errors=e) for r, e in zip(form.rows, rows, strict=True)), errors=errors
    )
