"""Execution: approved orders due today go to the bank in one pain.001 file per debtor account.

Spec: the payables issue, item 6; DESIGN.md "State machines" (``approved → submitted``); docs/payables.md
"Execution".

- On approval an order records the account it is paid from (the default payment account) and where it
  pays, its creditor as approved (``approved_payment``): the file pays exactly that, even if the supplier's
  bank details change afterwards (the payment-redirection defence).
- ``execute_due``: on a banking day at or after an account's cut-off, the organisation's approved orders
  executing today or earlier are put in one file per account (pain.001 in the account's version), dated
  today. In the caller's one transaction: the ``bank_files`` row (``created``, content, message id,
  control sum), the orders ``submitted`` with the file and their end-to-end id as the file writes it, and
  a ``bank_files.submit`` job. An order never goes before its execution date. An order the file cannot
  carry (e.g. an international payment without the bank's BIC) stays approved and is reported.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from betal.domain.bank_file import BankFile, BankFileStatus, payment_info_id
from betal.domain.calendar import business_date
from betal.domain.errors import NotFound
from betal.domain.events import NewEvent
from betal.domain.identifiers import dk_account_from_iban
from betal.domain.ids import new_id
from betal.domain.job import NewJob
from betal.domain.money import Money
from betal.domain.payables import OrderStatus, PaymentOrder, move_order
from betal.domain.payment_account import PaymentAccount
from betal.domain.payment_execution import bank_id, cutoff_passed
from betal.domain.tenancy import Organisation
from betal.formats.iso20022 import pain001
from betal.ports import UnitOfWork
from betal.services.payment_order import means_for, snapshot

SUBMIT_KIND = "bank_files.submit"


def creditor_of(uow: UnitOfWork, order: PaymentOrder) -> dict[str, Any]:
    """Where the order pays now: the supplier's name and country, the invoice number and payment means."""
    org = order.organisation_id
    invoice = uow.supplier_invoices.get(org, order.supplier_invoice_id)
    supplier = uow.suppliers.get(org, order.supplier_id)
    if invoice is None or supplier is None:
        raise NotFound(f"the order {order.id} has lost its invoice", code="payment_order.not_found")
    means = {k: v for k, v in asdict(means_for(invoice, supplier)).items() if v is not None}
    means["kind"] = str(means["kind"])
    return {"name": supplier.name, "country": supplier.country, "invoice_number": invoice.invoice_number,
            "means": means}  # fmt: skip


def approved_payment(uow: UnitOfWork, order: PaymentOrder) -> dict[str, Any]:
    """What an order keeps when it is approved: its creditor as approved and the account it is paid from."""
    default = uow.payment_accounts.default_for(order.organisation_id)
    account_id = order.payment_account_id or (default.id if default else None)
    return {"creditor": creditor_of(uow, order), "payment_account_id": account_id}


def transfer(order: PaymentOrder, creditor: dict[str, Any], end_to_end_id: str) -> pain001.Transfer:
    """The pain.001 transaction paying ``order`` to ``creditor`` (``Pain001Error`` if a field is missing)."""
    means: dict[str, str] = creditor["means"]
    kind = order.type.value
    common: dict[str, Any] = {
        "end_to_end_id": end_to_end_id, "instruction_id": end_to_end_id, "kind": kind,
        "amount": Money(order.amount_minor, order.currency).to_decimal(), "currency": order.currency,
        "creditor_name": creditor["name"],
    }  # fmt: skip
    remittance = f"Faktura {creditor['invoice_number']}"
    if kind == "fi_card":
        return pain001.Transfer(
            **common,
            fi_card_type=means.get("fi_card_type"),
            fi_creditor_number=means.get("fi_creditor_number"),
            fi_payment_id=means.get("fi_payment_id"),
        )
    if kind == "domestic":
        reg_no, account_no = means.get("reg_no"), means.get("account_no")
        if reg_no is None:
            account = dk_account_from_iban(means.get("iban") or "")
            reg_no, account_no = account.reg_no, account.account_no
        return pain001.Transfer(
            **common, creditor_reg_no=reg_no, creditor_account_no=account_no, remittance=remittance
        )
    iban = means.get("iban")
    country = (creditor.get("country") or (iban or "")[:2] or None) if kind == "international" else None
    return pain001.Transfer(
        **common, creditor_iban=iban, creditor_bic=means.get("bic"), creditor_country=country,
        remittance=remittance,
    )  # fmt: skip


@dataclass
class ExecutionResult:
    files: list[BankFile] = field(default_factory=list)
    not_sendable: dict[str, str] = field(default_factory=dict)  # order id -> why the file cannot carry it
    without_account: list[str] = field(default_factory=list)  # orders of an organisation with no account


