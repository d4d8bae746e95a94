"""Write a :class:`UblInvoice` as Peppol BIS Billing 3.0 or OIOUBL 2.1 UBL XML (for tests and the sandbox).

Spec: element order of the OASIS UBL 2.1 schemas (UBL-Invoice-2.1.xsd, UBL-CreditNote-2.1.xsd; the
output validates against them); Peppol BIS Billing 3.0 syntax (https://docs.peppol.eu/poacc/billing/3.0/);
OIOUBL 2.1 identifiers and payment channels per shared/standards/danish-payments.md §5.2.

Only what the model holds is written, so ``read(write_peppol(x)) == x`` for a document read from Peppol
(and likewise for OIOUBL). Where the profiles differ: OIOUBL puts the VAT total in
``TaxExclusiveAmount``, writes FI-kort as kortart in ``PaymentID`` plus ``InstructionID`` and
``CreditAccount``, repeats VAT on every line and has no ``cbc:DueDate`` (the due date goes in each
``PaymentMeans``, as it does in a Peppol credit note).
"""

from __future__ import annotations

import base64
import uuid
from decimal import Decimal

from lxml import etree

from betal.formats.ubl.model import OIOUBL, PEPPOL, Amount, Line, Party, PaymentMeans, Profile, UblInvoice
from betal.formats.ubl.payment_means import FIK, GIRO
from betal.formats.ubl.reader import OIOUBL_CUSTOMIZATIONS, PEPPOL_CUSTOMIZATION
from betal.formats.ubl.totals import vat
from betal.formats.ubl.tree import CAC, CBC, CREDIT_NOTE, INVOICE, Element

PEPPOL_PROFILE_ID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
OIOUBL_PROFILE_ID = "urn:www.nesubl.eu:profiles:profile5:ver2.0"
_OIO = {"schemeAgencyID": "320"}  # 320: the Danish agency (Digitaliseringsstyrelsen) for OIOUBL ids
_OIO_LIST = {"listAgencyID": "320"}
_CHANNEL_LIST = {**_OIO_LIST, "listID": "urn:oioubl:codelist:paymentchannelcode-1.1"}
OIOUBL_CHANNELS = {"fi_card:93": "DK:FIK", "fi_card:50": "DK:GIRO", "domestic": "DK:BANK", "iban": "IBAN"}


def write_peppol(invoice: UblInvoice) -> bytes:
    """``invoice`` as a Peppol BIS Billing 3.0 Invoice or CreditNote (UTF-8, with XML declaration)."""
    return _Writer(PEPPOL, invoice).document()


def write_oioubl(invoice: UblInvoice) -> bytes:
    """``invoice`` as an OIOUBL 2.1 Invoice or CreditNote (UTF-8, with XML declaration)."""
    return _Writer(OIOUBL, invoice).document()


def _fmt(value: Decimal) -> str:
    return format(value, "f")


