"""The portal's webhook forms: an endpoint's URL, event filter, description and order; and the time range
of failed deliveries to send again.

Spec: the webhooks issue, items 2 and 5 (docs/webhooks.md "Endpoints", "Safety", "Delivery log and
redelivery"). The services word their problems in English (``domain.webhook``, ``domain.webhook_url``);
here each becomes a key that ``templates/webhooks/_macros.html`` translates, shown next to its field, or
the service's own words when no key fits. The range is typed as Europe/Copenhagen wall-clock time
(``datetime-local``, or a date alone: from its start, to its end) and converted to UTC.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from betal.domain.calendar import COPENHAGEN
from betal.domain.errors import FieldProblem
from betal.domain.webhook import WebhookEndpoint

_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_LOCAL = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(?::[0-9]{2})?")
_UNKNOWN_EVENT = re.compile(r"'(.*)' is not an event type")
_URL_KEYS = (
    ("is required", "url.required"),
    ("at most", "url.length"),
    ("spaces", "url.spaces"),
    ("http or https", "url.scheme"),
    ("https URL", "url.https"),
    ("user name", "url.userinfo"),
    ("fragment", "url.fragment"),
    ("is not a URL", "url.format"),
    ("has no host", "url.format"),
    ("resolves to", "url.private"),
    ("loopback", "url.private"),
    ("localhost", "url.private"),
)


@dataclass(frozen=True)
class Problem:
    key: str  # what the template says; "" to show ``text``
    text: str = ""
    param: str = ""  # e.g. the unknown event type


@dataclass(frozen=True)
class EndpointForm:
    url: str = ""
    events: tuple[str, ...] = ()
    all_events: bool = True
    description: str = ""
    ordered: bool = False
    errors: Mapping[str, Problem] = field(default_factory=dict)  # url, events, description

    @property
    def chosen(self) -> tuple[str, ...]:
        """The filter for the service: the empty tuple subscribes to every event type."""
        return () if self.all_events else self.events


def from_endpoint(endpoint: WebhookEndpoint) -> EndpointForm:
    return EndpointForm(
        endpoint.url, endpoint.events, not endpoint.events, endpoint.description, endpoint.ordered
    )


def parse(form: Mapping[str, Any]) -> EndpointForm:
    """The form as posted: ``url``, ``events`` (checkboxes), ``all_events``, ``description``, ``ordered``.

    Neither "all events" nor any type ticked is a problem on ``events``; whether the URL and the types are
    acceptable is the service's to say.
    """
    events = tuple(str(e) for e in form.get("events", []))
    parsed = EndpointForm(
        url=str(form.get("url", "")).strip(),
        events=events,
        all_events="all_events" in form,
        description=str(form.get("description", "")),
        ordered="ordered" in form,
    )
    if not parsed.all_events and not events:
        return replace(parsed, errors={"events": Problem("events.none")})
    return parsed


def _problem(found: FieldProblem) -> Problem:
    if found.field == "url":
        key = next((k for words, k in _URL_KEYS if words in found.message), "")
        return Problem(key, found.message)
    if found.field == "events":
        unknown = _UNKNOWN_EVENT.search(found.message)
        if unknown is not None:
            return Problem("events.unknown", found.message, unknown.group(1))
    if found.field == "description" and "at most" in found.message:
        return Problem("description.length", found.message)
    return Problem("", found.message)


def with_problems(form: EndpointForm, problems: list[FieldProblem]) -> EndpointForm:
    """The form with each of the service's problems next to its field (the first one per field)."""
    errors = dict(form.errors)
    for found in problems:
        errors.setdefault(found.field, _problem(found))
    return replace(form, errors=errors)


@dataclass(frozen=True)
class RangeForm:
    start: str = ""  # as typed (Copenhagen time)
    end: str = ""
    errors: Mapping[str, str] = field(default_factory=dict)  # from, to: a key the template translates
    span: tuple[datetime, datetime] | None = None  # [start, end) in UTC when the form is valid


def _moment(text: str, *, end: bool) -> datetime | None:
    """A typed Copenhagen time in UTC; a date alone is its start (``end``: the start of the next day)."""
    try:
        if _DAY.fullmatch(text):
            day = date.fromisoformat(text) + timedelta(days=1 if end else 0)
            return datetime.combine(day, time(), COPENHAGEN).astimezone(UTC)
        if _LOCAL.fullmatch(text):
            return datetime.fromisoformat(text).replace(tzinfo=COPENHAGEN).astimezone(UTC)
    except ValueError:
        return None
    return None


def parse_range(form: Mapping[str, Any]) -> RangeForm:
    typed = RangeForm(str(form.get("from", "")).strip(), str(form.get("to", "")).strip())
    start, end = _moment(typed.start, end=False), _moment(typed.end, end=True)
    errors = {name: "range.format" for name, at in (("from", start), ("to", end)) if at is None}
    if start is None or end is None:
        return replace(typed, errors=errors)
    if end <= start:
        return replace(typed, errors={"to": "range.order"})
    return replace(typed, span=(start, end))


def default_range(now: datetime) -> RangeForm:
    """The last 24 hours, to the next whole minute, as a ``datetime-local`` input shows them."""
    end = (now.astimezone(COPENHAGEN) + timedelta(minutes=1)).replace(second=0, microsecond=0)
    start = end - timedelta(days=1)
    return RangeForm(start.strftime("%Y-%m-%dT%H:%M"), end.strftime("%Y-%m-%dT%H:%M"))
