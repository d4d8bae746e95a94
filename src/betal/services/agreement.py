"""Payment method agreements: the sandbox set every new organisation gets, and reading them."""

from __future__ import annotations

import hashlib
from datetime import datetime

from betal.domain.identifiers import DanishAccount
from betal.domain.ids import new_id
from betal.domain.payment_method import Agreement, AgreementStatus, Method
from betal.domain.tenancy import Permission, Principal
from betal.ports import UnitOfWork


def _digits(seed: str, n: int) -> str:
    number = int(hashlib.sha256(seed.encode()).hexdigest(), 16) % 10 ** (n - 1)
    return str(10 ** (n - 1) + number)[:n]  # never a leading zero


def sandbox_agreements(organisation_id: str, organisation_name: str, now: datetime) -> list[Agreement]:
    """One active agreement per method, with sandbox identifiers derived from the organisation id."""
    account = DanishAccount("3409", _digits(organisation_id + "acct", 10))
    configs: dict[Method, dict[str, object]] = {
        Method.ACCOUNT_TO_ACCOUNT: {"creditor_iban": account.to_iban(), "creditor_name": organisation_name},
        Method.FI_CARD: {"creditor_number": _digits(organisation_id + "fik", 8), "card_type": "71"},
        Method.MOBILEPAY: {"merchant_serial_number": _digits(organisation_id + "msn", 6)},
        Method.CARD: {"merchant_id": "sandbox-" + _digits(organisation_id + "card", 8)},
        Method.BETALINGSSERVICE: {"pbs_number": _digits(organisation_id + "pbs", 8), "debtor_group": "00001"},
    }
    return [
        Agreement(new_id("agr"), organisation_id, method, AgreementStatus.ACTIVE, config, now)
        for method, config in configs.items()
    ]


def list_agreements(uow: UnitOfWork, principal: Principal) -> list[Agreement]:
    principal.require(Permission.READ)
    return uow.agreements.list_for_organisation(principal.organisation_id)
