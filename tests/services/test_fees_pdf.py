"""The fee statement PDF: a real PDF whose text (read back through each font's ToUnicode map by
``pdf_text``) shows the number, period, CVR, lines, VAT and total in Danish, æøå included."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

from betal.domain.fees import PricePlan, Quarter, statement_lines, totals
from betal.domain.money import Money
from betal.services.fees import FeeStatement, StatementPayment
from betal.services.fees_pdf import render_pdf
from tests.services.test_receipt import dejavu, pdf_text

__all__ = ["dejavu"]  # the session fixture that installs DejaVu Sans when it is missing

NOW = datetime(2027, 1, 10, 9, 0, tzinfo=UTC)
PLAN = PricePlan("plan_1", "org_1", "Standard", 250, 19_900, "DKK", NOW, NOW)


def statement(payments: int = 2, supplier: str = "Blå Æble ApS") -> FeeStatement:
    lines = statement_lines(PLAN.monthly_fee_minor, 3, [250] * payments)
    paid = tuple(
        StatementPayment(
            date(2026, 12, 31), f"pord_{i:026d}", f"pord_{i:026d}", supplier, Money(1_234_550, "DKK"),
            Money(250, "DKK"),
        )
        for i in range(payments)
    )  # fmt: skip
    return FeeStatement(
        number="25313763-2026Q4", quarter=Quarter(2026, 4), organisation_name="Hansen & Søn ApS",
        organisation_cvr="25313763", issued_on=date(2027, 1, 10), plan=PLAN,
        months=Quarter(2026, 4).months, lines=tuple(lines), payments=paid, totals=totals(lines),
    )  # fmt: skip


def after(lines: list[str], label: str, n: int = 1) -> list[str]:
    """The ``n`` strings drawn after the first ``label``."""
    start = lines.index(label) + 1
    return lines[start : start + n]


class TestRenderPdf:
    def test_a_danish_statement_with_its_totals(self, dejavu: Path) -> None:
        data = render_pdf(statement(), font_dir=dejavu)
        assert data.startswith(b"%PDF-")
        assert data.rstrip().endswith(b"%%EOF")
        lines = pdf_text(data).splitlines()
        assert "Gebyroversigt" in lines
        assert "25313763-2026Q4" in lines
        assert "1. oktober 2026 - 31. december 2026 (2026-Q4)" in lines
        assert {"Hansen & Søn ApS", "25313763", "Standard"} <= set(lines)
        assert after(lines, "Abonnement (Standard)", 3) == ["3 måneder", "199,00 DKK", "597,00 DKK"]
        assert after(lines, "Udførte betalinger", 3) == ["2", "2,50 DKK", "5,00 DKK"]
        assert after(lines, "Gebyrer i alt ekskl. moms") == ["602,00 DKK"]
        assert after(lines, "Moms 25 %") == ["150,50 DKK"]
        assert after(lines, "I alt at betale") == ["752,50 DKK"]
        assert lines.count("Blå Æble ApS") == 2
        assert lines.count("12.345,50 DKK") == 2
        assert "31.12.2026" in lines

    def test_many_payments_run_onto_more_pages(self, dejavu: Path) -> None:
        data = render_pdf(statement(payments=80), font_dir=dejavu)
        assert len(re.findall(rb"/Type\s*/Page\b(?!s)", data)) >= 2
        assert pdf_text(data).splitlines().count("31.12.2026") == 80

    def test_a_long_supplier_name_is_cut_to_its_column(self, dejavu: Path) -> None:
        text = pdf_text(
            render_pdf(statement(1, "Meget Lang Leverandørvirksomhed Med Et Navn ApS"), font_dir=dejavu)
        )
        assert "Meget Lang Leverandørvirksomhed Med Et Navn ApS" not in text
        assert any(line.startswith("Meget Lang") and line.endswith("...") for line in text.splitlines())

    def test_without_dejavu_it_falls_back_to_latin_1(self, tmp_path: Path) -> None:
        lines = pdf_text(render_pdf(statement(), font_dir=tmp_path)).splitlines()
        assert "Hansen & Søn ApS" in lines  # ø is in Latin-1
        assert after(lines, "I alt at betale") == ["752,50 DKK"]
