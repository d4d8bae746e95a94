"""The money parts of a UBL document: lines, document allowances and charges, VAT breakdown and totals.

Spec: Peppol BIS Billing 3.0 syntax (https://docs.peppol.eu/poacc/billing/3.0/syntax/ubl-invoice/ and
``ubl-creditnote``): ``cac:InvoiceLine`` / ``cac:CreditNoteLine``, ``cac:AllowanceCharge``,
``cac:TaxTotal/cac:TaxSubtotal`` and ``cac:LegalMonetaryTotal``. OIOUBL 2.1 (shared/standards/
danish-payments.md §5.2) differs in one place: ``LegalMonetaryTotal/TaxExclusiveAmount`` holds the VAT
total (the official examples show 1262.50 on a 5050.00 + 1262.50 invoice). Generators outside the
OIOUBL tooling often write the amount without VAT there instead, so for OIOUBL both readings are
accepted and :class:`Totals` always gets the amount without VAT.
"""

from __future__ import annotations

from decimal import Decimal

from betal.formats.ubl.model import (
    OIOUBL,
    AllowanceCharge,
    Amount,
    DocumentType,
    Line,
    Profile,
    TaxSubtotal,
    Totals,
)
from betal.formats.ubl.totals import TAX, TAX_EXCLUSIVE
from betal.formats.ubl.tree import Doc, Element, find, find_all, line_of, text

_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}
LINE_TAGS: dict[DocumentType, tuple[str, str]] = {
    "invoice": ("cac:InvoiceLine", "cbc:InvoicedQuantity"),
    "credit_note": ("cac:CreditNoteLine", "cbc:CreditedQuantity"),
}


def read_lines(doc: Doc, root: Element, document_type: DocumentType) -> tuple[Line, ...]:
    tag, quantity_tag = LINE_TAGS[document_type]
    nodes = find_all(root, tag)
    if not nodes:
        doc.add(root, "missing", tag.removeprefix("cac:"), "the document has no lines")
    name = tag.removeprefix("cac:")
    return tuple(_line(doc, node, f"{name}[{n}]", quantity_tag) for n, node in enumerate(nodes, start=1))


def _line(doc: Doc, node: Element, field: str, quantity_tag: str) -> Line:
    category = find(node, "cac:Item/cac:ClassifiedTaxCategory")
    if category is None:  # OIOUBL lines may state their category only in the line's own TaxTotal
        category = find(node, "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory")
    vat_category, vat_percent = _category(doc, category, field)
    quantity_node = find(node, quantity_tag)
    quantity = doc.decimal(node, quantity_tag, f"{field}/{quantity_tag.removeprefix('cbc:')}")
    if quantity_node is None or text(quantity_node) is None:
        doc.add(node, "missing", f"{field}/Quantity", f"{field} has no quantity")
    return Line(
        id=doc.required(node, "cbc:ID", f"{field}/ID"),
        name=text(node, "cac:Item/cbc:Name") or text(node, "cac:Item/cbc:Description") or "",
        description=text(node, "cac:Item/cbc:Description"),
        quantity=quantity if quantity is not None else Decimal(0),
        unit_code=quantity_node.get("unitCode") if quantity_node is not None else None,
        line_extension=doc.amount(node, "cbc:LineExtensionAmount", f"{field}/LineExtensionAmount"),
        price=doc.decimal(node, "cac:Price/cbc:PriceAmount", f"{field}/PriceAmount"),
        vat_category=vat_category,
        vat_percent=vat_percent,
    )


def _category(doc: Doc, category: Element | None, field: str) -> tuple[str | None, Decimal | None]:
    """A ``TaxCategory``'s ID (``S``, ``StandardRated``) and rate, or (None, None) when there is none."""
    if category is None:
        return None, None
    return text(category, "cbc:ID"), doc.decimal(category, "cbc:Percent", f"{field}/Percent")


def read_allowance_charges(doc: Doc, root: Element) -> tuple[AllowanceCharge, ...]:
    """Document-level allowances and charges (line-level ones are already inside the line amounts)."""
    found = []
    for n, node in enumerate(find_all(root, "cac:AllowanceCharge"), start=1):
        field = f"AllowanceCharge[{n}]"
        indicator = (text(node, "cbc:ChargeIndicator") or "").lower()
        if indicator not in _BOOLEANS:
            doc.add(
                node,
                "invalid_value",
                f"{field}/ChargeIndicator",
                f"{field}/ChargeIndicator must be true or false",
            )
        vat_category, vat_percent = _category(doc, find(node, "cac:TaxCategory"), field)
        amount = doc.amount(node, "cbc:Amount", f"{field}/Amount")
        reason = text(node, "cbc:AllowanceChargeReason")
        is_charge = _BOOLEANS.get(indicator, False)
        found.append(AllowanceCharge(is_charge, amount, reason, vat_category, vat_percent))
    return tuple(found)


