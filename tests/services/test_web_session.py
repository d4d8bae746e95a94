"""Portal sessions: login (with its rate limit), the active organisation, logout, and the overview."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from betal import bootstrap
from betal.adapters.clock import FrozenClock
from betal.adapters.security import Argon2PasswordHasher
from betal.config import Settings
from betal.domain.errors import NotFound, RateLimited, Unauthenticated
from betal.domain.tenancy import Permission, Role, User, WebSession
from betal.ports import Actor
from betal.services import web_session
from betal.services.organisation import add_member, create_organisation
from betal.services.user import register_user

PASSWORD = "correct horse battery"
TTL = timedelta(hours=12)
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def c(settings: Settings, clock: FrozenClock) -> Iterator[bootstrap.Container]:
    container = bootstrap.build(settings, clock=clock, hasher=Argon2PasswordHasher(fast=True))
    yield container
    container.close()


def _user(c: bootstrap.Container, email: str = "revisor@tal.example", **memberships: Role) -> User:
    with c.uow() as uow:
        user = register_user(uow, c.hasher, email=email, name="Jonas Bogholder", password=PASSWORD)
    for organisation_id, role in memberships.items():
        with c.uow() as uow:
            add_member(uow, organisation_id=organisation_id, user_id=user.id, role=role)
    return user


def _org(c: bootstrap.Container, name: str, cvr: str) -> str:
    with c.uow() as uow:
        return create_organisation(uow, name=name, cvr=cvr).organisation.id


def _login(
    c: bootstrap.Container, email: str = "revisor@tal.example", password: str = PASSWORD
) -> WebSession:
    with c.uow(Actor("anonymous", "portal", "127.0.0.1")) as uow:
        return web_session.login(uow, c.hasher, email=email, password=password, ttl=TTL)


@pytest.fixture
def two_orgs(c: bootstrap.Container) -> tuple[str, str]:
    """Nordlys Café I/S is created first, Hansen & Co ApS second: the first by name is the second made."""
    return _org(c, "Nordlys Café I/S", "10150817"), _org(c, "Hansen & Co ApS", "25313763")


class TestLogin:
    def test_opens_a_session_on_the_first_organisation_by_name(
        self, c: bootstrap.Container, two_orgs: tuple[str, str]
    ) -> None:
        nordlys, hansen = two_orgs
        user = _user(c, **{nordlys: Role.BOOKKEEPER, hansen: Role.BOOKKEEPER})
        session = _login(c, " Revisor@Tal.example ")
        assert session.user_id == user.id
        assert session.organisation_id == hansen
        assert len(session.id) >= 43  # 32 random bytes, URL-safe base64
        assert len(session.csrf_token) >= 43
        assert session.csrf_token != session.id
        assert session.created_at == START
        assert session.expires_at == START + TTL
        with c.uow() as uow:
            assert uow.web_sessions.get(session.id) == session
            entries = [e for e in uow.audit_log.list_page(hansen, None, 100) if e.action == "user.logged_in"]
        assert [(e.actor_type, e.actor_id, e.ip) for e in entries] == [("user", user.id, "127.0.0.1")]

    def test_without_memberships_there_is_no_active_organisation(self, c: bootstrap.Container) -> None:
        _user(c)
        assert _login(c).organisation_id is None

    def test_wrong_password(self, c: bootstrap.Container) -> None:
        _user(c)
        with pytest.raises(Unauthenticated):
            _login(c, password="wrong password")

    def test_unknown_email(self, c: bootstrap.Container) -> None:
        with pytest.raises(Unauthenticated):
            _login(c, email="nobody@example.com")


class TestRateLimit:
    def _fail(self, c: bootstrap.Container, times: int, email: str = "revisor@tal.example") -> None:
        for _ in range(times):
            with pytest.raises(Unauthenticated):
                _login(c, email=email, password="wrong password")

    def test_ten_failures_refuse_even_the_right_password(
        self, c: bootstrap.Container, clock: FrozenClock
    ) -> None:
        _user(c)
        self._fail(c, 9)
        clock.advance(timedelta(minutes=5))
        self._fail(c, 1)
        with pytest.raises(RateLimited) as raised:
            _login(c)
        assert raised.value.code == "login.rate_limited"
        assert raised.value.retry_after == 10 * 60 + 1  # the oldest failure leaves the window in 10 minutes

    def test_the_window_moves_on(self, c: bootstrap.Container, clock: FrozenClock) -> None:
        _user(c)
        self._fail(c, 10)
        clock.advance(timedelta(minutes=15, seconds=1))
        assert _login(c).user_id

    def test_counts_per_email_whatever_its_case(self, c: bootstrap.Container) -> None:
        _user(c)
        self._fail(c, 10, email="someone.else@example.com")
        assert _login(c).user_id
        self._fail(c, 10, email="REVISOR@tal.example")
        with pytest.raises(RateLimited):
            _login(c)

    def test_unknown_and_very_long_emails_are_limited_too(self, c: bootstrap.Container) -> None:
        email = "x" * 90 + "@example.com"
        self._fail(c, 10, email=email)
        with pytest.raises(RateLimited):
            _login(c, email=email)


class TestCurrent:
    def test_a_live_session(self, c: bootstrap.Container) -> None:
        user = _user(c)
        session = _login(c)
        with c.uow() as uow:
            assert web_session.current(uow, session.id) == (session, user)

    def test_unknown(self, c: bootstrap.Container) -> None:
        with c.uow() as uow:
            assert web_session.current(uow, "no-such-session") is None

    def test_expired(self, c: bootstrap.Container, clock: FrozenClock) -> None:
        _user(c)
        session = _login(c)
        clock.advance(TTL)
        with c.uow() as uow:
            assert web_session.current(uow, session.id) is None


class TestSwitchOrganisation:
    def test_to_an_organisation_of_the_user(self, c: bootstrap.Container, two_orgs: tuple[str, str]) -> None:
        nordlys, hansen = two_orgs
        _user(c, **{nordlys: Role.BOOKKEEPER, hansen: Role.VIEWER})
        session = _login(c)
        with c.uow() as uow:
            switched = web_session.switch_organisation(uow, session.id, nordlys)
        assert switched.organisation_id == nordlys
        with c.uow() as uow:
            found = web_session.current(uow, session.id)
        assert found is not None
        assert found[0].organisation_id == nordlys

    def test_refuses_an_organisation_without_membership(
        self, c: bootstrap.Container, two_orgs: tuple[str, str]
    ) -> None:
        nordlys, hansen = two_orgs
        _user(c, **{hansen: Role.OWNER})
        session = _login(c)
        with c.uow() as uow, pytest.raises(NotFound):
            web_session.switch_organisation(uow, session.id, nordlys)
        with c.uow() as uow:
            stored = uow.web_sessions.get(session.id)
        assert stored is not None
        assert stored.organisation_id == hansen

    def test_needs_a_live_session(
        self, c: bootstrap.Container, two_orgs: tuple[str, str], clock: FrozenClock
    ) -> None:
        nordlys, _ = two_orgs
        _user(c, **{nordlys: Role.OWNER})
        session = _login(c)
        clock.advance(TTL)
        with c.uow() as uow, pytest.raises(Unauthenticated):
            web_session.switch_organisation(uow, session.id, nordlys)


class TestLogout:
    def test_deletes_the_session(self, c: bootstrap.Container) -> None:
        _user(c)
        session = _login(c)
        with c.uow() as uow:
            web_session.logout(uow, session.id)
        with c.uow() as uow:
            assert uow.web_sessions.get(session.id) is None
            assert web_session.current(uow, session.id) is None

    def test_an_unknown_session_is_a_no_op(self, c: bootstrap.Container) -> None:
        with c.uow() as uow:
            web_session.logout(uow, "no-such-session")


class TestOverview:
    def test_owner_sees_members_permissions_and_activity(
        self, c: bootstrap.Container, two_orgs: tuple[str, str]
    ) -> None:
        nordlys, hansen = two_orgs
        owner = _user(c, "ejer@hansen.example", **{hansen: Role.OWNER})
        _user(c, **{hansen: Role.BOOKKEEPER, nordlys: Role.BOOKKEEPER})
        session = _login(c, "ejer@hansen.example")
        with c.uow() as uow:
            overview = web_session.overview(uow, session, activity=3)
        assert overview.organisation is not None
        assert overview.organisation.id == hansen
        assert overview.role is Role.OWNER
        assert [o.id for o, _ in overview.memberships] == [hansen]
        assert [(m.email, m.role) for m in overview.members] == [
            ("ejer@hansen.example", Role.OWNER),
            ("revisor@tal.example", Role.BOOKKEEPER),
        ]  # same name: by e-mail
        assert overview.permissions == list(Permission)
        assert overview.recent_activity is not None
        assert [e.action for e in overview.recent_activity] == [
            "user.logged_in",
            "membership.created",
            "membership.created",
        ]
        assert overview.recent_activity[0].actor_id == owner.id

    def test_bookkeepers_do_not_see_the_audit_log(
        self, c: bootstrap.Container, two_orgs: tuple[str, str]
    ) -> None:
        nordlys, hansen = two_orgs
        _user(c, **{hansen: Role.BOOKKEEPER, nordlys: Role.BOOKKEEPER})
        session = _login(c)
        with c.uow() as uow:
            overview = web_session.overview(uow, session)
        assert overview.recent_activity is None
        assert overview.permissions == [Permission.READ, Permission.BILL, Permission.BOOK]
        assert [o.name for o, _ in overview.memberships] == ["Hansen & Co ApS", "Nordlys Café I/S"]

    def test_reads_the_whole_log_to_find_the_newest(
        self, c: bootstrap.Container, two_orgs: tuple[str, str]
    ) -> None:
        _, hansen = two_orgs
        _user(c, "ejer@hansen.example", **{hansen: Role.OWNER})
        with c.uow() as uow:
            for index in range(600):
                uow.audit(hansen, "test.entry", "test", str(index))
            uow.commit()
        session = _login(c, "ejer@hansen.example")
        with c.uow() as uow:
            activity = web_session.overview(uow, session, activity=2).recent_activity
        assert activity is not None
        # ids order by millisecond; entries of one commit share it, so which of them is last is not fixed
        assert [e.action for e in activity] == ["user.logged_in", "test.entry"]

    def test_without_an_active_organisation(self, c: bootstrap.Container) -> None:
        _user(c)
        session = _login(c)
        with c.uow() as uow:
            overview = web_session.overview(uow, session)
        assert overview.organisation is None
        assert overview.members == []
        assert overview.recent_activity is None
