"""Approval policies on the real database: the built-in policy, saving one, and every problem at once."""

from __future__ import annotations

import pytest

from betal.domain.errors import Forbidden, InvalidInput
from betal.domain.tenancy import Principal, Role
from betal.services.approval_policy import PolicyInput, approver_candidates, get_policy, put_policy
from betal.services.organisation import create_organisation
from tests.services.approval_support import World


class TestGetPolicy:
    def test_without_a_saved_policy_one_approval_from_any_member_who_may_approve(self, world: World) -> None:
        with world.container.uow() as uow:
            other = create_organisation(uow, name="Nordlys Café I/S", cvr="10150817")
        with world.container.uow() as uow:
            built_in = get_policy(uow, Principal(other.organisation.id, Role.VIEWER, "user", "usr_x"))
        assert (built_in.id, built_in.required_approvals, built_in.approver_user_ids) == (None, 1, ())

    def test_the_saved_policy(self, world: World) -> None:
        with world.container.uow() as uow:
            policy = get_policy(uow, world.principal(world.bookkeeper))
        assert policy.id is not None
        assert policy.approver_user_ids == (world.anna.id, world.bent.id)


class TestApproverCandidates:
    def test_members_whose_role_may_approve_by_name(self, world: World) -> None:
        with world.container.uow() as uow:
            names = [u.name for u in approver_candidates(uow, world.org_id)]
        assert names == ["Anna Andersen", "Bent Berg", "Carl Clausen"]  # not the bookkeeper


class TestPutPolicy:
    def test_saving_replaces_the_policy(self, world: World) -> None:
        with world.container.uow() as uow:
            before = get_policy(uow, world.principal())
        data = PolicyInput(2, (world.carl.id, world.anna.id), None, 3)
        with world.container.uow() as uow:
            saved = put_policy(uow, world.principal(), data)
        with world.container.uow() as uow:
            after = get_policy(uow, world.principal())
        assert after == saved
        assert (after.id, after.required_approvals, after.approver_user_ids, after.remind_days_before) == (
            before.id, 2, (world.carl.id, world.anna.id), 3,
        )  # fmt: skip

    def test_every_problem_at_once_and_nothing_saved(self, world: World) -> None:
        data = PolicyInput(3, (world.bookkeeper.id, "usr_stranger"), -5, 1)
        with world.container.uow() as uow, pytest.raises(InvalidInput) as caught:
            put_policy(uow, world.principal(), data)
        assert caught.value.code == "approval_policy.invalid"
        assert [p.field for p in caught.value.errors] == [
            "required_approvals", "approver_user_ids", "dual_threshold_amount", "approver_user_ids.0",
            "approver_user_ids.1",
        ]  # fmt: skip
        with world.container.uow() as uow:
            assert get_policy(uow, world.principal()).required_approvals == 1

    @pytest.mark.parametrize("role", [Role.BOOKKEEPER, Role.APPROVER, Role.ADMIN])
    def test_only_the_owner_decides_who_approves(self, world: World, role: Role) -> None:
        with world.container.uow() as uow, pytest.raises(Forbidden):
            put_policy(uow, world.principal(world.bookkeeper, role), PolicyInput(1, (world.anna.id,)))
