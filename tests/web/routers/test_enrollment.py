"""``/pay/{token}/betalingsservice``: the offer page, the sign-up at the simulator, and the return page.

The flows run over real HTTP against the live server and its Betalingsservice simulator.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from betal import bootstrap
from betal.adapters.security import Argon2PasswordHasher
from betal.api.app import create_app
from betal.bootstrap import Container
from betal.config import Settings
from betal.domain.payment import PaymentStatus
from betal.domain.payment_method import Method
from betal.domain.payment_request import PaymentRequest
from betal.domain.provider import ProviderPayment
from betal.services.organisation import CreatedOrganisation, create_organisation
from betal.services.payment import begin_payment, record_provider_payment
from betal.services.payment_request import pay_url
from tests.adapters.providers.betalingsservice.support import sign_up
from tests.conftest import LiveServer, free_port
from tests.services.betalingsservice_support import enroll, make_customer, make_request

_CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')


@pytest.fixture
def live_org(live_server: LiveServer) -> CreatedOrganisation:
    with live_server.container.uow() as uow:
        return create_organisation(uow, name="Hansen & Co ApS", cvr="25313763")


@pytest.fixture
def browser(live_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server.url, follow_redirects=False, timeout=10) as client:
        yield client


def _token(container: Container, request: PaymentRequest) -> str:
    return pay_url(container.signer, "", request.id).rsplit("/", 1)[1]


def _start(browser: httpx.Client, token: str) -> httpx.Response:
    page = browser.get(f"/pay/{token}/betalingsservice")
    found = _CSRF.search(page.text)
    assert found is not None
    return browser.post(f"/pay/{token}/betalingsservice", data={"csrf_token": found.group(1)})


class TestOfferPage:
    def test_enrollment_only_request(
        self, live_server: LiveServer, live_org: CreatedOrganisation, browser: httpx.Client
    ) -> None:
        c = live_server.container
        request = make_request(c, live_org, make_customer(c, live_org))
        page = browser.get(f"/pay/{_token(c, request)}/betalingsservice")
        assert page.status_code == 200
        assert "Tilmeld Betalingsservice" in page.text
        assert "Hansen &amp; Co ApS trækker 349,00 DKK" in page.text
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert "betal_login_csrf" in page.headers["set-cookie"]

    def test_not_before_a_payment(
        self, live_server: LiveServer, live_org: CreatedOrganisation, browser: httpx.Client
    ) -> None:
        c = live_server.container
        token = _token(
            c, make_request(c, live_org, make_customer(c, live_org), methods=("card", "betalingsservice"))
        )
        page = browser.get(f"/pay/{token}/betalingsservice")
        assert "Betalingsservice tilbydes ikke her endnu" in page.text
        assert _CSRF.search(page.text) is None
        other = _token(c, make_request(c, live_org, make_customer(c, live_org, "anna@example.dk")))
        form = _CSRF.search(browser.get(f"/pay/{other}/betalingsservice").text)  # the browser's token
        assert form is not None
        started = browser.post(f"/pay/{token}/betalingsservice", data={"csrf_token": form.group(1)})
        assert (started.status_code, started.headers["location"]) == (303, f"/pay/{token}/betalingsservice")
        with c.uow() as uow:
            mandates = uow.mandates.list_page(
                live_org.organisation.id, customer_id=None, after_id=None, limit=5
            )
        assert mandates == []

    def test_offered_after_a_payment(
        self, live_server: LiveServer, live_org: CreatedOrganisation, browser: httpx.Client
    ) -> None:
        c = live_server.container
        request = make_request(c, live_org, make_customer(c, live_org), methods=("card",))
        with c.uow() as uow:
            payment = begin_payment(uow, request, Method.CARD, provider="card")
        with c.uow() as uow:
            paid = ProviderPayment(payment.id, "card-1", PaymentStatus.SUCCEEDED, request.amount_minor, "DKK")
            record_provider_payment(uow, payment.id, live_org.organisation.id, paid)
        page = browser.get(f"/pay/{_token(c, request)}/betalingsservice")
        assert "Med Betalingsservice trækker Hansen &amp; Co ApS dine regninger" in page.text
        assert "på denne måde" not in page.text  # this request is paid: nothing is collected now
        assert _CSRF.search(page.text) is not None

    def test_enrolled_already(
        self, live_server: LiveServer, live_org: CreatedOrganisation, browser: httpx.Client
    ) -> None:
        c = live_server.container
        request = make_request(c, live_org, make_customer(c, live_org))
        enroll(c, live_server.url, request)
        browser.cookies.set("betal_lang", "en")
        page = browser.get(f"/pay/{_token(c, request)}/betalingsservice")
        assert "You are signed up already" in page.text

    def test_a_tampered_link(self, browser: httpx.Client) -> None:
        page = browser.get("/pay/not-a-token/betalingsservice")
        assert page.status_code == 404
        assert "Linket kan ikke bruges" in page.text
        assert browser.post("/pay/not-a-token/betalingsservice", data={"csrf_token": "x"}).status_code == 404


class TestSignUp:
    def test_through_betalingsservice_and_back(
        self, live_server: LiveServer, live_org: CreatedOrganisation, browser: httpx.Client
    ) -> None:
        c = live_server.container
        request = make_request(c, live_org, make_customer(c, live_org))
        token = _token(c, request)
        started = _start(browser, token)
        assert started.status_code == 303
        signup = started.headers["location"]
        assert signup.startswith(f"{live_server.url}/sandbox/betalingsservice/signup/man_")
        back = sign_up(signup)
        assert back.startswith(f"{live_server.url}/pay/{token}/betalingsservice/return?mandate=man_")
        assert back.endswith("&status=registered")
        page = browser.get(back)
        assert page.status_code == 200
        assert "Du er tilmeldt Betalingsservice" in page.text
        assert "Den er betalt, når din bank har bekræftet betalingen." in page.text
        with c.uow() as uow:
            (payment,) = uow.payments.list_for_request(live_org.organisation.id, request.id)
        assert (payment.method, payment.status) == (Method.BETALINGSSERVICE, PaymentStatus.PENDING)

    def test_the_payer_cancels_at_betalingsservice(
        self, live_server: LiveServer, live_org: CreatedOrganisation, browser: httpx.Client
    ) -> None:
        c = live_server.container
        token = _token(c, make_request(c, live_org, make_customer(c, live_org)))
        back = sign_up(_start(browser, token).headers["location"], decision="cancel")
        page = browser.get(back)
        assert "Du gennemførte ikke tilmeldingen" in page.text

    def test_the_form_needs_the_browsers_token(
        self, live_server: LiveServer, live_org: CreatedOrganisation, browser: httpx.Client
    ) -> None:
        c = live_server.container
        token = _token(c, make_request(c, live_org, make_customer(c, live_org)))
        assert (
            browser.post(f"/pay/{token}/betalingsservice", data={"csrf_token": "forged"}).status_code == 403
        )

    def test_return_for_an_unknown_mandate(
        self, live_server: LiveServer, live_org: CreatedOrganisation, browser: httpx.Client
    ) -> None:
        c = live_server.container
        token = _token(c, make_request(c, live_org, make_customer(c, live_org)))
        assert (
            browser.get(f"/pay/{token}/betalingsservice/return", params={"mandate": "man_nope"}).status_code
            == 404
        )
        assert browser.get(f"/pay/{token}/betalingsservice/return").status_code == 404


class TestWhenBetalingsserviceIsDown:
    def test_the_return_page_says_it_is_being_registered(self, settings: Settings) -> None:
        dead = settings.model_copy(update={"base_url": f"http://127.0.0.1:{free_port()}"})  # nothing listens
        container = bootstrap.build(dead, hasher=Argon2PasswordHasher(fast=True))
        with container.uow() as uow:
            org = create_organisation(uow, name="Hansen & Co ApS", cvr="25313763")
        token = _token(container, make_request(container, org, make_customer(container, org)))
        with TestClient(create_app(container), raise_server_exceptions=False) as client:
            form = _CSRF.search(client.get(f"/pay/{token}/betalingsservice").text)
            assert form is not None
            started = client.post(
                f"/pay/{token}/betalingsservice", data={"csrf_token": form.group(1)}, follow_redirects=False
            )
            mandate_id = started.headers["location"].split("/signup/")[1].split("?")[0]
            returned = client.get(f"/pay/{token}/betalingsservice/return", params={"mandate": mandate_id})
        container.close()
        assert returned.status_code == 200
        assert "Din tilmelding bliver registreret" in returned.text
