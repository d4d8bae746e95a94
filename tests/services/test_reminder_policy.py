"""Reminder policies: the built-in one until the organisation saves its own, validation citing renteloven
with nothing saved, the default moving, open requests planned again, roles and tenancy."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from betal import bootstrap
from betal.adapters.clock import FrozenClock
from betal.adapters.security import Argon2PasswordHasher
from betal.bootstrap import Container
from betal.config import Settings
from betal.domain.calendar import business_date
from betal.domain.errors import Forbidden, InvalidInput, NotFound
from betal.domain.notification import Channel
from betal.domain.reminder import BUILT_IN_ID, BUILT_IN_RULES, ReminderRule
from betal.domain.tenancy import Principal, Role
from betal.services.customer import NewCustomer, create_customer
from betal.services.organisation import CreatedOrganisation
from betal.services.payment_request import NewPaymentRequest, create_payment_request
from betal.services.reminder_policy import (
    BUILT_IN_NAME,
    PolicyInput,
    create_policy,
    get_policy,
    list_policies,
    update_policy,
)
from tests.services.receivables_support import make_request, owner

E, S = Channel.EMAIL, Channel.SMS
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
GENTLE = (ReminderRule(-2, (E,)), ReminderRule(5, (E, S)), ReminderRule(15, (E, S), 10_000))


@pytest.fixture
def container(settings: Settings) -> Iterator[Container]:
    """The app's container on a clock that stands still, so "planned again now" is one instant."""
    built = bootstrap.build(settings, clock=FrozenClock(START), hasher=Argon2PasswordHasher(fast=True))
    yield built
    built.close()


def _create(
    container: Container, org: CreatedOrganisation, name: str = "Mild", *, is_default: bool = False
) -> str:
    with container.uow() as uow:
        return create_policy(uow, owner(org), PolicyInput(name, GENTLE, is_default=is_default)).id


def _request_on(container: Container, org: CreatedOrganisation, policy_id: str) -> str:
    with container.uow() as uow:
        customer = create_customer(uow, container.cipher, owner(org), NewCustomer("Ida", email="ida@x.dk"))
    due = business_date(container.clock.now()) + timedelta(days=14)
    data = NewPaymentRequest(customer.id, 5_000, "DKK", due, "Leje", ("card",), reminder_policy_id=policy_id)
    with container.uow() as uow:
        return create_payment_request(uow, owner(org), data).id


def _next_reminder(container: Container, org: CreatedOrganisation, request_id: str) -> datetime | None:
    with container.uow() as uow:
        request = uow.payment_requests.get(org.organisation.id, request_id)
    assert request is not None
    return request.next_reminder_at


def _invalid(container: Container, org: CreatedOrganisation, data: PolicyInput) -> InvalidInput:
    with container.uow() as uow, pytest.raises(InvalidInput) as info:
        create_policy(uow, owner(org), data)
    with container.uow() as uow:
        assert uow.reminder_policies.list_for_organisation(org.organisation.id) == []
    return info.value


