"""Hypothesis strategies for UblInvoice values that a writer and the reader agree on.

Such an invoice is consistent (totals and VAT from ``ubl.compute``) and canonical for its profile: raw
fields the reader derives (a FI-kort ``payment_id``, an OIOUBL channel, a due date carried in the payment
means) hold what the writer will write, so ``read(write(x)) == x`` is the property to test.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from hypothesis import strategies as st

from betal.formats import ubl
from betal.formats.fi_line import make_payment_id
from betal.formats.ubl.model import DocumentType, PaymentMeans, Profile

TEXT = st.text(
    st.characters(codec="utf-8", categories=["L", "N", "P", "Zs"]), min_size=1, max_size=24
).filter(lambda s: s == s.strip())
IDS = st.text("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-/", min_size=1, max_size=20)
DATES = st.dates(date(2020, 1, 1), date(2035, 12, 31))
CVRS = st.sampled_from(["31000009", "31000017", "42000019", "13748136"])
IBANS = st.sampled_from(
    ["DK5000400440116243", "DE89370400440532013000", "DK2930000001234567", "NO9386011117947"]
)
BICS = st.none() | st.sampled_from(["NDEADKKK", "COBADEFFXXX", "DABADKKK"])
CATEGORIES = {
    "peppol": [
        ("S", Decimal("25")),
        ("Z", Decimal("0")),
        ("AE", Decimal("0")),
        ("S", Decimal("12.5")),
        ("O", None),
    ],
    "oioubl": [
        ("StandardRated", Decimal("25")),
        ("ZeroRated", Decimal("0")),
        ("ReverseCharge", Decimal("0")),
    ],
}
CURRENCIES = {"peppol": ["DKK", "EUR", "JPY", "KWD"], "oioubl": ["DKK", "EUR"]}


@st.composite
def parties(draw: st.DrawFn, profile: Profile, *, danish: bool, nameless: bool = False) -> ubl.Party:
    name = draw(st.just("") | TEXT) if nameless else draw(TEXT)
    if not danish:
        vat_id = draw(st.sampled_from(["DE123456789", "SE556000016701"]))
        return ubl.Party(name=name, endpoint_id=vat_id, endpoint_scheme="9930", vat_id=vat_id, country="DE")
    cvr = draw(CVRS)
    endpoint = ("0184", cvr) if profile == "peppol" else ("DK:CVR", f"DK{cvr}")
    return ubl.Party(name, cvr, endpoint[1], endpoint[0], f"DK{cvr}", "DK")


@st.composite
def lines(draw: st.DrawFn, profile: Profile, exponent: int) -> ubl.Line:
    category, percent = draw(st.sampled_from(CATEGORIES[profile]))
    return ubl.Line(
        id=draw(IDS),
        name=draw(TEXT),
        quantity=draw(st.decimals(-1000, 1000, places=3)),
        line_extension=ubl.Amount(draw(st.integers(-(10**9), 10**9)), exponent),
        description=draw(st.none() | TEXT),
        unit_code=draw(st.none() | st.sampled_from(["C62", "HUR", "EA", "KGM"])),
        price=draw(st.none() | st.decimals(0, 10**6, places=4)),
        vat_category=category,
        vat_percent=percent,
    )


@st.composite
def allowance_charges(draw: st.DrawFn, profile: Profile, exponent: int) -> ubl.AllowanceCharge:
    category, percent = draw(st.sampled_from(CATEGORIES[profile]))
    amount = ubl.Amount(draw(st.integers(0, 10**7)), exponent)
    return ubl.AllowanceCharge(draw(st.booleans()), amount, draw(st.none() | TEXT), category, percent)


def _fi_card(draw: st.DrawFn, profile: Profile) -> PaymentMeans:
    card = draw(st.sampled_from(["71", "73", "75", "01", "04", "15"]))
    code = "93" if card in ("71", "73", "75") else "50"
    payload = draw(st.integers(0, 10**14 - 1))
    payment_id = {
        "71": make_payment_id("71", payload),
        "75": make_payment_id("75", payload),
        "04": make_payment_id("04", payload),
        "15": f"{payload:016d}",
    }.get(card)
    account = draw(st.text("0123456789", min_size=7, max_size=8)) if code == "50" else draw(CVRS)
    raw = f"{card}#{payment_id or ''}" if profile == "peppol" else card
    channel = None if profile == "peppol" else ("DK:FIK" if code == "93" else "DK:GIRO")
    return PaymentMeans(code, "fi_card", channel, card, payment_id, account, payment_id=raw)


@st.composite
def payment_means(draw: st.DrawFn, profile: Profile, *, danish: bool) -> PaymentMeans:
    oio = profile == "oioubl"
    kinds = ["fi_card", "domestic", "iban", "other"] if danish else ["iban", "other"]
    kind = draw(st.sampled_from(kinds))
    reference = draw(st.none() | IDS)
    if kind == "fi_card":
        return _fi_card(draw, profile)
    if kind == "domestic":
        reg, account = (
            draw(st.text("0123456789", min_size=4, max_size=4)),
            draw(st.text("0123456789", min_size=1, max_size=10)),
        )
        return PaymentMeans(
            draw(st.sampled_from(["31", "42"])),
            "domestic",
            "DK:BANK" if oio else None,
            reg_no=reg,
            account_no=account,
            payment_id=reference,
        )
    if kind == "iban":
        code = draw(st.sampled_from(["31", "58"] if danish else ["30", "31", "58"]))
        return PaymentMeans(
            code, "iban", "IBAN" if oio else None, iban=draw(IBANS), bic=draw(BICS), payment_id=reference
        )
    code = draw(st.sampled_from(["1", "10", "48", "49", "59", "97"] if danish else ["1", "49", "ZZZ"]))
    return PaymentMeans(code, "other", "DK:NEMKONTO" if oio and code == "97" else None, payment_id=reference)


@st.composite
def invoices(draw: st.DrawFn, profile: Profile, document_type: DocumentType) -> ubl.UblInvoice:
    currency = draw(st.sampled_from(CURRENCIES[profile]))
    exponent = ubl.exponent(currency)
    danish = profile == "oioubl" or draw(st.booleans())
    invoice_lines = draw(st.lists(lines(profile, exponent), min_size=1, max_size=4))
    acs = draw(st.lists(allowance_charges(profile, exponent), max_size=2))
    prepaid, rounding = draw(st.integers(0, 10**6)), draw(st.integers(-50, 50))
    subtotals, totals = ubl.compute(
        invoice_lines, acs, exponent=exponent, prepaid=prepaid, payable_rounding=rounding
    )
    due_date = draw(st.none() | DATES)
    means = draw(st.lists(payment_means(profile, danish=danish), min_size=1, max_size=2))
    if profile == "oioubl" or document_type == "credit_note":  # no cbc:DueDate: each means carries it
        means = [replace(m, due_date=due_date) for m in means]
    pdf = st.builds(
        ubl.Attachment,
        IDS,
        st.none() | st.just("faktura.pdf"),
        st.binary(max_size=64).map(lambda b: b"%PDF-1.7\n" + b),
    )
    return ubl.UblInvoice(
        profile=profile,
        document_type=document_type,
        invoice_number=draw(IDS),
        issue_date=draw(DATES),
        due_date=due_date,
        currency=currency,
        supplier=draw(parties(profile, danish=danish)),
        buyer=draw(parties(profile, danish=profile == "oioubl" or draw(st.booleans()), nameless=True)),
        lines=tuple(invoice_lines),
        tax_subtotals=subtotals,
        totals=totals,
        payment_means=tuple(means),
        allowance_charges=tuple(acs),
        attachments=tuple(draw(st.lists(pdf, max_size=1))),
        buyer_reference=draw(st.none() | TEXT),
        billing_reference=draw(st.none() | IDS),
    )
