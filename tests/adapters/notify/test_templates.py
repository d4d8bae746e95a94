from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from betal.adapters.notify.templates import (
    PARTS,
    TEMPLATE_DIR,
    JinjaMessageRenderer,
    TemplateContextError,
    format_date,
    format_money,
    line_label,
    ordinal,
)
from betal.adapters.signing import ItsdangerousSigner
from betal.domain.ids import new_id
from betal.domain.notification import LANGUAGES, Channel, Rendered, Template
from betal.services.payment_request import pay_url
from tests.conftest import TEST_SECRET

VECTORS = json.loads((Path(__file__).parent / "data" / "formatting.json").read_text(encoding="utf-8"))
RENDERER = JinjaMessageRenderer()
SIGNER = ItsdangerousSigner(TEST_SECRET)
BASE_URL = "https://betal.boligselskabet-soendergaarden.dk"
CUSTOMER = (
    Template.REQUEST_CREATED,
    Template.REMINDER_BEFORE_DUE,
    Template.REMINDER_ON_DUE,
    Template.REMINDER_OVERDUE,
)
APPROVAL = (Template.APPROVAL_REQUESTED, Template.APPROVAL_REMINDER)
BOOKKEEPER = (Template.APPROVAL_REJECTED, Template.APPROVAL_LATE, Template.PAYMENT_FAILED)
# GSM 03.38: the basic character set counts one septet, the extension table two (ESC + character)
GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
    "abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = set("^{}\\[~]|€\f")
SMS_MAX_SEPTETS = 3 * 153  # three concatenated segments (GSM 03.40: 7 octets of UDH per segment)


def customer_context(**changes: Any) -> dict[str, Any]:
    context: dict[str, Any] = {
        "sender_name": "Hansen & Co ApS",
        "customer_name": "Søren Kierkegaard",
        "description": "Husleje marts 2026",
        "reference": "INV-1001",
        "amount": 123450,
        "currency": "DKK",
        "due_date": date(2026, 12, 24),
        "pay_url": pay_url(SIGNER, BASE_URL, "preq_01JQ3Z8K6V4N2B7C9D0E1F2G3H"),
        "lines": [
            {"label_key": "amount", "amount": 123450},
            {"label_key": "reminder_fee", "amount": 10000},
            {"label_key": "interest", "amount": 1234},
        ],
        "total_due": 134684,
        "days_before": 3,
        "reminder_number": 2,
        "fee": 10000,
        "interest_rate": "9,75 %",
        "org_contact": "faktura@hansen.dk, 70 20 30 40",
    }
    return context | changes


def approval_context(**changes: Any) -> dict[str, Any]:
    token = SIGNER.sign("appr_01JQ3Z8K6V4N2B7C9D0E1F2G3H:usr_01JQ3Z8K6V4N2B7C9D0E1F2G3J", purpose="approve")
    context: dict[str, Any] = {
        "sender_name": "betal",
        "approver_name": "Mette Frederiksen",
        "organisation_name": "Hansen & Co ApS",
        "order_count": 3,
        "total": 5000000,
        "currency": "EUR",
        "earliest_execution_date": date(2026, 3, 2),
        "approve_url": f"{BASE_URL}/approve/{token}?decision=approve",
        "reject_url": f"{BASE_URL}/approve/{token}?decision=reject",
    }
    return context | changes


def bookkeeper_context(template: Template, **changes: Any) -> dict[str, Any]:
    """What the bookkeeper is told about a rejected, late-approved or failed payment order."""
    context: dict[str, Any] = {
        "sender_name": "Hansen & Co ApS",
        "bookkeeper_name": "Jonas Bogholder",
        "organisation_name": "Hansen & Co ApS",
        "supplier_name": "Kontorartikler A/S",
        "invoice_number": "F-2026-0042",
        "amount": 1250000,
        "currency": "DKK",
        "execution_date": date(2026, 3, 2),
        "order_url": f"{BASE_URL}/app/payables/orders/pord_01JQ3Z8K6V4N2B7C9D0E1F2G3H",
    }
    if template is Template.APPROVAL_REJECTED:
        context |= {"approver_name": "Lars Hansen", "comment": "Forkert beløb: vi aftalte 10.000 kr."}
    elif template is Template.PAYMENT_FAILED:
        context |= {"failure_reason": "AC01: creditor account not found"}
    else:
        context |= {"new_execution_date": date(2026, 3, 4)}
    return context | changes


def login_context(**changes: Any) -> dict[str, Any]:
    return {"code": "042917", "minutes": 10, "sender_name": "betal"} | changes


