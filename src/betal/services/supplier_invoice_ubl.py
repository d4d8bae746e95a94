"""Booking a supplier invoice received as an e-invoice: OIOUBL 2.1 or Peppol BIS Billing 3.0 UBL XML.

Spec: the payables issue, item 2; docs/payables.md "Supplier invoices" (what is taken from the XML) and
docs/e-invoices.md (what ``formats.ubl`` reads and checks). One transaction:

- ``formats.ubl.read`` checks the document (XML, profile, totals, VAT, payment means); its problems are
  answered as ``InvalidInput`` with code ``ubl.<problem>`` and one error per problem, each with its line.
- The supplier is found by its CVR number, or by its name when the invoice gives no CVR; otherwise it is
  created from the invoice's supplier party, with the invoice's bank details as its own.
- The payment means are the first the invoice gives that betal can pay (FI-kort 71/73/75, giro 04, a
  Danish account, an IBAN), checked again as for a typed invoice; cash, card or NemKonto leave the invoice
  without means (it is booked, but cannot be paid before the supplier has bank details).
- The due date is the invoice's, else its payment means' or payment terms', else the issue date.
- Rounding (``PayableRoundingAmount``) counts as part of the net amount, so net + VAT = total still holds.
  Credit notes and invoices with a prepaid amount are refused: the amount to pay would not be the total.
- The XML and an embedded PDF are kept as the invoice's documents.
"""

from __future__ import annotations

from betal.domain.errors import FieldProblem, InvalidInput
from betal.domain.payables import DocumentKind, InvoiceSource, SupplierInvoice
from betal.domain.tenancy import Permission, Principal
from betal.formats import ubl
from betal.ports import UnitOfWork
from betal.services import supplier_document as documents
from betal.services.payment_means import FI_CARD_TYPES, MeansInput
from betal.services.supplier import SupplierInput, add_supplier
from betal.services.supplier_invoice import InvoiceInput, LineInput, book, get_invoice

_CREDITOR_CARD_TYPES = frozenset({"71", "73", "75"})


def read(xml: bytes) -> ubl.UblInvoice:
    """The checked e-invoice, or ``InvalidInput`` with every problem ``formats.ubl`` found."""
    try:
        found = ubl.read(xml)
    except ubl.UblError as exc:
        problems = [FieldProblem(p.field, str(p)) for p in exc.problems]
        raise InvalidInput(str(exc), errors=problems, code=f"ubl.{exc.problems[0].code}") from None
    if found.document_type == "credit_note":
        raise InvalidInput(
            "this is a credit note: betal books invoices only", field="document", code="ubl.credit_note"
        )
    if found.totals.prepaid.minor:
        raise InvalidInput(
            "the invoice has a prepaid amount: book it by hand with the amount still to pay",
            field="PrepaidAmount", code="ubl.prepaid",
        )  # fmt: skip
    return found


def _means(found: ubl.UblInvoice) -> MeansInput | None:
    """The first payment means betal can pay to, as typed-in means."""
    for means in found.payment_means:
        if means.kind == "fi_card" and means.fi_card_type in FI_CARD_TYPES:
            return MeansInput(
                "fi_card", fi_card_type=means.fi_card_type, fi_creditor_number=means.fi_creditor_number,
                fi_payment_id=means.fi_payment_id,
            )  # fmt: skip
        if means.kind == "domestic":
            return MeansInput("domestic", reg_no=means.reg_no, account_no=means.account_no)
        if means.kind == "iban":
            return MeansInput("iban", iban=means.iban, bic=means.bic)
    return None


def _supplier_input(party: ubl.Party, means: MeansInput | None) -> SupplierInput:
    """A new supplier from the invoice's supplier party, paid where the invoice asks."""
    bank: dict[str, str | None] = {}
    if means is not None and means.kind == "iban":
        bank = {"iban": means.iban, "bic": means.bic}
    elif means is not None and means.kind == "domestic":
        bank = {"dk_reg_no": means.reg_no, "dk_account_no": means.account_no}
    elif means is not None and means.fi_card_type in _CREDITOR_CARD_TYPES:
        bank = {"fi_creditor_number": means.fi_creditor_number}
    return SupplierInput(name=party.name, cvr=party.cvr, country=party.country, **bank)


def _supplier_id(uow: UnitOfWork, principal: Principal, party: ubl.Party, means: MeansInput | None) -> str:
    org = principal.organisation_id
    found = (
        uow.suppliers.find_by_cvr(org, party.cvr)
        if party.cvr
        else uow.suppliers.find_by_name(org, party.name)
    )
    return found.id if found is not None else add_supplier(uow, principal, _supplier_input(party, means)).id


def _lines(found: ubl.UblInvoice) -> tuple[LineInput, ...]:
    return tuple(
        LineInput(
            description=line.name
            if line.description in (None, line.name)
            else f"{line.name}: {line.description}",
            amount_minor=line.line_extension.minor,
            quantity=str(line.quantity),
            unit_price=None if line.price is None else str(line.price),
            vat_percent=None if line.vat_percent is None else str(line.vat_percent),
            unit_code=line.unit_code,
        )
        for line in found.lines
    )


def _files(found: ubl.UblInvoice, xml: bytes) -> tuple[documents.NewDocument, ...]:
    pdf = found.pdf
    embedded = (
        None if pdf is None else documents.embedded_pdf(pdf.filename, found.invoice_number, pdf.content)
    )
    return (documents.ubl_xml(found.invoice_number, xml), *([] if embedded is None else [embedded]))


def import_invoice(uow: UnitOfWork, principal: Principal, xml: bytes) -> SupplierInvoice:
    """Read, check and book an e-invoice with its documents: one transaction."""
    principal.require(Permission.BOOK)
    found = read(xml)
    means = _means(found)
    totals = found.totals
    rounding = totals.payable_rounding.minor
    data = InvoiceInput(
        supplier_id=_supplier_id(uow, principal, found.supplier, means), invoice_number=found.invoice_number,
        issue_date=found.issue_date, due_date=found.due_date or found.issue_date, currency=found.currency,
        vat_minor=totals.tax.minor, gross_minor=totals.tax_inclusive.minor + rounding,
        net_minor=totals.tax_exclusive.minor + rounding, lines=_lines(found), means=means,
    )  # fmt: skip
    source = InvoiceSource.OIOUBL if found.profile == ubl.OIOUBL else InvoiceSource.PEPPOL
    invoice = book(uow, principal, data, source=source, files=_files(found, xml), check_lines=False)
    uow.commit()
    return invoice


def readable(uow: UnitOfWork, principal: Principal, invoice_id: str) -> ubl.UblInvoice | None:
    """The invoice's e-invoice as read again from the XML kept, to show it; None for a typed invoice."""
    invoice = get_invoice(uow, principal, invoice_id)
    kept = next((d for d in invoice.documents if d.kind is DocumentKind.UBL), None)
    found = (
        None
        if kept is None
        else uow.supplier_documents.content(invoice.invoice.organisation_id, invoice_id, kept.id)
    )
    if found is None:
        return None
    try:
        return ubl.read(found[1])
    except ubl.UblError:  # read when it was booked; a stricter reader since then must not hide the invoice
        return None
