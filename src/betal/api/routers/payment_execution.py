"""``/v1/payment-accounts`` and ``/v1/bank-files``: where suppliers are paid from, and the files sent.

API.md "Payables" (``GET /v1/bank-files/{id}`` is the pain.001 XML submitted to the bank); docs/payables.md
"Execution". The rules are ``services/payment_account.py`` and ``services/bank_file.py``. The XML is
served as a download (``Content-Disposition: attachment``), never as a page.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from betal.api.deps import PrincipalDep, UowDep
from betal.api.idempotency import respond, run_idempotent
from betal.api.pagination import CursorQuery, LimitQuery, ListOf, page
from betal.api.schemas.payment_execution import (
    BankFileOrder,
    BankFileRead,
    PaymentAccountCreate,
    PaymentAccountRead,
)
from betal.services import bank_file as bank_files
from betal.services import payment_account as accounts

router = APIRouter(prefix="/v1", tags=["payables"])
_XML: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/xml": {}}, "description": "the pain.001 file as submitted"}
}


@router.post("/payment-accounts", status_code=201, response_model=PaymentAccountRead)
def create_payment_account(
    body: PaymentAccountCreate, request: Request, uow: UowDep, principal: PrincipalDep
) -> Response:
    """Add an account suppliers are paid from (the owner only); the first is the default."""
    data = accounts.PaymentAccountInput(
        name=body.name, currency=body.currency, iban=body.iban, bic=body.bic,
        reg_no=None if body.dk_account is None else body.dk_account.reg_no,
        account_no=None if body.dk_account is None else body.dk_account.account_no,
        is_default=body.is_default, cutoff=body.cutoff, file_version=body.file_version,
    )  # fmt: skip

    def action() -> tuple[int, object]:
        return respond(201, PaymentAccountRead.of(accounts.create_payment_account(uow, principal, data)))

    return run_idempotent(request, uow, principal, body, action)


@router.get("/payment-accounts", response_model=ListOf[PaymentAccountRead])
def list_payment_accounts(uow: UowDep, principal: PrincipalDep) -> ListOf[PaymentAccountRead]:
    found = accounts.list_payment_accounts(uow, principal)
    return ListOf[PaymentAccountRead](data=[PaymentAccountRead.of(a) for a in found], next_cursor=None)


@router.get("/bank-files", response_model=ListOf[BankFileRead])
def list_bank_files(
    uow: UowDep, principal: PrincipalDep, limit: LimitQuery = 50, cursor: CursorQuery = None
) -> ListOf[BankFileRead]:
    data, next_cursor = page(
        lambda after, n: bank_files.list_bank_files(uow, principal, after_id=after, limit=n),
        cursor, limit, BankFileRead.of, lambda f: f.id,
    )  # fmt: skip
    return ListOf[BankFileRead](data=data, next_cursor=next_cursor)


@router.get("/bank-files/{bank_file_id}", response_class=Response, responses=_XML)
def get_bank_file(bank_file_id: str, uow: UowDep, principal: PrincipalDep) -> Response:
    """The pain.001 XML submitted to the bank."""
    bank_file, content = bank_files.bank_file_content(uow, principal, bank_file_id)
    headers = {"Content-Disposition": f'attachment; filename="{bank_file.message_id}.xml"'}
    return Response(content, media_type="application/xml", headers=headers)


@router.get("/bank-files/{bank_file_id}/orders", response_model=ListOf[BankFileOrder])
def list_bank_file_orders(bank_file_id: str, uow: UowDep, principal: PrincipalDep) -> ListOf[BankFileOrder]:
    """The payment orders in the file, with their status and any reason the bank gave."""
    orders = bank_files.file_orders(uow, principal, bank_file_id)
    return ListOf[BankFileOrder](data=[BankFileOrder.of(o) for o in orders], next_cursor=None)
