"""The composition root: the only module that builds concrete adapters and hands them out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from betal.adapters.clock import SystemClock
from betal.adapters.crypto import AesGcmCipher
from betal.adapters.db import migrate as _migrate
from betal.adapters.db.engine import make_engine, make_session_factory
from betal.adapters.db.job_queue import SqlAlchemyJobQueue
from betal.adapters.db.sandbox_store import SandboxStore
from betal.adapters.db.unit_of_work import SqlAlchemyUnitOfWork
from betal.adapters.notify import NotifyChannels, build_channels
from betal.adapters.notify.push import VapidKeyStore
from betal.adapters.notify.templates import JinjaMessageRenderer
from betal.adapters.providers.bank_files import HttpBankFiles
from betal.adapters.providers.registry import ConfiguredProviders
from betal.adapters.security import Argon2PasswordHasher
from betal.adapters.signing import ItsdangerousSigner
from betal.adapters.webhook_http import HttpxWebhookTransport
from betal.adapters.webhook_signing import StandardWebhooksSigner
from betal.config import Settings
from betal.domain.renteloven import ReferenceRate, default_rate_table, parse_rate_table
from betal.ports import (
    SYSTEM,
    Actor,
    BankFiles,
    Cipher,
    Clock,
    JobQueue,
    MessageRenderer,
    PasswordHasher,
    PushKeys,
    Signer,
    UnitOfWork,
    WebhookSigner,
    WebhookTransport,
)

_RENDERER = JinjaMessageRenderer()


@dataclass
class Container:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    clock: Clock
    hasher: PasswordHasher
    cipher: Cipher
    signer: Signer
    providers: ConfiguredProviders
    extras: dict[str, object] = field(default_factory=dict)
    webhook_timeout: float = 10.0  # seconds a receiver gets to answer one delivery

    def uow(self, actor: Actor = SYSTEM) -> UnitOfWork:
        return SqlAlchemyUnitOfWork(self.session_factory, self.clock, actor)

    def job_queue(self) -> JobQueue:
        return SqlAlchemyJobQueue(self.session_factory, self.clock)

    def sandbox_store(self) -> SandboxStore:
        return SandboxStore(self.session_factory, self.clock)

    def bank_files(self) -> BankFiles:
        """The bank's host-to-host file service (``BETAL_BANK_FILES_URL``; else the sandbox bank), built
        on first use and kept in ``extras["bank_files"]``, where another ``BankFiles`` may be put instead."""
        if "bank_files" not in self.extras:
            self.extras["bank_files"] = HttpBankFiles(self.settings)
        return cast(BankFiles, self.extras["bank_files"])

    def channels(self) -> NotifyChannels:
        """The notification channels the settings configure (SMTP, SMS gateway, Web Push; else the dev
        mailbox)."""
        return build_channels(
            self.settings, session_factory=self.session_factory, cipher=self.cipher, clock=self.clock
        )

    def push_keys(self) -> PushKeys:
        """The installation's VAPID key pair (made on first need, stored in the database)."""
        return VapidKeyStore(self.session_factory, self.cipher, self.clock)

    def renderer(self) -> MessageRenderer:
        """Message texts per template, channel and language (``adapters/notify/templates``)."""
        return _RENDERER

    def webhook_transport(self) -> WebhookTransport:
        """HTTP out to webhook receivers (no redirects, ``webhook_timeout``, bodies read to 64 KiB)."""
        return HttpxWebhookTransport(timeout=self.webhook_timeout)

    def webhook_signer(self) -> WebhookSigner:
        """Standard Webhooks signatures (``standardwebhooks``)."""
        return StandardWebhooksSigner()

    def reference_rates(self) -> tuple[ReferenceRate, ...]:
        """The renteloven § 5 rate table: ``BETAL_REFERENCE_RATES`` if set, else the one betal ships."""
        path = self.settings.reference_rates
        if path is None:
            return default_rate_table()
        return parse_rate_table(path.read_text(encoding="utf-8"), source=str(path))

    def close(self) -> None:
        self.engine.dispose()


def build(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    hasher: PasswordHasher | None = None,
    engine: Engine | None = None,
) -> Container:
    settings = settings or Settings()
    engine = engine or make_engine(settings.sqlalchemy_url)
    return Container(
        settings=settings,
        engine=engine,
        session_factory=make_session_factory(engine),
        clock=clock or SystemClock(),
        hasher=hasher or Argon2PasswordHasher(),
        cipher=AesGcmCipher(settings.secret_key),
        signer=ItsdangerousSigner(settings.secret_key),
        providers=ConfiguredProviders(settings),
    )


def migrate(container: Container, revision: str = "head") -> None:
    """Bring the schema up to ``revision`` (Alembic)."""
    _migrate.upgrade(container.engine, revision)


def make_revision(container: Container, message: str) -> None:
    """Autogenerate a migration from the models against the configured database."""
    _migrate.revision(container.engine.url.render_as_string(hide_password=False), message)
