"""Portal pages for reminder policies (list, editor, the rule broken shown next to its field), the reminders
on a payment request's page, the payer's lines of the amount due, and the customer's preferences."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from betal import bootstrap
from betal.adapters.clock import FrozenClock
from betal.domain.notification import Channel
from betal.domain.reminder import ReminderRule
from betal.domain.tenancy import Role
from betal.services.organisation import CreatedOrganisation
from betal.services.payment_request import pay_url
from betal.services.reminder_policy import PolicyInput, create_policy
from tests.services.dunning_support import new_request, overdue_request
from tests.services.receivables_support import owner as owner_of

from ..portal import Login, csrf_token, log_in, make_user
from .test_inbox import log_in as payer_log_in

LIST = "/app/reminder-policies"
_FIELD_ERROR = r'<p class="field__error" id="{}-error">([^<]*)</p>'


def _rows(*rows: tuple[str, list[str], str]) -> dict[str, object]:
    form: dict[str, object] = {}
    for n, (days, channels, fee) in enumerate(rows):
        form |= {f"days_{n}": days, f"channels_{n}": channels, f"fee_{n}": fee}
    return form


def _post(
    client: TestClient, path: str, token: str, *rows: tuple[str, list[str], str], **fields: str
) -> Response:
    data = {"csrf_token": token, "name": "Streng", "send_hour": "10", "charge_interest": "on"} | fields
    return client.post(path, data=data | _rows(*rows), follow_redirects=False)


def _field_error(html: str, field_id: str) -> str:
    match = re.search(_FIELD_ERROR.format(field_id), html)
    assert match is not None, f"no error shown at {field_id}"
    return match.group(1)


def _stored(
    container: bootstrap.Container, org: CreatedOrganisation
) -> list[tuple[str, bool, tuple[ReminderRule, ...]]]:
    with container.uow() as uow:
        return [
            (p.name, p.is_default, p.rules)
            for p in uow.reminder_policies.list_for_organisation(org.organisation.id)
        ]


class TestList:
    def test_the_built_in_policy_and_the_menu_link(self, client: TestClient, owner: Login) -> None:
        log_in(client, owner)
        page = client.get(LIST)
        assert page.status_code == 200
        assert 'href="/app/reminder-policies" aria-current="page"' in page.text
        assert "Rykkerforløb" in page.text
        assert (
            '<a class="data__main" href="/app/reminder-policies/default">Standard (indbygget)</a>'
            in page.text
        )
        assert 'href="/app/reminder-policies/new"' in page.text
        assert ">Rykkere<" in client.get("/app/").text  # the menu

    def test_a_bookkeeper_reads_but_does_not_edit(
        self, client: TestClient, container: bootstrap.Container, org: CreatedOrganisation, accountant: Login
    ) -> None:
        with container.uow() as uow:
            mine = create_policy(
                uow, owner_of(org), PolicyInput("Mild", (ReminderRule(5, (Channel.EMAIL,)),))
            ).id
        log_in(client, accountant)
        page = client.get(LIST).text
        assert "Mild" in page
        assert "Standard (indbygget)" in page
        assert 'href="/app/reminder-policies/new"' not in page
        assert f'href="/app/reminder-policies/{mine}"' not in page
        assert client.get(f"{LIST}/{mine}").status_code == 403
        assert client.get(f"{LIST}/new").status_code == 403


class TestEditor:
    def test_create_then_edit(
        self, client: TestClient, container: bootstrap.Container, org: CreatedOrganisation, owner: Login
    ) -> None:
        token = log_in(client, owner)
        assert client.get(f"{LIST}/new").status_code == 200
        rows = (
            ("-3", ["email"], ""),
            ("", [], ""),
            ("10", ["email", "sms"], "100,00"),
            ("20", ["sms"], "75"),
        )
        saved = _post(client, f"{LIST}/new", token, *rows, is_default="on")
        assert saved.status_code == 303, saved.text
        location = saved.headers["location"]
        assert re.fullmatch(r"/app/reminder-policies/rpol_\w+\?notice=saved", location)
        page = client.get(location).text
        assert "Rykkerforløbet er gemt." in page
        assert 'value="100"' in page
        assert 'value="75"' in page
        assert _stored(container, org) == [
            ("Streng", True, (
                ReminderRule(-3, (Channel.EMAIL,)), ReminderRule(10, (Channel.EMAIL, Channel.SMS), 10_000),
                ReminderRule(20, (Channel.SMS,), 7_500),
            )),
        ]  # fmt: skip
        edited = _post(client, location.split("?")[0], token, ("5", ["push"], ""), name="Blid")
        assert edited.status_code == 303
        assert _stored(container, org) == [("Blid", False, (ReminderRule(5, (Channel.PUSH,)),))]
        assert "Standard (indbygget)" in client.get(LIST).text  # no default of its own any more

    def test_saving_the_built_in_policy(
        self, client: TestClient, container: bootstrap.Container, org: CreatedOrganisation, owner: Login
    ) -> None:
        token = log_in(client, owner)
        page = client.get(f"{LIST}/default").text
        assert "Dette er betals indbyggede rykkerforløb." in page
        assert 'name="is_default"' not in page
        assert (
            'id="fee_3" name="fee_3" inputmode="decimal" autocomplete="off" placeholder="0,00" value="100"'
            in page
        )
        saved = _post(
            client, f"{LIST}/default", token, ("-3", ["email"], ""), ("10", ["email"], "100"), name="Vores"
        )
        assert saved.status_code == 303
        assert _stored(container, org) == [
            ("Vores", True, (ReminderRule(-3, (Channel.EMAIL,)), ReminderRule(10, (Channel.EMAIL,), 10_000)))
        ]
        assert "Standard (indbygget)" not in client.get(LIST).text

    @pytest.mark.parametrize(
        ("rows", "field_id", "shown"),
        [
            ((("-3", ["email"], ""), ("10", ["email"], "150")), "fee_1",
             "Renteloven § 9 b: Et rykkergebyr er højst 100 kr."),
            ((("0", ["email"], "50"),), "fee_0",
             "Renteloven § 9 b: Der kan først opkræves rykkergebyr efter forfaldsdagen."),
            ((("10", ["email"], "100"), ("17", ["email"], "100")), "fee_1",
             "Renteloven § 9 b: Der skal gå mindst 10 dage mellem rykkere med gebyr "
             "(dag 10 og dag 17 ligger 7 dage fra hinanden)."),
            ((("10", ["email"], "1"), ("20", ["email"], "1"), ("30", ["email"], "1"), ("40", ["email"], "1")),
             "fee_3", "Renteloven § 9 b: Der kan højst opkræves gebyr for 3 rykkere for samme fordring."),
            ((("5", ["email"], ""), ("5", ["sms"], "")), "days_1", "To rykkere på dag 5: vælg en anden dag."),
            ((("5", [], ""),), "channels_0", "Vælg en eller flere kanaler."),
            ((("fem", ["email"], ""),), "days_0", "Skriv dagen som et helt tal, fx -3, 0 eller 10."),
        ],
    )  # fmt: skip
    def test_the_rule_broken_is_shown_next_to_its_field_and_nothing_is_saved(
        self, client: TestClient, container: bootstrap.Container, org: CreatedOrganisation, owner: Login,
        rows: tuple[tuple[str, list[str], str], ...], field_id: str, shown: str,
    ) -> None:  # fmt: skip
        token = log_in(client, owner)
        page = _post(client, f"{LIST}/new", token, *rows)
        assert page.status_code == 422
        assert "Rykkerforløbet blev ikke gemt." in page.text
        assert _field_error(page.text, field_id) == shown
        assert f'aria-describedby="{field_id}-error"' in page.text
        assert 'value="Streng"' in page.text  # what was typed stays
        assert _stored(container, org) == []

    def test_in_english_and_the_send_hour(
        self, client: TestClient, container: bootstrap.Container, org: CreatedOrganisation, owner: Login
    ) -> None:
        token = log_in(client, owner)
        client.cookies.set("betal_lang", "en")
        page = _post(client, f"{LIST}/new", token, ("10", ["email"], "150"), send_hour="22", name="")
        assert page.status_code == 422
        assert _field_error(page.text, "fee_0") == "Renteloven § 9 b: a reminder fee is at most 100 kr."
        assert _field_error(page.text, "send_hour").startswith("Reminders are sent between 08:00 and 20:00")
        assert _field_error(page.text, "name") == "Give the policy a name of at most 100 characters."
        assert _stored(container, org) == []

    def test_the_form_needs_its_token_and_another_organisations_policy_is_not_found(
        self, client: TestClient, container: bootstrap.Container, owner: Login, other_org: CreatedOrganisation
    ) -> None:
        with container.uow() as uow:
            theirs = create_policy(
                uow, owner_of(other_org), PolicyInput("Deres", (ReminderRule(5, (Channel.EMAIL,)),))
            )
        token = log_in(client, owner)
        assert _post(client, f"{LIST}/new", "wrong", ("5", ["email"], "")).status_code == 403
        assert client.get(f"{LIST}/{theirs.id}").status_code == 404
        assert _post(client, f"{LIST}/{theirs.id}", token, ("5", ["sms"], "")).status_code == 404
        assert _stored(container, other_org) == [("Deres", False, (ReminderRule(5, (Channel.EMAIL,)),))]


class TestRequestPage:
    def test_the_reminders_their_messages_the_plan_and_the_lines(
        self, c: bootstrap.Container, clock: FrozenClock, web: TestClient, hansen: CreatedOrganisation
    ) -> None:
        request_id = overdue_request(c, clock, hansen)
        log_in(web, make_user(c, "ejer@hansen.example", "Mette Hansen", {hansen.organisation.id: Role.OWNER}))
        html = web.get(f"/app/payment-requests/{request_id}").text
        section = html[html.index('data-testid="reminders"') :]
        assert "Standard (indbygget)" in section
        handled = section[section.index('data-testid="handled"') : section.index('data-testid="planned"')]
        assert handled.count('class="reminders__item"') == 3
        assert "På forfaldsdatoen" in handled
        assert handled.count("Rykker efter forfaldsdatoen") == 2
        assert "Rykkergebyr 100,00 DKK" in handled
        assert handled.count("bogholderi@toemrer.example") == 3
        assert handled.count("Venter på at blive sendt") == 3
        planned = section[section.index('data-testid="planned"') :]
        assert "(d+20)" in planned
        assert "7. apr. 2026" in planned
        assert "(d+30)" in planned
        lines = section[section.index('data-testid="amount-due"') : section.index('data-testid="handled"')]
        for expected in ("Beløb", "1.000,00 DKK", "Kompensationsbeløb", "310,00 DKK", "Morarente",
                         "2,98 DKK", "9,75 % om året", "Rykkergebyr", "Renteloven § 9 b", "1,90 DKK",
                         "1.414,88 DKK"):  # fmt: skip
            assert expected in lines, expected

    def test_a_new_request_has_its_reminders_planned(
        self, c: bootstrap.Container, web: TestClient, hansen: CreatedOrganisation
    ) -> None:
        request_id = new_request(c, hansen)
        log_in(web, make_user(c, "ejer@hansen.example", "Mette Hansen", {hansen.organisation.id: Role.OWNER}))
        web.cookies.set("betal_lang", "en")
        html = web.get(f"/app/payment-requests/{request_id}").text
        assert "No reminders yet." in html
        assert "(d0)" in html
        assert "Other messages" not in html


class TestPayerPages:
    def test_the_pay_page_shows_the_lines_and_the_total(
        self, c: bootstrap.Container, clock: FrozenClock, web: TestClient, hansen: CreatedOrganisation
    ) -> None:
        request_id = overdue_request(c, clock, hansen)
        html = web.get(pay_url(c.signer, "", request_id)).text
        lines = html[html.index('data-testid="amount-due"') :]
        lines = lines[: lines.index("</dl>")]
        for expected in ("Beløb", "1.000,00 DKK", "Kompensationsbeløb", "310,00 DKK", "Rykkergebyr",
                         "100,00 DKK", "Morarente", "5. marts 2026 til 16. marts 2026 med 9,75 % om året",
                         "2,98 DKK", "1,90 DKK", "I alt"):  # fmt: skip
            assert expected in lines, expected
        assert re.search(r'data-testid="total-due">1\.414,88 DKK<', lines)
        assert "Betal med Betalingskort" in html

    def test_no_lines_without_charges(
        self, c: bootstrap.Container, web: TestClient, hansen: CreatedOrganisation
    ) -> None:
        html = web.get(pay_url(c.signer, "", new_request(c, hansen))).text
        assert 'data-testid="amount-due"' not in html
        assert "1.000,00 DKK" in html

    def test_the_inbox_message_shows_them_too(
        self, c: bootstrap.Container, clock: FrozenClock, web: TestClient, hansen: CreatedOrganisation
    ) -> None:
        request_id = overdue_request(c, clock, hansen)
        payer_log_in(web, c, "bogholderi@toemrer.example", "bogholderi@toemrer.example")
        [message_id] = re.findall(r'href="/inbox/messages/([^"/]+)"', web.get("/inbox").text)
        html = web.get(f"/inbox/messages/{message_id}").text
        assert re.search(r'data-testid="total-due">1\.414,88 DKK<', html)
        assert "Kompensationsbeløb" in html
        assert pay_url(c.signer, "", request_id) in html


class TestCustomerForm:
    def test_language_and_preferred_channels(
        self, client: TestClient, container: bootstrap.Container, org: CreatedOrganisation, owner: Login
    ) -> None:
        token = log_in(client, owner)
        form = client.get("/app/customers/new").text
        assert 'name="language"' in form
        assert 'name="channel_3"' in form
        data = {"csrf_token": token, "name": "Jens", "email": "j@x.dk", "phone": "20304050", "language": "en",
                "channel_1": "sms", "channel_2": "", "channel_3": "email"}  # fmt: skip
        created = client.post("/app/customers/new", data=data, follow_redirects=False)
        assert created.status_code == 303
        customer_id = created.headers["location"].split("/")[-1].split("?")[0]
        with container.uow() as uow:
            customer = uow.customers.get(org.organisation.id, customer_id)
        assert customer is not None
        assert (customer.language, customer.notification_channels) == ("en", (Channel.SMS, Channel.EMAIL))

    def test_a_channel_that_cannot_reach_the_customer(
        self, client: TestClient, container: bootstrap.Container, org: CreatedOrganisation, owner: Login
    ) -> None:
        token = log_in(client, owner)
        data = {"csrf_token": token, "name": "Jens", "email": "j@x.dk", "language": "da", "channel_1": "sms"}
        page = client.post("/app/customers/new", data=data)
        assert page.status_code == 422
        assert "SMS kræver et telefonnummer" in page.text
        assert '<option value="sms" selected>' in page.text
        with container.uow() as uow:
            assert uow.customers.list_page(org.organisation.id, None, 10) == []
        assert csrf_token(page.text) == token
