"""Shared set-up for bank statement and reconciliation tests: camt.053 files, requests, ledger balances.

``camt053`` writes a small bank statement the way Danish banks fill camt.053.001.08 in (one ``TxDtls``
per ``Ntry``), so tests build exactly the lines they need.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from io import BytesIO
from xml.sax.saxutils import escape

from sqlalchemy import text

from betal.bootstrap import Container
from betal.domain.calendar import business_date
from betal.domain.payment_method import Method
from betal.domain.payment_request import PaymentRequest
from betal.domain.tenancy import Principal, Role
from betal.formats.iso20022.camt import CamtEntry, CamtStatement
from betal.formats.iso20022.camt_writer import write_statement
from betal.services import bank_statement
from betal.services.customer import NewCustomer, create_customer
from betal.services.organisation import CreatedOrganisation
from betal.services.payment_request import NewPaymentRequest, create_payment_request

NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"


@dataclass(frozen=True)
class Line:
    amount: str  # "1250.00"
    direction: str = "CRDT"
    reference: str | None = None  # CdtrRefInf/Ref (FIK "71/..." or a reference)
    remittance: str | None = None  # Ustrd
    name: str | None = None  # the payer (Dbtr) or payee (Cdtr)
    account: str | None = None  # the payer's IBAN
    end_to_end_id: str | None = None
    bank_reference: str | None = None  # AcctSvcrRef
    booked: date = date(2026, 3, 2)
    currency: str = "DKK"
    status: str = "BOOK"
    extra: dict[str, str] = field(default_factory=dict)


def _opt(tag: str, value: str | None) -> str:
    return "" if value is None else f"<{tag}>{escape(value)}</{tag}>"


def _party(line: Line) -> str:
    role, account_role = ("Dbtr", "DbtrAcct") if line.direction == "CRDT" else ("Cdtr", "CdtrAcct")
    name = "" if line.name is None else f"<{role}><Pty><Nm>{escape(line.name)}</Nm></Pty></{role}>"
    account = (
        ""
        if line.account is None
        else f"<{account_role}><Id><IBAN>{line.account}</IBAN></Id></{account_role}>"
    )
    return f"<RltdPties>{name}{account}</RltdPties>" if name or account else ""


def _remittance(line: Line) -> str:
    parts = _opt("Ustrd", line.remittance)
    if line.reference is not None:
        parts += (
            "<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp>"
            f"<Ref>{escape(line.reference)}</Ref></CdtrRefInf></Strd>"
        )
    return f"<RmtInf>{parts}</RmtInf>" if parts else ""


def _entry(line: Line) -> str:
    refs = _opt("EndToEndId", line.end_to_end_id)
    refs = f"<Refs>{refs}</Refs>" if refs else ""
    return (
        f'<Ntry><Amt Ccy="{line.currency}">{line.amount}</Amt><CdtDbtInd>{line.direction}</CdtDbtInd>'
        f"<Sts><Cd>{line.status}</Cd></Sts><BookgDt><Dt>{line.booked}</Dt></BookgDt>"
        f"<ValDt><Dt>{line.booked}</Dt></ValDt>{_opt('AcctSvcrRef', line.bank_reference)}"
        "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>DMCT</SubFmlyCd></Fmly></Domn></BkTxCd>"
        f"<NtryDtls><TxDtls>{refs}{_party(line)}{_remittance(line)}</TxDtls>"
        "</NtryDtls></Ntry>"
    )


def camt053(account: str, lines: list[Line], *, statement_id: str = "STMT-1", currency: str = "DKK") -> bytes:
    entries = "".join(_entry(line) for line in lines)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="{NS}"><BkToCstmrStmt>'
        "<GrpHdr><MsgId>MSG-1</MsgId><CreDtTm>2026-03-02T18:00:00+01:00</CreDtTm></GrpHdr>"
        f"<Stmt><Id>{statement_id}</Id><CreDtTm>2026-03-02T18:00:00+01:00</CreDtTm>"
        "<FrToDt><FrDtTm>2026-03-02T00:00:00+01:00</FrDtTm><ToDtTm>2026-03-02T23:59:59+01:00</ToDtTm></FrToDt>"
        f"<Acct><Id><IBAN>{account}</IBAN></Id><Ccy>{currency}</Ccy></Acct>"
        f'<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="{currency}">1000.00</Amt>'
        "<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-03-02</Dt></Dt></Bal>"
        f"{entries}</Stmt></BkToCstmrStmt></Document>\n"
    ).encode()


def written(
    account: str, lines: list[Line], *, kind: str = "camt.053", version: str = "camt.053.001.08"
) -> bytes:
    """The same lines through betal's own camt writer (``formats.iso20022.camt_writer``)."""
    statement = CamtStatement(
        kind=kind, version=version, message_id="MSG-W", statement_ref="STMT-W", account=account,
        currency="DKK",
        from_date=date(2026, 3, 2), to_date=date(2026, 3, 2),
        opening_balance=Decimal("0.00") if kind == "camt.053" else None, closing_balance=None,
        created_at=datetime(2026, 3, 2, 18, tzinfo=UTC),
    )  # fmt: skip
    entries = [
        CamtEntry(
            statement_ref="STMT-W",
            sequence=n,
            line=0,
            direction="credit" if line.direction == "CRDT" else "debit",
            amount=Decimal(line.amount),
            currency=line.currency,
            status="booked",
            booking_date=line.booked,
            value_date=line.booked,
            end_to_end_id=line.end_to_end_id,
            reference=line.reference,
            remittance=line.remittance,
            counterparty_name=line.name,
            counterparty_account=line.account,
            bank_reference=line.bank_reference,
            bank_transaction_code="PMNT-RCDT-DMCT",
        )
        for n, line in enumerate(lines, 1)
    ]
    out = BytesIO()
    write_statement(out, statement, entries, version=version)
    return out.getvalue()


