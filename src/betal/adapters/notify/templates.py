"""Message texts per template, channel and language, rendered with Jinja2 from files (``MessageRenderer``).

Spec: DESIGN.md "Receivables" (customers are notified by push, SMS and e-mail; reminders go out before the
due date; overdue reminders follow the Danish interest act) and "Payables" (approvers approve from an
e-mail link); docs/notifications.md "Templates". The interest act is "Lov om renter og andre forhold ved
forsinket betaling" (renteloven, LBK nr. 459 af 13/05/2014): § 5 default interest, § 9 b reminder fees,
§ 9 c compensation fee.

Files: ``templates/<language>/<template>.<part>`` for every ``Template`` and language in ``LANGUAGES``,
with the parts ``subject.txt`` (every channel), ``email.txt`` and ``email.html`` (e-mail), ``sms.txt``
and ``push.txt``. ``.html`` is autoescaped, ``.txt`` is not. The HTML parts extend ``_layout.html`` and
import ``_macros.html``, kept in this module; a file of the same name in the override directory wins.
A missing context key is an error (``StrictUndefined``); an unknown language falls back to Danish. The
output is trimmed; SMS and push texts are one line.

Filters: ``money(currency)`` on an integer of minor units (da ``1.234,50 kr.`` / ``1.234,50 EUR``,
en ``DKK 1,234.50``), ``date`` (da ``24. december 2026``, en ``24 December 2026``), ``label`` on a
line's ``label_key`` and ``ordinal`` (da ``2.``, en ``2nd``).

Context keys (the callers pass exactly these):

- customer templates (``payment_request.created``, ``reminder.*``): ``sender_name`` (the organisation's
  sender name), ``customer_name``, ``description``, ``reference`` (str or None), ``amount`` (int minor),
  ``currency``, ``due_date`` (date), ``pay_url``, ``lines`` (list of ``{"label_key": "amount" |
  "reminder_fee" | "interest" | "compensation", "amount": int}``: the amount due in lines),
  ``total_due`` (int minor), ``interest_rate`` (preformatted str such as "9,75 %" or None),
  ``org_contact`` (str or None); ``days_before`` (int) for ``reminder.before_due`` only;
  ``reminder_number`` (int: 1st, 2nd, 3rd rykker) and ``fee`` (int minor, may be 0) for
  ``reminder.overdue`` only.
- approval templates (``approval.*``): ``sender_name``, ``approver_name``, ``organisation_name``,
  ``order_count`` (int), ``total`` (int minor), ``currency``, ``earliest_execution_date`` (date),
  ``approve_url``, ``reject_url``.
- bookkeeper templates (``approval.rejected``, ``approval.late``, ``payment_order.failed``):
  ``sender_name``, ``bookkeeper_name``, ``organisation_name``, ``supplier_name``, ``invoice_number``,
  ``amount`` (int minor), ``currency``, ``execution_date`` (date), ``order_url``; ``approver_name`` and
  ``comment`` (str or None) for ``approval.rejected``; ``new_execution_date`` (date) for ``approval.late``;
  ``failure_reason`` (str) for ``payment_order.failed``.
- ``inbox.login_code``: ``code``, ``minutes`` (how long the code is valid), ``sender_name`` ("betal").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from jinja2 import (
    ChoiceLoader,
    DictLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    Undefined,
    UndefinedError,
    select_autoescape,
)

from betal.domain.money import currency as iso_currency
from betal.domain.notification import DEFAULT_LANGUAGE, LANGUAGES, Channel, Rendered, Template

TEMPLATE_DIR = Path(__file__).with_name("templates")
PARTS = ("subject.txt", "email.txt", "email.html", "sms.txt", "push.txt")
BODY_PART = {Channel.EMAIL: "email.txt", Channel.SMS: "sms.txt", Channel.PUSH: "push.txt"}

MONTHS = {
    "da": ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september",
           "oktober", "november", "december"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"),
}  # fmt: skip
LINE_LABELS = {
    "da": {"amount": "Beløb", "reminder_fee": "Rykkergebyr", "interest": "Morarente",
           "compensation": "Kompensationsbeløb"},
    "en": {"amount": "Amount", "reminder_fee": "Reminder fee", "interest": "Interest",
           "compensation": "Compensation fee"},
}  # fmt: skip

LAYOUT = """<!DOCTYPE html>
<html lang="{{ language }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ subject }}</title>
<style>
body { margin: 0; padding: 24px 12px; background: #f3f4f6; color: #1f2937;
  font: 16px/1.5 -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; }
