"""Approval policies: who approves an organisation's payment orders, and how many approvals an order needs.

Spec: the payables issue, item 4; docs/payables.md "Approvals"; the rules are ``domain.approval``.

- An organisation that saved no policy has the built-in one: one approval from any member whose role may
  approve (owner, admin, approver).
- Reading needs ``READ``; saving needs ``MANAGE_ORGANISATION``: who approves payments is the owner's
  call, not the bookkeeper's. Every approver must be a member whose role may approve; every problem is
  reported at once and nothing is saved.
"""

from __future__ import annotations

from dataclasses import dataclass

from betal.domain.approval import ApprovalPolicy, policy_problems
from betal.domain.errors import FieldProblem, InvalidInput
from betal.domain.ids import new_id
from betal.domain.tenancy import Permission, Principal, User, permissions_of
from betal.ports import UnitOfWork


@dataclass(frozen=True)
class PolicyInput:
    required_approvals: int
    approver_user_ids: tuple[str, ...]
    dual_threshold_minor: int | None = None
    remind_days_before: int = 1


def approver_candidates(uow: UnitOfWork, organisation_id: str) -> list[User]:
    """The members whose role may approve, by name."""
    members = uow.memberships.list_for_organisation(organisation_id)
    users = [uow.users.get(m.user_id) for m in members if Permission.APPROVE in permissions_of(m.role)]
    return sorted((u for u in users if u is not None), key=lambda u: (u.name.lower(), u.id))


def policy_of(uow: UnitOfWork, organisation_id: str) -> ApprovalPolicy:
    """The saved policy, else the built-in one."""
    saved = uow.approval_policies.get(organisation_id)
    if saved is not None:
        return saved
    approvers = tuple(u.id for u in approver_candidates(uow, organisation_id))
    return ApprovalPolicy(organisation_id, 1, approvers)


def get_policy(uow: UnitOfWork, principal: Principal) -> ApprovalPolicy:
    principal.require(Permission.READ)
    return policy_of(uow, principal.organisation_id)


def put_policy(uow: UnitOfWork, principal: Principal, data: PolicyInput) -> ApprovalPolicy:
    """Save the organisation's policy, or ``InvalidInput`` naming every problem (nothing saved)."""
    principal.require(Permission.MANAGE_ORGANISATION)
    org, now = principal.organisation_id, uow.clock.now()
    approvers = data.approver_user_ids
    problems = policy_problems(
        data.required_approvals, approvers, data.dual_threshold_minor, data.remind_days_before
    )
    allowed = {u.id for u in approver_candidates(uow, org)}
    problems += [
        FieldProblem(f"approver_user_ids.{i}", f"{a} is not a member whose role may approve")
        for i, a in enumerate(approvers)
        if a not in allowed
    ]
    if problems:
        raise InvalidInput(
            "; ".join(p.message for p in problems), errors=problems, code="approval_policy.invalid"
        )
    previous = uow.approval_policies.get(org)
    policy = ApprovalPolicy(
        org,
        data.required_approvals,
        approvers,
        data.dual_threshold_minor,
        data.remind_days_before,
        id=new_id("apol") if previous is None else previous.id,
        created_at=now if previous is None or previous.created_at is None else previous.created_at,
        updated_at=now,
    )
    uow.approval_policies.save(policy)
    uow.audit(
        org,
        "approval_policy.updated",
        "approval_policy",
        policy.id or "",
        required_approvals=policy.required_approvals,
        approver_user_ids=list(approvers),
        dual_threshold=policy.dual_threshold_minor,
    )
    uow.commit()
    return policy


def member_names(uow: UnitOfWork, principal: Principal) -> dict[str, str]:
    """The names of the organisation's members by user id (to show who decided)."""
    principal.require(Permission.READ)
    members = uow.memberships.list_for_organisation(principal.organisation_id)
    users = (uow.users.get(m.user_id) for m in members)
    return {u.id: u.name for u in users if u is not None}
