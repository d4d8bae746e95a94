"""Portal pages for the ledger: overview with the balance chart, the journal (CSV, reversal), the trial
balance and the receivables and payables agings, in Danish and English, for each role."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient

from betal import bootstrap
from betal.domain.payment_method import Method
from betal.domain.tenancy import Principal, Role
from betal.services.organisation import CreatedOrganisation
from betal.services.supplier import SupplierInput, create_supplier
from betal.services.supplier_invoice import InvoiceInput, create_invoice
from betal.web.templating import SECURITY_HEADERS
from tests.services.ledger_support import entries, new_request, pay_by_provider

from ..portal import Login, log_in, make_user

PAGES = (
    "/app/ledger", "/app/ledger/journal", "/app/ledger/trial-balance", "/app/ledger/receivables-aging",
    "/app/ledger/payables-aging",
)  # fmt: skip


@pytest.fixture
def viewer(container: bootstrap.Container, org: CreatedOrganisation) -> Login:
    return make_user(container, "laeser@hansen.example", "Lise Læser", {org.organisation.id: Role.VIEWER})


@pytest.fixture
def booked(container: bootstrap.Container, org: CreatedOrganisation) -> str:
    """Two requests (one paid by card), so every page has something to show; returns the paid one's id."""
    new_request(container, org, amount=150_000, vat=30_000)
    paid = new_request(container, org, amount=12_550, vat=2_510)
    pay_by_provider(container, org, paid.id, Method.CARD)
    return paid.id


class TestPages:
    @pytest.mark.parametrize("who", ["owner", "viewer"])
    def test_every_page_renders_for_every_member(
        self, request: pytest.FixtureRequest, client: TestClient, booked: str, who: str
    ) -> None:
        log_in(client, request.getfixturevalue(who))
        for path in PAGES:
            page = client.get(path)
            assert page.status_code == 200, path
            assert "ledger.css" in page.text
            assert f'href="{path}" aria-current="page"' in page.text, path
            assert page.headers["content-security-policy"] == SECURITY_HEADERS["Content-Security-Policy"]
            assert "<script" not in page.text
            assert "style=" not in page.text  # the CSP allows no inline style
        journal = client.get("/app/ledger/journal").text
        assert ("Tilbagefør bilag 3" in journal) is (who == "owner")

    def test_the_menu_links_to_the_ledger(self, client: TestClient, owner: Login) -> None:
        log_in(client, owner)
        menu = client.get("/app/").text
        assert '<a class="portal-nav__link" href="/app/ledger">Regnskab</a>' in menu
        assert 'href="/app/ledger" aria-current="page"' in client.get("/app/ledger/journal").text

    def test_the_overview_draws_the_balances(self, client: TestClient, owner: Login, booked: str) -> None:
        log_in(client, owner)
        page = client.get("/app/ledger").text
        svg = page[page.index("<svg") : page.index("</svg>")]
        assert 'role="img"' in svg
        lines = re.findall(
            r'<polyline class="ledger-chart__line ledger-chart__line--(\w+)" points="([^"]+)"', svg
        )
        assert [role for role, _ in lines] == ["bank", "receivables"]
        assert all(len(points.split()) == 30 for _, points in lines)
        assert "Tilgodehavender: <strong>1.500,00 DKK</strong>" in page
        assert "Regnskabet stemmer" in page

    def test_the_journal_shows_entries_with_postings(
        self, client: TestClient, owner: Login, booked: str
    ) -> None:
        log_in(client, owner)
        page = client.get("/app/ledger/journal").text
        assert page.index("Bilag 3") < page.index("Bilag 2") < page.index("Bilag 1")
        assert '<span class="mono">5740</span> Mellemregning betalingskort' in page
        assert "125,50 DKK" in page
        assert "Betaling" in page
        client.cookies.set("betal_lang", "en")
        english = client.get("/app/ledger/journal").text
        assert "Entry 3" in english
        assert "125.50 DKK" in english

    def test_the_journal_is_paged_and_filtered(
        self, client: TestClient, container: bootstrap.Container, org: CreatedOrganisation, owner: Login
    ) -> None:
        for n in range(27):
            new_request(container, org, amount=1_000 + n, vat=0)
        log_in(client, owner)
        first = client.get("/app/ledger/journal").text
        assert first.count('class="entry__title"') == 25
        assert "/app/ledger/journal?after=3" in first
        second = client.get("/app/ledger/journal?after=3").text
        assert second.count('class="entry__title"') == 2
        assert "Første side" in second
        none = client.get("/app/ledger/journal?date_to=2000-01-01").text
        assert "Ingen bilag" in none
        assert 'href="/app/ledger/journal.csv?date_to=2000-01-01"' in none

    def test_bad_dates_are_shown_next_to_the_field(
        self, client: TestClient, owner: Login, booked: str
    ) -> None:
        log_in(client, owner)
        page = client.get("/app/ledger/journal?date_from=2026-13-01&date_to=x").text
        assert '<p class="field__error" id="date_from-error">Skriv datoen som ÅÅÅÅ-MM-DD.</p>' in page
        assert 'id="date_to-error"' in page
        assert page.count('class="entry__title"') == 3  # no filter used
        backwards = client.get("/app/ledger/journal?date_from=2026-03-02&date_to=2026-03-01").text
        assert "Slutdatoen ligger før startdatoen." in backwards
        assert 'aria-invalid="true"' in client.get("/app/ledger/trial-balance?date=nope").text

    def test_the_trial_balance(self, client: TestClient, owner: Login, booked: str) -> None:
        log_in(client, owner)
        page = client.get("/app/ledger/trial-balance").text
        assert '<span class="mono">7110</span> Salgsmoms' in page
        assert "I alt DKK" in page
        assert "Regnskabet stemmer: debet er lig kredit i hver valuta og i DKK." in page
        assert "Intet bogført endnu" in client.get("/app/ledger/trial-balance?date=2000-01-01").text

    def test_the_receivables_aging(self, client: TestClient, owner: Login, booked: str) -> None:
        log_in(client, owner)
        page = client.get("/app/ledger/receivables-aging").text
        assert "Jens Hansen" in page
        assert "1 åben anmodning" in page
        assert "1.500,00 DKK" in page
        assert "Ikke forfalden" in page
        assert "Intet udestående" in client.get("/app/ledger/receivables-aging?date=2000-01-01").text

    def test_the_payables_aging(
        self, client: TestClient, owner: Login, container: bootstrap.Container, org: CreatedOrganisation
    ) -> None:
        principal = Principal(org.organisation.id, Role.OWNER, "api_key", "key_test")
        today = date.today()
        with container.uow() as uow:
            kontor = create_supplier(uow, principal, SupplierInput("Kontorland A/S"))
        with container.uow() as uow:
            issued, due_date = today - timedelta(days=40), today - timedelta(days=10)
            data = InvoiceInput(kontor.id, "F-1", issued, due_date, "DKK", 25_000, 125_000)
            create_invoice(uow, principal, data)
        log_in(client, owner)
        page = client.get("/app/ledger/payables-aging").text
        assert "Kontorland A/S" in page
        assert "1 åben faktura" in page
        assert "1.250,00 DKK" in page
        assert 'href="/app/ledger/payables-aging"' in client.get("/app/ledger").text
        assert "Intet at betale" in client.get("/app/ledger/payables-aging?date=2000-01-01").text


