"""The base of betal's PDF documents (receipts, fee statements), written with fpdf2 (ISO 32000).

A document embeds a subset of DejaVu Sans (Debian ``fonts-dejavu-core``) so æ, ø and å render; without
that font it falls back to the PDF core font Helvetica, which knows Latin-1 only.
"""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")


class DejaVuPdf(FPDF):
    """An A4 document in DejaVu Sans (regular and bold) from ``font_dir``, or Helvetica without it."""

    def __init__(self, font_dir: Path) -> None:
        super().__init__(format="A4")
        self.font_name = "Helvetica"
        regular, bold = font_dir / "DejaVuSans.ttf", font_dir / "DejaVuSans-Bold.ttf"
        if regular.exists() and bold.exists():
            self.add_font("DejaVu", "", str(regular))
            self.add_font("DejaVu", "B", str(bold))
            self.font_name = "DejaVu"

    def safe(self, text: str) -> str:
        """Text the current font can show (the core-font fallback knows Latin-1 only)."""
        if self.font_name == "DejaVu":
            return text
        return text.encode("latin-1", "replace").decode("latin-1")
