"""The files of a supplier invoice: an uploaded PDF is checked (media type, magic bytes, 10 MB) and named
safely; an embedded PDF is kept only when it is one; the XML is named after the invoice number."""

from __future__ import annotations

import pytest

from betal.domain.errors import InvalidInput
from betal.domain.payables import DocumentKind
from betal.services import supplier_document as documents

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class TestUploadedPdf:
    def test_accepted_with_a_safe_name(self) -> None:
        found = documents.uploaded_pdf("../Faktura 12.PDF", "application/pdf; charset=binary", PDF)
        assert found == documents.NewDocument(DocumentKind.PDF, "Faktura 12.pdf", "application/pdf", PDF)

    @pytest.mark.parametrize(
        ("content_type", "content", "code"),
        [
            ("text/html", PDF, "supplier_document.not_pdf"),
            ("application/pdf", b"<html>", "supplier_document.not_pdf"),
            ("application/pdf", b"", "supplier_document.not_pdf"),
            ("application/pdf", PDF + b"0" * documents.MAX_BYTES, "supplier_document.too_large"),
        ],
    )
    def test_refused(self, content_type: str, content: bytes, code: str) -> None:
        with pytest.raises(InvalidInput) as caught:
            documents.uploaded_pdf("f.pdf", content_type, content)
        assert caught.value.code == code

    def test_exactly_ten_megabytes_is_accepted(self) -> None:
        content = PDF + b"0" * (documents.MAX_BYTES - len(PDF))
        assert documents.uploaded_pdf("f.pdf", "application/pdf", content).content == content


class TestEmbedded:
    def test_a_pdf_is_kept_under_its_name_or_the_invoice_number(self) -> None:
        assert documents.embedded_pdf("faktura.pdf", "F-1", PDF) == documents.NewDocument(
            DocumentKind.PDF, "faktura.pdf", "application/pdf", PDF
        )
        named = documents.embedded_pdf(None, "2026/0417", PDF)
        assert named is not None
        assert named.filename == "0417.pdf"

    def test_anything_else_is_left_out(self) -> None:
        assert documents.embedded_pdf("x.pdf", "F-1", b"GIF89a") is None

    @pytest.mark.parametrize(
        ("number", "name"),
        [("F-1001", "F-1001.xml"), ("2026/04 17", "2026_04_17.xml"), ("../..", "faktura.xml")],
    )
    def test_the_xml_is_named_after_the_number(self, number: str, name: str) -> None:
        found = documents.ubl_xml(number, b"<Invoice/>")
        assert (found.kind, found.filename, found.content_type) == (DocumentKind.UBL, name, "application/xml")
