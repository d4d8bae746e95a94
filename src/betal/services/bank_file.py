"""Bank files after they are made: submitted to the bank exactly once, then its pain.002 status report.

Spec: the payables issue, item 6 ("submitted to the sandbox bank over HTTP exactly once (a retry or a
worker crash never submits twice); pain.002 statuses update orders"); API.md ``GET /v1/bank-files/{id}``;
docs/bank-files.md "Sending payment orders".

- ``submit_bank_file``: the bank is called outside any write transaction with the file's id as
  ``Idempotency-Key``; only a file still ``created`` is sent. A retry after a crash between the bank's
  answer and our commit sends the same key, and the bank answers its first answer without booking the
  file again. ``ProviderUnavailable`` / ``ProviderRateLimited`` are raised for the job engine to retry;
  ``ProviderRejected`` rejects the file and fails its orders with the bank's reason (``bank_file.rejected``
  and ``payment_order.failed`` events, and an e-mail to each order's bookkeeper by the
  ``payment_orders.failure_notice`` job).
- ``poll_bank_file``: reads the report. An accepted payment (ACCP, ACSP, ACSC, ...) keeps its order
  ``submitted`` until the statement shows the debit; a rejected one (RJCT) fails its order with the reason
  code and text (the bookkeeper is e-mailed, as above), and its invoice can be paid by a new order. While
  payments are pending the poll is asked again with backoff, at most ``MAX_POLLS`` times.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

from betal.domain.bank_file import (
    BankFile,
    BankFileStatus,
    Outcome,
    file_status,
    outcome,
    payment_info_id,
    reason,
)
from betal.domain.errors import InvalidInput, NotFound
from betal.domain.events import NewEvent
from betal.domain.job import NewJob
from betal.domain.payables import OrderStatus, PaymentOrder, move_order
from betal.domain.provider import ProviderRejected
from betal.domain.tenancy import Permission, Principal
from betal.formats.iso20022 import pain002
from betal.ports import BankFiles, UnitOfWork
from betal.services.payment_order import snapshot as order_snapshot

POLL_KIND = "bank_files.poll"
FAILURE_NOTICE_KIND = "payment_orders.failure_notice"
_ANSWERED = {
    BankFileStatus.ACCEPTED: "bank_file.accepted",
    BankFileStatus.PARTIAL: "bank_file.partially_accepted",
    BankFileStatus.REJECTED: "bank_file.rejected",
}
MAX_POLLS = 12
NewUow = Callable[[], UnitOfWork]


def file_snapshot(bank_file: BankFile) -> dict[str, object]:
    return {
        "id": bank_file.id, "message_id": bank_file.message_id, "status": bank_file.status.value,
        "debtor_account": bank_file.debtor_account, "execution_date": bank_file.execution_date.isoformat(),
        "payment_count": bank_file.payment_count, "control_sum": bank_file.control_sum,
        "failure_reason": bank_file.failure_reason,
    }  # fmt: skip


def _locked(uow: UnitOfWork, organisation_id: str, file_id: str) -> BankFile:
    bank_file = uow.bank_files.get(organisation_id, file_id, for_update=True)
    if bank_file is None:
        raise NotFound(f"no bank file {file_id}", code="bank_file.not_found")
    return bank_file


def _fail(uow: UnitOfWork, order: PaymentOrder, why: str) -> None:
    failed = move_order(order, OrderStatus.FAILED, uow.clock.now(), failure_reason=why)
    uow.payment_orders.save(failed)
    data = order_snapshot(failed) | {"bank_file_id": failed.bank_file_id, "failure_reason": why}
    uow.publish(NewEvent(order.organisation_id, "payment_order.failed", data))
    uow.audit(order.organisation_id, "payment_order.failed", "payment_order", order.id, reason=why)
    uow.enqueue(
        NewJob(
            FAILURE_NOTICE_KIND, {"organisation_id": order.organisation_id, "payment_order_id": order.id},
            organisation_id=order.organisation_id, dedupe_key=f"{FAILURE_NOTICE_KIND}:{order.id}",
        )
    )  # fmt: skip


def _poll_job(bank_file: BankFile, attempt: int, uow: UnitOfWork) -> NewJob:
    delay = timedelta(0) if attempt == 1 else timedelta(minutes=2 ** min(attempt, 8))
    payload = {"organisation_id": bank_file.organisation_id, "bank_file_id": bank_file.id, "attempt": attempt}
    return NewJob(
        POLL_KIND,
        payload,
        organisation_id=bank_file.organisation_id,
        run_at=uow.clock.now() + delay,
        dedupe_key=f"{POLL_KIND}:{bank_file.id}:{attempt}",
    )


def record_submission(uow: UnitOfWork, organisation_id: str, file_id: str, bank_reference: str) -> BankFile:
    """The bank has the file: ``submitted`` with its reference, and the first status poll queued."""
    bank_file = _locked(uow, organisation_id, file_id)
    if bank_file.status is not BankFileStatus.CREATED:
        return bank_file
    submitted = replace(bank_file, status=BankFileStatus.SUBMITTED, bank_reference=bank_reference,
                        submitted_at=uow.clock.now())  # fmt: skip
    uow.bank_files.save(submitted)
    uow.publish(NewEvent(organisation_id, "bank_file.submitted", file_snapshot(submitted)))
    uow.audit(organisation_id, "bank_file.submitted", "bank_file", file_id, bank_reference=bank_reference)
    uow.enqueue(_poll_job(submitted, 1, uow))
    uow.commit()
    return submitted


def reject_file(uow: UnitOfWork, organisation_id: str, file_id: str, why: str) -> BankFile:
    """The bank refused the whole file: ``rejected``, and each of its orders ``failed`` with the reason."""
    bank_file = _locked(uow, organisation_id, file_id)
    if bank_file.status is not BankFileStatus.CREATED:
        return bank_file
    rejected = replace(bank_file, status=BankFileStatus.REJECTED, failure_reason=why[:500])
    uow.bank_files.save(rejected)
    for order in uow.bank_files.orders_of(organisation_id, file_id):
        if order.status is OrderStatus.SUBMITTED:
            _fail(uow, order, why[:200])
    uow.publish(NewEvent(organisation_id, "bank_file.rejected", file_snapshot(rejected)))
    uow.audit(organisation_id, "bank_file.rejected", "bank_file", file_id, reason=why[:500])
    uow.commit()
    return rejected


def submit_bank_file(new_uow: NewUow, bank: BankFiles, organisation_id: str, file_id: str) -> BankFile:
    """Hand a ``created`` file to the bank once (module docstring); other files are left as they are."""
    with new_uow() as uow:
        bank_file = uow.bank_files.get(organisation_id, file_id)
        content = uow.bank_files.content(organisation_id, file_id)
    if bank_file is None or content is None:
        raise NotFound(f"no bank file {file_id}", code="bank_file.not_found")
    if bank_file.status is not BankFileStatus.CREATED:
        return bank_file
    try:
        reference = bank.submit(content, idempotency_key=bank_file.id)
    except ProviderRejected as exc:
        with new_uow() as uow:
            return reject_file(uow, organisation_id, file_id, exc.detail)
    with new_uow() as uow:
        return record_submission(uow, organisation_id, file_id, reference)


def _transaction_reason(report: pain002.StatusReport, info_id: str, end_to_end_id: str) -> str:
    for payment in report.payments:
        if payment.payment_info_id != info_id:
            continue
        for tx in payment.transactions:
            if tx.end_to_end_id == end_to_end_id and (tx.reason_code or tx.reason_text):
                return reason(tx.reason_code, tx.reason_text)
        if payment.reason_code or payment.reason_text:
            return reason(payment.reason_code, payment.reason_text)
    return reason(report.group_reason_code, report.group_reason_text)


def _order_outcome(
    uow: UnitOfWork, order: PaymentOrder, report: pain002.StatusReport, info_id: str
) -> Outcome:
    if order.status is OrderStatus.EXECUTED:
        return Outcome.ACCEPTED
    if order.status is OrderStatus.FAILED:
        return Outcome.REJECTED
    found = outcome(report.status_of(info_id, order.end_to_end_id))
    if found is Outcome.REJECTED:
        _fail(uow, order, _transaction_reason(report, info_id, order.end_to_end_id))
    return found


def apply_report(
    uow: UnitOfWork,
    organisation_id: str,
    file_id: str,
    report: pain002.StatusReport,
    raw: bytes,
    attempt: int,
) -> BankFile:
    """Update the file's orders from its status report; ask again later while payments are pending."""
    bank_file = _locked(uow, organisation_id, file_id)
    if bank_file.status is not BankFileStatus.SUBMITTED:
        return bank_file
    info_id = payment_info_id(bank_file.message_id)
    orders = uow.bank_files.orders_of(organisation_id, file_id)
    updated = replace(bank_file, status=file_status(_order_outcome(uow, o, report, info_id) for o in orders))
    uow.bank_files.save(updated, status_report=raw)
    if updated.status is BankFileStatus.SUBMITTED:
        if attempt < MAX_POLLS:
            uow.enqueue(_poll_job(updated, attempt + 1, uow))
    else:
        uow.publish(NewEvent(organisation_id, _ANSWERED[updated.status], file_snapshot(updated)))
    uow.audit(organisation_id, "bank_file.status_report", "bank_file", file_id, status=updated.status.value,
              report=report.message_id)  # fmt: skip
    uow.commit()
    return updated


