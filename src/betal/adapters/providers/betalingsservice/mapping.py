"""Pure mapping between the port's dataclasses and Betalingsservice deliveries (no I/O).

Spec: danish-payments.md §3 (records and codes); docs/providers/betalingsservice.md. A mandate's
reference is ``{pbs_number}/{debtor_group}/{customer_no}``: the three fields that identify a debtor at
Betalingsservice and come back in every 0603 (mandate) and 0602 (payment) record. A collection's
reference is ``{pbs_number}/{payment_id}``: betal's payment id (30 characters) travels in the 30-character
reference field of the 0601 collection record (74-103) and comes back in the 0602 record (70-99).
Amounts are øre on both sides; Betalingsservice collects DKK only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from betal.domain.mandate import MandateStatus
from betal.domain.payment import PaymentStatus
from betal.domain.provider import CreatePayment, ProviderMandate, ProviderPayment, ProviderRejected
from betal.formats import dk_betalingsservice as bs

T = TypeVar("T", ProviderMandate, ProviderPayment)
COLLECTION_SECTION = "0112"  # collections "med lang advistekst" (§3.3)
COLLECT = "0280"
MANDATE_STATUS = {
    "0230": MandateStatus.ACTIVE,  # active mandate
    "0231": MandateStatus.ACTIVE,  # registered
    "0232": MandateStatus.CANCELLED,  # cancelled by the bank
    "0233": MandateStatus.CANCELLED,  # cancelled by the creditor
    "0234": MandateStatus.CANCELLED,  # cancelled by Betalingsservice
}
PAYMENT_STATUS = {
    "0236": (PaymentStatus.SUCCEEDED, None),  # completed
    "0237": (PaymentStatus.FAILED, "rejected by the debtor's bank (afvist)"),
    "0238": (PaymentStatus.CANCELLED, "cancelled by the debtor (afmeldt)"),
}  # 0239 (reversed, tilbageført) is a chargeback of a completed payment: reported, not mapped


@dataclass(frozen=True)
class InformationDelivery:
    """One mandate or payment information delivery, mapped: what it says about mandates and payments."""

    delivery_id: str
    delivery_type: str
    mandates: tuple[ProviderMandate, ...] = ()
    payments: tuple[ProviderPayment, ...] = ()
    unmapped: tuple[str, ...] = field(default_factory=tuple)  # records betal does not act on, as text


def mandate_reference(pbs_number: str, debtor_group: str, customer_no: str) -> str:
    return f"{pbs_number}/{debtor_group}/{customer_no}"


def split_mandate_reference(reference: str) -> tuple[str, str, str]:
    parts = reference.split("/")
    if len(parts) != 3 or not all(p.isdigit() for p in parts) or [len(p) for p in parts] != [8, 5, 15]:
        raise ProviderRejected(f"not a Betalingsservice mandate reference: {reference!r}")
    return parts[0], parts[1], parts[2]


def payment_reference(pbs_number: str, payment_id: str) -> str:
    return f"{pbs_number}/{payment_id}"


def split_payment_reference(reference: str) -> tuple[str, str]:
    pbs_number, _, payment_id = reference.partition("/")
    if len(pbs_number) != 8 or not pbs_number.isdigit() or not 0 < len(payment_id) <= 30:
        raise ProviderRejected(f"not a Betalingsservice collection reference: {reference!r}")
    return pbs_number, payment_id


def file_text(value: str, width: int) -> str:
    """``value`` on one line, in the file's character set (ISO-8859-1), cut to ``width``."""
    flat = " ".join(value.split())
    return flat.encode(bs.ENCODING, "replace").decode(bs.ENCODING)[:width].rstrip(" ")


def _due_date(request: CreatePayment, today: date) -> date:
    value = request.creditor.get("due_date")
    return date.fromisoformat(value) if isinstance(value, str) else today


def collection_delivery(
    request: CreatePayment, *, data_supplier: str | None, delivery_id: str, today: date
) -> bs.Delivery:
    """A 0601 delivery with one section 0112 and one 0280 collection of ``request`` on its mandate."""
    if request.mandate_reference is None:
        raise ProviderRejected("a Betalingsservice collection needs the mandate it is collected on")
    if request.currency != "DKK":
        raise ProviderRejected(f"Betalingsservice collects DKK only, not {request.currency}")
    pbs_number, debtor_group, customer_no = split_mandate_reference(request.mandate_reference)
    creditor = request.creditor
    start = bs.DeliveryStart(data_supplier or pbs_number, bs.SUBSYSTEM, bs.COLLECTIONS, delivery_id, today)
    section_start = bs.CollectionSectionStart(
        pbs_number=pbs_number, section=COLLECTION_SECTION, debtor_group=debtor_group, user_id="",
        created=today, reg_no=str(creditor.get("reg_no", "0")),
        account_no=str(creditor.get("account_no", "0")), advice_text=file_text(request.description, 60),
    )  # fmt: skip
    collection = bs.Collection(
        pbs_number=pbs_number, transaction_code=COLLECT, record_no=1, debtor_group=debtor_group,
        customer_no=customer_no, mandate_no="0", due_date=_due_date(request, today), sign=1,
        amount=request.amount_minor, reference=request.payment_id,
    )  # fmt: skip
    return bs.delivery(start, [bs.section(section_start, [collection])])


def delivery_id_for(payment_id: str) -> str:
    """A stable 10-character delivery id per payment: its id's last 10 (random) characters."""
    return payment_id[-10:]


def _raw(delivery_id: str, record: bs.Detail) -> dict[str, Any]:
    return {"delivery_id": delivery_id, "record": record.render()}


def provider_mandate(delivery_id: str, record: bs.MandateInfo) -> ProviderMandate:
    return ProviderMandate(
        mandate_id="",  # Betalingsservice knows betal's mandates by reference only
        reference=mandate_reference(record.pbs_number, record.debtor_group, record.customer_no),
        status=MANDATE_STATUS[record.transaction_code],
        raw=_raw(delivery_id, record) | {"mandate_no": record.mandate_no},
    )


def provider_payment(delivery_id: str, record: bs.PaymentInfo) -> ProviderPayment | None:
    if record.transaction_code not in PAYMENT_STATUS:
        return None
    status, reason = PAYMENT_STATUS[record.transaction_code]
    amount = (
        record.actual_amount if status is PaymentStatus.SUCCEEDED and record.actual_amount else record.amount
    )
    return ProviderPayment(
        payment_id=record.reference, reference=payment_reference(record.pbs_number, record.reference),
        status=status, amount_minor=amount, currency="DKK", failure_reason=reason,
        raw=_raw(delivery_id, record),
    )  # fmt: skip


def information(delivery_id: str, delivery: bs.Delivery) -> InformationDelivery:
    """What one parsed information delivery says, record by record, in file order."""
    mandates, payments, unmapped = [], [], []
    for record in delivery.details():
        mapped: ProviderMandate | ProviderPayment | None = None
        if isinstance(record, bs.MandateInfo):
            mapped = provider_mandate(delivery_id, record)
            mandates.append(mapped)
        elif isinstance(record, bs.PaymentInfo):
            mapped = provider_payment(delivery_id, record)
            if mapped is not None:
                payments.append(mapped)
        if mapped is None:
            unmapped.append(record.render())
    return InformationDelivery(
        delivery_id, delivery.start.delivery_type, tuple(mandates), tuple(payments), tuple(unmapped)
    )


def latest(items: Iterable[T], reference: str) -> T | None:
    """The last of ``items`` about ``reference`` (later deliveries overrule earlier ones), or None."""
    found: T | None = None
    for item in items:
        if item.reference == reference:
            found = item
    return found
