"""Portal pages for bank statements: upload, a statement, an entry (undo, set aside, match by hand) and the
unmatched queue with one-click suggestions, for each role, in Danish."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from betal import bootstrap
from betal.domain.payment_request import RequestStatus
from betal.domain.tenancy import Role
from betal.services.organisation import CreatedOrganisation
from betal.web.templating import SECURITY_HEADERS
from tests.services.banking_support import Line, camt053, customer, import_file, own_account, request

from ..portal import Login, csrf_token, log_in, make_user

_ENTRY_LINK = re.compile(r'href="/app/bank/entries/(ent_[0-9A-Z]+)"')


@pytest.fixture
def viewer(container: bootstrap.Container, org: CreatedOrganisation) -> Login:
    return make_user(container, "laeser@hansen.example", "Lise Læser", {org.organisation.id: Role.VIEWER})


def _upload(client: TestClient, token: str, data: bytes, name: str = "kontoudtog.xml") -> Response:
    files = {"file": (name, data, "application/xml")}
    return client.post(
        "/app/bank/statements", data={"csrf_token": token}, files=files, follow_redirects=False
    )


def _status(container: bootstrap.Container, org: CreatedOrganisation, request_id: str) -> RequestStatus:
    with container.uow() as uow:
        found = uow.payment_requests.get(org.organisation.id, request_id)
        assert found is not None
        return found.status


class TestStatements:
    def test_upload_then_the_statement(
        self, client: TestClient, container: bootstrap.Container, org: CreatedOrganisation, owner: Login
    ) -> None:
        wanted = request(container, org, customer(container, org), 12_500, reference="F-1001")
        token = log_in(client, owner)
        data = camt053(
            own_account(container, org), [Line("125.00", reference="F-1001"), Line("9.00", name="Ukendt")]
        )
        response = _upload(client, token, data)
        assert response.status_code == 303
        page = client.get(response.headers["location"])
        assert "Kontoudtoget blev indlæst og afstemt." in page.text
        assert page.text.count('data-testid="entry"') == 2
        assert '<dd data-testid="matched-count">1</dd>' in page.text
        assert _status(container, org, wanted.id) is RequestStatus.PAID
        again = _upload(client, token, data)
        assert "Filen er indlæst før" in client.get(again.headers["location"]).text
        listing = client.get("/app/bank")
        assert listing.text.count('data-testid="statement"') == 1
        assert listing.headers["content-security-policy"] == SECURITY_HEADERS["Content-Security-Policy"]
        assert 'href="/app/bank" aria-current="page"' in listing.text

    def test_a_refused_file_says_why(
        self, client: TestClient, container: bootstrap.Container, org: CreatedOrganisation, owner: Login
    ) -> None:
        token = log_in(client, owner)
        response = _upload(client, token, camt053(own_account(container, org), [Line("1.005")]))
        assert response.status_code == 422
        assert "Filen blev ikke indlæst." in response.text
        assert "line " in response.text
        other = _upload(client, token, camt053("DK5000400440116243", [Line("1.00")]))
        assert "Kontoudtoget er ikke for organisationens konto." in other.text
        empty = client.post("/app/bank/statements", data={"csrf_token": token}, follow_redirects=False)
        assert empty.status_code == 422
        assert "Vælg en camt.053- eller camt.054-fil." in empty.text

    def test_a_viewer_reads_but_cannot_upload(
        self, client: TestClient, container: bootstrap.Container, org: CreatedOrganisation, viewer: Login
    ) -> None:
        import_file(container, org, camt053(own_account(container, org), [Line("1.00")]))
        token = log_in(client, viewer)
        listing = client.get("/app/bank")
        assert 'data-testid="statement"' in listing.text
        assert 'enctype="multipart/form-data"' not in listing.text
        response = _upload(client, token, camt053(own_account(container, org), [Line("2.00")]))
        assert response.status_code == 403

    def test_csrf_is_required(
        self, client: TestClient, container: bootstrap.Container, org: CreatedOrganisation, owner: Login
    ) -> None:
        log_in(client, owner)
        assert (
            _upload(client, "wrong", camt053(own_account(container, org), [Line("1.00")])).status_code == 403
        )

    def test_another_organisations_statement_is_404(
        self, client: TestClient, container: bootstrap.Container, other_org: CreatedOrganisation, owner: Login
    ) -> None:
        theirs = import_file(container, other_org, camt053(own_account(container, other_org), [Line("1.00")]))
        log_in(client, owner)
        assert client.get(f"/app/bank/statements/{theirs.statement.id}").status_code == 404
        assert client.get(f"/app/bank/entries/{theirs.entries[0].id}").status_code == 404


class TestQueueAndEntries:
    def test_accept_a_suggestion_with_one_click(
        self, client: TestClient, container: bootstrap.Container, org: CreatedOrganisation, owner: Login
    ) -> None:
        wanted = request(container, org, customer(container, org, "Jens Hansen"), 125_000)
        import_file(container, org, camt053(own_account(container, org), [Line("1250.00", name="J. Hansen")]))
        log_in(client, owner)
        queue = client.get("/app/bank/unmatched").text
        assert queue.count('data-testid="unmatched-entry"') == 1
        assert (
            "Same amount 1.250,00 DKK; payer &#39;J. Hansen&#39; resembles customer &#39;Jens Hansen&#39;"
            in queue
        )
        [entry_id] = _ENTRY_LINK.findall(queue)[:1]
        form = {
            "csrf_token": csrf_token(queue),
            "payment_request_ids": wanted.id,
            "next": "/app/bank/unmatched",
        }
        accepted = client.post(f"/app/bank/entries/{entry_id}/match", data=form, follow_redirects=False)
        assert accepted.headers["location"] == "/app/bank/unmatched?notice=matched"
        assert "Posteringen blev afstemt og bogført." in client.get(accepted.headers["location"]).text
        assert _status(container, org, wanted.id) is RequestStatus.PAID
        assert "Intet at afstemme" in client.get("/app/bank/unmatched").text

    def test_match_by_hand_refused_then_undone(
        self, client: TestClient, container: bootstrap.Container, org: CreatedOrganisation, owner: Login
    ) -> None:
        small = request(container, org, customer(container, org), 10_000)
        result = import_file(
            container, org, camt053(own_account(container, org), [Line("200.00", name="Nogen")])
        )
        entry_id = result.entries[0].id
        token = log_in(client, owner)
        path = f"/app/bank/entries/{entry_id}/match"
        refused = client.post(
            path, data={"csrf_token": token, "payment_request_ids": small.id}, follow_redirects=False
        )
        assert refused.headers["location"] == f"/app/bank/entries/{entry_id}?error=match.overpay"
        assert (
            "Posteringen er på mere, end de valgte anmodninger skylder."
            in client.get(refused.headers["location"]).text
        )
        bigger = request(container, org, customer(container, org, "Anna Jensen"), 10_000)
        both = {"csrf_token": token, "payment_request_ids": f"{small.id}, {bigger.id}"}
        matched = client.post(path, data=both, follow_redirects=False)
        page = client.get(matched.headers["location"]).text
        assert page.count('data-testid="match"') == 2
        assert "Manuelt" in page
        match_id = re.findall(r'action="/app/bank/matches/(mat_[0-9A-Z]+)/reverse"', page)[0]
        undone = client.post(
            f"/app/bank/matches/{match_id}/reverse", data={"csrf_token": token}, follow_redirects=False
        )
        assert undone.headers["location"] == f"/app/bank/entries/{entry_id}?notice=reversed"
        assert "Afstemningen blev fortrudt" in client.get(undone.headers["location"]).text
        twice = client.post(
            f"/app/bank/matches/{match_id}/reverse", data={"csrf_token": token}, follow_redirects=False
        )
        assert twice.headers["location"] == f"/app/bank/entries/{entry_id}?error=match.reversed"
        assert _status(container, org, small.id) is RequestStatus.OPEN

    def test_set_aside_and_back(
        self, client: TestClient, container: bootstrap.Container, org: CreatedOrganisation, owner: Login
    ) -> None:
        result = import_file(container, org, camt53_interest(container, org))
        entry_id = result.entries[0].id
        token = log_in(client, owner)
        aside = client.post(
            f"/app/bank/entries/{entry_id}/ignore", data={"csrf_token": token}, follow_redirects=False
        )
        assert "Posteringen blev lagt til side." in client.get(aside.headers["location"]).text
        back = client.post(
            f"/app/bank/entries/{entry_id}/ignore",
            data={"csrf_token": token, "ignored": "no"},
            follow_redirects=False,
        )
        assert "tilbage i køen" in client.get(back.headers["location"]).text

    def test_a_viewer_sees_no_buttons(
        self, client: TestClient, container: bootstrap.Container, org: CreatedOrganisation, viewer: Login
    ) -> None:
        request(container, org, customer(container, org), 125_000)
        result = import_file(
            container, org, camt053(own_account(container, org), [Line("1250.00", name="J. Hansen")])
        )
        token = log_in(client, viewer)
        page = client.get(f"/app/bank/entries/{result.entries[0].id}").text
        assert 'data-testid="suggestion"' in page
        assert "Godkend" not in page
        refused = client.post(
            f"/app/bank/entries/{result.entries[0].id}/match",
            data={"csrf_token": token, "payment_request_ids": "x"},
        )
        assert refused.status_code == 403


def camt53_interest(container: bootstrap.Container, org: CreatedOrganisation) -> bytes:
    return camt053(own_account(container, org), [Line("3.12", name="Banken", remittance="Renter")])
