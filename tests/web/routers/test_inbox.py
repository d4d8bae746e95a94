"""``/inbox``: login by one-time code read from the outbox, one inbox across organisations, message
pages and attachments, rate limits, expired and reused codes, CSRF, logout."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from betal import bootstrap
from betal.adapters.clock import FrozenClock
from betal.domain.customer import Customer
from betal.services import inbox as inbox_service
from betal.services.attachment import add_attachment
from betal.services.organisation import CreatedOrganisation
from betal.web.routers import inbox as inbox_router
from tests.services.test_inbox import (
    code_from_outbox,
    make_customer,
    make_org,
    make_request,
    principal,
    settle,
)

EMAIL = "soeren@aeroe.example"
CPR = "0101200000"
PDF = b"%PDF-1.4\n%%EOF\n"
_CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')
_MESSAGE = re.compile(r'href="/inbox/messages/(msg_[0-9A-Z]+)"')


@pytest.fixture
def nordlys(c: bootstrap.Container) -> CreatedOrganisation:
    return make_org(c, "Nordlys Café I/S", "10150817")


@pytest.fixture
def soeren(c: bootstrap.Container, hansen: CreatedOrganisation) -> Customer:
    return make_customer(c, hansen, "Søren Ærø", email=EMAIL, cpr=CPR)


def _csrf(html: str) -> str:
    return _CSRF.findall(html)[0]


def ask_for_code(web: TestClient, destination: str) -> Response:
    token = _csrf(web.get("/inbox/login").text)
    return web.post(
        "/inbox/login", data={"destination": destination, "csrf_token": token}, follow_redirects=False
    )


def enter_code(web: TestClient, code: str) -> Response:
    token = _csrf(web.get("/inbox/verify").text)
    return web.post("/inbox/verify", data={"code": code, "csrf_token": token}, follow_redirects=False)


def log_in(web: TestClient, c: bootstrap.Container, destination: str, address: str) -> None:
    assert ask_for_code(web, destination).status_code == 303
    response = enter_code(web, code_from_outbox(c, address))
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/inbox"


def _logout_token(web: TestClient) -> str:
    return _csrf(web.get("/inbox").text)


class TestLogin:
    def test_the_inbox_needs_a_login(self, web: TestClient) -> None:
        for path in (
            "/inbox",
            "/inbox/messages/msg_x",
            "/inbox/messages/msg_x/attachments/att_x",
            "/inbox/verify",
        ):
            response = web.get(path, follow_redirects=False)
            assert response.status_code == 303, path
            assert response.headers["location"] == "/inbox/login"

    def test_the_login_page(self, web: TestClient) -> None:
        response = web.get("/inbox/login")
        assert response.status_code == 200
        assert "Din indbakke" in response.text
        assert 'name="destination"' in response.text
        assert "payer.css" in response.text
        assert response.headers["content-security-policy"].startswith("default-src 'self'")

    def test_code_by_email_then_inbox(
        self, c: bootstrap.Container, web: TestClient, soeren: Customer
    ) -> None:
        response = ask_for_code(web, " Soeren@AEROE.example ")
        assert response.status_code == 303
        assert response.headers["location"] == "/inbox/verify"
        pending = next(
            v for v in response.headers.get_list("set-cookie") if v.startswith(inbox_router.PENDING_LOGIN)
        )
        assert "HttpOnly" in pending
        assert EMAIL not in pending  # signed and encoded, not in clear
        verify = web.get("/inbox/verify").text
        assert f"Hvis {EMAIL} er kendt af en afsender, har vi sendt en e-mail" in verify
        response = enter_code(web, code_from_outbox(c, EMAIL))
        assert response.status_code == 303
        session_cookie = next(
            v for v in response.headers.get_list("set-cookie") if v.startswith(inbox_router.PAYER)
        )
        assert "HttpOnly" in session_cookie
        assert "samesite=lax" in session_cookie.lower()
        assert web.get("/inbox").status_code == 200
        assert web.get("/inbox/login", follow_redirects=False).headers["location"] == "/inbox"

    def test_code_by_sms(self, c: bootstrap.Container, web: TestClient, hansen: CreatedOrganisation) -> None:
        make_customer(c, hansen, "Mette", phone="+4520123456")
        assert ask_for_code(web, "20 12 34 56").status_code == 303
        assert "har vi sendt en sms" in web.get("/inbox/verify").text
        response = enter_code(web, code_from_outbox(c, "+4520123456"))
        assert response.headers["location"] == "/inbox"

    def test_an_unknown_destination_looks_the_same(self, c: bootstrap.Container, web: TestClient) -> None:
        response = ask_for_code(web, "stranger@else.example")
        assert response.status_code == 303
        assert response.headers["location"] == "/inbox/verify"
        assert "Hvis stranger@else.example er kendt af en afsender" in web.get("/inbox/verify").text
        with c.uow() as uow:
            assert uow.outbox.list_for_recipient("stranger@else.example", 5) == []
        response = enter_code(web, "123456")
        assert response.status_code == 422
        assert "Koden er forkert eller udløbet" in response.text

    def test_not_an_email_or_phone(self, web: TestClient) -> None:
        response = ask_for_code(web, "hello")
        assert response.status_code == 422
        assert "Skriv en e-mailadresse eller et telefonnummer." in response.text
        assert 'value="hello"' in response.text

    def test_the_form_needs_its_token(
        self, c: bootstrap.Container, web: TestClient, soeren: Customer
    ) -> None:
        web.get("/inbox/login")
        response = web.post("/inbox/login", data={"destination": EMAIL, "csrf_token": "forged"})
        assert response.status_code == 403
        with c.uow() as uow:
            assert uow.outbox.list_for_recipient(EMAIL, 5) == []

    def test_too_many_codes(self, c: bootstrap.Container, web: TestClient, soeren: Customer) -> None:
        for _ in range(inbox_service.MAX_CODES):
            assert ask_for_code(web, EMAIL).status_code == 303
        response = ask_for_code(web, EMAIL)
        assert response.status_code == 429
        assert int(response.headers["retry-after"]) > 3000
        assert "Der er bedt om for mange koder. Prøv igen om 61 minutter." in response.text

    def test_a_wrong_code(self, c: bootstrap.Container, web: TestClient, soeren: Customer) -> None:
        ask_for_code(web, EMAIL)
        code = code_from_outbox(c, EMAIL)
        response = enter_code(web, f"{(int(code) + 1) % 10**6:06d}")
        assert response.status_code == 422
        assert "Koden er forkert eller udløbet" in response.text
        assert inbox_router.PAYER not in web.cookies
        assert enter_code(web, code).status_code == 303  # one wrong try does not kill it

    def test_an_expired_code(
        self, c: bootstrap.Container, clock: FrozenClock, web: TestClient, soeren: Customer
    ) -> None:
        ask_for_code(web, EMAIL)
        code = code_from_outbox(c, EMAIL)
        clock.advance(inbox_service.CODE_TTL)
        token = _csrf(web.get("/inbox/login").text)
        response = web.post("/inbox/verify", data={"code": code, "csrf_token": token}, follow_redirects=False)
        assert response.status_code == 422

    def test_a_reused_code(self, c: bootstrap.Container, web: TestClient, soeren: Customer) -> None:
        ask_for_code(web, EMAIL)
        code = code_from_outbox(c, EMAIL)
        assert enter_code(web, code).status_code == 303
        web.post("/inbox/logout", data={"csrf_token": _logout_token(web)})
        web.cookies.clear()
        ask_for_code(web, "stranger@else.example")  # a fresh browser with a pending login...
        web.cookies.set(inbox_router.PENDING_LOGIN, _pending_for(c, EMAIL))  # ...for Søren's address
        assert enter_code(web, code).status_code == 422

    def test_verify_without_a_pending_login(self, web: TestClient) -> None:
        token = _csrf(web.get("/inbox/login").text)
        response = web.post(
            "/inbox/verify", data={"code": "123456", "csrf_token": token}, follow_redirects=False
        )
        assert response.headers["location"] == "/inbox/login"
        web.cookies.set(inbox_router.PENDING_LOGIN, "forged")
        assert web.get("/inbox/verify", follow_redirects=False).headers["location"] == "/inbox/login"

    def test_a_second_login_ends_the_first_session(
        self, c: bootstrap.Container, web: TestClient, soeren: Customer
    ) -> None:
        token = _csrf(web.get("/inbox/login").text)  # a login form left open in another tab
        log_in(web, c, EMAIL, EMAIL)
        first = web.cookies.get(inbox_router.PAYER)
        web.post("/inbox/login", data={"destination": EMAIL, "csrf_token": token})
        code = code_from_outbox(c, EMAIL)
        response = web.post("/inbox/verify", data={"code": code, "csrf_token": token}, follow_redirects=False)
        assert response.headers["location"] == "/inbox"
        assert web.cookies.get(inbox_router.PAYER) != first
        web.cookies.set(inbox_router.PAYER, first or "")
        assert web.get("/inbox", follow_redirects=False).headers["location"] == "/inbox/login"


def _pending_for(c: bootstrap.Container, address: str) -> str:
    from itsdangerous import URLSafeTimedSerializer

    serializer = URLSafeTimedSerializer(c.settings.secret_key, salt="betal.web.payer.login")
    return serializer.dumps(address)


class TestInbox:
    def test_one_inbox_across_organisations(
        self,
        c: bootstrap.Container,
        clock: FrozenClock,
        web: TestClient,
        hansen: CreatedOrganisation,
        nordlys: CreatedOrganisation,
        soeren: Customer,
    ) -> None:
        same_person = make_customer(c, nordlys, "S. Ærø", phone="+4540404040", cpr=CPR)  # same CPR only
        stranger = make_customer(c, nordlys, "Else Fremmed", email="else@fremmed.example")
        rent = make_request(c, hansen, soeren, description="Husleje for april")
        clock.advance(timedelta(minutes=1))
        make_request(c, nordlys, same_person, amount=4_500, description="Kaffeabonnement", due_in_days=1)
        clock.advance(timedelta(minutes=1))
        make_request(c, nordlys, stranger, description="Elses regning")
        settle(c, rent)
        clock.advance(timedelta(days=2))
        log_in(web, c, EMAIL, EMAIL)
        html = web.get("/inbox").text
        assert html.index("Kaffeabonnement") < html.index("Husleje for april")  # newest first
        assert "Nordlys Café I/S" in html
        assert "Hansen &amp; Co ApS" in html
        assert "Elses regning" not in html
        assert "45,00 DKK" in html
        assert "Forfalden" in html  # the coffee is overdue
        assert "Betalt" in html  # the rent is paid
        assert len(_MESSAGE.findall(html)) == 2

    def test_a_message_with_its_attachment_and_methods(
        self, c: bootstrap.Container, web: TestClient, hansen: CreatedOrganisation, soeren: Customer
    ) -> None:
        request = make_request(c, hansen, soeren, methods=("card", "fi_card"))
        with c.uow() as uow:
            added = add_attachment(uow, principal(hansen), request.id, "Faktura.pdf", "application/pdf", PDF)
        log_in(web, c, EMAIL, EMAIL)
        list_html = web.get("/inbox").text
        assert "inbox__item--unread" in list_html
        [message_id] = _MESSAGE.findall(list_html)
        html = web.get(f"/inbox/messages/{message_id}").text
        for expected in ("Husleje for april", "1.234,50 DKK", "Betalingskort", "Indbetalingskort (FI-kort)"):
            assert expected in html, expected
        pay_link = re.findall(r'href="(/pay/[^"/]+)"', html)
        assert pay_link
        assert web.get(pay_link[0]).status_code == 200
        attachment_url = f"/inbox/messages/{message_id}/attachments/{added.id}"
        assert attachment_url in html
        pdf = web.get(attachment_url)
        assert pdf.content == PDF
        assert pdf.headers["content-type"] == "application/pdf"
        assert web.get(f"/inbox/messages/{message_id}/attachments/att_nope").status_code == 404
        assert "inbox__item--unread" not in web.get("/inbox").text

    def test_a_third_persons_message_is_not_found(
        self, c: bootstrap.Container, web: TestClient, nordlys: CreatedOrganisation, soeren: Customer
    ) -> None:
        stranger = make_customer(c, nordlys, "Else Fremmed", email="else@fremmed.example")
        request = make_request(c, nordlys, stranger)
        with c.uow() as uow:
            added = add_attachment(uow, principal(nordlys), request.id, "x.pdf", "application/pdf", PDF)
            [theirs] = uow.messages.list_for_customers([stranger.id], 1)
        log_in(web, c, EMAIL, EMAIL)
        response = web.get(f"/inbox/messages/{theirs.id}")
        assert response.status_code == 404
        assert "Siden blev ikke fundet" in response.text
        assert "Fremmed" not in response.text
        assert web.get(f"/inbox/messages/{theirs.id}/attachments/{added.id}").status_code == 404
        with c.uow() as uow:
            assert uow.messages.get(theirs.id).read_at is None  # type: ignore[union-attr]

    def test_an_empty_inbox(self, c: bootstrap.Container, web: TestClient, soeren: Customer) -> None:
        log_in(web, c, EMAIL, EMAIL)
        assert "Du har ingen beskeder endnu." in web.get("/inbox").text


class TestLogout:
    def test_logout_needs_the_session_token_and_ends_the_session(
        self, c: bootstrap.Container, web: TestClient, soeren: Customer
    ) -> None:
        log_in(web, c, EMAIL, EMAIL)
        token = _logout_token(web)
        assert web.post("/inbox/logout", data={"csrf_token": "forged"}).status_code == 403
        assert web.get("/inbox").status_code == 200
        cookie = web.cookies.get(inbox_router.PAYER)
        response = web.post("/inbox/logout", data={"csrf_token": token}, follow_redirects=False)
        assert response.headers["location"] == "/inbox/login"
        web.cookies.set(inbox_router.PAYER, cookie or "")  # the old cookie no longer opens anything
        assert web.get("/inbox", follow_redirects=False).headers["location"] == "/inbox/login"

    def test_logout_without_a_session(self, web: TestClient) -> None:
        response = web.post("/inbox/logout", data={"csrf_token": "x"}, follow_redirects=False)
        assert response.headers["location"] == "/inbox/login"
