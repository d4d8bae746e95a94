"""The webhook forms: the endpoint's fields as posted, the services' problems as keys next to their field,
and the redelivery range typed in Danish time."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from betal.domain.errors import FieldProblem, InvalidInput
from betal.domain.webhook import validate_description, validate_events
from betal.domain.webhook_url import check_url
from betal.web import webhook_form
from betal.web.webhook_form import EndpointForm, Problem


def _refusal(call: object, *args: object, **kwargs: object) -> list[FieldProblem]:
    assert callable(call)
    with pytest.raises(InvalidInput) as caught:
        call(*args, **kwargs)
    return caught.value.errors


class TestParse:
    def test_the_chosen_types(self) -> None:
        form = webhook_form.parse(
            {"url": " https://x.dk/h ", "events": ["payment.failed"], "description": "ERP", "ordered": "on"}
        )
        assert form == EndpointForm("https://x.dk/h", ("payment.failed",), False, "ERP", True)
        assert form.chosen == ("payment.failed",)

    def test_all_events_wins_over_the_types(self) -> None:
        form = webhook_form.parse({"url": "https://x.dk/h", "all_events": "on", "events": ["payment.failed"]})
        assert (form.chosen, form.errors, form.ordered) == ((), {}, False)

    def test_neither_all_nor_a_type_is_a_problem(self) -> None:
        assert webhook_form.parse({"url": "https://x.dk/h"}).errors == {"events": Problem("events.none")}


class TestWithProblems:
    @pytest.mark.parametrize(
        ("url", "live", "key"),
        [
            ("", False, "url.required"),
            ("https://x.dk/" + "a" * 2048, False, "url.length"),
            ("https://x.dk/a b", False, "url.spaces"),
            ("ftp://x.dk/", False, "url.scheme"),
            ("http://x.dk/", True, "url.https"),
            ("https://user:pw@x.dk/", False, "url.userinfo"),
            ("https://x.dk/#top", False, "url.fragment"),
            ("https://x.dk:port/", False, "url.format"),
            ("https:///path", False, "url.format"),
            ("https://10.0.0.1/", True, "url.private"),
            ("https://app.localhost/", True, "url.private"),
        ],
    )
    def test_every_url_problem_has_a_key(self, url: str, live: bool, key: str) -> None:
        problems = _refusal(check_url, url, live=live)
        assert webhook_form.with_problems(EndpointForm(url), problems).errors["url"].key == key

    def test_a_name_that_resolves_to_a_private_address(self) -> None:
        problem = FieldProblem(
            "url", "hooks.example.dk resolves to 10.0.0.7, a loopback, private or metadata address"
        )
        assert webhook_form.with_problems(EndpointForm(), [problem]).errors["url"].key == "url.private"

    def test_the_unknown_event_type_is_named(self) -> None:
        problems = _refusal(validate_events, ["payment.teleported", "payment.failed"])
        found = webhook_form.with_problems(EndpointForm(), problems).errors["events"]
        assert (found.key, found.param) == ("events.unknown", "payment.teleported")

    def test_a_long_description_and_an_unknown_problem(self) -> None:
        problems = [*_refusal(validate_description, "x" * 501), FieldProblem("url", "is odd")]
        errors = webhook_form.with_problems(EndpointForm(errors={"events": Problem("events.none")}), problems)
        assert errors.errors == {
            "events": Problem("events.none"),
            "description": Problem("description.length", "must be at most 500 characters"),
            "url": Problem("", "is odd"),
        }


class TestRange:
    def test_danish_time_in_winter_and_summer(self) -> None:
        winter = webhook_form.parse_range({"from": "2026-01-15T10:00", "to": "2026-07-01T10:30"})
        assert winter.span == (
            datetime(2026, 1, 15, 9, 0, tzinfo=UTC),
            datetime(2026, 7, 1, 8, 30, tzinfo=UTC),
        )
        assert winter.errors == {}

    def test_a_date_alone_is_the_whole_day(self) -> None:
        day = webhook_form.parse_range({"from": "2026-03-28", "to": "2026-03-29"})
        assert day.span == (
            datetime(2026, 3, 27, 23, 0, tzinfo=UTC),
            datetime(2026, 3, 29, 22, 0, tzinfo=UTC),
        )

    @pytest.mark.parametrize(
        ("start", "end", "errors"),
        [
            ("i går", "2026-03-02", {"from": "range.format"}),
            ("2026-02-30T10:00", "", {"from": "range.format", "to": "range.format"}),
            ("2026-03-02T10:00", "2026-03-02T10:00", {"to": "range.order"}),
            ("2026-03-03", "2026-03-01", {"to": "range.order"}),
        ],
    )
    def test_problems(self, start: str, end: str, errors: dict[str, str]) -> None:
        typed = webhook_form.parse_range({"from": start, "to": end})
        assert (typed.errors, typed.span, typed.start) == (errors, None, start)

    def test_the_default_is_the_last_day_to_the_next_minute(self) -> None:
        shown = webhook_form.default_range(datetime(2026, 3, 2, 9, 15, 30, tzinfo=UTC))
        assert (shown.start, shown.end) == ("2026-03-01T10:16", "2026-03-02T10:16")
        assert webhook_form.parse_range({"from": shown.start, "to": shown.end}).span is not None
