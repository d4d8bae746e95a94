"""Read an OIOUBL 2.1 or Peppol BIS Billing 3.0 invoice or credit note into a checked :class:`UblInvoice`.

Spec: OASIS UBL 2.1 (http://docs.oasis-open.org/ubl/os-UBL-2.1/) Invoice-2 and CreditNote-2 documents;
Peppol BIS Billing 3.0 (https://docs.peppol.eu/poacc/billing/3.0/); OIOUBL 2.1 (oioubl.info, profile
notes in shared/standards/danish-payments.md §5.2). The profile is told by ``cbc:CustomizationID``.

A document inside a Peppol StandardBusinessDocument envelope (SBDH, as an access point delivers it)
is read from inside the envelope. The XML is parsed by ``formats.iso20022.xml.parse_bytes``: no DTD,
no entities, no network. Every problem found is collected with its element's line, and
:class:`UblError` carries them all; the arithmetic checks run only when every amount could be read,
so one bad number does not cascade.
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import date

from lxml import etree

from betal.formats.iso20022.xml import XmlError, parse_bytes
from betal.formats.ubl.model import (
    OIOUBL,
    PEPPOL,
    Attachment,
    DocumentType,
    PaymentMeans,
    Profile,
    UblError,
    UblInvoice,
    exponent,
)
from betal.formats.ubl.money import read_allowance_charges, read_lines, read_tax, read_totals
from betal.formats.ubl.party import read_party
from betal.formats.ubl.payment_means import read_payment_means
from betal.formats.ubl.totals import check
from betal.formats.ubl.tree import CREDIT_NOTE, INVOICE, Doc, Element, find, find_all, line_of, text

PEPPOL_CUSTOMIZATION = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
OIOUBL_CUSTOMIZATIONS = ("OIOUBL-2.1", "OIOUBL-2.02", "OIOUBL-2.01")
MAX_ATTACHMENT_BYTES = 7_000_000  # the parser refuses text nodes over 10 million characters (~7.5 MB)
PDF_MIME = "application/pdf"
ROOTS: dict[tuple[str, str], DocumentType] = {
    (INVOICE, "Invoice"): "invoice",
    (CREDIT_NOTE, "CreditNote"): "credit_note",
}
SBDH = "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader"
_CURRENCY = re.compile(r"[A-Z]{3}")


def read(data: bytes) -> UblInvoice:
    """The invoice or credit note in ``data``; ``UblError`` (with every problem and its line) otherwise."""
    root, document_type = _root(data)
    profile = _profile(root)
    currency = _currency(root)
    doc = Doc(currency, exponent(currency))
    where: dict[str, int | None] = {}
    supplier = read_party(doc, root, "cac:AccountingSupplierParty", name_required=True)
    danish = supplier.country == "DK" or (supplier.country is None and profile == OIOUBL)
    payment_means = read_payment_means(doc, root, danish=danish)
    tax, tax_subtotals = read_tax(doc, root, where)
    invoice = UblInvoice(
        profile=profile,
        document_type=document_type,
        invoice_number=doc.required(root, "cbc:ID", "ID"),
        issue_date=_issue_date(doc, root),
        due_date=_due_date(doc, root, payment_means),
        currency=currency,
        supplier=supplier,
        buyer=read_party(doc, root, "cac:AccountingCustomerParty", name_required=False),
        lines=read_lines(doc, root, document_type),
        tax_subtotals=tax_subtotals,
        totals=read_totals(doc, root, profile, tax, where),
        payment_means=payment_means,
        allowance_charges=read_allowance_charges(doc, root),
        attachments=_attachments(doc, root),
        buyer_reference=text(root, "cbc:BuyerReference"),
        billing_reference=text(root, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID"),
    )
    problems = doc.problems + ([] if doc.bad_amounts else check(invoice, where))
    if problems:
        raise UblError.of(sorted(problems, key=lambda p: p.line or 0))
    return invoice


def _root(data: bytes) -> tuple[Element, DocumentType]:
    try:
        root = parse_bytes(data)
    except XmlError as exc:
        raise UblError(exc.reason, exc.line, code="malformed_xml") from None
    if etree.QName(root) == etree.QName(SBDH, "StandardBusinessDocument"):
        root = _unwrap(root)
    name = etree.QName(root)
    document_type = ROOTS.get((name.namespace or "", name.localname))
    if document_type is None:
        where = f"in namespace {name.namespace}" if name.namespace else "in no namespace"
        raise UblError(
            f"not a UBL 2 Invoice or CreditNote: the root element is {name.localname} {where}",
            line_of(root),
            code="not_ubl",
        )
    return root, document_type


def _unwrap(envelope: Element) -> Element:
    """The document inside a Peppol transport envelope (SBDH), as access points hand invoices over."""
    header = f"{{{SBDH}}}StandardBusinessDocumentHeader"
    inner = [child for child in envelope if isinstance(child.tag, str) and child.tag != header]
    return inner[0] if len(inner) == 1 else envelope


def _profile(root: Element) -> Profile:
    node = find(root, "cbc:CustomizationID")
    value = text(node)
    if value == PEPPOL_CUSTOMIZATION:
        return PEPPOL
    if value in OIOUBL_CUSTOMIZATIONS:
        return OIOUBL
    what = f"CustomizationID {value!r}" if value else "no CustomizationID"
    raise UblError(
        f"unsupported customization ({what}): betal reads Peppol BIS Billing 3.0 ({PEPPOL_CUSTOMIZATION})"
        f" and OIOUBL ({', '.join(OIOUBL_CUSTOMIZATIONS)})",
        line_of(node) or line_of(root),
        code="unsupported_customization",
        field="CustomizationID",
    )


def _currency(root: Element) -> str:
    node = find(root, "cbc:DocumentCurrencyCode")
    value = text(node)
    if value is None or not _CURRENCY.fullmatch(value):
        reason = (
            f"DocumentCurrencyCode {value!r} is not"
            if value
            else "DocumentCurrencyCode is missing; it must be"
        )
        raise UblError(
            f"{reason} an ISO 4217 code such as DKK",
            line_of(node) or line_of(root),
            code="invalid_currency",
            field="DocumentCurrencyCode",
        )
    return value


def _issue_date(doc: Doc, root: Element) -> date:
    if text(root, "cbc:IssueDate") is None:
        doc.add(root, "missing", "IssueDate", "IssueDate is missing")
    return doc.date(root, "cbc:IssueDate", "IssueDate") or date.min


def _due_date(doc: Doc, root: Element, payment_means: tuple[PaymentMeans, ...]) -> date | None:
    """``cbc:DueDate`` (Peppol invoices), else a payment means' due date (OIOUBL, Peppol credit notes),
    else the payment terms'."""
    found = doc.date(root, "cbc:DueDate", "DueDate")
    found = found or next((m.due_date for m in payment_means if m.due_date), None)
    for n, terms in enumerate(find_all(root, "cac:PaymentTerms"), start=1):
        found = found or doc.date(terms, "cbc:PaymentDueDate", f"PaymentTerms[{n}]/PaymentDueDate")
        found = found or doc.date(terms, "cac:SettlementPeriod/cbc:EndDate", f"PaymentTerms[{n}]/EndDate")
    return found


