"""``/v1/reminder-policies``: when reminders go out, on which channels, and the fees they charge.

The notifications issue, items 3 and 4; the rules are in ``services/reminder_policy.py`` and
``domain/reminder.py``. The built-in policy has the id ``default`` while the organisation has no default
of its own; ``PUT /v1/reminder-policies/default`` saves it as the organisation's own default. A rule broken
answers 422 with an ``errors`` entry per problem, named as the request names it (``rules.2.fee_amount``),
whose message cites renteloven.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from betal.api.deps import PrincipalDep, UowDep
from betal.api.idempotency import respond, run_idempotent
from betal.api.pagination import ListOf
from betal.api.schemas.reminder_policy import ReminderPolicyRead, ReminderPolicyWrite
from betal.domain.errors import FieldProblem, InvalidInput
from betal.domain.reminder import ReminderPolicy
from betal.services import reminder_policy as policies

router = APIRouter(prefix="/v1", tags=["receivables"])
_RULE_FIELD = re.compile(r"^rules\[(\d+)\](?:\.(\w+))?$")


def _api_field(field: str) -> str:
    match = _RULE_FIELD.match(field)
    if match is None:
        return field
    index, name = match.groups()
    return f"rules.{index}" + ("" if name is None else f".{'fee_amount' if name == 'fee' else name}")


@contextmanager
def _fields_as_sent() -> Iterator[None]:
    try:
        yield
    except InvalidInput as exc:
        errors = [FieldProblem(_api_field(p.field), p.message) for p in exc.errors]
        raise InvalidInput(exc.detail, errors=errors, code=exc.code) from None


def _input(body: ReminderPolicyWrite) -> policies.PolicyInput:
    return policies.PolicyInput(
        name=body.name, rules=body.domain_rules(), send_hour=body.send_hour,
        charge_interest=body.charge_interest, compensation=body.compensation, is_default=body.is_default,
    )  # fmt: skip


def _existing(policy_id: str, uow: UowDep, principal: PrincipalDep) -> ReminderPolicy:
    """The policy the path names; resolved before the body, so another organisation's id is a 404."""
    return policies.get_policy(uow, principal, policy_id)


ExistingPolicy = Annotated[ReminderPolicy, Depends(_existing)]


@router.get("/reminder-policies", response_model=ListOf[ReminderPolicyRead])
def list_reminder_policies(uow: UowDep, principal: PrincipalDep) -> ListOf[ReminderPolicyRead]:
    found = policies.list_policies(uow, principal)
    return ListOf[ReminderPolicyRead](data=[ReminderPolicyRead.of(p) for p in found], next_cursor=None)


@router.post("/reminder-policies", status_code=201, response_model=ReminderPolicyRead)
def create_reminder_policy(
    body: ReminderPolicyWrite, request: Request, uow: UowDep, principal: PrincipalDep
) -> Response:
    def action() -> tuple[int, object]:
        with _fields_as_sent():
            created = policies.create_policy(uow, principal, _input(body))
        return respond(201, ReminderPolicyRead.of(created))

    return run_idempotent(request, uow, principal, body, action)


@router.get("/reminder-policies/{policy_id}", response_model=ReminderPolicyRead)
def get_reminder_policy(policy: ExistingPolicy) -> ReminderPolicyRead:
    return ReminderPolicyRead.of(policy)


@router.put("/reminder-policies/{policy_id}", response_model=ReminderPolicyRead)
def update_reminder_policy(
    policy: ExistingPolicy, body: ReminderPolicyWrite, uow: UowDep, principal: PrincipalDep
) -> ReminderPolicyRead:
    with _fields_as_sent():
        return ReminderPolicyRead.of(policies.update_policy(uow, principal, policy.id, _input(body)))
