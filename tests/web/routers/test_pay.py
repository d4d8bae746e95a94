"""``/pay/{token}``: the pay page in every state, tampered links, checkout start, return, receipts.

The redirect flows through real providers run against the live server's /sandbox simulators and are
skipped, with the reason, while a provider module does not exist yet.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

import httpx
import pytest
from fastapi.testclient import TestClient

from betal import bootstrap
from betal.adapters.clock import FrozenClock
from betal.domain.customer import Customer
from betal.domain.ids import new_id
from betal.domain.mandate import Mandate, MandateStatus
from betal.domain.payment import PaymentStatus
from betal.domain.payment_method import Method
from betal.domain.payment_request import RequestStatus
from betal.services.attachment import add_attachment
from betal.services.organisation import CreatedOrganisation
from betal.services.payment_request import cancel_payment_request
from betal.web import cookies
from tests.conftest import LiveServer
from tests.services.test_inbox import (
    make_customer,
    make_org,
    make_request,
    pay_token,
    principal,
    settle,
    start_payment,
)
from tests.services.test_receipt import pdf_text
from tests.web.routers.conftest import START

PDF = b"%PDF-1.4\n%%EOF\n"
_FORM = re.compile(r'<form[^>]*action="(/pay/[^"]+/pay/[a-z_]+)"')
_CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')


@pytest.fixture
def soeren(c: bootstrap.Container, hansen: CreatedOrganisation) -> Customer:
    return make_customer(c, hansen, "Søren Ærø", email="soeren@aeroe.example")


def _forms(html: str) -> list[str]:
    return _FORM.findall(html)


def _payments(c: bootstrap.Container, organisation_id: str, request_id: str) -> list[PaymentStatus]:
    with c.uow() as uow:
        return [p.status for p in uow.payments.list_for_request(organisation_id, request_id)]


def _tampered(token: str) -> str:
    return token[:-3] + ("abc" if not token.endswith("abc") else "xyz")


class TestPayPage:
    def test_an_open_request_offers_every_allowed_method(
        self, c: bootstrap.Container, web: TestClient, hansen: CreatedOrganisation, soeren: Customer
    ) -> None:
        request = make_request(c, hansen, soeren, description="Husleje for april – Ørestad")
        token = pay_token(c, request.id)
        with c.uow() as uow:
            added = add_attachment(
                uow, principal(hansen), request.id, "Faktura 7.pdf", "application/pdf", PDF
            )
        response = web.get(f"/pay/{token}")
        assert response.status_code == 200
        html = response.text
        assert response.headers["content-security-policy"].startswith("default-src 'self'")
        assert cookies.LOGIN_CSRF in response.cookies
        for expected in (
            "Hansen &amp; Co ApS", "Husleje for april – Ørestad", "1.234,50 DKK", "12. marts 2026",
            "Ikke betalt", "Betal med Betalingskort", "Betal med Bankoverførsel", "Betal nu",
            "Tilmeld Betalingsservice i stedet", f"/pay/{token}/betalingsservice", "payer.css",
        ):  # fmt: skip
            assert expected in html, expected
        assert request.fi_payment_line is not None
        shown = re.search(r'<output class="fi-line__text">(.*?)</output>', html)
        assert shown is not None
        assert shown.group(1).replace("<wbr>", "").replace("&lt;", "<") == request.fi_payment_line
        assert sorted(_forms(html)) == sorted(
            f"/pay/{token}/pay/{m}" for m in ("card", "fi_card", "account_to_account")
        )
        assert f'href="/pay/{token}/attachments/{added.id}"' in html
        pdf = web.get(f"/pay/{token}/attachments/{added.id}")
        assert pdf.content == PDF
        assert pdf.headers["content-type"] == "application/pdf"
        assert pdf.headers["content-disposition"].startswith('inline; filename="Faktura 7.pdf"')
        assert pdf.headers["x-content-type-options"] == "nosniff"
        assert "content-security-policy" not in pdf.headers  # it would stop the browser's PDF viewer

    def test_english(
        self, c: bootstrap.Container, web: TestClient, hansen: CreatedOrganisation, soeren: Customer
    ) -> None:
        token = pay_token(c, make_request(c, hansen, soeren).id)
        web.cookies.set(cookies.LANGUAGE, "en")
        html = web.get(f"/pay/{token}").text
        assert "Choose how to pay" in html
        assert "March 12, 2026" in html

    def test_paid(
        self, c: bootstrap.Container, web: TestClient, hansen: CreatedOrganisation, soeren: Customer
    ) -> None:
        request = make_request(c, hansen, soeren)
        settle(c, request)
        token = pay_token(c, request.id)
        html = web.get(f"/pay/{token}").text
        assert "Denne regning er betalt" in html
        assert f'href="/pay/{token}/receipt"' in html
        assert _forms(html) == []

    def test_cancelled(
        self, c: bootstrap.Container, web: TestClient, hansen: CreatedOrganisation, soeren: Customer
    ) -> None:
        request = make_request(c, hansen, soeren)
        with c.uow() as uow:
            cancel_payment_request(uow, principal(hansen), request.id)
        html = web.get(f"/pay/{pay_token(c, request.id)}").text
        assert "Denne regning er annulleret" in html
        assert _forms(html) == []

    def test_refunded(
        self, c: bootstrap.Container, web: TestClient, hansen: CreatedOrganisation, soeren: Customer
    ) -> None:
        request = make_request(c, hansen, soeren)
        with c.uow() as uow:
            uow.payment_requests.save(replace(request, status=RequestStatus.REFUNDED))
            uow.commit()
        html = web.get(f"/pay/{pay_token(c, request.id)}").text
        assert "Denne regning er refunderet" in html
        assert _forms(html) == []

    def test_overdue_can_still_be_paid(
        self,
        c: bootstrap.Container,
        clock: FrozenClock,
        web: TestClient,
        hansen: CreatedOrganisation,
        soeren: Customer,
    ) -> None:
        request = make_request(c, hansen, soeren, due_in_days=1, methods=("card",))
        clock.advance(timedelta(days=2))
        token = pay_token(c, request.id)
        html = web.get(f"/pay/{token}").text
        assert "Forfalden" in html
        assert _forms(html) == [f"/pay/{token}/pay/card"]

    def test_pending_is_not_paid(
        self, c: bootstrap.Container, web: TestClient, hansen: CreatedOrganisation, soeren: Customer
    ) -> None:
        request = make_request(c, hansen, soeren, methods=("card",))
        start_payment(c, request)
        token = pay_token(c, request.id)
        html = web.get(f"/pay/{token}").text
        assert "Betaling afventer" in html
        assert "En betaling er undervejs" in html
        assert f'href="/pay/{token}/return"' in html
        assert "Denne regning er betalt" not in html

    def test_betalingsservice_only_is_an_enrollment_page(
        self, c: bootstrap.Container, web: TestClient, hansen: CreatedOrganisation, soeren: Customer
    ) -> None:
        request = make_request(c, hansen, soeren, methods=("betalingsservice",))
        token = pay_token(c, request.id)
        html = web.get(f"/pay/{token}").text
        assert "Betales via Betalingsservice" in html
        assert f'href="/pay/{token}/betalingsservice"' in html
        assert _forms(html) == []

    def test_a_partly_paid_request_shows_what_is_left(
        self, c: bootstrap.Container, web: TestClient, hansen: CreatedOrganisation, soeren: Customer
    ) -> None:
        request = make_request(c, hansen, soeren, amount=10_000, methods=("card",))
        with c.uow() as uow:
            uow.payment_requests.save(replace(request, status=RequestStatus.PARTIALLY_PAID, paid_minor=4_000))
            uow.commit()
        html = web.get(f"/pay/{pay_token(c, request.id)}").text
        assert "Mangler at blive betalt" in html
        assert "60,00 DKK" in html


class TestTamperedLinks:
    def test_a_tampered_token_is_a_404_page(
        self, c: bootstrap.Container, web: TestClient, hansen: CreatedOrganisation, soeren: Customer
    ) -> None:
        token = pay_token(c, make_request(c, hansen, soeren).id)
        for path in ("", "/receipt", "/receipt.pdf", "/return", "/attachments/att_x"):
            response = web.get(f"/pay/{_tampered(token)}{path}")
            assert response.status_code == 404, path
            assert "Siden blev ikke fundet" in response.text
            assert response.headers["content-type"].startswith("text/html")

    def test_a_token_for_another_purpose_is_a_404(
        self, c: bootstrap.Container, web: TestClient, hansen: CreatedOrganisation, soeren: Customer
    ) -> None:
        request = make_request(c, hansen, soeren)
        foreign = c.signer.sign(request.id, purpose="approve")
        assert web.get(f"/pay/{foreign}").status_code == 404

    def test_a_draft_is_a_404(
        self, c: bootstrap.Container, web: TestClient, hansen: CreatedOrganisation, soeren: Customer
    ) -> None:
        draft = make_request(c, hansen, soeren, status=RequestStatus.DRAFT)
        assert web.get(f"/pay/{pay_token(c, draft.id)}").status_code == 404

    def test_posting_with_a_tampered_token_changes_nothing(
        self, c: bootstrap.Container, web: TestClient, hansen: CreatedOrganisation, soeren: Customer
    ) -> None:
        request = make_request(c, hansen, soeren)
        token = pay_token(c, request.id)
        csrf = _CSRF.findall(web.get(f"/pay/{token}").text)[0]
        response = web.post(
            f"/pay/{_tampered(token)}/pay/card", data={"csrf_token": csrf}, follow_redirects=False
        )
        assert response.status_code == 404
        assert _payments(c, hansen.organisation.id, request.id) == []


class TestStartPayment:
    def test_without_the_form_token_nothing_happens(
        self, c: bootstrap.Container, web: TestClient, hansen: CreatedOrganisation, soeren: Customer
    ) -> None:
        request = make_request(c, hansen, soeren)
        token = pay_token(c, request.id)
        web.get(f"/pay/{token}")
        response = web.post(f"/pay/{token}/pay/card", data={"csrf_token": "forged"}, follow_redirects=False)
        assert response.status_code == 403
        assert "Formularen er udløbet" in response.text
        assert _payments(c, hansen.organisation.id, request.id) == []

    @pytest.mark.parametrize("method", ["mobilepay", "betalingsservice"])
    def test_a_method_not_offered_goes_back_to_the_page(
        self,
        c: bootstrap.Container,
        web: TestClient,
        hansen: CreatedOrganisation,
        soeren: Customer,
        method: str,
    ) -> None:
        request = make_request(c, hansen, soeren, methods=("card", "betalingsservice"))
        token = pay_token(c, request.id)
        csrf = _CSRF.findall(web.get(f"/pay/{token}").text)[0]
        response = web.post(f"/pay/{token}/pay/{method}", data={"csrf_token": csrf}, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == f"/pay/{token}"
        assert _payments(c, hansen.organisation.id, request.id) == []

    def test_an_unknown_method_is_a_404(
        self, c: bootstrap.Container, web: TestClient, hansen: CreatedOrganisation, soeren: Customer
    ) -> None:
        token = pay_token(c, make_request(c, hansen, soeren).id)
        csrf = _CSRF.findall(web.get(f"/pay/{token}").text)[0]
        assert web.post(f"/pay/{token}/pay/bitcoin", data={"csrf_token": csrf}).status_code == 404

    def test_a_paid_request_is_not_paid_again(
        self, c: bootstrap.Container, web: TestClient, hansen: CreatedOrganisation, soeren: Customer
    ) -> None:
        request = make_request(c, hansen, soeren)
        token = pay_token(c, request.id)
        csrf = _CSRF.findall(web.get(f"/pay/{token}").text)[0]  # the page open while paid elsewhere
        settle(c, request)
        response = web.post(f"/pay/{token}/pay/card", data={"csrf_token": csrf}, follow_redirects=False)
        assert response.status_code == 303
        assert _payments(c, hansen.organisation.id, request.id) == [PaymentStatus.SUCCEEDED]


class TestReturn:
    def test_without_a_payment_back_to_the_page(
        self, c: bootstrap.Container, web: TestClient, hansen: CreatedOrganisation, soeren: Customer
    ) -> None:
        token = pay_token(c, make_request(c, hansen, soeren).id)
        response = web.get(f"/pay/{token}/return", follow_redirects=False)
        assert response.headers["location"] == f"/pay/{token}"
        response = web.get(f"/pay/{token}/return/pay_nope", follow_redirects=False)
        assert response.headers["location"] == f"/pay/{token}"

    def test_a_started_payment_is_pending_and_refreshes_itself(
        self, c: bootstrap.Container, web: TestClient, hansen: CreatedOrganisation, soeren: Customer
    ) -> None:
        request = make_request(c, hansen, soeren)
        payment_id = start_payment(c, request)
        token = pay_token(c, request.id)
        response = web.get(f"/pay/{token}/return")
        assert response.status_code == 200
        assert response.headers["refresh"] == f"4; url=/pay/{token}/return/{payment_id}"
        assert (
            f'<meta http-equiv="refresh" content="4; url=/pay/{token}/return/{payment_id}">' in response.text
        )
        assert "Din betaling afventer" in response.text
        assert "1.234,50 DKK med Betalingskort" in response.text

    def test_a_failed_payment_offers_another_method(
        self, c: bootstrap.Container, web: TestClient, hansen: CreatedOrganisation, soeren: Customer
    ) -> None:
        request = make_request(c, hansen, soeren)
        payment_id = settle(c, request, PaymentStatus.FAILED)
        token = pay_token(c, request.id)
        response = web.get(f"/pay/{token}/return/{payment_id}")
        assert "Betalingen blev ikke gennemført" in response.text
        assert f'href="/pay/{token}"' in response.text

    def test_a_succeeded_payment_goes_to_the_receipt(
        self, c: bootstrap.Container, web: TestClient, hansen: CreatedOrganisation, soeren: Customer
    ) -> None:
        request = make_request(c, hansen, soeren)
        settle(c, request)
        token = pay_token(c, request.id)
        response = web.get(f"/pay/{token}/return", follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == f"/pay/{token}/receipt"


class TestReceipt:
    def test_page_and_pdf_after_payment(
        self, c: bootstrap.Container, web: TestClient, hansen: CreatedOrganisation, soeren: Customer
    ) -> None:
        request = make_request(c, hansen, soeren)
        payment_id = settle(c, request)
        token = pay_token(c, request.id)
        html = web.get(f"/pay/{token}/receipt").text
        for expected in (
            "Tak for din betaling",
            "1.234,50 DKK",
            "Søren Ærø",
            payment_id,
            request.id,
            "Betalingskort",
        ):
            assert expected in html, expected
        assert f'href="/pay/{token}/betalingsservice"' in html  # the organisation offers Betalingsservice
        pdf = web.get(f"/pay/{token}/receipt.pdf")
        assert pdf.status_code == 200
        assert pdf.headers["content-type"] == "application/pdf"
        assert pdf.headers["content-disposition"].startswith(
            f'attachment; filename="kvittering-{request.id}.pdf"'
        )
        text = pdf_text(pdf.content)
        assert "1.234,50 DKK" in text
        assert "Søren Ærø" in text

    def test_no_enrollment_offer_with_an_active_mandate(
        self, c: bootstrap.Container, web: TestClient, hansen: CreatedOrganisation, soeren: Customer
    ) -> None:
        request = make_request(c, hansen, soeren)
        settle(c, request)
        with c.uow() as uow:
            mandate = Mandate(
                new_id("man"), hansen.organisation.id, soeren.id, Method.BETALINGSSERVICE,
                MandateStatus.ACTIVE, "pbs-1", None, START, START,
            )  # fmt: skip
            uow.mandates.add(mandate)
            uow.commit()
        html = web.get(f"/pay/{pay_token(c, request.id)}/receipt").text
        assert "Tak for din betaling" in html
        assert "/betalingsservice" not in html

    def test_before_payment_there_is_no_receipt(
        self, c: bootstrap.Container, web: TestClient, hansen: CreatedOrganisation, soeren: Customer
    ) -> None:
        token = pay_token(c, make_request(c, hansen, soeren).id)
        response = web.get(f"/pay/{token}/receipt", follow_redirects=False)
        assert response.headers["location"] == f"/pay/{token}"
        assert web.get(f"/pay/{token}/receipt.pdf").status_code == 404


REDIRECT_METHODS = ["card", "mobilepay", "account_to_account", "fi_card"]


@pytest.mark.parametrize("method", REDIRECT_METHODS)
def test_checkout_through_the_sandbox_provider(live_server: LiveServer, method: str) -> None:
    """POST a method → 303 to the provider's page; back at /return the payment is pending or paid."""
    container = live_server.container
    try:
        container.providers.for_method(Method(method))
    except ImportError as exc:
        pytest.skip(
            f"the {method} provider does not exist yet ({exc}); written in parallel by another author"
        )
    org = make_org(container, "Hansen & Co ApS", "25313763")
    customer = make_customer(container, org, "Søren Ærø", email="soeren@aeroe.example")
    request = make_request(container, org, customer, methods=(method,))
    token = pay_token(container, request.id)
    with httpx.Client(base_url=live_server.url, follow_redirects=False, timeout=20) as browser:
        page = browser.get(f"/pay/{token}")
        csrf = _CSRF.findall(page.text)[0]
        started = browser.post(f"/pay/{token}/pay/{method}", data={"csrf_token": csrf})
        assert started.status_code == 303, started.text
        assert started.headers["location"].startswith(live_server.url + "/sandbox/")
        statuses = _payments(container, org.organisation.id, request.id)
        assert len(statuses) == 1
        assert statuses[0] in (PaymentStatus.INITIATED, PaymentStatus.PENDING)
        back = browser.get(f"/pay/{token}/return")
    with container.uow() as uow:
        [payment] = uow.payments.list_for_request(org.organisation.id, request.id)
    if payment.status is PaymentStatus.SUCCEEDED:  # a provider that needs no approval at its page
        assert back.headers["location"] == f"/pay/{token}/receipt"
    else:  # the payer has not approved at the provider yet: pending, never paid
        assert payment.status in (PaymentStatus.INITIATED, PaymentStatus.PENDING)
        assert back.headers["refresh"].endswith(f"/pay/{token}/return/{payment.id}")