def read_tax(doc: Doc, root: Element, where: dict[str, int | None]) -> tuple[Amount, tuple[TaxSubtotal, ...]]:
    """The VAT total and breakdown in the document currency.

    A Peppol document whose VAT is accounted in another currency (``TaxCurrencyCode``) has a second
    ``TaxTotal`` in that currency, without subtotals; it is not the one the totals add up with.
    """
    ours = [t for t in find_all(root, "cac:TaxTotal") if _currency_of(t) in (None, doc.currency)]
    if not ours:
        doc.add(root, "missing", "TaxTotal", f"TaxTotal (the VAT total in {doc.currency}) is missing")
        return Amount(0, doc.exponent), ()
    if len(ours) > 1:
        doc.add(ours[1], "invalid_value", "TaxTotal", f"more than one TaxTotal in {doc.currency}")
    node = ours[0]
    where[TAX] = line_of(find(node, "cbc:TaxAmount")) or line_of(node)
    subtotals = []
    for n, sub in enumerate(find_all(node, "cac:TaxSubtotal"), start=1):
        field = f"TaxSubtotal[{n}]"
        where[field] = line_of(sub)
        category = find(sub, "cac:TaxCategory")
        _, percent = _category(doc, category, field)
        subtotals.append(
            TaxSubtotal(
                category=doc.required(
                    sub if category is None else category, "cbc:ID", f"{field}/TaxCategory/ID"
                ),
                percent=percent,
                taxable=doc.amount(sub, "cbc:TaxableAmount", f"{field}/TaxableAmount"),
                tax=doc.amount(sub, "cbc:TaxAmount", f"{field}/TaxAmount"),
            )
        )
    return doc.amount(node, "cbc:TaxAmount", TAX), tuple(subtotals)


def _currency_of(tax_total: Element) -> str | None:
    amount = find(tax_total, "cbc:TaxAmount")
    currency = None if amount is None else amount.get("currencyID")
    return None if currency is None else currency.strip()


def read_totals(
    doc: Doc, root: Element, profile: Profile, tax: Amount, where: dict[str, int | None]
) -> Totals:
    node = find(root, "cac:LegalMonetaryTotal")
    if node is None:
        doc.add(root, "missing", "LegalMonetaryTotal", "LegalMonetaryTotal is missing")
        node = root  # every amount below is then reported missing at the root's line, and taken as 0

    def amount(name: str, *, required: bool = False) -> Amount:
        field = f"LegalMonetaryTotal/{name}"
        where[field] = line_of(find(node, f"cbc:{name}")) or line_of(node)
        return doc.amount(node, f"cbc:{name}", field, required=required)

    line_extension = amount("LineExtensionAmount", required=True)
    allowance, charge = amount("AllowanceTotalAmount"), amount("ChargeTotalAmount")
    net = Amount(line_extension.minor - allowance.minor + charge.minor, doc.exponent)
    tax_exclusive = amount("TaxExclusiveAmount", required=profile != OIOUBL)
    if profile == OIOUBL:
        tax_exclusive = _oioubl_tax_exclusive(doc, node, tax_exclusive, tax, net)
    return Totals(
        line_extension=line_extension,
        tax_exclusive=tax_exclusive,
        tax=tax,
        tax_inclusive=amount("TaxInclusiveAmount", required=True),
        payable=amount("PayableAmount", required=True),
        allowance=allowance,
        charge=charge,
        prepaid=amount("PrepaidAmount"),
        payable_rounding=amount("PayableRoundingAmount"),
    )


def _oioubl_tax_exclusive(doc: Doc, node: Element, stated: Amount, tax: Amount, net: Amount) -> Amount:
    """OIOUBL's TaxExclusiveAmount is the VAT total; the amount without VAT is accepted too, or absent."""
    element = find(node, "cbc:TaxExclusiveAmount")
    if element is not None and text(element) is not None and stated.minor not in (tax.minor, net.minor):
        doc.add(
            element,
            "totals_mismatch",
            TAX_EXCLUSIVE,
            f"TaxExclusiveAmount {stated} is neither the VAT total {tax} (as OIOUBL defines it)"
            f" nor the amount without VAT {net}",
        )
    return net