def poll_bank_file(
    new_uow: NewUow, bank: BankFiles, organisation_id: str, file_id: str, attempt: int = 1
) -> BankFile:
    """Read a submitted file's pain.002 from the bank and apply it; other files are left as they are."""
    with new_uow() as uow:
        bank_file = uow.bank_files.get(organisation_id, file_id)
    if bank_file is None:
        raise NotFound(f"no bank file {file_id}", code="bank_file.not_found")
    if bank_file.status is not BankFileStatus.SUBMITTED or bank_file.bank_reference is None:
        return bank_file
    raw = bank.status_report(bank_file.bank_reference)
    try:
        report = pain002.read(raw)
    except pain002.Pain002Error as exc:
        raise InvalidInput(f"the bank's status report: {exc}", code="bank_file.bad_report") from None
    with new_uow() as uow:
        return apply_report(uow, organisation_id, file_id, report, raw, attempt)


# -- Reading ------------------------------------------------------------------------------------------


def get_bank_file(uow: UnitOfWork, principal: Principal, file_id: str) -> BankFile:
    principal.require(Permission.READ)
    bank_file = uow.bank_files.get(principal.organisation_id, file_id)
    if bank_file is None:
        raise NotFound(f"no bank file {file_id}", code="bank_file.not_found")
    return bank_file


def bank_file_content(uow: UnitOfWork, principal: Principal, file_id: str) -> tuple[BankFile, bytes]:
    """The file and the pain.001 XML as it was submitted."""
    bank_file = get_bank_file(uow, principal, file_id)
    content = uow.bank_files.content(principal.organisation_id, file_id)
    assert content is not None
    return bank_file, content


def list_bank_files(
    uow: UnitOfWork, principal: Principal, *, after_id: str | None, limit: int
) -> list[BankFile]:
    principal.require(Permission.READ)
    return uow.bank_files.list_page(principal.organisation_id, after_id, limit)


def file_orders(uow: UnitOfWork, principal: Principal, file_id: str) -> list[PaymentOrder]:
    get_bank_file(uow, principal, file_id)
    return uow.bank_files.orders_of(principal.organisation_id, file_id)
