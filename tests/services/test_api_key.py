"""API keys: hashed at rest, one organisation each, roles bounded by the creator's role."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from betal.adapters.db.orm import ApiKeyRow
from betal.bootstrap import Container
from betal.domain.errors import Forbidden, Unauthenticated
from betal.domain.tenancy import Principal, Role
from betal.services.api_key import authenticate_api_key, create_api_key
from betal.services.organisation import CreatedOrganisation


class TestAuthenticateApiKey:
    def test_owner_key_authenticates_to_its_org(self, container: Container, org: CreatedOrganisation) -> None:
        with container.uow() as uow:
            principal = authenticate_api_key(uow, org.api_key)
        assert principal.organisation_id == org.organisation.id
        assert principal.role is Role.OWNER

    def test_only_the_hash_is_stored(self, container: Container, org: CreatedOrganisation) -> None:
        with container.engine.connect() as conn:
            rows = conn.execute(select(ApiKeyRow.secret_hash, ApiKeyRow.prefix)).all()
        assert all(org.api_key not in (h, p) for h, p in rows)
        assert any(org.api_key.startswith(p) for _, p in rows)

    @pytest.mark.parametrize("key", ["", "nope", "betal_test_" + "x" * 43, "betal_" + "x" * 300])
    def test_bad_keys(self, container: Container, key: str) -> None:
        with container.uow() as uow, pytest.raises(Unauthenticated):
            authenticate_api_key(uow, key)


class TestCreateApiKey:
    def test_roles_are_bounded(self, container: Container, org: CreatedOrganisation) -> None:
        admin = Principal(org.organisation.id, Role.ADMIN, "api_key", "key_x")
        viewer = Principal(org.organisation.id, Role.VIEWER, "api_key", "key_y")
        with container.uow() as uow:
            key, plaintext = create_api_key(uow, admin, name="ci", role=Role.BOOKKEEPER, live=False)
        with container.uow() as uow:
            assert authenticate_api_key(uow, plaintext).role is Role.BOOKKEEPER
            with pytest.raises(Forbidden):
                create_api_key(uow, admin, name="x", role=Role.OWNER, live=False)
            with pytest.raises(Forbidden):
                create_api_key(uow, viewer, name="x", role=Role.VIEWER, live=False)
        assert key.organisation_id == org.organisation.id