def _due_by_account(
    uow: UnitOfWork, org: str, now: datetime, result: ExecutionResult
) -> dict[str, tuple[PaymentAccount, list[PaymentOrder]]]:
    accounts = {a.id: a for a in uow.payment_accounts.list_for(org)}
    default = next((a for a in accounts.values() if a.is_default), None)
    groups: dict[str, tuple[PaymentAccount, list[PaymentOrder]]] = {}
    for order in uow.bank_files.orders_due(org, business_date(now)):
        account = accounts.get(order.payment_account_id or "") or default
        if account is None:
            result.without_account.append(order.id)
        elif cutoff_passed(now, account.cutoff):
            groups.setdefault(account.id, (account, []))[1].append(order)
    return groups


def _prepared(
    uow: UnitOfWork, orders: list[PaymentOrder], result: ExecutionResult
) -> list[tuple[PaymentOrder, dict[str, Any], pain001.Transfer]]:
    prepared = []
    for order in orders:
        creditor = order.creditor or creditor_of(uow, order)
        try:
            prepared.append((order, creditor, transfer(order, creditor, bank_id(order.id))))
        except pain001.Pain001Error as exc:
            result.not_sendable[order.id] = exc.message
    return prepared


def _file_of(
    uow: UnitOfWork, organisation: Organisation, account: PaymentAccount, orders: list[PaymentOrder],
    result: ExecutionResult,
) -> BankFile | None:  # fmt: skip
    prepared = _prepared(uow, orders, result)
    if not prepared:
        return None
    now, file_id = uow.clock.now(), new_id("bfile")
    message_id, today = bank_id(file_id), business_date(now)
    batch = pain001.PaymentBatch(
        payment_info_id=payment_info_id(message_id), execution_date=today, debtor_name=organisation.name,
        debtor_iban=account.iban, debtor_bic=account.bic, transfers=tuple(t for _, _, t in prepared),
    )  # fmt: skip
    version: pain001.Version = pain001.V03 if account.file_version == pain001.V03 else pain001.V09
    content = pain001.write(message_id, now, organisation.name, organisation.cvr, [batch], version=version)
    bank_file = BankFile(
        id=file_id, organisation_id=organisation.id, message_id=message_id, version=version,
        debtor_account=account.iban, execution_date=today, payment_count=len(prepared),
        control_sum=format(batch.control_sum, "f"), status=BankFileStatus.CREATED, bank_reference=None,
        submitted_at=None, created_at=now, payment_account_id=account.id,
    )  # fmt: skip
    uow.bank_files.add(bank_file, content)
    for order, creditor, t in prepared:
        submitted = move_order(
            order, OrderStatus.SUBMITTED, now, bank_file_id=file_id, end_to_end_id=t.end_to_end_id,
            payment_account_id=account.id, creditor=creditor,
        )  # fmt: skip
        uow.payment_orders.save(submitted)
        data = snapshot(submitted) | {"bank_file_id": file_id}
        uow.publish(NewEvent(organisation.id, "payment_order.submitted", data))
    uow.audit(
        organisation.id,
        "bank_file.created",
        "bank_file",
        file_id,
        orders=[o.id for o, _, _ in prepared],
        debtor_account=account.iban,
        control_sum=bank_file.control_sum,
    )
    payload = {"organisation_id": organisation.id, "bank_file_id": file_id}
    uow.enqueue(
        NewJob(SUBMIT_KIND, payload, organisation_id=organisation.id, dedupe_key=f"{SUBMIT_KIND}:{file_id}")
    )
    return bank_file


def execute_due(
    uow: UnitOfWork, organisation_id: str, result: ExecutionResult | None = None
) -> ExecutionResult:
    """Make today's bank files of one organisation (module docstring); the caller commits."""
    result = result if result is not None else ExecutionResult()
    organisation = uow.organisations.get(organisation_id)
    if organisation is None:
        raise NotFound(f"no organisation {organisation_id}", code="organisation.not_found")
    for account, orders in _due_by_account(uow, organisation_id, uow.clock.now(), result).values():
        made = _file_of(uow, organisation, account, orders, result)
        if made is not None:
            result.files.append(made)
    return result


def execute_all_due(uow: UnitOfWork, organisation_id: str | None = None) -> ExecutionResult:
    """``execute_due`` for every organisation with orders due (or only ``organisation_id``); one commit."""
    result = ExecutionResult()
    today = business_date(uow.clock.now())
    organisations = [organisation_id] if organisation_id else uow.bank_files.organisations_due(today)
    for org in organisations:
        execute_due(uow, org, result)
    uow.commit()
    return result
