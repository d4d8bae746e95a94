"""The quarterly fee statement as a PDF: an A4 Gebyroversigt in Danish.

Spec: issue 7, item 8 ("a quarterly fee statement (page and PDF)"); the statement is
``services.fees.FeeStatement``. The PDF (ISO 32000, written with fpdf2) shows the statement number, the
period, the organisation's name and CVR number, the lines (subscription, executed payments), the fees
before VAT, the 25 % VAT (moms), the total, and every executed payment of the quarter. Amounts are in
Danish notation (``Money.format``: ``1.234,50 DKK``) and dates in Danish (``1. oktober 2026``).

Like receipts, it embeds a subset of DejaVu Sans (Debian ``fonts-dejavu-core``) so æ, ø and å render,
and falls back to the core font Helvetica (Latin-1 only) without it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path

from babel.dates import format_date

from betal.domain.fees import StatementLine
from betal.domain.money import Money
from betal.services.fees import FeeStatement
from betal.services.pdf import FONT_DIR, DejaVuPdf

MUTED, INK = (93, 104, 121), (21, 32, 51)
PAYMENT_COLUMNS = ((24, "Dato", "L"), (62, "Betalingsordre", "L"), (44, "Leverandør", "L"),
                   (30, "Beløb", "R"), (20, "Gebyr", "R"))  # fmt: skip
LINE_COLUMNS = ((90, "Beskrivelse", "L"), (25, "Antal", "R"), (30, "Stykpris", "R"), (35, "Beløb", "R"))


def day_text(day: date) -> str:
    """``1. oktober 2026``."""
    return format_date(day, "long", locale="da")


class _StatementPdf(DejaVuPdf):
    def fitted(self, text: str, width: float) -> str:
        """``text`` cut with an ellipsis so it fits ``width`` mm in the current font."""
        text = self.safe(text)
        if self.get_string_width(text) <= width - 2:
            return text
        while text and self.get_string_width(text + "...") > width - 2:
            text = text[:-1]
        return text + "..."

    def row(self, label: str, value: str) -> None:
        self.set_font(self.font_name, "", 10)
        self.set_text_color(*MUTED)
        self.cell(45, 7, self.safe(label))
        self.set_text_color(*INK)
        self.cell(0, 7, self.safe(value), new_x="LMARGIN", new_y="NEXT")

    def table_row(
        self, columns: tuple[tuple[int, str, str], ...], values: list[str], *, bold: bool = False
    ) -> None:
        self.set_font(self.font_name, "B" if bold else "", 9)
        for (width, _, align), value in zip(columns, values, strict=True):
            self.cell(width, 6, self.fitted(value, width), align=align)
        self.ln(6)

    def total_row(self, label: str, amount: Money, *, bold: bool = False) -> None:
        self.set_font(self.font_name, "B" if bold else "", 10)
        self.cell(145, 7, self.safe(label), align="R")
        self.cell(35, 7, self.safe(amount.format()), align="R", new_x="LMARGIN", new_y="NEXT")


def _line_text(line: StatementLine, statement: FeeStatement) -> list[str]:
    unit = Money(line.unit_minor, statement.totals.subtotal.currency)
    amount = Money(line.amount_minor, unit.currency)
    if line.kind == "subscription":
        name = statement.plan.name if statement.plan else ""
        quantity = f"{line.quantity} {'måned' if line.quantity == 1 else 'måneder'}"
        return [f"Abonnement ({name})", quantity, unit.format(), amount.format()]
    return ["Udførte betalinger", str(line.quantity), unit.format(), amount.format()]


def _head(pdf: _StatementPdf, statement: FeeStatement) -> None:
    pdf.set_font(pdf.font_name, "B", 20)
    pdf.cell(0, 12, pdf.safe("Gebyroversigt"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.row("Nummer", statement.number)
    pdf.row("Periode", f"{day_text(statement.start)} - {day_text(statement.end)} ({statement.quarter})")
    pdf.row("Kunde", statement.organisation_name)
    pdf.row("CVR", statement.organisation_cvr)
    pdf.row("Udstedt", day_text(statement.issued_on))
    pdf.row("Prisplan", statement.plan.name if statement.plan else "Ingen prisplan")
    pdf.ln(4)


def _lines(pdf: _StatementPdf, statement: FeeStatement) -> None:
    pdf.set_text_color(*INK)
    pdf.table_row(LINE_COLUMNS, [c[1] for c in LINE_COLUMNS], bold=True)
    for line in statement.lines:
        pdf.table_row(LINE_COLUMNS, _line_text(line, statement))
    if not statement.lines:
        pdf.table_row(LINE_COLUMNS, ["Ingen gebyrer i perioden", "", "", ""])
    pdf.ln(2)
    pdf.total_row("Gebyrer i alt ekskl. moms", statement.totals.subtotal)
    pdf.total_row("Moms 25 %", statement.totals.vat)
    pdf.total_row("I alt at betale", statement.totals.total, bold=True)
    pdf.ln(6)


def _payments(pdf: _StatementPdf, statement: FeeStatement) -> None:
    pdf.set_font(pdf.font_name, "B", 12)
    pdf.cell(0, 9, pdf.safe(f"Udførte betalinger ({len(statement.payments)})"), new_x="LMARGIN", new_y="NEXT")
    pdf.table_row(PAYMENT_COLUMNS, [c[1] for c in PAYMENT_COLUMNS], bold=True)
    for p in statement.payments:
        pdf.table_row(
            PAYMENT_COLUMNS,
            [
                format_date(p.day, "dd.MM.yyyy", locale="da"),
                p.end_to_end_id or p.payment_order_id,
                p.supplier_name or "",
                p.amount.format() if p.amount else "",
                p.fee.format(),
            ],
        )


def render_pdf(statement: FeeStatement, *, font_dir: Path = FONT_DIR) -> bytes:
    """The statement as an A4 PDF in Danish."""
    pdf = _StatementPdf(font_dir)
    pdf.set_creation_date(datetime.combine(statement.issued_on, time(12), tzinfo=UTC))
    pdf.set_title(f"Gebyroversigt {statement.number}")
    pdf.set_author("betal")
    pdf.set_creator("betal")
    pdf.set_lang("da")
    pdf.set_margins(15, 20, 15)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    _head(pdf, statement)
    _lines(pdf, statement)
    _payments(pdf, statement)
    pdf.ln(6)
    pdf.set_font(pdf.font_name, "", 8)
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(0, 5, pdf.safe("Beløb i danske kroner. Moms beregnes af gebyrerne (25 %)."))
    return bytes(pdf.output())
