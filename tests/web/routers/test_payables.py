"""Portal pages for suppliers and supplier invoices: create and change suppliers (the bank change shown as a
warning with its history), book invoices by upload or typed form, the invoice page with its PDF viewer and
the e-invoice page; roles, CSRF, and another organisation's ids as 404 pages."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from betal import bootstrap
from betal.domain.tenancy import Role
from betal.services.organisation import CreatedOrganisation
from tests.services.payables_support import book, counts, load, make_supplier, typed

from ..portal import Login, log_in, make_user

PDF = b"%PDF-1.4\n%%EOF\n"
PAGES = (
    "/app/payables/suppliers",
    "/app/payables/invoices",
    "/app/payables/invoices/new",
    "/app/payables/suppliers/new",
)


@pytest.fixture
def viewer(container: bootstrap.Container, org: CreatedOrganisation) -> Login:
    return make_user(container, "laeser@hansen.example", "Lise Læser", {org.organisation.id: Role.VIEWER})


def _errors(html: str) -> list[str]:
    return re.findall(r'class="field__error"[^>]*>([^<]*)<', html)


def _invoice_form(supplier_id: str, csrf: str, **changes: str) -> dict[str, str]:
    return {
        "csrf_token": csrf, "supplier_id": supplier_id, "invoice_number": "T-1", "issue_date": "2026-03-02",
        "due_date": "2026-03-16", "total": "1.250,00", "vat_amount": "250,00", "currency": "DKK",
        "means_kind": "fi_card", "means_fi_card_type": "71", "means_fi_payment_id": "000000067097535",
        "means_fi_creditor_number": "85799665", "means_iban": "left over from another kind",
    } | changes  # fmt: skip


class TestSuppliers:
    def test_every_page_renders_for_a_bookkeeper(self, client: TestClient, accountant: Login) -> None:
        log_in(client, accountant)
        for path in PAGES:
            response = client.get(path)
            assert response.status_code == 200, path
            assert response.headers["content-security-policy"].startswith("default-src 'self'")
        nav = client.get("/app/payables/invoices").text
        assert 'href="/app/payables/invoices" aria-current="page"' in nav

    def test_create_then_change_bank_details_shows_the_warning_and_history(
        self, client: TestClient, container: bootstrap.Container, accountant: Login
    ) -> None:
        csrf = log_in(client, accountant)
        form = {"csrf_token": csrf, "name": "Kontorland A/S", "cvr": "13748136", "dk_reg_no": "0040",
                "dk_account_no": "440116243"}  # fmt: skip
        created = client.post("/app/payables/suppliers/new", data=form, follow_redirects=False)
        assert created.status_code == 303
        location = created.headers["location"]
        supplier_id = location.split("/")[-1].split("?")[0]
        page = client.get(location).text
        assert "Leverandøren er oprettet." in page
        assert 'data-testid="bank-warning"' not in page
        edit = client.get(f"/app/payables/suppliers/{supplier_id}/edit").text
        assert 'value="0440116243"' in edit
        changed = client.post(
            f"/app/payables/suppliers/{supplier_id}/edit",
            data=form | {"dk_reg_no": "5301", "dk_account_no": "0123456789"}, follow_redirects=True,
        )  # fmt: skip
        assert 'data-testid="bank-warning"' in changed.text
        assert "kræver to godkendelser" in changed.text
        history = changed.text.split('data-testid="bank-changes"')[1]
        assert "0440116243" in history
        assert "0123456789" in history

    def test_bad_details_are_shown_next_to_the_fields(self, client: TestClient, accountant: Login) -> None:
        csrf = log_in(client, accountant)
        form = {"csrf_token": csrf, "name": "X", "iban": "DK5000400440116244", "dk_reg_no": "0040"}
        response = client.post("/app/payables/suppliers/new", data=form)
        assert response.status_code == 422
        assert _errors(response.text) == [
            "Skriv det 4-cifrede reg.nr. og et kontonummer på højst 10 cifre.",
            "Skriv et gyldigt IBAN, fx DK50 0040 0440 1162 43.",
        ]

    def test_a_duplicate_cvr(
        self, client: TestClient, container: bootstrap.Container, org: CreatedOrganisation, accountant: Login
    ) -> None:
        make_supplier(container, org)
        csrf = log_in(client, accountant)
        response = client.post(
            "/app/payables/suppliers/new", data={"csrf_token": csrf, "name": "Y", "cvr": "13748136"}
        )
        assert _errors(response.text) == ["En anden leverandør har allerede dette CVR-nummer."]

    def test_a_viewer_reads_but_cannot_create(
        self, client: TestClient, container: bootstrap.Container, org: CreatedOrganisation, viewer: Login
    ) -> None:
        supplier = make_supplier(container, org)
        csrf = log_in(client, viewer)
        page = client.get(f"/app/payables/suppliers/{supplier.id}")
        assert page.status_code == 200
        assert "/edit" not in page.text
        assert client.get("/app/payables/suppliers/new").status_code == 403
        response = client.post("/app/payables/suppliers/new", data={"csrf_token": csrf, "name": "Z"})
        assert response.status_code == 403

    def test_a_form_without_csrf_is_refused(
        self, client: TestClient, container: bootstrap.Container, accountant: Login
    ) -> None:
        log_in(client, accountant)
        before = counts(container)
        assert client.post("/app/payables/suppliers/new", data={"name": "Z"}).status_code == 403
        assert counts(container) == before


class TestInvoices:
    def test_upload_an_e_invoice_and_see_it(
        self, client: TestClient, container: bootstrap.Container, accountant: Login
    ) -> None:
        csrf = log_in(client, accountant)
        files = {"ubl": ("faktura.xml", load("peppol-fik71-pdf.xml"), "application/xml")}
        response = client.post("/app/payables/invoices/upload", data={"csrf_token": csrf}, files=files,
                               follow_redirects=False)  # fmt: skip
        assert response.status_code == 303
        page = client.get(response.headers["location"])
        assert "Fakturaen er bogført." in page.text
        assert "+71&lt;000020260004179+87654321&lt;" in page.text
        assert "15.093,75 DKK" in page.text
        viewer_src = re.search(r'data-testid="pdf-viewer"|src="([^"]+/documents/sdoc_[^"]+)"', page.text)
        assert viewer_src is not None
        pdf_url = re.findall(r'<iframe[^>]*src="([^"]+)"', page.text)[0]
        pdf = client.get(pdf_url)
        assert (pdf.status_code, pdf.content[:5]) == (200, b"%PDF-")
        assert pdf.headers["content-disposition"].startswith("inline;")
        assert pdf.headers["content-security-policy"] == "frame-ancestors 'self'"
        assert pdf.headers["x-frame-options"] == "SAMEORIGIN"
        assert client.get(pdf_url + "?download=1").headers["content-disposition"].startswith("attachment;")
        xml_url = re.findall(r'href="([^"]+/documents/sdoc_[^"?]+)\?download=1">2026-0417\.xml', page.text)[0]
        xml = client.get(xml_url)
        assert xml.headers["content-disposition"].startswith("attachment;")
        assert "sandbox" in xml.headers["content-security-policy"]
        e_invoice = client.get(re.findall(r'href="([^"]+/e-invoice)"', page.text)[0])
        assert e_invoice.status_code == 200
        assert "Nordlys Software ApS" in e_invoice.text
        assert "Fjordhandel A/S" in e_invoice.text
        assert "Konsulentbistand, integration februar" in e_invoice.text

    def test_a_bad_e_invoice_lists_its_problems(
        self, client: TestClient, container: bootstrap.Container, accountant: Login
    ) -> None:
        csrf = log_in(client, accountant)
        before = counts(container)
        files = {"ubl": ("f.xml", load("peppol-totals-off.xml"), "application/xml")}
        response = client.post("/app/payables/invoices/upload", data={"csrf_token": csrf}, files=files)
        assert response.status_code == 422
        problems = response.text.split('data-testid="problems"')[1]
        assert "line 132: TaxInclusiveAmount 15193.75 does not add up" in problems
        assert counts(container) == before
        empty = client.post("/app/payables/invoices/upload", data={"csrf_token": csrf},
                            files={"ubl": ("", b"", "application/xml")})  # fmt: skip
        assert _errors(empty.text) == ["Vælg en OIOUBL- eller Peppol-XML-fil."]

    def test_type_in_an_invoice_with_its_pdf(
        self, client: TestClient, container: bootstrap.Container, org: CreatedOrganisation, accountant: Login
    ) -> None:
        supplier = make_supplier(container, org)
        csrf = log_in(client, accountant)
        files = {"pdf": ("Faktura T-1.pdf", PDF, "application/pdf")}
        form = _invoice_form(supplier.id, csrf)
        response = client.post("/app/payables/invoices/new", data=form, files=files, follow_redirects=False)
        assert response.status_code == 303
        page = client.get(response.headers["location"]).text
        assert "1.250,00 DKK" in page
        assert "Faktura T-1.pdf" in page
        assert 'data-testid="pdf-viewer"' in page
        listed = client.get("/app/payables/invoices").text
        assert "T-1" in listed
        assert "Klar til betaling" in listed

    @pytest.mark.parametrize(
        ("changes", "errors"),
        [
            ({"means_fi_payment_id": "000000067097536"},
             ["Betalings-id er forkert: kontrollér længden og kontrolcifferet."]),
            ({"total": "1.250,005"}, ["Skriv beløbet i kroner, fx 1.234,50."]),
            ({"vat_amount": "250", "total": "1.000,00", "currency": "EUR"},
             ["FI-kort og danske konti betales kun i DKK: betal andre valutaer til et IBAN."]),
            ({"due_date": "2026-02-30", "invoice_number": ""},
             ["Udfyld feltet.", "Skriv datoen som ÅÅÅÅ-MM-DD."]),
        ],
    )  # fmt: skip
    def test_typed_errors_next_to_the_fields(
        self, client: TestClient, container: bootstrap.Container, org: CreatedOrganisation, accountant: Login,
        changes: dict[str, str], errors: list[str],
    ) -> None:  # fmt: skip
        supplier = make_supplier(container, org)
        csrf = log_in(client, accountant)
        before = counts(container)
        response = client.post("/app/payables/invoices/new", data=_invoice_form(supplier.id, csrf, **changes))
        assert response.status_code == 422
        assert _errors(response.text) == errors
        assert counts(container) == before

    def test_a_duplicate_is_explained(
        self, client: TestClient, container: bootstrap.Container, org: CreatedOrganisation, accountant: Login
    ) -> None:
        supplier = make_supplier(container, org)
        first = book(container, org, typed(supplier.id, invoice_number="T-1"))
        csrf = log_in(client, accountant)
        response = client.post("/app/payables/invoices/new", data=_invoice_form(supplier.id, csrf))
        assert response.status_code == 422
        assert first.id in response.text
        assert _errors(response.text) == ["Leverandørens faktura med dette nummer er allerede bogført."]

    def test_add_a_pdf_later_and_refuse_other_files(
        self, client: TestClient, container: bootstrap.Container, org: CreatedOrganisation, accountant: Login
    ) -> None:
        invoice = book(container, org, typed(make_supplier(container, org).id, means=None))
        csrf = log_in(client, accountant)
        page = client.get(f"/app/payables/invoices/{invoice.id}").text
        assert 'data-testid="not-payable"' in page
        url = f"/app/payables/invoices/{invoice.id}/documents"
        refused = client.post(
            url, data={"csrf_token": csrf}, files={"pdf": ("x.png", b"\x89PNG", "image/png")}
        )
        assert "notice=pdf_refused" in str(refused.url)
        added = client.post(url, data={"csrf_token": csrf}, files={"pdf": ("f.pdf", PDF, "application/pdf")})
        assert "PDF-filen er føjet til fakturaen." in added.text
        assert 'data-testid="pdf-viewer"' in added.text

    def test_filters(
        self, client: TestClient, container: bootstrap.Container, org: CreatedOrganisation, accountant: Login
    ) -> None:
        first, second = make_supplier(container, org), make_supplier(container, org, name="Brandt", cvr=None)
        book(container, org, typed(first.id, invoice_number="A-1"))
        book(container, org, typed(second.id, invoice_number="B-1"))
        log_in(client, accountant)
        page = client.get(f"/app/payables/invoices?supplier={second.id}").text
        assert "B-1" in page
        assert "A-1" not in page
        assert "A-1" not in client.get("/app/payables/invoices?status=paid").text
        bad = client.get("/app/payables/invoices?status=nope")
        assert "Vælg en status på listen." in bad.text


class TestOtherOrganisations:
    def test_their_ids_are_404_pages(
        self, client: TestClient, container: bootstrap.Container, other_org: CreatedOrganisation, owner: Login
    ) -> None:
        supplier = make_supplier(container, other_org)
        invoice = book(container, other_org, typed(supplier.id))
        log_in(client, owner)
        for path in (f"/app/payables/suppliers/{supplier.id}", f"/app/payables/suppliers/{supplier.id}/edit",
                     f"/app/payables/invoices/{invoice.id}", f"/app/payables/invoices/{invoice.id}/e-invoice",
                     f"/app/payables/invoices/{invoice.id}/documents/sdoc_x"):  # fmt: skip
            response = client.get(path)
            assert response.status_code == 404, path
            assert response.headers["content-type"].startswith("text/html")