class TestCsv:
    def test_download(self, client: TestClient, owner: Login, booked: str) -> None:
        log_in(client, owner)
        response = client.get("/app/ledger/journal.csv")
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/csv; charset=utf-8"
        rows = list(csv.DictReader(io.StringIO(response.text)))
        assert [r["entry_number"] for r in rows] == ["1", "1", "1", "2", "2", "2", "3", "3"]
        assert rows[3]["debit"] == "125.50"

    def test_needs_a_login(self, client: TestClient) -> None:
        response = client.get("/app/ledger/journal.csv", follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/app/login")


class TestReverse:
    def test_the_owner_reverses_an_entry_once(
        self,
        client: TestClient,
        container: bootstrap.Container,
        org: CreatedOrganisation,
        owner: Login,
        booked: str,
    ) -> None:
        token = log_in(client, owner)
        entry = entries(container, org)[0]
        path = f"/app/ledger/journal/{entry.id}/reverse"
        done = client.post(
            path, data={"csrf_token": token, "reason": "Forkert kunde"}, follow_redirects=False
        )
        assert (done.status_code, done.headers["location"]) == (303, "/app/ledger/journal?notice=reversed")
        journal = client.get(done.headers["location"]).text
        assert "Bilaget er tilbageført." in journal
        assert '<span class="tag tag--reversed">Tilbageført</span>' in journal
        assert "Tilbagefør bilag 1" not in journal  # reversed: nothing more to reverse
        assert "Tilbagefør bilag 4" not in journal  # a reversal is final
        assert "Tilbagefør bilag 2" in journal
        assert entries(container, org)[-1].description == "Tilbageførsel af bilag 1: Forkert kunde"
        again = client.post(path, data={"csrf_token": token}, follow_redirects=False)
        assert again.headers["location"] == "/app/ledger/journal?notice=not_reversed"
        assert len(entries(container, org)) == 4

    def test_without_the_token_or_the_role_nothing_is_reversed(
        self,
        client: TestClient,
        container: bootstrap.Container,
        org: CreatedOrganisation,
        viewer: Login,
        booked: str,
    ) -> None:
        token = log_in(client, viewer)
        entry = entries(container, org)[0]
        path = f"/app/ledger/journal/{entry.id}/reverse"
        assert client.post(path, data={"csrf_token": "wrong"}).status_code == 403
        assert client.post(path, data={"csrf_token": token}).status_code == 403
        assert len(entries(container, org)) == 3

    def test_another_organisations_entry_is_a_404(
        self,
        client: TestClient,
        container: bootstrap.Container,
        owner: Login,
        other_org: CreatedOrganisation,
    ) -> None:
        new_request(container, other_org)
        theirs = entries(container, other_org)[0]
        token = log_in(client, owner)
        response = client.post(f"/app/ledger/journal/{theirs.id}/reverse", data={"csrf_token": token})
        assert response.status_code == 404
        assert len(entries(container, other_org)) == 1