def webhook_context(**changes: Any) -> dict[str, Any]:
    context: dict[str, Any] = {
        "sender_name": "betal",
        "organisation_name": "Hansen & Co ApS",
        "url": "https://books.hansen.dk/webhooks/betal",
        "reason": "failing",
        "endpoint_url": f"{BASE_URL}/app/webhooks/whe_01JQ3Z8K6V4N2B7C9D0E1F2G3H",
    }
    return context | changes


def context_for(template: Template, **changes: Any) -> dict[str, Any]:
    if template in CUSTOMER:
        return customer_context(**changes)
    if template in APPROVAL:
        return approval_context(**changes)
    if template in BOOKKEEPER:
        return bookkeeper_context(template, **changes)
    if template is Template.WEBHOOK_DISABLED:
        return webhook_context(**changes)
    return login_context(**changes)


def longest_context(template: Template) -> dict[str, Any]:
    """The longest texts a caller realistically passes: a long name, a 500-character description."""
    long = {
        "sender_name": "Boligselskabet Søndergården Ejendomsadministration A/S",
        "customer_name": "Anne-Marie Østergaard Kristensen-Bækgaard",
        "description": (
            "Husleje for april 2026 inkl. a conto varme, vand og fællesantenne, lejemål 12, 3. th. " * 6
        )[:500],
        "reference": "Faktura 2026-000123 / kundenr. 4500123",
        "amount": 123456789,
        "lines": [
            {"label_key": "amount", "amount": 123456789},
            {"label_key": "reminder_fee", "amount": 10000},
            {"label_key": "interest", "amount": 9876543},
            {"label_key": "compensation", "amount": 31000},
        ],
        "total_due": 133374332,
        "days_before": 14,
        "reminder_number": 3,
        "interest_rate": "10,25 %",
        "organisation_name": "Boligselskabet Søndergården Ejendomsadministration A/S",
        "approver_name": "Anne-Marie Østergaard Kristensen-Bækgaard",
        "order_count": 250,
        "total": 987654321012,
        "earliest_execution_date": date(2026, 9, 30),
        "pay_url": pay_url(SIGNER, BASE_URL, new_id("preq")),
        "supplier_name": "Boligselskabet Søndergården Ejendomsadministration A/S",
        "bookkeeper_name": "Anne-Marie Østergaard Kristensen-Bækgaard",
        "invoice_number": "Faktura 2026-000123 / kundenr. 4500123 / rekvisition 998877",
        "comment": (
            "Beløbet svarer ikke til ordrebekræftelsen, og fakturaen mangler vores rekvisitionsnummer. " * 6
        )[:500],
    }
    base = context_for(template)
    return base | {k: v for k, v in long.items() if k in base}


def septets(text: str) -> int:
    unknown = {ch for ch in text if ch not in GSM_BASIC and ch not in GSM_EXTENSION}
    assert not unknown, f"not in the GSM 7-bit alphabet (the SMS would go as UCS-2): {unknown}"
    return sum(2 if ch in GSM_EXTENSION else 1 for ch in text)


def every_case() -> list[tuple[Template, str, Channel]]:
    return [(t, lang, ch) for t in Template for lang in LANGUAGES for ch in Channel]


class TestFormatMoney:
    @pytest.mark.parametrize(("minor", "currency", "language", "expected"), VECTORS["money"])
    def test_vectors(self, minor: int, currency: str, language: str, expected: str) -> None:
        assert format_money(minor, currency, language) == expected

    @pytest.mark.parametrize("amount", [12.5, "1250", True, None])
    def test_only_an_integer_of_minor_units_is_money(self, amount: Any) -> None:
        with pytest.raises(TemplateContextError):
            format_money(amount, "DKK", "da")


class TestFormatDate:
    @pytest.mark.parametrize(("day", "language", "expected"), VECTORS["dates"])
    def test_vectors(self, day: str, language: str, expected: str) -> None:
        assert format_date(date.fromisoformat(day), language) == expected

    def test_every_month_has_its_own_name_in_both_languages(self) -> None:
        for language in LANGUAGES:
            names = {format_date(date(2026, month, 1), language) for month in range(1, 13)}
            assert len(names) == 12

    def test_text_is_not_a_date(self) -> None:
        with pytest.raises(TemplateContextError):
            format_date("2026-12-24", "da")  # type: ignore[arg-type]