class TestListAndGet:
    def test_the_built_in_policy_until_the_organisation_has_a_default(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        with container.uow() as uow:
            (only,) = list_policies(uow, owner(org))
            assert get_policy(uow, owner(org), BUILT_IN_ID) == only
        assert (only.id, only.name, only.is_default, only.rules) == (
            BUILT_IN_ID,
            BUILT_IN_NAME,
            True,
            BUILT_IN_RULES,
        )
        mine = _create(container, org, is_default=False)
        with container.uow() as uow:
            assert [p.id for p in list_policies(uow, owner(org))] == [BUILT_IN_ID, mine]
        default = _create(container, org, "Streng", is_default=True)
        with container.uow() as uow:
            assert [p.id for p in list_policies(uow, owner(org))] == [mine, default]
            with pytest.raises(NotFound):
                get_policy(uow, owner(org), BUILT_IN_ID)

    def test_another_organisations_policy_is_not_found(
        self, container: Container, org: CreatedOrganisation, other_org: CreatedOrganisation
    ) -> None:
        theirs = _create(container, other_org)
        with container.uow() as uow, pytest.raises(NotFound):
            get_policy(uow, owner(org), theirs)
        with container.uow() as uow:
            assert [p.id for p in list_policies(uow, owner(org))] == [BUILT_IN_ID]

    def test_a_viewer_reads_but_only_the_owner_role_edits(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        viewer = Principal(org.organisation.id, Role.VIEWER, "user", "usr_x")
        admin = Principal(org.organisation.id, Role.ADMIN, "user", "usr_y")
        policy_id = _create(container, org)
        with container.uow() as uow:
            assert get_policy(uow, viewer, policy_id).name == "Mild"
        for principal in (viewer, admin):
            with container.uow() as uow, pytest.raises(Forbidden):
                update_policy(uow, principal, policy_id, PolicyInput("Other", GENTLE))


class TestCreate:
    def test_stored_in_day_order_with_an_audit_entry(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        data = PolicyInput("  Mild   rykker ", tuple(reversed(GENTLE)), send_hour=10, charge_interest=False)
        with container.uow() as uow:
            created = create_policy(uow, owner(org), data)
        with container.uow() as uow:
            stored = uow.reminder_policies.get(org.organisation.id, created.id)
            audit = uow.audit_log.list_for_target(org.organisation.id, created.id)
        assert stored == created
        assert created.id.startswith("rpol_")
        assert (created.name, created.rules, created.send_hour) == ("Mild rykker", GENTLE, 10)
        assert (created.charge_interest, created.compensation, created.is_default) == (False, True, False)
        assert [(a.action, a.details["rules"]) for a in audit] == [
            ("reminder_policy.created", ["d-2", "d+5", "d+15"])
        ]

    @pytest.mark.parametrize(
        ("rules", "send_hour", "field", "cites"),
        [
            ((ReminderRule(10, (E,), 15_000),), 9, "rules[0].fee", "§ 9 b: a reminder fee is at most 100"),
            ((ReminderRule(0, (E,), 5_000),), 9, "rules[0].fee", "only be charged after the due date"),
            ((ReminderRule(10, (E,), 1), ReminderRule(17, (E,), 1)), 9, "rules", "at least 10 days apart"),
            (tuple(ReminderRule(d, (E,), 1) for d in (10, 20, 30, 40)), 9, "rules", "at most 3 reminders"),
            ((ReminderRule(3, (E,)), ReminderRule(3, (S,))), 9, "rules[1].days", "two reminders on day 3"),
            (GENTLE, 22, "send_hour", "never at night"),
        ],
    )  # fmt: skip
    def test_a_rule_broken_is_cited_and_nothing_saved(
        self, container: Container, org: CreatedOrganisation, rules: tuple[ReminderRule, ...],
        send_hour: int, field: str, cites: str,
    ) -> None:  # fmt: skip
        error = _invalid(container, org, PolicyInput("Ulovlig", rules, send_hour=send_hour))
        assert error.code == "reminder_policy.invalid"
        assert any(p.field == field and cites in p.message for p in error.errors), error.errors

    def test_problems_name_the_rule_by_its_place_in_the_list_given(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        rules = (ReminderRule(20, (E,), 20_000), ReminderRule(-3, (E,), 1_000), ReminderRule(400, ()))
        error = _invalid(container, org, PolicyInput("", rules))
        fields = {p.field: p.message for p in error.errors}
        assert set(fields) == {"name", "rules[0].fee", "rules[1].fee", "rules[2].days", "rules[2].channels"}
        assert "at most 100 kr." in fields["rules[0].fee"]
        assert "after the due date" in fields["rules[1].fee"]

    def test_a_name_over_100_characters(self, container: Container, org: CreatedOrganisation) -> None:
        error = _invalid(container, org, PolicyInput("x" * 101, GENTLE))
        assert [p.field for p in error.errors] == ["name"]


class TestDefault:
    def test_a_new_default_replaces_the_old_and_plans_open_requests_again(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        first = _create(container, org, "Første", is_default=True)
        request = make_request(container, org)
        before = _next_reminder(container, org, request.id)
        second = _create(container, org, "Anden", is_default=True)
        with container.uow() as uow:
            defaults = [
                p.id for p in uow.reminder_policies.list_for_organisation(org.organisation.id) if p.is_default
            ]
        assert defaults == [second]
        assert before is not None
        assert _next_reminder(container, org, request.id) == container.clock.now()
        assert first != second

    def test_saving_the_built_in_policy_creates_the_organisations_default(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        with container.uow() as uow:
            saved = update_policy(uow, owner(org), BUILT_IN_ID, PolicyInput("Vores standard", BUILT_IN_RULES))
        assert saved.id.startswith("rpol_")
        assert saved.is_default
        with container.uow() as uow:
            assert [p.id for p in list_policies(uow, owner(org))] == [saved.id]

    def test_a_change_plans_the_requests_on_the_policy_again(
        self, container: Container, org: CreatedOrganisation, other_org: CreatedOrganisation
    ) -> None:
        policy_id = _create(container, org)
        on_policy = _request_on(container, org, policy_id)
        on_default = make_request(container, org).id
        theirs = make_request(container, other_org).id
        before = {r: _next_reminder(container, o, r) for o, r in ((org, on_default), (other_org, theirs))}
        changed = PolicyInput("Mild", (ReminderRule(1, (E,)),), send_hour=12)
        with container.uow() as uow:
            updated = update_policy(uow, owner(org), policy_id, changed)
        assert (updated.rules, updated.send_hour) == ((ReminderRule(1, (E,)),), 12)
        assert _next_reminder(container, org, on_policy) == container.clock.now()
        after = {r: _next_reminder(container, o, r) for o, r in ((org, on_default), (other_org, theirs))}
        assert after == before
        assert container.clock.now() not in after.values()

    def test_an_invalid_change_leaves_the_policy_as_it_was(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        policy_id = _create(container, org, is_default=True)
        with container.uow() as uow:
            before = uow.reminder_policies.get(org.organisation.id, policy_id)
        bad = PolicyInput("Anden", (ReminderRule(10, (E,), 50_000),), is_default=False)
        with container.uow() as uow, pytest.raises(InvalidInput, match="at most 100 kr"):
            update_policy(uow, owner(org), policy_id, bad)
        with container.uow() as uow:
            assert uow.reminder_policies.get(org.organisation.id, policy_id) == before
            assert len(uow.audit_log.list_for_target(org.organisation.id, policy_id)) == 1
