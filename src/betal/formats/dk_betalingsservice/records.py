"""Betalingsservice records: one frozen dataclass per record type, each exactly 128 characters.

Spec: shared/standards/danish-payments.md §3.2 (framing), §3.3 (sections and transaction codes) and
§3.4 (field positions, after the Nets guides for 0602/0603 of January 2012, mseebach/PBS-parser and
hafsjold/snvrepos). Positions are 1-based and inclusive; ``# a-b`` on a field gives its columns and the
spec's wording. Positions 1-5 are ``BS`` + the record type; columns no field covers are fillers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar, Self, cast

from betal.formats.dk_betalingsservice.fields import (
    RECORD_LENGTH,
    Kind,
    Problem,
    RecordError,
    at,
    parse_value,
    render_value,
    specs,
)

D, N, T, D6, D8 = Kind.DIGITS, Kind.NUMBER, Kind.TEXT, Kind.DATE6, Kind.DATE8

SIGN_ZERO, SIGN_DEBIT, SIGN_CREDIT = 0, 1, 2  # 0 = zero amount, 1 = debit (træk), 2 = credit (indsættelse)


_FILLERS: dict[type[Any], tuple[tuple[int, int], ...]] = {}


def _fillers(cls: type[Any]) -> tuple[tuple[int, int], ...]:
    if cls not in _FILLERS:
        _FILLERS[cls] = _gaps(cls)
    return _FILLERS[cls]


def _gaps(cls: type[Any]) -> tuple[tuple[int, int], ...]:
    covered = {p for _, s in specs(cls) for p in range(s.start, s.end + 1)} | set(range(1, 6))
    gaps: list[tuple[int, int]] = []
    for pos in range(6, RECORD_LENGTH + 1):
        if pos in covered:
            continue
        if gaps and gaps[-1][1] == pos - 1:
            gaps[-1] = (gaps[-1][0], pos)
        else:
            gaps.append((pos, pos))
    return tuple(gaps)


class Record:
    """What every record type shares: ``parse(line, lineno)`` and ``render()``."""

    RECORD: ClassVar[str]
    ZERO_FILLERS: ClassVar[tuple[tuple[int, int], ...]] = ()  # fillers the spec gives as zeros

    @classmethod
    def parse(cls, line: str, lineno: int, problems: list[Problem] | None = None) -> Self:
        """The record in ``line``; fillers that are neither blank nor zero are an error, or a problem
        appended to ``problems`` when the caller reads leniently."""
        if len(line) != RECORD_LENGTH:
            raise RecordError(
                Problem(lineno, cls.RECORD, "record", line[:5], f"has {len(line)} characters, not 128")
            )
        if line[:5] != cls.RECORD:
            raise RecordError(Problem(lineno, cls.RECORD, "record_type", line[:5], f"is not {cls.RECORD}"))
        values = {}
        for name, spec in specs(cls):
            raw = line[spec.start - 1 : spec.end]
            try:
                values[name] = parse_value(raw, spec)
            except ValueError as exc:
                raise RecordError(Problem(lineno, cls.RECORD, name, raw, str(exc))) from None
        for start, end in _fillers(cls):
            raw = line[start - 1 : end]
            if raw.strip(" 0"):
                problem = Problem(lineno, cls.RECORD, f"filler {start}-{end}", raw, "must be blank or zeros")
                if problems is None:
                    raise RecordError(problem)
                problems.append(problem)
        return cast(Any, cls)(**values)  # type: ignore[no-any-return]

    def render(self) -> str:
        chars = list(self.RECORD + " " * (RECORD_LENGTH - 5))
        for start, end in self.ZERO_FILLERS:
            chars[start - 1 : end] = "0" * (end - start + 1)
        for name, spec in specs(type(self)):
            value = getattr(self, name)
            try:
                chars[spec.start - 1 : spec.end] = render_value(value, spec)
            except ValueError as exc:
                raise RecordError(Problem(0, self.RECORD, name, str(value), str(exc))) from None
        return "".join(chars)


@dataclass(frozen=True)
class DeliveryStart(Record):
    """BS002, delivery start (leverance start)."""

    RECORD = "BS002"
    data_supplier: str = field(metadata=at(6, 13, D))  # 6-13 data supplier no. (dataleverandør: CVR/SE, 8)
    subsystem: str = field(metadata=at(14, 16, T))  # 14-16 subsystem (``BS1``)
    delivery_type: str = field(
        metadata=at(17, 20, D)
    )  # 17-20 delivery type (leverancetype 0601 / 0602 / 0603)
    delivery_id: str = field(metadata=at(21, 30, T))  # 21-30 delivery ID (leveranceidentifikation, 10)
    created: date = field(metadata=at(50, 55, D6))  # 50-55 creation date DDMMYY; 31-49 blanks, 56-128 filler


@dataclass(frozen=True)
class SectionStart(Record):
    """BS012, section start (sektion start) in information deliveries (0602, 0603)."""

    RECORD = "BS012"
    pbs_number: str = field(metadata=at(6, 13, D))  # 6-13 PBS number (creditor, 8)
    section: str = field(metadata=at(14, 17, D))  # 14-17 section no.; 18-20 filler
    debtor_group: str = field(metadata=at(21, 25, D))  # 21-25 debtor group (debitorgruppenummer, 5)
    user_id: str = field(metadata=at(26, 40, T))  # 26-40 user's ID at the data supplier (15); 41-49 filler
    created: date | None = field(metadata=at(50, 55, D6))  # 50-55 date DDMMYY; 56-128 filler


@dataclass(frozen=True)
class CollectionSectionStart(Record):
    """BS012, section start of a collection delivery (0601, sections 0112 / 0117)."""

    RECORD = "BS012"
    pbs_number: str = field(metadata=at(6, 13, D))  # 6-13 PBS number (creditor, 8)
    section: str = field(metadata=at(14, 17, D))  # 14-17 section no. (0112 / 0117); 18-22 filler (5)
    debtor_group: str = field(metadata=at(23, 27, D))  # 23-27 debtor group
    user_id: str = field(metadata=at(28, 42, T))  # 28-42 user ID; 43-46 filler
    created: date | None = field(metadata=at(47, 54, D8))  # 47-54 date DDMMYYYY
    reg_no: str = field(metadata=at(55, 58, D))  # 55-58 reg.nr. of the transfer account (4)
    account_no: str = field(metadata=at(59, 68, D))  # 59-68 account no. of the transfer account (10)
    advice_text: str = field(metadata=at(69, 128, T))  # 69-128 the main advice line text


@dataclass(frozen=True)
class Collection(Record):
    """BS042 in a collection delivery (0601, sections 0112 / 0117): codes 0280 / 0285."""

    RECORD = "BS042"
    ZERO_FILLERS = ((104, 105),)  # 104-105 ``00``; 106-128 blanks
    pbs_number: str = field(metadata=at(6, 13, D))  # 6-13 PBS number (creditor)
    transaction_code: str = field(metadata=at(14, 17, D))  # 14-17 transaction code 0280 / 0285 (collection)
    record_no: int = field(metadata=at(18, 22, N))  # 18-22 record no.
    debtor_group: str = field(metadata=at(23, 27, D))  # 23-27 debtor group
    customer_no: str = field(metadata=at(28, 42, D))  # 28-42 customer no. (kundenummer)
    mandate_no: str = field(
        metadata=at(43, 51, D)
    )  # 43-51 mandate no. (``000000000``; ``999999999`` also occurs)
    due_date: date | None = field(metadata=at(52, 59, D8))  # 52-59 due date DDMMYYYY
    sign: int = field(metadata=at(60, 60, N))  # 60 sign: 0 zero amount, 1 debit, 2 credit
    amount: int = field(metadata=at(61, 73, N))  # 61-73 amount in øre
    reference: str = field(metadata=at(74, 103, T))  # 74-103 reference (30)


@dataclass(frozen=True)
class PaymentInfo(Record):
    """BS042 in section 0211 of a payment information delivery (0602): codes 0236-0239."""

    RECORD = "BS042"
    ZERO_FILLERS = ((18, 20),)  # 18-20 record no. / filler ``000``
    pbs_number: str = field(metadata=at(6, 13, D))  # 6-13 PBS number (kreditor)
    transaction_code: str = field(
        metadata=at(14, 17, D)
    )  # 14-17 0236 completed, 0237 rejected, 0238 cancelled, 0239 reversed
    debtor_group: str = field(metadata=at(21, 25, D))  # 21-25 debtor group
    customer_no: str = field(metadata=at(26, 40, D))  # 26-40 customer no. (kundenummer)
    mandate_no: str = field(metadata=at(41, 49, D))  # 41-49 mandate no. (aftalenummer)
    payment_date: date | None = field(metadata=at(50, 55, D6))  # 50-55 payment date DDMMYY
    sign: int = field(
        metadata=at(56, 56, N)
    )  # 56 sign: 0 zero amount, 1 debit (træk), 2 credit (indsættelse)
    amount: int = field(metadata=at(57, 69, N))  # 57-69 amount in øre
    reference: str = field(metadata=at(70, 99, T))  # 70-99 creditor reference (30); 100-103 filler
    actual_payment_date: date | None = field(metadata=at(104, 109, D6))  # 104-109 actual payment date DDMMYY
    booking_date: date | None = field(metadata=at(110, 115, D6))  # 110-115 bookkeeping date DDMMYY
    actual_amount: int = field(metadata=at(116, 128, N))  # 116-128 actual amount in øre


@dataclass(frozen=True)
class SlipPayment(Record):
    """BS042 in section 0215 of a payment information delivery (0602): codes 0297 / 0299."""

    RECORD = "BS042"
    ZERO_FILLERS = ((18, 20), (26, 29))  # 26-29 zeros
    pbs_number: str = field(metadata=at(6, 13, D))  # 6-13 PBS number (kreditor)
    transaction_code: str = field(metadata=at(14, 17, D))  # 14-17 0297 completed, 0299 reversed
    debtor_group: str = field(metadata=at(21, 25, D))  # 21-25 debtor group
    customer_no: str = field(metadata=at(30, 44, D))  # 30-44 customer no.
    card_type: str = field(metadata=at(45, 46, D))  # 45-46 kortart (slip type)
    reject_fee_code: str = field(metadata=at(47, 47, T))  # 47 reject fee code
    fee_amount: int = field(metadata=at(48, 52, N))  # 48-52 fee amount
    payment_date: date | None = field(metadata=at(53, 58, D6))  # 53-58 payment date DDMMYY
    sign: int = field(metadata=at(59, 59, N))  # 59 sign
    amount: int = field(metadata=at(60, 72, N))  # 60-72 amount in øre
    reference: str = field(metadata=at(73, 81, T))  # 73-81 creditor reference (9)
    archive_reference: str = field(metadata=at(82, 103, T))  # 82-103 archive reference (22)
    actual_payment_date: date | None = field(metadata=at(104, 109, D6))  # 104-109 payment date DDMMYY
    booking_date: date | None = field(metadata=at(110, 115, D6))  # 110-115 bookkeeping date DDMMYY
    actual_amount: int = field(metadata=at(116, 128, N))  # 116-128 actual amount in øre


@dataclass(frozen=True)
class MandateInfo(Record):
    """BS042 in a mandate information delivery (0603): codes 0230-0234."""

    RECORD = "BS042"
    ZERO_FILLERS = ((18, 20),)  # 18-20 ``000``
    pbs_number: str = field(metadata=at(6, 13, D))  # 6-13 PBS number (kreditor)
    transaction_code: str = field(
        metadata=at(14, 17, D)
    )  # 14-17 0230 active, 0231 registered, 0232-0234 cancelled
    debtor_group: str = field(metadata=at(21, 25, D))  # 21-25 debtor group
    customer_no: str = field(metadata=at(26, 40, D))  # 26-40 customer no.
    mandate_no: str = field(metadata=at(41, 49, D))  # 41-49 mandate no.
    effective_date: date | None = field(metadata=at(50, 55, D6))  # 50-55 effective date DDMMYY
    cancellation_date: date | None = field(
        metadata=at(56, 61, D6)
    )  # 56-61 cancellation date (``000000``: none); 62-128 blanks


@dataclass(frozen=True)
class SectionEnd(Record):
    """BS092, section end (sektion slut), with counts and the net amount of the section."""

    RECORD = "BS092"
    pbs_number: str = field(metadata=at(6, 13, D))  # 6-13 PBS no.
    section: str = field(metadata=at(14, 17, D))  # 14-17 section; 18-20 filler
    debtor_group: str = field(metadata=at(21, 25, D))  # 21-25 debtor group; 26-31 filler
    count_042: int = field(metadata=at(32, 42, N))  # 32-42 number of BS042 records
    amount: int = field(metadata=at(43, 57, N))  # 43-57 net amount of BS042 records (15)
    count_052: int = field(metadata=at(58, 68, N))  # 58-68 number of BS052 records; 69-83 filler
    count_022: int = field(metadata=at(84, 94, N))  # 84-94 number of BS022 records (0601); 95-128 filler


@dataclass(frozen=True)
class DeliveryEnd(Record):
    """BS992, delivery end (leverance slut), with counts and the total of the delivery."""

    RECORD = "BS992"
    data_supplier: str = field(metadata=at(6, 13, D))  # 6-13 data supplier no.
    subsystem: str = field(metadata=at(14, 16, T))  # 14-16 subsystem
    delivery_type: str = field(metadata=at(17, 20, D))  # 17-20 delivery type
    section_count: int = field(metadata=at(21, 31, N))  # 21-31 number of sections (11)
    count_042: int = field(metadata=at(32, 42, N))  # 32-42 number of BS042 records (11)
    amount: int = field(metadata=at(43, 57, N))  # 43-57 total amount (15)
    count_052: int = field(metadata=at(58, 68, N))  # 58-68 number of BS052 records (0601); 69-83 filler
    count_022: int = field(metadata=at(84, 94, N))  # 84-94 number of BS022 records (0601); 95-128 filler


Detail = Collection | PaymentInfo | SlipPayment | MandateInfo
AnyRecord = DeliveryStart | SectionStart | CollectionSectionStart | Detail | SectionEnd | DeliveryEnd

COLLECTION_SECTIONS = frozenset({"0112", "0117"})
DETAIL_CODES: dict[str, type[Detail]] = {
    **dict.fromkeys(("0280", "0285"), Collection),
    **dict.fromkeys(("0236", "0237", "0238", "0239"), PaymentInfo),
    **dict.fromkeys(("0297", "0299"), SlipPayment),
    **dict.fromkeys(("0230", "0231", "0232", "0233", "0234"), MandateInfo),
}
_FRAMING: dict[str, type[Record]] = {"BS002": DeliveryStart, "BS092": SectionEnd, "BS992": DeliveryEnd}


def record_class(line: str, lineno: int) -> type[Record]:
    """Which record type ``line`` holds (by ``BSnnn``, then section or transaction code in 14-17)."""
    kind, code = line[:5], line[13:17]
    if kind in _FRAMING:
        return _FRAMING[kind]
    if kind == "BS012":
        return CollectionSectionStart if code in COLLECTION_SECTIONS else SectionStart
    if kind == "BS042" and code in DETAIL_CODES:
        return DETAIL_CODES[code]
    field = "transaction_code" if kind == "BS042" else "record_type"
    raise RecordError(Problem(lineno, kind, field, code if kind == "BS042" else kind, "is not supported"))


def signed(sign: int, amount: int) -> int:
    """An amount with its sign code applied: credits count negative in a net amount."""
    return -amount if sign == SIGN_CREDIT else amount
