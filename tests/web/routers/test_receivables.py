"""Portal pages for receivables: customers, payment requests (filters, detail, timeline, create, cancel),
payments and mandates, for an owner and a viewer; another organisation's ids are a 404 page."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from betal import bootstrap
from betal.domain.calendar import business_date
from betal.domain.ids import new_id
from betal.domain.mandate import Mandate, MandateStatus
from betal.domain.payment import PaymentStatus
from betal.domain.payment_method import Method
from betal.domain.provider import ProviderPayment
from betal.domain.tenancy import Principal, Role
from betal.ports import Actor
from betal.services.customer import NewCustomer, create_customer
from betal.services.organisation import CreatedOrganisation
from betal.services.payment import begin_payment, record_provider_payment
from betal.services.payment_request import NewPaymentRequest, create_payment_request

from ..portal import Login, log_in, make_user

API_KEY = Actor("api_key", "key_test")
PAGES = ("/app/customers", "/app/payment-requests", "/app/payments", "/app/mandates")


def _owner(org: CreatedOrganisation) -> Principal:
    return Principal(org.organisation.id, Role.OWNER, "api_key", "key_test")


def _customer(container: bootstrap.Container, org: CreatedOrganisation, name: str = "Jens Hansen") -> str:
    with container.uow() as uow:
        data = NewCustomer(
            name, email=f"{name.split()[0].lower()}@example.dk", external_id=f"K-{name.split()[0]}"
        )
        return create_customer(uow, container.cipher, _owner(org), data).id


def _request(
    container: bootstrap.Container, org: CreatedOrganisation, customer_id: str, *, days: int = 14,
    amount: int = 123450, description: str = "Husleje december",
) -> str:  # fmt: skip
    due = business_date(container.clock.now()) + timedelta(days=days)
    data = NewPaymentRequest(
        customer_id, amount, "DKK", due, description, ("card", "fi_card"), reference="F-77"
    )
    with container.uow(API_KEY) as uow:
        return create_payment_request(uow, _owner(org), data).id


def _pay(container: bootstrap.Container, org: CreatedOrganisation, request_id: str) -> str:
    """A card payment of the whole request that succeeds: the request becomes paid."""
    with container.uow() as uow:
        request = uow.payment_requests.get_any(request_id)
        assert request is not None
        payment = begin_payment(uow, request, Method.CARD, provider="card")
    result = ProviderPayment(
        payment.id, f"ref-{payment.id}", PaymentStatus.SUCCEEDED, payment.amount_minor, "DKK"
    )
    with container.uow() as uow:
        record_provider_payment(uow, payment.id, org.organisation.id, result)
    return payment.id


@pytest.fixture
def viewer(container: bootstrap.Container, org: CreatedOrganisation) -> Login:
    return make_user(container, "laeser@hansen.example", "Lise Læser", {org.organisation.id: Role.VIEWER})


def _csrf(client: TestClient, path: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]*)"', client.get(path).text)
    assert match is not None
    return match.group(1)


class TestPagesRender:
    @pytest.mark.parametrize("who", ["owner", "viewer"])
    def test_every_page_renders(
        self, request: pytest.FixtureRequest, client: TestClient, container: bootstrap.Container,
        org: CreatedOrganisation, who: str,
    ) -> None:  # fmt: skip
        customer_id = _customer(container, org)
        request_id = _request(container, org, customer_id)
        _pay(container, org, _request(container, org, customer_id, description="Vand"))
        log_in(client, request.getfixturevalue(who))
        for path in (*PAGES, f"/app/customers/{customer_id}", f"/app/payment-requests/{request_id}"):
            page = client.get(path)
            assert page.status_code == 200, path
            assert "receivables.css" in page.text
            assert 'aria-current="page"' in page.text, path
        forms = [client.get(p).status_code for p in ("/app/customers/new", "/app/payment-requests/new")]
        assert forms == ([200, 200] if who == "owner" else [403, 403])
        detail = client.get(f"/app/payment-requests/{request_id}").text
        assert ("Annuller anmodningen" in detail) is (who == "owner")
        assert ("Ny kunde" in client.get("/app/customers").text) is (who == "owner")

    def test_the_header_links_to_the_pages(self, client: TestClient, owner: Login) -> None:
        log_in(client, owner)
        menu = client.get("/app/").text
        for path in PAGES:
            assert f'href="{path}"' in menu
        assert 'class="portal-nav__link portal-nav__link--current" href="/app/" aria-current="page"' in menu

    def test_lists_show_their_rows(
        self, client: TestClient, container: bootstrap.Container, org: CreatedOrganisation, owner: Login
    ) -> None:
        customer_id = _customer(container, org)
        request_id = _request(container, org, customer_id)
        payment_id = _pay(container, org, request_id)
        now = datetime.now(UTC)
        with container.uow() as uow:
            uow.mandates.add(Mandate(new_id("man"), org.organisation.id, customer_id, Method.BETALINGSSERVICE,
                                     MandateStatus.ACTIVE, "pbs-1", None, now, now))  # fmt: skip
            uow.commit()
        log_in(client, owner)
        customers = client.get("/app/customers").text
        assert "Jens Hansen" in customers
        assert "jens@example.dk" in customers
        requests = client.get("/app/payment-requests").text
        assert "Husleje december" in requests
        assert "1.234,50 DKK" in requests
        assert "Betalt" in requests
        payments = client.get("/app/payments").text
        assert f"/app/payment-requests/{request_id}" in payments
        assert "Betalingskort" in payments
        assert "Gennemført" in payments
        assert payment_id not in payments  # the payment's internal id is not what people read
        mandates = client.get("/app/mandates").text
        assert "Betalingsservice" in mandates
        assert "Aktiv" in mandates
        detail = client.get(f"/app/customers/{customer_id}").text
        assert "Husleje december" in detail
        assert "Aktiv" in detail

    def test_english(
        self, client: TestClient, container: bootstrap.Container, org: CreatedOrganisation, owner: Login
    ) -> None:
        _request(container, org, _customer(container, org))
        log_in(client, owner)
        client.cookies.set("betal_lang", "en")
        page = client.get("/app/payment-requests").text
        assert "Awaiting payment" in page
        assert "1,234.50 DKK" in page

    def test_pages_are_paged(
        self, client: TestClient, container: bootstrap.Container, org: CreatedOrganisation, owner: Login
    ) -> None:
        ids = sorted(_customer(container, org, f"Kunde{n:02d} Hansen") for n in range(27))  # pages go by id
        log_in(client, owner)
        first = client.get("/app/customers").text
        assert first.count('class="data__main"') == 25
        assert f"/app/customers?after={ids[24]}" in first
        second = client.get(f"/app/customers?after={ids[24]}").text
        assert second.count('class="data__main"') == 2
        assert "Første side" in second
        assert "Næste side" not in second


class TestOtherOrganisations:
    def test_their_ids_are_a_404_page(
        self, client: TestClient, container: bootstrap.Container, owner: Login, other_org: CreatedOrganisation
    ) -> None:
        customer_id = _customer(container, other_org)
        request_id = _request(container, other_org, customer_id)
        token = log_in(client, owner)
        for path in (
            f"/app/customers/{customer_id}",
            f"/app/payment-requests/{request_id}",
            "/app/customers/cus_nope",
        ):
            page = client.get(path)
            assert page.status_code == 404, path
            assert "Siden blev ikke fundet" in page.text
            assert "Jens Hansen" not in page.text
        cancel = client.post(f"/app/payment-requests/{request_id}/cancel", data={"csrf_token": token})
        assert cancel.status_code == 404
        with container.uow() as uow:
            stored = uow.payment_requests.get_any(request_id)
        assert stored is not None
        assert stored.status.value == "open"

    def test_their_customer_cannot_be_billed(
        self, client: TestClient, container: bootstrap.Container, owner: Login, other_org: CreatedOrganisation
    ) -> None:
        theirs = _customer(container, other_org)
        token = log_in(client, owner)
        data = {"customer_id": theirs, "amount": "100", "currency": "DKK", "description": "x",
                "due_date": "2030-01-02", "allowed_methods": "card", "csrf_token": token}  # fmt: skip
        page = client.post("/app/payment-requests/new", data=data)
        assert page.status_code == 422
        assert "Vælg en af organisationens kunder." in page.text


class TestCustomerForm:
    def test_creates_and_shows_the_customer(self, client: TestClient, owner: Login) -> None:
        token = log_in(client, owner)
        data = {"name": "  Café  Ørsted ApS ", "email": "KONTOR@orsted.example", "phone": "20 30 40 50",
                "cvr": "25313763", "external_id": "ERP-9", "csrf_token": token}  # fmt: skip
        created = client.post("/app/customers/new", data=data, follow_redirects=False)
        assert created.status_code == 303
        assert re.fullmatch(r"/app/customers/cus_\w+\?notice=created", created.headers["location"])
        page = client.get(created.headers["location"]).text
        assert "Café Ørsted ApS" in page
        assert "kontor@orsted.example" in page
        assert "+4520304050" in page
        assert "Kunden er oprettet." in page

    def test_errors_are_shown_next_to_each_field(self, client: TestClient, owner: Login) -> None:
        token = log_in(client, owner)
        data = {
            "name": "Jens",
            "email": "ikke-en-mail",
            "phone": "12",
            "cpr": "991399-1234",
            "csrf_token": token,
        }
        page = client.post("/app/customers/new", data=data)
        assert page.status_code == 422
        expected = {"email": "Skriv en gyldig e-mailadresse.", "phone": "Skriv et gyldigt telefonnummer",
                    "cpr": "Skriv et gyldigt CPR-nummer"}  # fmt: skip
        for field, message in expected.items():
            assert re.search(rf'id="{field}"[^>]*aria-invalid="true"', page.text), field
            assert f'<p class="field__error" id="{field}-error">{message}' in page.text
        assert "991399-1234" not in page.text  # a personal number is never echoed
        assert 'value="ikke-en-mail"' in page.text

    def test_an_email_or_a_phone_is_needed(self, client: TestClient, owner: Login) -> None:
        token = log_in(client, owner)
        page = client.post("/app/customers/new", data={"name": "Jens", "csrf_token": token})
        assert page.status_code == 422
        assert "Angiv en e-mailadresse eller et telefonnummer, så kunden kan få besked." in page.text

    def test_a_taken_external_id(
        self, client: TestClient, container: bootstrap.Container, org: CreatedOrganisation, owner: Login
    ) -> None:
        _customer(container, org)  # external id K-Jens
        token = log_in(client, owner)
        data = {"name": "Jens Two", "email": "j2@x.dk", "external_id": "K-Jens", "csrf_token": token}
        assert (
            "En anden kunde har allerede dette eksterne id."
            in client.post("/app/customers/new", data=data).text
        )

    def test_needs_the_csrf_token_and_the_bill_permission(self, client: TestClient, viewer: Login) -> None:
        token = log_in(client, viewer)
        assert client.post("/app/customers/new", data={"name": "X", "email": "x@x.dk"}).status_code == 403
        refused = client.post(
            "/app/customers/new", data={"name": "X", "email": "x@x.dk", "csrf_token": token}
        )
        assert refused.status_code == 403


class TestPaymentRequestForm:
    def _form(
        self, token: str, customer_id: str, changes: dict[str, object] | None = None
    ) -> dict[str, object]:
        due = (datetime.now(UTC).date() + timedelta(days=10)).isoformat()
        return {"customer_id": customer_id, "amount": "1.234,50", "currency": "DKK", "due_date": due,
                "description": "Husleje januar", "reference": "F-1", "allowed_methods": ["card", "fi_card"],
                "csrf_token": token} | (changes or {})  # fmt: skip

    def test_offers_the_organisations_agreements_and_customers(
        self, client: TestClient, container: bootstrap.Container, org: CreatedOrganisation, owner: Login
    ) -> None:
        customer_id = _customer(container, org)
        log_in(client, owner)
        form = client.get(f"/app/payment-requests/new?customer={customer_id}").text
        assert f'<option value="{customer_id}" selected>Jens Hansen (K-Jens)</option>' in form
        boxes = re.findall(r'name="allowed_methods" value="(\w+)"', form)
        assert sorted(boxes) == sorted(m.value for m in Method)

    @pytest.mark.parametrize(
        ("typed", "minor"),
        [
            ("1.234,50", 123450),
            ("1234,5", 123450),
            ("1234", 123400),
            ("0,01", 1),
            ("12.345.678,90 kr.", 1234567890),
        ],
    )
    def test_creates_with_the_amount_in_kroner_exactly(
        self, client: TestClient, container: bootstrap.Container, org: CreatedOrganisation, owner: Login,
        typed: str, minor: int,
    ) -> None:  # fmt: skip
        customer_id = _customer(container, org)
        token = log_in(client, owner)
        form = self._form(token, customer_id, {"amount": typed})
        created = client.post("/app/payment-requests/new", data=form, follow_redirects=False)
        assert created.status_code == 303, created.text
        request_id = created.headers["location"].split("/")[-1].split("?")[0]
        with container.uow() as uow:
            stored = uow.payment_requests.get_any(request_id)
        assert stored is not None
        assert (stored.amount_minor, stored.reference, stored.description) == (minor, "F-1", "Husleje januar")
        assert [m.value for m in stored.allowed_methods] == ["card", "fi_card"]
        page = client.get(created.headers["location"]).text
        assert stored.fi_payment_line is not None
        assert stored.fi_payment_line.replace("<", "&lt;") in page
        assert re.search(r'id="pay-url" readonly value="http://127\.0\.0\.1:8000/pay/[\w.-]+"', page)

    @pytest.mark.parametrize(
        ("changes", "field", "message"),
        [
            ({"amount": "1,234.50"}, "amount", "Skriv beløbet i kroner, fx 1.234,50."),
            ({"amount": "12,345"}, "amount", "Beløbet har flere decimaler, end valutaen tillader."),
            ({"amount": "0"}, "amount", "Beløbet skal være over 0"),
            ({"amount": "20.000.000.000"}, "amount", "Beløbet skal være over 0"),
            ({"due_date": "2020-01-01"}, "due_date", "Forfaldsdatoen kan ikke ligge i fortiden."),
            ({"due_date": "1/2/2030"}, "due_date", "Skriv datoen som ÅÅÅÅ-MM-DD."),
            ({"description": "  "}, "description", "Udfyld feltet."),
            ({"allowed_methods": []}, "allowed_methods", "Vælg mindst én betalingsmetode."),
            ({"currency": "EUR"}, "currency", "Indbetalingskort kan kun bruges i DKK"),
            ({"customer_id": ""}, "customer_id", "Udfyld feltet."),
        ],
    )
    def test_errors_next_to_the_field_and_nothing_created(
        self, client: TestClient, container: bootstrap.Container, org: CreatedOrganisation, owner: Login,
        changes: dict[str, object], field: str, message: str,
    ) -> None:  # fmt: skip
        customer_id = _customer(container, org)
        token = log_in(client, owner)
        page = client.post("/app/payment-requests/new", data=self._form(token, customer_id, changes))
        assert page.status_code == 422
        assert f'<p class="field__error" id="{field}-error">{message}' in page.text
        assert "Betalingsanmodningen blev ikke oprettet." in page.text
        with container.uow() as uow:
            assert uow.payment_requests.list_page(org.organisation.id, status=None, customer_id=None,
                                                  after_id=None, limit=5) == []  # fmt: skip

    def test_several_errors_at_once_keep_what_was_typed(
        self, client: TestClient, container: bootstrap.Container, org: CreatedOrganisation, owner: Login
    ) -> None:
        token = log_in(client, owner)
        data = self._form(token, "", {"amount": "abc", "due_date": "", "description": "Vinduespudsning"})
        page = client.post("/app/payment-requests/new", data=data).text
        assert {"customer_id", "amount", "due_date"} <= set(re.findall(r'id="(\w+)-error"', page))
        assert 'value="abc"' in page
        assert ">Vinduespudsning</textarea>" in page


class TestPaymentRequestList:
    def test_filters_by_status_customer_and_due_date(
        self, client: TestClient, container: bootstrap.Container, org: CreatedOrganisation, owner: Login
    ) -> None:
        jens, anna = _customer(container, org), _customer(container, org, "Anna Berg")
        _request(container, org, jens, days=5, description="Tidlig")
        _request(container, org, jens, days=40, description="Sen")
        _pay(container, org, _request(container, org, anna, days=10, description="Betalt allerede"))
        log_in(client, owner)

        def shown(query: str) -> set[str]:
            page = client.get(f"/app/payment-requests?{query}")
            assert page.status_code == 200
            return set(re.findall(r'class="data__main" href="[^"]+">([^<]+)<', page.text))

        today = business_date(datetime.now(UTC))
        assert shown("") == {"Tidlig", "Sen", "Betalt allerede"}
        assert shown("status=paid") == {"Betalt allerede"}
        assert shown(f"customer={jens}") == {"Tidlig", "Sen"}
        assert shown(f"due_from={(today + timedelta(days=7)).isoformat()}") == {"Sen", "Betalt allerede"}
        assert shown(f"due_to={(today + timedelta(days=7)).isoformat()}&customer={jens}") == {"Tidlig"}
        assert shown("status=open&due_from=2000-01-01&due_to=2000-12-31") == set()

    def test_a_bad_filter_is_shown_not_an_error_page(self, client: TestClient, owner: Login) -> None:
        log_in(client, owner)
        page = client.get("/app/payment-requests?status=lost&due_from=31-12-2030")
        assert page.status_code == 200
        assert "Vælg en status på listen." in page.text
        assert "Skriv datoen som ÅÅÅÅ-MM-DD." in page.text

    def test_the_next_page_keeps_the_filter(
        self, client: TestClient, container: bootstrap.Container, org: CreatedOrganisation, owner: Login
    ) -> None:
        customer_id = _customer(container, org)
        ids = [
            _request(container, org, customer_id, days=3, amount=100 + n, description=f"R{n}")
            for n in range(26)
        ]
        log_in(client, owner)
        page = client.get(f"/app/payment-requests?status=open&customer={customer_id}").text
        assert f"/app/payment-requests?status=open&amp;customer={customer_id}&amp;after={ids[24]}" in page


class TestDetailAndCancel:
    def test_timeline_newest_last(
        self, client: TestClient, container: bootstrap.Container, org: CreatedOrganisation, owner: Login
    ) -> None:
        request_id = _request(container, org, _customer(container, org))
        _pay(container, org, request_id)
        log_in(client, owner)
        page = client.get(f"/app/payment-requests/{request_id}").text
        timeline = page[page.index('data-testid="timeline"') :]
        order = ["Betalingsanmodningen blev oprettet", "Betaling startet med Betalingskort",
                 "Betalingen gik igennem", "Betalt fuldt ud"]  # fmt: skip
        positions = [timeline.index(text) for text in order]
        assert positions == sorted(positions)
        assert timeline.count("Betalingen gik igennem") == 1  # told by the audit log and the event: once
        assert "API-nøgle" in timeline  # who created it
        assert '<dd data-testid="paid">1.234,50 DKK</dd>' in page
        assert "Annuller anmodningen" not in page  # a paid request cannot be cancelled

    def test_cancel_then_an_illegal_cancel_shows_the_error(
        self, client: TestClient, container: bootstrap.Container, org: CreatedOrganisation, owner: Login
    ) -> None:
        request_id = _request(container, org, _customer(container, org))
        token = log_in(client, owner)
        path = f"/app/payment-requests/{request_id}"
        done = client.post(f"{path}/cancel", data={"csrf_token": token}, follow_redirects=False)
        assert (done.status_code, done.headers["location"]) == (303, f"{path}?notice=cancelled")
        page = client.get(done.headers["location"]).text
        assert "Betalingsanmodningen er annulleret." in page
        assert (
            '<span data-testid="status"><span class="tag status status--cancelled">Annulleret</span>' in page
        )
        assert "Mette Hansen" in page[page.index('data-testid="timeline"') :]  # the user who cancelled
        again = client.post(f"{path}/cancel", data={"csrf_token": token})
        assert again.status_code == 200
        assert "Betalingsanmodningen kan ikke annulleres, fordi dens status er “annulleret”." in again.text

    def test_cancel_needs_the_csrf_token(
        self, client: TestClient, container: bootstrap.Container, org: CreatedOrganisation, owner: Login
    ) -> None:
        request_id = _request(container, org, _customer(container, org))
        log_in(client, owner)
        response = client.post(f"/app/payment-requests/{request_id}/cancel", data={"csrf_token": "forged"})
        assert response.status_code == 403
        assert "Formularen er udløbet" in response.text
        with container.uow() as uow:
            stored = uow.payment_requests.get_any(request_id)
        assert stored is not None
        assert stored.status.value == "open"

    def test_a_viewer_cannot_cancel(
        self, client: TestClient, container: bootstrap.Container, org: CreatedOrganisation, viewer: Login
    ) -> None:
        request_id = _request(container, org, _customer(container, org))
        token = log_in(client, viewer)
        assert (
            client.post(f"/app/payment-requests/{request_id}/cancel", data={"csrf_token": token}).status_code
            == 403
        )

    def test_login_is_needed(self, client: TestClient) -> None:
        response = client.get("/app/payment-requests?status=open", follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == "/app/login?next=/app/payment-requests%3Fstatus%3Dopen"