class _Writer:
    def __init__(self, profile: Profile, invoice: UblInvoice) -> None:
        self.oioubl = profile == OIOUBL
        self.inv = invoice
        self.credit = invoice.document_type == "credit_note"
        self.root_due_date = not self.oioubl and not self.credit  # else the due date goes in PaymentMeans

    def cbc(self, parent: Element, name: str, value: str, **attrs: str) -> Element:
        node = etree.SubElement(parent, f"{{{CBC}}}{name}", attrs)
        node.text = value
        return node

    def cac(self, parent: Element, name: str) -> Element:
        return etree.SubElement(parent, f"{{{CAC}}}{name}")

    def amount(self, parent: Element, name: str, amount: Amount) -> None:
        self.cbc(parent, name, _fmt(amount.value), currencyID=self.inv.currency)

    def document(self) -> bytes:
        ns, tag = (CREDIT_NOTE, "CreditNote") if self.credit else (INVOICE, "Invoice")
        root = etree.Element(f"{{{ns}}}{tag}", nsmap={None: ns, "cac": CAC, "cbc": CBC})  # type: ignore[dict-item]
        self.header(root)
        self.party(self.cac(root, "AccountingSupplierParty"), self.inv.supplier)
        self.party(self.cac(root, "AccountingCustomerParty"), self.inv.buyer)
        for means in self.inv.payment_means:
            self.payment_means(self.cac(root, "PaymentMeans"), means)
        for ac in self.inv.allowance_charges:
            node = self.cac(root, "AllowanceCharge")
            self.cbc(node, "ChargeIndicator", "true" if ac.is_charge else "false")
            if ac.reason:
                self.cbc(node, "AllowanceChargeReason", ac.reason)
            self.amount(node, "Amount", ac.amount)
            self.tax_category(node, "TaxCategory", ac.vat_category, ac.vat_percent)
        self.tax_total(root)
        self.monetary_total(self.cac(root, "LegalMonetaryTotal"))
        for line in self.inv.lines:
            self.line(self.cac(root, "CreditNoteLine" if self.credit else "InvoiceLine"), line)
        return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))

    def header(self, root: Element) -> None:
        inv = self.inv
        if self.oioubl:
            self.cbc(root, "UBLVersionID", "2.1")
            self.cbc(root, "CustomizationID", OIOUBL_CUSTOMIZATIONS[0])
            self.cbc(root, "ProfileID", OIOUBL_PROFILE_ID, **_OIO, schemeID="urn:oioubl:id:profileid-1.2")
        else:
            self.cbc(root, "CustomizationID", PEPPOL_CUSTOMIZATION)
            self.cbc(root, "ProfileID", PEPPOL_PROFILE_ID)
        self.cbc(root, "ID", inv.invoice_number)
        if self.oioubl:
            key = f"betal:{inv.supplier.cvr}:{inv.document_type}:{inv.invoice_number}"
            self.cbc(root, "UUID", str(uuid.uuid5(uuid.NAMESPACE_URL, key)))
        self.cbc(root, "IssueDate", inv.issue_date.isoformat())
        if self.root_due_date and inv.due_date:
            self.cbc(root, "DueDate", inv.due_date.isoformat())
        code_attrs = {**_OIO_LIST, "listID": "urn:oioubl:codelist:invoicetypecode-1.1"} if self.oioubl else {}
        self.cbc(
            root,
            "CreditNoteTypeCode" if self.credit else "InvoiceTypeCode",
            "381" if self.credit else "380",
            **code_attrs,
        )
        self.cbc(root, "DocumentCurrencyCode", inv.currency)
        if inv.buyer_reference:
            self.cbc(root, "BuyerReference", inv.buyer_reference)
        if inv.billing_reference:
            ref = self.cac(self.cac(root, "BillingReference"), "InvoiceDocumentReference")
            self.cbc(ref, "ID", inv.billing_reference)
        for attachment in inv.attachments:
            ref = self.cac(root, "AdditionalDocumentReference")
            self.cbc(ref, "ID", attachment.document_id)
            attrs = {"mimeCode": attachment.mime_code}
            if attachment.filename:
                attrs["filename"] = attachment.filename
            content = base64.b64encode(attachment.content).decode("ascii")
            self.cbc(self.cac(ref, "Attachment"), "EmbeddedDocumentBinaryObject", content, **attrs)

    def party(self, parent: Element, party: Party) -> None:
        node = self.cac(parent, "Party")
        if party.endpoint_id:
            self.cbc(node, "EndpointID", party.endpoint_id, **_scheme(party.endpoint_scheme))
        if party.name:
            self.cbc(self.cac(node, "PartyName"), "Name", party.name)
        if party.country:
            address = self.cac(node, "PostalAddress")
            self.cbc(self.cac(address, "Country"), "IdentificationCode", party.country)
        if party.vat_id:
            scheme = self.cac(node, "PartyTaxScheme")
            self.cbc(scheme, "CompanyID", party.vat_id, **_scheme("DK:SE" if self.oioubl else None))
            self.tax_scheme(scheme)
        if party.name or party.cvr:
            legal = self.cac(node, "PartyLegalEntity")
            self.cbc(legal, "RegistrationName", party.name)
            if party.cvr:
                cvr = f"DK{party.cvr}" if self.oioubl else party.cvr
                self.cbc(legal, "CompanyID", cvr, schemeID="DK:CVR" if self.oioubl else "0184")

    def tax_scheme(self, parent: Element) -> None:
        scheme = self.cac(parent, "TaxScheme")
        if self.oioubl:
            self.cbc(scheme, "ID", "63", **_OIO, schemeID="urn:oioubl:id:taxschemeid-1.5")
            self.cbc(scheme, "Name", "Moms")
        else:
            self.cbc(scheme, "ID", "VAT")

    def tax_category(self, parent: Element, name: str, category: str | None, percent: Decimal | None) -> None:
        if category is None:
            return
        node = self.cac(parent, name)
        attrs = {**_OIO, "schemeID": "urn:oioubl:id:taxcategoryid-1.1"} if self.oioubl else {}
        self.cbc(node, "ID", category, **attrs)
        if percent is not None:
            self.cbc(node, "Percent", _fmt(percent))
        self.tax_scheme(node)

    def payment_means(self, node: Element, means: PaymentMeans) -> None:
        self.cbc(node, "PaymentMeansCode", means.code)
        due = means.due_date or (None if self.root_due_date else self.inv.due_date)
        if due:
            self.cbc(node, "PaymentDueDate", due.isoformat())
        key = f"{means.kind}:{means.code}" if means.kind == "fi_card" else means.kind
        channel = means.channel or (OIOUBL_CHANNELS.get(key) if self.oioubl else None)
        if channel:
            self.cbc(node, "PaymentChannelCode", channel, **(_CHANNEL_LIST if self.oioubl else {}))
        if means.kind == "fi_card":
            self.fi_card(node, means)
            return
        if means.payment_id:
            self.cbc(node, "PaymentID", means.payment_id)
        account = means.iban or means.account_no
        if account:
            self.payee_account(node, account, means.bic if means.iban else means.reg_no, bic=bool(means.iban))

    def fi_card(self, node: Element, means: PaymentMeans) -> None:
        card, payment_id, account = (
            means.fi_card_type or "",
            means.fi_payment_id,
            means.fi_creditor_number or "",
        )
        if not self.oioubl:
            self.cbc(node, "PaymentID", f"{card}#{payment_id or ''}")
            self.cbc(self.cac(node, "PayeeFinancialAccount"), "ID", account)
            return
        if payment_id:
            self.cbc(node, "InstructionID", payment_id)
        self.cbc(node, "PaymentID", card, **_OIO, schemeID="urn:oioubl:id:paymentid-1.1")
        if means.code == GIRO:
            self.cbc(self.cac(node, "PayeeFinancialAccount"), "ID", account)
        if means.code == FIK:
            self.cbc(self.cac(node, "CreditAccount"), "AccountID", account)

    def payee_account(self, node: Element, account: str, branch_id: str | None, *, bic: bool) -> None:
        payee = self.cac(node, "PayeeFinancialAccount")
        self.cbc(payee, "ID", account)
        if branch_id is None:
            return
        branch = self.cac(payee, "FinancialInstitutionBranch")
        if bic and self.oioubl:  # OIOUBL: the BIC identifies the institution, not the branch
            self.cbc(self.cac(branch, "FinancialInstitution"), "ID", branch_id)
        else:
            self.cbc(branch, "ID", branch_id)

    def tax_total(self, root: Element) -> None:
        node = self.cac(root, "TaxTotal")
        self.amount(node, "TaxAmount", self.inv.totals.tax)
        for subtotal in self.inv.tax_subtotals:
            sub = self.cac(node, "TaxSubtotal")
            self.amount(sub, "TaxableAmount", subtotal.taxable)
            self.amount(sub, "TaxAmount", subtotal.tax)
            self.tax_category(sub, "TaxCategory", subtotal.category, subtotal.percent)

    def monetary_total(self, node: Element) -> None:
        t = self.inv.totals
        self.amount(node, "LineExtensionAmount", t.line_extension)
        self.amount(node, "TaxExclusiveAmount", t.tax if self.oioubl else t.tax_exclusive)
        self.amount(node, "TaxInclusiveAmount", t.tax_inclusive)
        optional = [
            ("AllowanceTotalAmount", t.allowance),
            ("ChargeTotalAmount", t.charge),
            ("PrepaidAmount", t.prepaid),
            ("PayableRoundingAmount", t.payable_rounding),
        ]
        for name, amount in optional:
            if amount.minor:
                self.amount(node, name, amount)
        self.amount(node, "PayableAmount", t.payable)

    def line(self, node: Element, line: Line) -> None:
        self.cbc(node, "ID", line.id)
        quantity_tag = "CreditedQuantity" if self.credit else "InvoicedQuantity"
        self.cbc(
            node,
            quantity_tag,
            _fmt(line.quantity),
            **({"unitCode": line.unit_code} if line.unit_code else {}),
        )
        self.amount(node, "LineExtensionAmount", line.line_extension)
        if self.oioubl and line.vat_category is not None:  # OIOUBL states each line's VAT
            tax_total = self.cac(node, "TaxTotal")
            tax = vat(line.line_extension, line.vat_percent)
            self.amount(tax_total, "TaxAmount", tax)
            sub = self.cac(tax_total, "TaxSubtotal")
            self.amount(sub, "TaxableAmount", line.line_extension)
            self.amount(sub, "TaxAmount", tax)
            self.tax_category(sub, "TaxCategory", line.vat_category, line.vat_percent)
        item = self.cac(node, "Item")
        if line.description:
            self.cbc(item, "Description", line.description)
        if line.name:
            self.cbc(item, "Name", line.name)
        self.tax_category(item, "ClassifiedTaxCategory", line.vat_category, line.vat_percent)
        if line.price is not None:
            self.cbc(self.cac(node, "Price"), "PriceAmount", _fmt(line.price), currencyID=self.inv.currency)


def _scheme(scheme: str | None) -> dict[str, str]:
    return {"schemeID": scheme} if scheme else {}
