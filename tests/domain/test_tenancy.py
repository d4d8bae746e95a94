"""Roles and permissions."""

from __future__ import annotations

import pytest

from betal.domain.errors import Forbidden
from betal.domain.tenancy import Permission, Principal, Role, permissions_of, require


class TestPermissions:
    def test_owner_can_do_everything(self) -> None:
        assert permissions_of(Role.OWNER) == frozenset(Permission)

    def test_admin_cannot_manage_organisation(self) -> None:
        with pytest.raises(Forbidden, match="admin may not manage organisation"):
            require(Role.ADMIN, Permission.MANAGE_ORGANISATION)

    @pytest.mark.parametrize(
        ("role", "allowed", "denied"),
        [
            (Role.BOOKKEEPER, Permission.BOOK, Permission.APPROVE),
            (Role.APPROVER, Permission.APPROVE, Permission.BOOK),
            (Role.VIEWER, Permission.READ, Permission.BILL),
        ],
    )
    def test_separation_of_duties(self, role: Role, allowed: Permission, denied: Permission) -> None:
        require(role, allowed)
        with pytest.raises(Forbidden):
            require(role, denied)

    def test_every_role_can_read(self) -> None:
        for role in Role:
            Principal("org_x", role, "user", "usr_x").require(Permission.READ)
