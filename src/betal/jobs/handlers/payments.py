"""Payables execution jobs: files to the bank, their status reports, and the statements that confirm them.

Spec: the payables issue, item 6; docs/payables.md "Execution"; docs/jobs.md.

- ``payments.execute`` (every 15 minutes; payload ``{organisation_id?}`` runs one organisation): at or
  after each payment account's cut-off on a banking day, the approved orders due are put in bank files,
  in the job's one transaction (``services.payment_execution``).
- ``bank_files.submit`` (``{organisation_id, bank_file_id}``, queued with the file): hands the file to the
  bank once (``services.bank_file.submit_bank_file``); unavailable or rate limited is retried by the job
  engine with the same idempotency key.
- ``bank_files.poll`` (``{organisation_id, bank_file_id, attempt}``, queued on submission and again with
  backoff while payments are pending): applies the bank's pain.002.
- ``bank.statements`` (every hour; ``{organisation_id?}``): imports the payment accounts' camt.053
  statements, which confirm execution.
- ``payment_orders.failure_notice`` (``{organisation_id, payment_order_id}``, queued when the bank refuses
  a payment): e-mails the order's bookkeeper ``payment_order.failed`` with the bank's reason, once.

The bank is called outside the job's own unit of work (fresh units from the container), so on SQLite no
write transaction is open while it answers.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from betal.domain.notification import Template
from betal.domain.provider import ProviderRejected
from betal.jobs.handlers.approvals import messaging
from betal.jobs.registry import JobContext, PermanentError, handler, schedule
from betal.ports import Actor, UnitOfWork
from betal.services.approval_notice import tell_bookkeeper
from betal.services.bank_file import FAILURE_NOTICE_KIND, POLL_KIND, poll_bank_file, submit_bank_file
from betal.services.payment_execution import SUBMIT_KIND, execute_all_due
from betal.services.statement_fetch import fetch_statements

EXECUTE_KIND = "payments.execute"
STATEMENTS_KIND = "bank.statements"


def _new_uow(ctx: JobContext) -> Callable[[], UnitOfWork]:
    actor = Actor("system", f"job:{ctx.job.kind}")
    return lambda: ctx.container.uow(actor)


def _text(payload: dict[str, Any], key: str) -> str:
    value = payload.get(key)
    if not isinstance(value, str) or not value:
        raise PermanentError(f"the payload needs {key}")
    return value


def _optional_org(payload: dict[str, Any]) -> str | None:
    value = payload.get("organisation_id")
    if value is not None and (not isinstance(value, str) or not value):
        raise PermanentError("organisation_id must be an id")
    return value


@handler(EXECUTE_KIND)
def execute(ctx: JobContext) -> dict[str, Any]:
    result = execute_all_due(ctx.uow, _optional_org(ctx.job.payload))
    return {
        "bank_files": [f.id for f in result.files],
        "orders": sum(f.payment_count for f in result.files),
        "not_sendable": result.not_sendable,
        "without_account": result.without_account,
    }


@handler(SUBMIT_KIND)
def submit(ctx: JobContext) -> dict[str, Any]:
    payload = ctx.job.payload
    bank_file = submit_bank_file(
        _new_uow(ctx), ctx.container.bank_files(), _text(payload, "organisation_id"),
        _text(payload, "bank_file_id"),
    )  # fmt: skip
    return {
        "bank_file_id": bank_file.id,
        "status": bank_file.status.value,
        "bank_reference": bank_file.bank_reference,
    }


@handler(POLL_KIND)
def poll(ctx: JobContext) -> dict[str, Any]:
    payload = ctx.job.payload
    attempt = payload.get("attempt", 1)
    if isinstance(attempt, bool) or not isinstance(attempt, int) or attempt < 1:
        raise PermanentError("attempt must be a whole number from 1")
    try:
        bank_file = poll_bank_file(
            _new_uow(ctx), ctx.container.bank_files(), _text(payload, "organisation_id"),
            _text(payload, "bank_file_id"), attempt,
        )  # fmt: skip
    except ProviderRejected as exc:
        raise PermanentError(f"the bank refused the status request: {exc.detail}") from exc
    return {"bank_file_id": bank_file.id, "status": bank_file.status.value}


@handler(STATEMENTS_KIND)
def statements(ctx: JobContext) -> dict[str, Any]:
    return fetch_statements(_new_uow(ctx), ctx.container.bank_files(), _optional_org(ctx.job.payload))


@handler(FAILURE_NOTICE_KIND)
def failure_notice(ctx: JobContext) -> dict[str, Any]:
    payload = ctx.job.payload
    order = ctx.uow.payment_orders.get(_text(payload, "organisation_id"), _text(payload, "payment_order_id"))
    if order is None:
        raise PermanentError("no such payment order")
    message = tell_bookkeeper(
        ctx.uow, messaging(ctx), Template.PAYMENT_FAILED, order, None, "failed",
        failure_reason=order.failure_reason or "",
    )  # fmt: skip
    ctx.uow.commit()
    return {"message_id": None if message is None else message.id}


schedule(EXECUTE_KIND, EXECUTE_KIND, timedelta(minutes=15))
schedule(STATEMENTS_KIND, STATEMENTS_KIND, timedelta(hours=1))