class TestLineLabel:
    @pytest.mark.parametrize(
        ("key", "da", "en"),
        [
            ("amount", "Beløb", "Amount"),
            ("reminder_fee", "Rykkergebyr", "Reminder fee"),
            ("interest", "Morarente", "Interest"),
            ("compensation", "Kompensationsbeløb", "Compensation fee"),
        ],
    )
    def test_labels(self, key: str, da: str, en: str) -> None:
        assert (line_label(key, "da"), line_label(key, "en"), line_label(key, "sv")) == (da, en, da)

    def test_an_unknown_key_is_an_error(self) -> None:
        with pytest.raises(TemplateContextError, match="fee"):
            line_label("fee", "da")


class TestOrdinal:
    @pytest.mark.parametrize(
        ("number", "da", "en"),
        [(1, "1.", "1st"), (2, "2.", "2nd"), (3, "3.", "3rd"), (4, "4.", "4th"), (11, "11.", "11th"),
         (12, "12.", "12th"), (13, "13.", "13th"), (21, "21.", "21st"), (22, "22.", "22nd"),
         (111, "111.", "111th")],
    )  # fmt: skip
    def test_vectors(self, number: int, da: str, en: str) -> None:
        assert (ordinal(number, "da"), ordinal(number, "en")) == (da, en)


class TestTemplateFiles:
    def test_exactly_one_file_per_template_language_and_part(self) -> None:
        on_disk = {p.relative_to(TEMPLATE_DIR).as_posix() for p in TEMPLATE_DIR.rglob("*") if p.is_file()}
        expected = {f"{lang}/{t.value}.{part}" for t in Template for lang in LANGUAGES for part in PARTS}
        assert on_disk == expected


class TestRender:
    @pytest.mark.parametrize(("template", "language", "channel"), every_case())
    def test_renders_what_the_reader_needs(self, template: Template, language: str, channel: Channel) -> None:
        context = context_for(template)
        out = RENDERER.render(template, channel, language, context)
        bodies = [out.text] if out.html is None else [out.text, out.html]
        assert (out.html is not None) == (channel is Channel.EMAIL)
        assert out.subject
        assert "\n" not in out.subject
        for body in bodies:
            assert body == body.strip()
            if template in CUSTOMER:
                assert context["pay_url"] in body
                assert format_money(context["total_due"], "DKK", language) in body
                assert format_date(context["due_date"], language) in body
            elif template in APPROVAL:
                assert context["approve_url"] in body
                assert format_money(context["total"], "EUR", language) in body
                assert format_date(context["earliest_execution_date"], language) in body
            elif template in BOOKKEEPER:
                assert context["order_url"] in body
                assert format_money(context["amount"], "DKK", language) in body
                assert format_date(context["execution_date"], language) in body
                assert context["supplier_name"] in body
            elif template is Template.WEBHOOK_DISABLED:
                assert context["endpoint_url"] in body
                assert context["url"] in body
            else:
                assert context["code"] in body
        if channel is not Channel.EMAIL:
            assert "\n" not in out.text

    @pytest.mark.parametrize(("template", "channel"), [(t, ch) for t in Template for ch in Channel])
    def test_danish_is_the_default_and_differs_from_english(
        self, template: Template, channel: Channel
    ) -> None:
        context = context_for(template)
        danish = RENDERER.render(template, channel, "da", context)
        english = RENDERER.render(template, channel, "en", context)
        assert danish.subject != english.subject
        assert danish.text != english.text
        assert RENDERER.render(template, channel, "de", context) == danish
        assert RENDERER.render(template, channel, "", context) == danish

    def test_the_email_html_is_a_document_in_its_language_with_a_pay_button_and_the_lines(self) -> None:
        for language, button, label in (("da", "Betal nu", "Rykkergebyr"), ("en", "Pay now", "Reminder fee")):
            context = customer_context()
            out = RENDERER.render(Template.REMINDER_OVERDUE, Channel.EMAIL, language, context)
            assert out.html is not None
            assert out.html.startswith("<!DOCTYPE html>")
            assert f'<html lang="{language}">' in out.html
            assert "<style>" in out.html
            assert " style=" not in out.html
            assert f'<a class="button" href="{context["pay_url"]}">{button}</a>' in out.html
            fee = format_money(10000, "DKK", language)
            assert f'<tr><td>{label}</td><td class="amount">{fee}</td></tr>' in out.html

    def test_html_escapes_what_the_caller_passes_and_text_keeps_it(self) -> None:
        context = customer_context(description='<script>alert("x")</script>', sender_name="Hansen & Co")
        out = RENDERER.render(Template.REQUEST_CREATED, Channel.EMAIL, "da", context)
        assert out.html is not None
        assert "<script>" not in out.html
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in out.html
        assert "Hansen &amp; Co" in out.html
        assert '<script>alert("x")</script>' in out.text
        assert "Hansen & Co" in out.subject

    @pytest.mark.parametrize("template", list(Template))
    def test_every_key_a_template_uses_is_required(self, template: Template) -> None:
        context = context_for(template)
        required = set()
        for key in context:
            try:
                for channel in Channel:
                    for language in LANGUAGES:
                        reduced = {k: v for k, v in context.items() if k != key}
                        RENDERER.render(template, channel, language, reduced)
            except TemplateContextError:
                required.add(key)
        assert required == REQUIRED[template]

    def test_a_missing_key_names_the_file_and_the_key(self) -> None:
        context = customer_context()
        del context["due_date"]
        with pytest.raises(TemplateContextError, match=r"en/payment_request\.created\.sms\.txt: .*due_date"):
            RENDERER.render(Template.REQUEST_CREATED, Channel.SMS, "en", context)

    def test_a_wrong_line_key_is_an_error(self) -> None:
        context = customer_context(lines=[{"label_key": "fee", "amount": 100}])
        with pytest.raises(TemplateContextError, match="label_key"):
            RENDERER.render(Template.REMINDER_OVERDUE, Channel.EMAIL, "da", context)

    @pytest.mark.parametrize(("template", "language"), [(t, lang) for t in Template for lang in LANGUAGES])
    def test_an_sms_fits_in_three_segments_for_the_longest_realistic_context(
        self, template: Template, language: str
    ) -> None:
        out = RENDERER.render(template, Channel.SMS, language, longest_context(template))
        assert septets(out.text) <= SMS_MAX_SEPTETS, out.text


