"""Payment accounts: the organisation's own bank accounts from which its suppliers are paid.

Spec: the payables issue, item 6; docs/payables.md "Execution". ``POST``/``GET /v1/payment-accounts``.
Adding an account needs ``MANAGE_ORGANISATION`` (the owner): it decides where money leaves from. The first
account is the default; an account added with ``is_default`` becomes it. Reading needs ``READ``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from betal.domain.errors import Conflict, InvalidInput
from betal.domain.events import NewEvent
from betal.domain.ids import new_id
from betal.domain.payment_account import DEFAULT_CUTOFF, FILE_VERSIONS, PaymentAccount, account_details
from betal.domain.tenancy import Permission, Principal
from betal.ports import UnitOfWork


@dataclass(frozen=True)
class PaymentAccountInput:
    name: str
    currency: str = "DKK"
    iban: str | None = None
    bic: str | None = None
    reg_no: str | None = None
    account_no: str | None = None
    is_default: bool = False
    cutoff: time = DEFAULT_CUTOFF
    file_version: str = FILE_VERSIONS[0]


def snapshot(account: PaymentAccount) -> dict[str, object]:
    return {
        "id": account.id, "name": account.name, "iban": account.iban, "bic": account.bic,
        "currency": account.currency, "is_default": account.is_default,
        "cutoff": account.cutoff.strftime("%H:%M"), "file_version": account.file_version,
    }  # fmt: skip


def _checked(data: PaymentAccountInput) -> None:
    if not 1 <= len(data.name.strip()) <= 100:
        raise InvalidInput("give a name of 1 to 100 characters", field="name", code="payment_account.invalid")
    if data.file_version not in FILE_VERSIONS:
        raise InvalidInput(
            f"is not one of {', '.join(FILE_VERSIONS)}", field="file_version", code="payment_account.invalid"
        )


def create_payment_account(
    uow: UnitOfWork, principal: Principal, data: PaymentAccountInput
) -> PaymentAccount:
    principal.require(Permission.MANAGE_ORGANISATION)
    _checked(data)
    details = account_details(data.iban, data.bic, data.reg_no, data.account_no, data.currency)
    org, now = principal.organisation_id, uow.clock.now()
    if uow.payment_accounts.find_by_iban(org, details.iban) is not None:
        raise Conflict(f"the account {details.iban} is added already", code="payment_account.exists")
    first = uow.payment_accounts.default_for(org) is None
    if data.is_default and not first:
        uow.payment_accounts.clear_default(org)
    account = PaymentAccount(
        id=new_id("pacc"), organisation_id=org, name=data.name.strip(), iban=details.iban, bic=details.bic,
        reg_no=details.reg_no, account_no=details.account_no, currency=details.currency,
        is_default=first or data.is_default, cutoff=data.cutoff, file_version=data.file_version,
        created_at=now, updated_at=now,
    )  # fmt: skip
    uow.payment_accounts.add(account)
    uow.publish(NewEvent(org, "payment_account.created", snapshot(account)))
    uow.audit(org, "payment_account.created", "payment_account", account.id, iban=account.iban)
    uow.commit()
    return account


def list_payment_accounts(uow: UnitOfWork, principal: Principal) -> list[PaymentAccount]:
    principal.require(Permission.READ)
    return uow.payment_accounts.list_for(principal.organisation_id)
