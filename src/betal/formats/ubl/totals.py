"""The arithmetic of an invoice: totals and VAT, computed for a new document or checked on a read one.

Spec: EN 16931 business rules as Peppol BIS Billing 3.0 states them
(https://docs.peppol.eu/poacc/billing/3.0/rules/ubl-tc434/): BR-CO-10 (sum of line amounts), BR-CO-11 and
BR-CO-12 (allowance and charge totals), BR-CO-13 (total without VAT), BR-CO-14 (VAT total = sum of the
breakdown), BR-CO-15 (total with VAT), BR-CO-16 (amount due), BR-S-09 and peers (VAT of a category =
taxable amount × rate). OIOUBL 2.1 uses the same arithmetic (its ``TaxExclusiveAmount`` quirk is
resolved by the reader). VAT per category is rounded half up to the minor unit and may differ from the
stated VAT by one minor unit (0.01 DKK), since suppliers round per line or per document.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal

from betal.formats.ubl.model import AllowanceCharge, Amount, Line, Problem, TaxSubtotal, Totals, UblInvoice

VAT_TOLERANCE_MINOR = 1
LINE_EXTENSION = "LegalMonetaryTotal/LineExtensionAmount"
TAX_EXCLUSIVE = "LegalMonetaryTotal/TaxExclusiveAmount"
TAX_INCLUSIVE = "LegalMonetaryTotal/TaxInclusiveAmount"
ALLOWANCE = "LegalMonetaryTotal/AllowanceTotalAmount"
CHARGE = "LegalMonetaryTotal/ChargeTotalAmount"
PAYABLE = "LegalMonetaryTotal/PayableAmount"
TAX = "TaxTotal/TaxAmount"


def vat(taxable: Amount, percent: Decimal | None) -> Amount:
    """``taxable`` × ``percent`` / 100, rounded half up to the minor unit; zero when there is no rate."""
    if percent is None:
        return Amount(0, taxable.exponent)
    minor = (Decimal(taxable.minor) * percent / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return Amount(int(minor), taxable.exponent)


def _sum(amounts: Iterable[Amount], exponent: int) -> Amount:
    return Amount(_minor(amounts), exponent)


def _minor(amounts: Iterable[Amount]) -> int:
    return sum(a.minor for a in amounts)


def compute(
    lines: Sequence[Line],
    allowance_charges: Sequence[AllowanceCharge] = (),
    *,
    exponent: int = 2,
    prepaid: int = 0,
    payable_rounding: int = 0,
) -> tuple[tuple[TaxSubtotal, ...], Totals]:
    """The VAT breakdown and totals of a new document, one subtotal per (category, rate) in first-seen order.

    Every line and allowance or charge needs a VAT category: there is no right default to guess.
    """
    taxable: dict[tuple[str, Decimal | None], int] = {}
    signed = [(line.vat_category, line.vat_percent, line.line_extension.minor) for line in lines] + [
        (ac.vat_category, ac.vat_percent, ac.amount.minor if ac.is_charge else -ac.amount.minor)
        for ac in allowance_charges
    ]
    for category, percent, minor in signed:
        if category is None:
            raise ValueError("every line, allowance and charge needs a VAT category")
        taxable[(category, percent)] = taxable.get((category, percent), 0) + minor
    subtotals = tuple(
        TaxSubtotal(category, percent, Amount(minor, exponent), vat(Amount(minor, exponent), percent))
        for (category, percent), minor in taxable.items()
    )
    line_extension = _sum((line.line_extension for line in lines), exponent)
    allowance = _sum((ac.amount for ac in allowance_charges if not ac.is_charge), exponent)
    charge = _sum((ac.amount for ac in allowance_charges if ac.is_charge), exponent)
    tax_exclusive = line_extension.minor - allowance.minor + charge.minor
    tax = _sum((s.tax for s in subtotals), exponent)
    tax_inclusive = tax_exclusive + tax.minor
    totals = Totals(
        line_extension=line_extension,
        tax_exclusive=Amount(tax_exclusive, exponent),
        tax=tax,
        tax_inclusive=Amount(tax_inclusive, exponent),
        payable=Amount(tax_inclusive - prepaid + payable_rounding, exponent),
        allowance=allowance,
        charge=charge,
        prepaid=Amount(prepaid, exponent),
        payable_rounding=Amount(payable_rounding, exponent),
    )
    return subtotals, totals


def check(invoice: UblInvoice, where: Mapping[str, int | None]) -> list[Problem]:
    """Every way the totals and VAT of ``invoice`` fail to add up; ``where`` maps field names to lines."""
    t = invoice.totals
    exponent = t.payable.exponent

    def expect(field: str, stated: Amount, minor: int, how: str) -> list[Problem]:
        if stated.minor == minor:
            return []
        should = Amount(minor, exponent)
        reason = f"{field.rsplit('/', 1)[-1]} {stated} does not add up: {how} = {should}"
        return [Problem(where.get(field), "totals_mismatch", field, reason)]

    allowances = [ac.amount for ac in invoice.allowance_charges if not ac.is_charge]
    charges = [ac.amount for ac in invoice.allowance_charges if ac.is_charge]
    net = t.line_extension.minor - t.allowance.minor + t.charge.minor
    return [
        *expect(LINE_EXTENSION, t.line_extension, _minor(ln.line_extension for ln in invoice.lines),
                "the sum of the line amounts"),
        *expect(ALLOWANCE, t.allowance, _minor(allowances), "the sum of the document allowances"),
        *expect(CHARGE, t.charge, _minor(charges), "the sum of the document charges"),
        *expect(TAX_EXCLUSIVE, t.tax_exclusive, net, "LineExtensionAmount - allowances + charges"),
        *expect(TAX, t.tax, _minor(s.tax for s in invoice.tax_subtotals),
                "the sum of the VAT subtotals"),
        *_vat_problems(invoice.tax_subtotals, where),
        *expect(TAX_INCLUSIVE, t.tax_inclusive, t.tax_exclusive.minor + t.tax.minor,
                "the amount without VAT + the VAT total"),
        *expect(PAYABLE, t.payable, t.tax_inclusive.minor - t.prepaid.minor + t.payable_rounding.minor,
                "TaxInclusiveAmount - PrepaidAmount + PayableRoundingAmount"),
    ]  # fmt: skip


def _vat_problems(subtotals: Sequence[TaxSubtotal], where: Mapping[str, int | None]) -> list[Problem]:
    problems = []
    for number, subtotal in enumerate(subtotals, start=1):
        expected = vat(subtotal.taxable, subtotal.percent)
        if abs(subtotal.tax.minor - expected.minor) > VAT_TOLERANCE_MINOR:
            field = f"TaxSubtotal[{number}]"
            how = f"{subtotal.taxable} × {subtotal.percent}%" if subtotal.percent is not None else "no rate"
            reason = f"VAT {subtotal.tax} for category {subtotal.category} should be {expected} ({how})"
            problems.append(Problem(where.get(field), "vat_mismatch", field, reason))
    return problems
