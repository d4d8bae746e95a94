"""Sample pain.001 input of every kind, and the official XSDs shipped in the sepaxml test dependency."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from importlib.resources import files
from typing import Any

from lxml import etree

from betal.formats.iso20022.pain001 import PaymentBatch, Transfer

CREATED = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
EXECUTION = date(2026, 3, 4)
DEBTOR_IBAN = "DK5000400440116243"


@cache
def schema(version: str) -> etree.XMLSchema:
    """The ISO XSD of ``version`` as shipped in ``sepaxml/schemas`` (never copied into this repository)."""
    path = files("sepaxml") / "schemas" / f"{version}.xsd"
    return etree.XMLSchema(etree.fromstring(path.read_bytes()))


def assert_valid(document: bytes, version: str) -> None:
    xsd = schema(version)
    assert xsd.validate(etree.fromstring(document)), xsd.error_log


def domestic(**changes: Any) -> Transfer:
    base = Transfer(
        "E2E-pord-01", "pord-01", Decimal("1250.00"), "DKK", "domestic", "Jensen & Søn ApS",
        creditor_reg_no="5301", creditor_account_no="123456789", remittance="Faktura 1001",
    )  # fmt: skip
    return replace(base, **changes)


def sepa(**changes: Any) -> Transfer:
    base = Transfer(
        "E2E-pord-02", "pord-02", Decimal("99.95"), "EUR", "sepa", "Müller Bürobedarf GmbH",
        creditor_iban="DE89370400440532013000", creditor_bic="COBADEFFXXX", remittance="RE-2026-0042",
    )  # fmt: skip
    return replace(base, **changes)


def international(**changes: Any) -> Transfer:
    base = Transfer(
        "E2E-pord-03", "pord-03", Decimal("1200.50"), "USD", "international", "Acme Supplies Inc.",
        creditor_account_no="000123456789", creditor_bic="CHASUS33", creditor_country="US",
        creditor_address_lines=("270 Park Avenue", "New York NY 10017"), remittance="Invoice 7781",
    )  # fmt: skip
    return replace(base, **changes)


def fi_card(card_type: str = "71", **changes: Any) -> Transfer:
    ids = {"71": "67097535", "75": "18", "04": "2150263480000023", "73": None}
    creditor = "1234567" if card_type == "04" else "85799665"
    base = Transfer(
        f"E2E-fik-{card_type}", f"fik-{card_type}", Decimal("845.00"), "DKK", "fi_card",
        "Andelsselskabet Vand", fi_card_type=card_type, fi_creditor_number=creditor,
        fi_payment_id=ids[card_type],
    )  # fmt: skip
    return replace(base, **changes)


def batch(*transfers: Transfer, **changes: Any) -> PaymentBatch:
    base = PaymentBatch(
        "pinf-20260304-1", EXECUTION, "Hansen & Co ApS", DEBTOR_IBAN, transfers, debtor_bic="NDEADKKK"
    )
    return replace(base, **changes)


def every_kind() -> list[PaymentBatch]:
    """One batch of each kind (so ``PmtTpInf`` sits on the batch) and one mixed batch."""
    return [
        batch(domestic(), domestic(end_to_end_id="E2E-pord-04", instruction_id="pord-04")),
        batch(sepa(), payment_info_id="pinf-20260304-2"),
        batch(international(), payment_info_id="pinf-20260304-3", debtor_bic=None),
        batch(fi_card("71"), fi_card("73", remittance="Kundenr. 4711, Åvej 3"),
              fi_card("75", remittance="Tak"), fi_card("04"), payment_info_id="pinf-20260304-4"),
        batch(domestic(end_to_end_id="E2E-pord-05", instruction_id="pord-05"), sepa(),
              payment_info_id="pinf-20260304-5", local_instrument="SDCL"),
    ]  # fmt: skip
