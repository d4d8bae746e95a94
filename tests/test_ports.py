"""The SQLAlchemy unit of work offers everything the UnitOfWork port promises."""

from __future__ import annotations

import inspect as pyinspect

from betal import ports
from betal.bootstrap import Container


def protocol_members(protocol: type) -> set[str]:
    names = set(getattr(protocol, "__annotations__", {}))
    names |= {n for n, v in vars(protocol).items() if callable(v) and not n.startswith("_")}
    return names


class TestUnitOfWorkPort:
    def test_adapter_has_every_member(self, container: Container) -> None:
        with container.uow() as uow:
            for name in protocol_members(ports.UnitOfWork):
                assert hasattr(uow, name), f"unit of work lacks {name}"

    def test_repositories_have_every_method(self, container: Container) -> None:
        repos = {
            "organisations": ports.OrganisationRepository, "users": ports.UserRepository,
            "memberships": ports.MembershipRepository, "api_keys": ports.ApiKeyRepository,
            "events": ports.EventRepository, "audit_log": ports.AuditRepository, "jobs": ports.JobRepository,
            "idempotency": ports.IdempotencyRepository, "web_sessions": ports.WebSessionRepository,
        }  # fmt: skip
        with container.uow() as uow:
            for attr, protocol in repos.items():
                repo = getattr(uow, attr)
                for name, member in vars(protocol).items():
                    if pyinspect.isfunction(member) and not name.startswith("_"):
                        assert callable(getattr(repo, name, None)), f"{attr}.{name} missing"


class TestActor:
    def test_system_actor(self) -> None:
        assert ports.Actor("system", "betal") == ports.SYSTEM