def _attachments(doc: Doc, root: Element) -> tuple[Attachment, ...]:
    """Embedded PDFs; other embedded types and external links (never fetched) are left alone."""
    found = []
    for n, ref in enumerate(find_all(root, "cac:AdditionalDocumentReference"), start=1):
        node = find(ref, "cac:Attachment/cbc:EmbeddedDocumentBinaryObject")
        if node is None or (node.get("mimeCode") or "").strip().lower() != PDF_MIME:
            continue
        field = f"AdditionalDocumentReference[{n}]/EmbeddedDocumentBinaryObject"
        content = _pdf(doc, node, field)
        if content is not None:
            found.append(Attachment(text(ref, "cbc:ID") or "", node.get("filename"), content))
    return tuple(found)


def _pdf(doc: Doc, node: Element, field: str) -> bytes | None:
    try:
        content = base64.b64decode("".join((node.text or "").split()), validate=True)
    except (binascii.Error, ValueError):
        doc.add(node, "invalid_attachment", field, "the embedded PDF is not valid base64")
        return None
    if len(content) > MAX_ATTACHMENT_BYTES:
        doc.add(
            node, "invalid_attachment", field, f"the embedded PDF is larger than {MAX_ATTACHMENT_BYTES} bytes"
        )
    elif not content.startswith(b"%PDF"):
        doc.add(
            node, "invalid_attachment", field, "the embedded document is marked application/pdf but is no PDF"
        )
    else:
        return content
    return None
