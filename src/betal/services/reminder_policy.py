"""Reminder policies: list, read, create and change an organisation's policies, and move its default.

Spec: the notifications issue, items 3 and 4; DESIGN.md "Core entities" (ReminderPolicy: offsets
before/after the due date, channels, fees within the law); ``domain.reminder.validate_rules`` checks the
rules against renteloven and cites the rule broken.

- Reading needs ``READ``; creating and changing need ``MANAGE_ORGANISATION`` (an organisation setting).
- An organisation without a default policy of its own uses the built-in one (``domain.reminder.built_in``,
  id ``default``): it is listed as "Standard (indbygget)", and saving it creates a real policy that
  becomes the default.
- Each call is one transaction: the rules are validated before anything is written, so an error saves
  nothing. When a policy changes or the default moves, the open requests it governs are planned again
  (``uow.reminders.reschedule``).
- Problems with a rule name it by its place in the list given (``rules[2].fee``), whatever its day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from betal.domain.errors import FieldProblem, InvalidInput, NotFound
from betal.domain.ids import new_id
from betal.domain.reminder import BUILT_IN_ID, ReminderPolicy, ReminderRule, built_in, validate_rules
from betal.domain.tenancy import Permission, Principal
from betal.ports import UnitOfWork

BUILT_IN_NAME = "Standard (indbygget)"
MAX_NAME = 100
_RULE_FIELD = re.compile(r"^rules\[(\d+)\]")


@dataclass(frozen=True)
class PolicyInput:
    name: str
    rules: tuple[ReminderRule, ...]
    send_hour: int = 9
    charge_interest: bool = True
    compensation: bool = True
    is_default: bool = False


def _built_in(uow: UnitOfWork, organisation_id: str) -> ReminderPolicy:
    """The built-in policy as the organisation sees it: dated when the organisation was created."""
    organisation = uow.organisations.get(organisation_id)
    since = uow.clock.now() if organisation is None else organisation.created_at
    return replace(built_in(organisation_id, since), name=BUILT_IN_NAME)


def _has_own_default(policies: list[ReminderPolicy]) -> bool:
    return any(p.is_default for p in policies)


def policy_for(uow: UnitOfWork, organisation_id: str, policy_id: str | None) -> ReminderPolicy:
    """The request's policy, else the organisation's default, else the built-in default."""
    policies = uow.reminder_policies.list_for_organisation(organisation_id)
    chosen = next((p for p in policies if p.id == policy_id), None) if policy_id else None
    chosen = chosen or next((p for p in policies if p.is_default), None)
    return chosen or built_in(organisation_id, uow.clock.now())


def list_policies(uow: UnitOfWork, principal: Principal) -> list[ReminderPolicy]:
    """The organisation's policies; the built-in one first while the organisation has no default."""
    principal.require(Permission.READ)
    org = principal.organisation_id
    own = uow.reminder_policies.list_for_organisation(org)
    return own if _has_own_default(own) else [_built_in(uow, org), *own]


def get_policy(uow: UnitOfWork, principal: Principal, policy_id: str) -> ReminderPolicy:
    principal.require(Permission.READ)
    org = principal.organisation_id
    if policy_id == BUILT_IN_ID:
        if _has_own_default(uow.reminder_policies.list_for_organisation(org)):
            raise NotFound(
                "the organisation has a default policy of its own", code="reminder_policy.not_found"
            )
        return _built_in(uow, org)
    policy = uow.reminder_policies.get(org, policy_id)
    if policy is None:
        raise NotFound(f"no reminder policy {policy_id}", code="reminder_policy.not_found")
    return policy


def _renumber(problem: FieldProblem, order: list[int]) -> FieldProblem:
    match = _RULE_FIELD.match(problem.field)
    if match is None:
        return problem
    given = order[int(match.group(1))]
    return FieldProblem(f"rules[{given}]{problem.field[match.end() :]}", problem.message)


def validated(data: PolicyInput) -> tuple[str, tuple[ReminderRule, ...]]:
    """The clean name and the rules in day order, or ``InvalidInput`` listing every problem at once."""
    problems: list[FieldProblem] = []
    name = " ".join(data.name.split())
    if not 1 <= len(name) <= MAX_NAME or not name.isprintable():
        problems.append(FieldProblem("name", f"must be 1 to {MAX_NAME} printable characters"))
    order = sorted(range(len(data.rules)), key=lambda i: data.rules[i].days)
    rules: tuple[ReminderRule, ...] = ()
    try:
        rules = validate_rules(data.rules, data.send_hour)
    except InvalidInput as exc:
        problems += [_renumber(p, order) for p in exc.errors]
    if problems:
        detail = "; ".join(p.message for p in problems)
        raise InvalidInput(detail, errors=problems, code="reminder_policy.invalid")
    return name, rules


def _store(
    uow: UnitOfWork, principal: Principal, previous: ReminderPolicy | None, data: PolicyInput
) -> ReminderPolicy:
    """Validate, write, plan the governed requests again, audit and commit: one transaction."""
    org, now = principal.organisation_id, uow.clock.now()
    name, rules = validated(data)
    policy = ReminderPolicy(
        id=new_id("rpol") if previous is None else previous.id, organisation_id=org, name=name,
        is_default=data.is_default, rules=rules, send_hour=data.send_hour,
        charge_interest=data.charge_interest, compensation=data.compensation,
        created_at=now if previous is None else previous.created_at, updated_at=now,
    )  # fmt: skip
    was_default = previous is not None and previous.is_default
    if policy.is_default and not was_default:
        uow.reminder_policies.clear_default(org)
    if previous is None:
        uow.reminder_policies.add(policy)
    else:
        uow.reminder_policies.save(policy)
        uow.reminders.reschedule(org, policy.id, now)
    if policy.is_default or was_default:
        uow.reminders.reschedule(org, None, now)
    action = "reminder_policy.created" if previous is None else "reminder_policy.updated"
    uow.audit(org, action, "reminder_policy", policy.id, name=name, is_default=policy.is_default,
              rules=[r.key for r in rules])  # fmt: skip
    uow.commit()
    return policy


def create_policy(uow: UnitOfWork, principal: Principal, data: PolicyInput) -> ReminderPolicy:
    principal.require(Permission.MANAGE_ORGANISATION)
    return _store(uow, principal, None, data)


def update_policy(uow: UnitOfWork, principal: Principal, policy_id: str, data: PolicyInput) -> ReminderPolicy:
    """Change a policy; saving the built-in one creates the organisation's own default policy."""
    principal.require(Permission.MANAGE_ORGANISATION)
    previous = get_policy(uow, principal, policy_id)
    if previous.id == BUILT_IN_ID:
        return _store(uow, principal, None, replace(data, is_default=True))
    return _store(uow, principal, previous, data)