_HIDDEN_TOKEN = re.compile(r'name="token" value="([^"]*)"')


@pytest.mark.parametrize(
    ("number", "paid"),
    [("4111 1111 1111 1111", True), ("4000 0000 0000 0002", False)],
    ids=["approved", "declined"],
)
def test_the_whole_card_journey(live_server: LiveServer, number: str, paid: bool) -> None:
    """Pay page → the acquirer's sandbox card page → back → receipt (or "try another method")."""
    container = live_server.container
    try:
        container.providers.for_method(Method.CARD)
    except ImportError as exc:
        pytest.skip(f"the card provider does not exist yet ({exc}); written in parallel by another author")
    org = make_org(container, "Hansen & Co ApS", "25313763")
    customer = make_customer(container, org, "Søren Ærø", email="soeren@aeroe.example")
    request = make_request(container, org, customer, methods=("card",))
    token = pay_token(container, request.id)
    with httpx.Client(base_url=live_server.url, follow_redirects=False, timeout=20) as browser:
        csrf = _CSRF.findall(browser.get(f"/pay/{token}").text)[0]
        provider_page = browser.post(f"/pay/{token}/pay/card", data={"csrf_token": csrf}).headers["location"]
        card_form = browser.get(provider_page)
        assert card_form.status_code == 200, card_form.text
        form = {
            "token": _HIDDEN_TOKEN.findall(card_form.text)[0], "action": "pay", "number": number,
            "expiry": "12/39", "cvc": "123", "name": "Søren Ærø",
        }  # fmt: skip
        decided = browser.post(provider_page, data=form)
        assert decided.status_code == 303, decided.text
        assert decided.headers["location"] == f"{live_server.url}/pay/{token}/return"
        back = browser.get(f"/pay/{token}/return")
        with container.uow() as uow:
            settled = uow.payment_requests.get_any(request.id)
        assert settled is not None
        if paid:
            assert back.headers["location"] == f"/pay/{token}/receipt"
            assert settled.status is RequestStatus.PAID
            assert "Tak for din betaling" in browser.get(f"/pay/{token}/receipt").text
            assert "1.234,50 DKK" in pdf_text(browser.get(f"/pay/{token}/receipt.pdf").content)
        else:
            assert back.status_code == 200
            assert "Betalingen blev ikke gennemført" in back.text
            assert settled.status is RequestStatus.OPEN
            assert _forms(browser.get(f"/pay/{token}").text) == [f"/pay/{token}/pay/card"]  # try again