.card { max-width: 560px; margin: 0 auto; padding: 24px; background: #ffffff; border-radius: 8px; }
h1 { font-size: 20px; margin: 0 0 16px; }
table.lines { width: 100%; border-collapse: collapse; margin: 16px 0; }
table.lines td { padding: 6px 0; border-bottom: 1px solid #e5e7eb; }
table.lines td.amount { text-align: right; white-space: nowrap; }
table.lines tr.total td { font-weight: bold; border-bottom: 0; }
a.button { display: inline-block; margin: 8px 8px 8px 0; padding: 12px 24px; border-radius: 6px;
  background: #1d4ed8; color: #ffffff; font-weight: bold; text-decoration: none; }
a.button.secondary { background: #ffffff; color: #1d4ed8; border: 1px solid #1d4ed8; }
.code { font-size: 32px; font-weight: bold; letter-spacing: 6px; }
.muted { color: #6b7280; font-size: 14px; }
</style>
</head>
<body>
<div class="card">
{% block content %}{% endblock %}
</div>
</body>
</html>
"""

MACROS = """{% macro lines_table(lines, currency, total_label, total) %}
<table class="lines">
{% for line in lines %}
<tr><td>{{ line.label_key|label }}</td><td class="amount">{{ line.amount|money(currency) }}</td></tr>
{% endfor %}
<tr class="total"><td>{{ total_label }}</td><td class="amount">{{ total|money(currency) }}</td></tr>
</table>
{% endmacro %}
{% macro button(url, text, kind="") %}
<a class="button{{ " " ~ kind if kind }}" href="{{ url }}">{{ text }}</a>
{%- endmacro %}
"""

_BLANK_LINES = re.compile(r"\n{3,}")


class TemplateContextError(ValueError):
    """The context lacks a key a template uses, or holds a value of the wrong kind."""


def _language(language: str) -> str:
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def format_money(minor: int, currency: str, language: str = DEFAULT_LANGUAGE) -> str:
    """An integer of minor units as text: da ``1.234,50 kr.`` (DKK), ``1.234,50 EUR``; en ``DKK 1,234.50``."""
    if isinstance(minor, bool) or not isinstance(minor, int):
        raise TemplateContextError(f"an amount must be an integer of minor units, not {minor!r}")
    exponent = iso_currency(currency).exponent
    units, fraction = divmod(abs(minor), 10**exponent)
    sign = "-" if minor < 0 else ""
    decimals = f"{fraction:0{exponent}d}" if exponent else ""
    if _language(language) == "en":
        return f"{currency} {sign}{units:,}{'.' if decimals else ''}{decimals}"
    grouped = f"{units:,}".replace(",", ".")
    unit = "kr." if currency == "DKK" else currency
    return f"{sign}{grouped}{',' if decimals else ''}{decimals} {unit}"


def format_date(value: date, language: str = DEFAULT_LANGUAGE) -> str:
    """A business date as text: da ``24. december 2026``, en ``24 December 2026``."""
    if not isinstance(value, date):
        raise TemplateContextError(f"a date must be a date, not {value!r}")
    lang = _language(language)
    month = MONTHS[lang][value.month - 1]
    return f"{value.day}. {month} {value.year}" if lang == "da" else f"{value.day} {month} {value.year}"


def line_label(key: str, language: str = DEFAULT_LANGUAGE) -> str:
    """The label of a line of the amount due: ``amount``, ``reminder_fee``, ``interest``, ``compensation``."""
    labels = LINE_LABELS[_language(language)]
    if key not in labels:
        raise TemplateContextError(f"unknown line label_key {key!r}; expected one of {sorted(labels)}")
    return labels[key]


def ordinal(number: int, language: str = DEFAULT_LANGUAGE) -> str:
    """da ``1.``, ``2.``; en ``1st``, ``2nd``, ``3rd``, ``4th``, ``11th``, ``21st``."""
    if _language(language) == "da":
        return f"{number}."
    suffix = "th" if number % 100 in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def _defined(*values: Any) -> None:
    for value in values:
        if isinstance(value, Undefined):
            value._fail_with_undefined_error()


def _bind(function: Callable[[Any, str], str], language: str) -> Callable[[Any], str]:
    def apply(value: Any) -> str:
        _defined(value)
        return function(value, language)

    return apply


def _money(language: str) -> Callable[[Any, Any], str]:
    def apply(minor: Any, currency: Any) -> str:
        _defined(minor, currency)
        return format_money(minor, currency, language)

    return apply


def _environment(language: str, directories: list[Path]) -> Environment:
    env = Environment(
        loader=ChoiceLoader(
            [
                FileSystemLoader([directory / language for directory in directories]),
                DictLoader({"_layout.html": LAYOUT, "_macros.html": MACROS}),
            ]
        ),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["language"] = language
    env.filters["money"] = _money(language)
    env.filters["date"] = _bind(format_date, language)
    env.filters["label"] = _bind(line_label, language)
    env.filters["ordinal"] = _bind(ordinal, language)
    return env


def _tidy(text: str) -> str:
    """Trailing spaces off every line, at most one blank line in a row, no blank lines around."""
    return _BLANK_LINES.sub("\n\n", "\n".join(line.rstrip() for line in text.splitlines())).strip()


def _one_line(text: str) -> str:
    return " ".join(text.split())


class JinjaMessageRenderer:
    """``MessageRenderer`` over the files in ``templates/``; files in ``override`` (same layout) win."""

    def __init__(self, override: Path | None = None) -> None:
        directories = [TEMPLATE_DIR] if override is None else [override, TEMPLATE_DIR]
        self._environments = {lang: _environment(lang, directories) for lang in LANGUAGES}

    def render(
        self, template: Template, channel: Channel, language: str, context: Mapping[str, Any]
    ) -> Rendered:
        """The subject and text (and for e-mail the HTML) of ``template`` in ``language`` (else Danish)."""
        name = Template(template).value
        channel = Channel(channel)
        lang = _language(language)
        values = dict(context)
        subject = _one_line(self._part(lang, f"{name}.subject.txt", values))
        body = self._part(lang, f"{name}.{BODY_PART[channel]}", values)
        if channel is not Channel.EMAIL:
            return Rendered(subject, _one_line(body))
        html = self._part(lang, f"{name}.email.html", {**values, "subject": subject})
        return Rendered(subject, _tidy(body), html.strip())

    def _part(self, language: str, name: str, context: dict[str, Any]) -> str:
        try:
            return self._environments[language].get_template(name).render(context)
        except (TemplateContextError, UndefinedError, TypeError) as exc:
            raise TemplateContextError(f"{language}/{name}: {exc}") from exc