def owner(org: CreatedOrganisation) -> Principal:
    return Principal(org.organisation.id, Role.OWNER, "api_key", "key_test")


def own_account(container: Container, org: CreatedOrganisation) -> str:
    """The organisation's creditor IBAN (its sandbox account-to-account agreement)."""
    with container.uow() as uow:
        agreement = uow.agreements.get(org.organisation.id, Method.ACCOUNT_TO_ACCOUNT)
        assert agreement is not None
        return str(agreement.config["creditor_iban"])


def customer(container: Container, org: CreatedOrganisation, name: str = "Jens Hansen") -> str:
    with container.uow() as uow:
        email = f"{hashlib.sha256(name.encode()).hexdigest()[:8]}@example.dk"
        return create_customer(uow, container.cipher, owner(org), NewCustomer(name, email=email)).id


def request(
    container: Container, org: CreatedOrganisation, customer_id: str, amount: int, *,
    reference: str | None = None, methods: tuple[str, ...] = ("fi_card", "account_to_account"),
    due_in: int = 14,
) -> PaymentRequest:  # fmt: skip
    due = business_date(container.clock.now()) + timedelta(days=due_in)
    data = NewPaymentRequest(customer_id, amount, "DKK", due, "Husleje", methods, reference=reference)
    with container.uow() as uow:
        return create_payment_request(uow, owner(org), data)


def import_file(container: Container, org: CreatedOrganisation, data: bytes) -> bank_statement.ImportResult:
    with container.uow() as uow:
        return bank_statement.import_statement(
            uow, owner(org), BytesIO(data), hashlib.sha256(data).hexdigest()
        )


def balance(container: Container, org: CreatedOrganisation, role: str) -> int:
    """The sum of postings on the account holding ``role`` (debit positive)."""
    with container.engine.connect() as conn:
        value = conn.execute(
            text(
                "SELECT COALESCE(SUM(p.amount_minor), 0) FROM postings p JOIN ledger_accounts a"
                " ON a.id = p.account_id WHERE a.organisation_id = :o AND a.role = :r"
            ),
            {"o": org.organisation.id, "r": role},
        ).scalar_one()
    return int(value)


def event_types(container: Container, org: CreatedOrganisation) -> list[str]:
    with container.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT type FROM events WHERE organisation_id = :o ORDER BY sequence"),
            {"o": org.organisation.id},
        ).scalars()
        return [str(r) for r in rows]
