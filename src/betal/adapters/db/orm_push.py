"""Web Push tables: the installation's VAPID key and the payers' push subscriptions.

Spec: RFC 8292 (VAPID: one key pair identifies this installation to every push service) and
``domain.push``. ``installation_keys`` is global (one row per key name; the private key is stored
encrypted with the installation's ``Cipher``); ``push_subscriptions`` holds tenant data: one row per
(organisation, customer, endpoint).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from betal.adapters.db.orm import Base


class InstallationKeyRow(Base):
    """A key pair of this installation, made on first need; the first writer wins (insert or ignore)."""

    __tablename__ = "installation_keys"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    private_key: Mapped[str] = mapped_column(Text)  # PKCS#8 PEM, encrypted with the Cipher
    public_key: Mapped[str] = mapped_column(String(200))  # base64url uncompressed point
    created_at: Mapped[datetime]


class PushSubscriptionRow(Base):
    __tablename__ = "push_subscriptions"
    __table_args__ = (
        UniqueConstraint("organisation_id", "customer_id", "endpoint"),
        Index(None, "endpoint"),
    )
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"))
    endpoint: Mapped[str] = mapped_column(String(1000))
    p256dh: Mapped[str] = mapped_column(String(100))
    auth: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime]
    expired_at: Mapped[datetime | None]
