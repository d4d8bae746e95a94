"""The reminder policy editor's form: rows read from the posted fields, and each of the service's problems
placed next to the field it concerns (the row as the user typed it, whatever its day)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from betal.domain.errors import FieldProblem, InvalidInput
from betal.domain.notification import Channel
from betal.domain.reminder import MAX_RULES, ReminderRule, built_in
from betal.services.reminder_policy import validated
from betal.web import rule_form

E, S = Channel.EMAIL, Channel.SMS


def _posted(*rows: tuple[str, list[str], str], **settings: str) -> dict[str, Any]:
    form: dict[str, Any] = {"name": "Streng", "send_hour": "9", "charge_interest": "on"} | settings
    for n, (days, channels, fee) in enumerate(rows):
        form |= {f"days_{n}": days, f"channels_{n}": channels, f"fee_{n}": fee}
    return form


def _problems(form: rule_form.PolicyForm) -> list[FieldProblem]:
    """What the service says about the form's rules."""
    assert form.data is not None
    try:
        validated(form.data)
    except InvalidInput as exc:
        return exc.errors
    return []


class TestParse:
    def test_rows_become_rules_and_empty_rows_are_left_out(self) -> None:
        form = rule_form.parse(
            _posted(
                ("-3", ["email"], ""),
                ("", [], ""),
                ("10", ["email", "sms"], "100,00"),
                ("20", ["sms"], "1.000"),
            )
        )
        assert form.data is not None
        assert form.data.rules == (
            ReminderRule(-3, (E,)), ReminderRule(10, (E, S), 10_000), ReminderRule(20, (S,), 100_000)
        )  # fmt: skip
        assert form.rule_rows == (0, 2, 3)
        assert (form.data.name, form.data.send_hour, form.data.charge_interest, form.data.compensation) == (
            "Streng", 9, True, False
        )  # fmt: skip
        assert not form.data.is_default
        assert len(form.rows) == 6  # the four posted and two empty ones to add reminders in
        assert not form.invalid

    def test_what_the_form_itself_refuses(self) -> None:
        form = rule_form.parse(
            _posted(("tre", ["email"], ""), ("", ["sms"], ""), ("10", ["fax"], "100 kroner"), send_hour="ni")
        )
        assert form.data is None
        assert form.invalid
        assert [dict(r.errors) for r in form.rows[:3]] == [
            {"days": rule_form.Problem("days.format")},
            {"days": rule_form.Problem("days.required")},
            {"fee": rule_form.Problem("fee.format"), "channels": rule_form.Problem("channels")},
        ]
        assert form.errors == {"send_hour": rule_form.Problem("send_hour")}

    def test_no_more_rows_than_a_policy_may_have(self) -> None:
        form = rule_form.parse(_posted(*[(str(d), ["email"], "") for d in range(MAX_RULES + 3)]))
        assert form.data is not None
        assert len(form.data.rules) == len(form.rows) == MAX_RULES

    def test_a_policy_in_the_editor(self) -> None:
        form = rule_form.from_policy(built_in("org_1", datetime(2026, 3, 2, tzinfo=UTC)))
        assert [(r.days, r.channels, r.fee) for r in form.rows[:4]] == [
            ("-3", ("email",), ""), ("0", ("email", "sms"), ""), ("3", ("email",), ""),
            ("10", ("email", "sms"), "100"),
        ]  # fmt: skip
        assert len(form.rows) == 8
        cents = rule_form.parse(_posted(("10", ["email"], "99,5"))).data
        assert cents is not None
        assert cents.rules[0].fee_minor == 9_950


class TestWithProblems:
    @pytest.mark.parametrize(
        ("rows", "row", "field", "key", "params"),
        [
            ((("-3", ["email"], ""), ("10", ["email"], "150")), 1, "fee", "fee.max", {}),
            ((("0", ["email"], "50"),), 0, "fee", "fee.before_due", {}),
            ((("20", ["email"], "100"), ("10", ["email"], "100"), ("27", ["email"], "100")), 2, "fee",
             "fees.spacing", {"first": 20, "second": 27, "gap": 7}),
            (tuple((d, ["email"], "1") for d in ("40", "10", "20", "30")), 0, "fee",
             "fees.count", {"count": 3}),
            ((("5", ["email"], ""), ("5", ["sms"], "")), 1, "days", "days.duplicate", {"day": 5}),
            ((("400", ["email"], ""),), 0, "days", "days.range", {}),
            ((("3", [], ""),), 0, "channels", "channels", {}),
        ],
    )  # fmt: skip
    def test_each_problem_goes_next_to_its_field(
        self,
        rows: tuple[tuple[str, list[str], str], ...],
        row: int,
        field: str,
        key: str,
        params: dict[str, int],
    ) -> None:
        form = rule_form.parse(_posted(*rows))
        placed = rule_form.with_problems(form, _problems(form))
        assert placed.invalid
        problem = placed.rows[row].errors[field]
        assert (problem.key, dict(problem.params)) == (key, params)
        assert "renteloven" in problem.text or not key.startswith("fee")
        assert not placed.errors

    def test_the_name_and_what_has_no_field_of_its_own(self) -> None:
        form = rule_form.parse(_posted(("3", ["email"], "")))
        placed = rule_form.with_problems(
            form,
            [FieldProblem("name", "must be 1 to 100 printable characters"), FieldProblem("rules", "odd")],
        )
        assert placed.errors == {
            "name": rule_form.Problem("name", "must be 1 to 100 printable characters"),
            "rules": rule_form.Problem("", "odd"),
        }