class TestOverdueReminder:
    def render(self, language: str = "da", **changes: Any) -> Rendered:
        return RENDERER.render(
            Template.REMINDER_OVERDUE, Channel.EMAIL, language, customer_context(**changes)
        )

    def test_a_danish_rykker_states_fee_and_interest_with_the_legal_basis(self) -> None:
        out = self.render()
        assert "Dette er 2. rykker." in out.text
        assert "Rykkergebyr: 100,00 kr." in out.text
        assert "Morarente: 12,34 kr." in out.text
        assert "I alt at betale: 1.346,84 kr." in out.text
        assert "rykkergebyr på 100,00 kr. jf. renteloven § 9 b" in out.text
        assert "morarente på 9,75 % om året jf. renteloven § 5" in out.text
        assert "§ 9 c" not in out.text
        assert out.subject == "2. rykker fra Hansen & Co ApS: 1.346,84 kr. er ikke betalt"

    def test_without_fee_or_interest_it_says_so_and_cites_only_what_applies(self) -> None:
        out = self.render(fee=0, interest_rate=None, lines=[{"label_key": "amount", "amount": 123450}])
        assert "For denne rykker opkræves intet rykkergebyr." in out.text
        assert "renteloven" not in out.text

    def test_a_compensation_line_cites_its_section(self) -> None:
        lines = [{"label_key": "amount", "amount": 123450}, {"label_key": "compensation", "amount": 31000}]
        out = self.render(lines=lines, total_due=154450)
        assert "Kompensationsbeløb: 310,00 kr." in out.text
        assert "Kompensationsbeløbet opkræves jf. renteloven § 9 c." in out.text

    def test_the_english_text_names_the_danish_act(self) -> None:
        out = self.render("en", reminder_number=3)
        assert "This is the 3rd reminder." in out.text
        assert "Reminder fee: DKK 100.00" in out.text
        assert "(renteloven § 9 b)" in out.text
        assert "(renteloven § 5)" in out.text

    def test_the_sms_carries_the_fee_and_the_act(self) -> None:
        context = customer_context()
        out = RENDERER.render(Template.REMINDER_OVERDUE, Channel.SMS, "da", context)
        assert "inkl. rykkergebyr 100,00 kr. jf. renteloven" in out.text


