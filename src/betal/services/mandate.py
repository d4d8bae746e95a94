"""Mandates (Betalingsservice, MobilePay agreements): reading them; enrollment is a provider flow."""

from __future__ import annotations

from betal.domain.mandate import Mandate
from betal.domain.tenancy import Permission, Principal
from betal.ports import UnitOfWork


def list_mandates(
    uow: UnitOfWork, principal: Principal, *, customer_id: str | None, after_id: str | None, limit: int
) -> list[Mandate]:
    principal.require(Permission.READ)
    return uow.mandates.list_page(
        principal.organisation_id, customer_id=customer_id, after_id=after_id, limit=limit
    )
