"""The supplier and invoice forms of the portal: kroner amounts read exactly, payment means read only from
the fields of the kind chosen, and the services' problems turned into the keys the templates translate."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from io import BytesIO
from typing import TypeVar

import pytest
from starlette.datastructures import Headers, UploadFile

from betal.domain.errors import FieldProblem, InvalidInput, NotFound
from betal.domain.payables import DocumentKind, PaymentMeans, PaymentMeansKind
from betal.services.payment_means import MeansInput
from betal.services.supplier import SupplierInput
from betal.services.supplier_invoice import InvoiceInput
from betal.web import payables_form as forms

T = TypeVar("T")


def _run(coroutine: Coroutine[object, object, T]) -> T:
    """Await ``coroutine`` on a loop of its own thread: another test may have left a loop running here."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


FORM = {
    "supplier_id": "sup_1", "invoice_number": " F-1 ", "issue_date": "2026-03-02", "due_date": "2026-03-16",
    "total": "1.234,50", "vat_amount": "246,90", "currency": "DKK", "description": "",
    "means_kind": "domestic", "means_reg_no": "0040", "means_account_no": "440116243",
    "means_iban": "DK5000400440116243", "means_fi_card_type": "71",
}  # fmt: skip


def _upload(content: bytes, filename: str | None, content_type: str) -> UploadFile:
    return UploadFile(BytesIO(content), filename=filename, headers=Headers({"content-type": content_type}))


class TestInvoiceInput:
    def test_read_exactly(self) -> None:
        data, errors = forms.invoice_input(FORM)
        assert errors == {}
        assert data == InvoiceInput(
            "sup_1", "F-1", date(2026, 3, 2), date(2026, 3, 16), "DKK", 24_690, 123_450,
            means=MeansInput("domestic", reg_no="0040", account_no="440116243"),
        )  # fmt: skip

    def test_no_kind_means_the_suppliers_details(self) -> None:
        data, _ = forms.invoice_input(FORM | {"means_kind": "", "vat_amount": ""})
        assert data is not None
        assert (data.means, data.vat_minor) == (None, 0)

    @pytest.mark.parametrize(
        ("changes", "errors"),
        [
            ({"total": "1,234.50"}, {"total": "amount"}),
            ({"total": "0"}, {"total": "amount"}),
            ({"total": "12,345"}, {"total": "amount"}),  # more decimals than DKK has
            ({"vat_amount": "-1"}, {"vat_amount": "amount"}),
            ({"currency": "XBT"}, {"currency": "currency"}),
            ({"issue_date": "2.3.2026", "due_date": ""}, {"issue_date": "date", "due_date": "required"}),
            (
                {"supplier_id": "", "invoice_number": "  "},
                {"supplier_id": "required", "invoice_number": "required"},
            ),
            ({"means_kind": "cash"}, {"payment_means.kind": "payment_means.kind"}),
        ],
    )
    def test_what_the_form_itself_checks(self, changes: dict[str, str], errors: dict[str, str]) -> None:
        assert forms.invoice_input(FORM | changes) == (None, errors)

    def test_another_currency(self) -> None:
        data, _ = forms.invoice_input(FORM | {"currency": "USD", "total": "10", "vat_amount": "0"})
        assert data is not None
        assert data.gross_minor == 1000


class TestSupplierForm:
    def test_blank_fields_are_none(self) -> None:
        assert forms.supplier_input({"name": " A ", "cvr": "", "iban": " DK50 "}) == SupplierInput(
            "A", None, "DK50"
        )


class TestErrors:
    def test_codes_with_a_key_of_their_own(self) -> None:
        totals = InvalidInput("off", field="total", code="supplier_invoice.totals")
        assert forms.field_errors(totals) == {"total": "totals"}
        means = InvalidInput("EUR", field="payment_means.kind", code="payment_means.currency")
        assert forms.field_errors(means) == {"payment_means.kind": "means_currency"}
        assert forms.field_errors(InvalidInput("bad", field="iban")) == {"iban": "iban"}
        assert forms.field_errors(InvalidInput("no field")) == {"form": "form"}

    def test_problems_in_the_services_words(self) -> None:
        problems = [FieldProblem("a", "line 3: x"), FieldProblem("b", "line 9: y")]
        assert forms.problems_of(InvalidInput("x", errors=problems)) == ["line 3: x", "line 9: y"]
        assert forms.problems_of(NotFound("gone")) == ["gone"]


class TestPdfUpload:
    def test_a_pdf(self) -> None:
        found, errors = _run(forms.pdf_upload(_upload(b"%PDF-1.4", "a/b.pdf", "application/pdf")))
        assert errors == {}
        assert found is not None
        assert (found.kind, found.filename) == (DocumentKind.PDF, "b.pdf")

    def test_nothing_chosen(self) -> None:
        assert _run(forms.pdf_upload(_upload(b"", "", "application/octet-stream"))) == (None, {})
        assert _run(forms.pdf_upload("")) == (None, {})

    def test_not_a_pdf(self) -> None:
        assert _run(forms.pdf_upload(_upload(b"GIF89a", "x.gif", "image/gif"))) == (
            None,
            {"pdf": "pdf"},
        )


class TestCodeLine:
    def test_fi_card_only(self) -> None:
        fi = PaymentMeans(PaymentMeansKind.FI_CARD, "71", "85799665", "000000067097535")
        assert forms.code_line(fi) == "+71<000000067097535+85799665<"
        assert forms.code_line(PaymentMeans(PaymentMeansKind.IBAN, iban="DK5000400440116243")) is None
        assert forms.code_line(None) is None