class TestCustomerTexts:
    def test_optional_reference_and_contact_are_left_out_when_none(self) -> None:
        context = customer_context(reference=None, org_contact=None)
        out = RENDERER.render(Template.REQUEST_CREATED, Channel.EMAIL, "da", context)
        assert "Reference" not in out.text
        assert "spørgsmål" not in out.text
        assert "\n\n\n" not in out.text

    def test_days_before_is_singular_and_plural(self) -> None:
        def sms(days: int, language: str) -> str:
            context = customer_context(days_before=days)
            return RENDERER.render(Template.REMINDER_BEFORE_DUE, Channel.SMS, language, context).text

        assert "om 1 dag," in sms(1, "da")
        assert "om 5 dage," in sms(5, "da")
        assert "in 1 day," in sms(1, "en")
        assert "in 5 days," in sms(5, "en")

    def test_a_long_description_is_shortened_in_an_sms_but_not_in_an_email(self) -> None:
        context = customer_context(description="Abonnement " * 40)
        sms = RENDERER.render(Template.REQUEST_CREATED, Channel.SMS, "da", context)
        email = RENDERER.render(Template.REQUEST_CREATED, Channel.EMAIL, "da", context)
        assert "..." in sms.text
        assert ("Abonnement " * 40).strip() in email.text


class TestOverride:
    def test_a_file_in_the_override_directory_wins_and_the_rest_falls_back(self, tmp_path: Path) -> None:
        (tmp_path / "da").mkdir()
        (tmp_path / "da" / "inbox.login_code.sms.txt").write_text("Kode: {{ code }}\n", encoding="utf-8")
        renderer = JinjaMessageRenderer(override=tmp_path)
        assert renderer.render(Template.LOGIN_CODE, Channel.SMS, "da", login_context()).text == "Kode: 042917"
        english = renderer.render(Template.LOGIN_CODE, Channel.SMS, "en", login_context())
        assert english == RENDERER.render(Template.LOGIN_CODE, Channel.SMS, "en", login_context())


_CUSTOMER_KEYS = {
    "sender_name", "customer_name", "description", "reference", "currency", "due_date", "pay_url", "lines",
    "total_due", "org_contact",
}  # fmt: skip
REQUIRED = {
    Template.REQUEST_CREATED: _CUSTOMER_KEYS,
    Template.REMINDER_BEFORE_DUE: _CUSTOMER_KEYS | {"days_before"},
    Template.REMINDER_ON_DUE: _CUSTOMER_KEYS,
    Template.REMINDER_OVERDUE: _CUSTOMER_KEYS | {"amount", "reminder_number", "fee", "interest_rate"},
    Template.APPROVAL_REQUESTED: set(approval_context()),
    Template.APPROVAL_REMINDER: set(approval_context()),
    Template.APPROVAL_REJECTED: set(bookkeeper_context(Template.APPROVAL_REJECTED)),
    Template.APPROVAL_LATE: set(bookkeeper_context(Template.APPROVAL_LATE)),
    Template.PAYMENT_FAILED: set(bookkeeper_context(Template.PAYMENT_FAILED)),
    Template.LOGIN_CODE: set(login_context()),
    Template.WEBHOOK_DISABLED: set(webhook_context()),
}


class TestBookkeeperTexts:
    def test_a_rejection_carries_the_approvers_comment_and_leaves_it_out_when_there_is_none(self) -> None:
        context = bookkeeper_context(Template.APPROVAL_REJECTED)
        out = RENDERER.render(Template.APPROVAL_REJECTED, Channel.EMAIL, "da", context)
        assert "Kommentar fra Lars Hansen:\nForkert beløb: vi aftalte 10.000 kr." in out.text
        assert out.subject == "Betaling til Kontorartikler A/S afvist af Lars Hansen"
        bare = RENDERER.render(Template.APPROVAL_REJECTED, Channel.EMAIL, "en", context | {"comment": None})
        assert "Comment" not in bare.text
        assert "\n\n\n" not in bare.text

    def test_a_failed_payment_gives_the_banks_reason(self) -> None:
        context = bookkeeper_context(Template.PAYMENT_FAILED)
        out = RENDERER.render(Template.PAYMENT_FAILED, Channel.EMAIL, "da", context)
        assert "Bankens begrundelse: AC01: creditor account not found" in out.text
        assert out.subject == "Betaling til Kontorartikler A/S blev ikke udført"
        assert out.html is not None
        assert "AC01: creditor account not found" in out.html

    def test_a_late_approval_names_both_dates(self) -> None:
        context = bookkeeper_context(Template.APPROVAL_LATE)
        out = RENDERER.render(Template.APPROVAL_LATE, Channel.EMAIL, "en", context)
        assert "was due to run on 2 March 2026" in out.text
        assert "runs on the next banking day, 4 March 2026" in out.text
        assert out.subject == "Payment to Kontorartikler A/S approved late: it runs on 4 March 2026"
