"""The PDF base: DejaVu Sans embedded when the fonts are there, the Latin-1 core font Helvetica when not."""

from __future__ import annotations

from pathlib import Path

from betal.services.pdf import FONT_DIR, DejaVuPdf
from tests.services.test_receipt import dejavu, pdf_text

__all__ = ["dejavu"]  # the session fixture that installs DejaVu Sans when it is missing


def _document(font_dir: Path, text: str) -> tuple[DejaVuPdf, bytes]:
    pdf = DejaVuPdf(font_dir)
    pdf.add_page()
    pdf.set_font(pdf.font_name, "B", 12)
    pdf.cell(0, 8, pdf.safe(text))
    return pdf, bytes(pdf.output())


class TestDejaVuPdf:
    def test_the_fonts_come_from_debian(self, dejavu: Path) -> None:
        assert dejavu == FONT_DIR

    def test_with_dejavu_every_letter_is_kept(self, dejavu: Path) -> None:
        pdf, data = _document(dejavu, "Søren Ærø – Blå Æble ApS")
        assert pdf.font_name == "DejaVu"
        assert pdf.safe("a – b") == "a – b"
        assert b"/FontFile2" in data
        assert pdf_text(data) == "Søren Ærø – Blå Æble ApS"
        assert round(pdf.w) == 210  # A4, in mm

    def test_without_dejavu_it_falls_back_to_helvetica(self, tmp_path: Path) -> None:
        pdf, data = _document(tmp_path, "Søren Ærø – Blå Æble ApS")
        assert pdf.font_name == "Helvetica"
        assert b"/FontFile2" not in data
        assert b"/Helvetica-Bold" in data
        assert pdf_text(data) == "Søren Ærø ? Blå Æble ApS"  # the en dash is not Latin-1

    def test_the_bold_face_is_needed_too(self, dejavu: Path, tmp_path: Path) -> None:
        (tmp_path / "DejaVuSans.ttf").write_bytes((dejavu / "DejaVuSans.ttf").read_bytes())
        assert DejaVuPdf(tmp_path).font_name == "Helvetica"
