"""Customers: created with validated channels; a CPR number is encrypted and only ever shown masked."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from betal.domain.customer import (
    Customer,
    validate_email,
    validate_external_id,
    validate_phone,
    validate_preferences,
)
from betal.domain.errors import Conflict, InvalidInput, NotFound
from betal.domain.events import NewEvent
from betal.domain.identifiers import mask_cpr, validate_cpr, validate_cvr
from betal.domain.ids import new_id
from betal.domain.notification import DEFAULT_LANGUAGE, Channel
from betal.domain.tenancy import Permission, Principal
from betal.domain.text import validate_name
from betal.ports import Cipher, UnitOfWork


@dataclass(frozen=True)
class NewCustomer:
    name: str
    email: str | None = None
    phone: str | None = None
    cpr: str | None = None
    cvr: str | None = None
    external_id: str | None = None


@dataclass(frozen=True)
class Preferences:
    """How the customer wants to hear from the organisation (the notifications issue, item 3)."""

    language: str | None = None  # da (default) or en
    notification_channels: Sequence[str] | None = None  # preferred first; None: e-mail, SMS, push


_ADDRESSES = {Channel.EMAIL: ("email", "an e-mail address"), Channel.SMS: ("phone", "a phone number")}


def _preferences(
    data: NewCustomer, values: dict[str, str | None], preferences: Preferences
) -> tuple[str, tuple[Channel, ...]]:
    """The language and channel order; a channel listed must reach the customer (SMS needs a phone)."""
    channels = preferences.notification_channels
    language, order = validate_preferences(preferences.language, None if channels is None else list(channels))
    for channel in (c for c in order if c in _ADDRESSES):
        field, needs = _ADDRESSES[channel]
        if values.get(field, getattr(data, field)) is None:
            message = f"{channel.value} is listed, but the customer has no {field}: give {needs}"
            raise InvalidInput(message, field="notification_channels")
    return language, order


def _clean(data: NewCustomer, preferences: Preferences) -> tuple[NewCustomer, str, tuple[Channel, ...]]:
    problems: list[InvalidInput] = []
    values: dict[str, str | None] = {}
    checks: dict[str, Callable[[str], str]] = {
        "name": validate_name,
        "email": validate_email,
        "phone": validate_phone,
        "cpr": validate_cpr,
        "cvr": validate_cvr,
        "external_id": validate_external_id,
    }
    for name, check in checks.items():
        raw = getattr(data, name)
        try:
            values[name] = None if raw is None else check(raw)
        except InvalidInput as exc:
            problems.append(exc)
    language, channels = DEFAULT_LANGUAGE, tuple[Channel, ...]()
    try:
        language, channels = _preferences(data, values, preferences)
    except InvalidInput as exc:
        problems.append(exc)
    if problems:  # report every bad field at once
        errors = [p for exc in problems for p in exc.errors]
        raise InvalidInput("the customer has invalid fields", errors=errors)
    return NewCustomer(**values), language, channels  # type: ignore[arg-type]


def create_customer(
    uow: UnitOfWork,
    cipher: Cipher,
    principal: Principal,
    data: NewCustomer,
    preferences: Preferences = Preferences(),
) -> Customer:
    principal.require(Permission.BILL)
    clean, language, channels = _clean(data, preferences)
    if clean.email is None and clean.phone is None:
        raise InvalidInput("give an e-mail or a phone number so the customer can be notified", field="email")
    org = principal.organisation_id
    if clean.external_id is not None and uow.customers.get_by_external_id(org, clean.external_id) is not None:
        raise Conflict(
            f"a customer with external_id {clean.external_id} exists already", code="customer.duplicate"
        )
    customer = Customer(
        id=new_id("cus"),
        organisation_id=org,
        name=clean.name,
        email=clean.email,
        phone=clean.phone,
        cpr_masked=None if clean.cpr is None else mask_cpr(clean.cpr),
        cvr=clean.cvr,
        external_id=clean.external_id,
        created_at=uow.clock.now(),
        language=language,
        notification_channels=channels,
    )
    uow.customers.add(
        customer,
        cpr_ciphertext=None if clean.cpr is None else cipher.encrypt(clean.cpr),
        cpr_index=None if clean.cpr is None else cipher.blind_index(clean.cpr),
    )
    uow.audit(org, "customer.created", "customer", customer.id)
    uow.publish(NewEvent(org, "customer.created", customer_snapshot(customer)))
    uow.commit()
    return customer


def customer_snapshot(customer: Customer) -> dict[str, object]:
    """The customer as events and webhooks carry it (the CPR number only masked)."""
    return {
        "id": customer.id,
        "name": customer.name,
        "email": customer.email,
        "phone": customer.phone,
        "cpr": customer.cpr_masked,
        "cvr": customer.cvr,
        "external_id": customer.external_id,
        "language": customer.language,
        "notification_channels": [c.value for c in customer.notification_channels],
    }


def get_customer(uow: UnitOfWork, principal: Principal, customer_id: str) -> Customer:
    principal.require(Permission.READ)
    customer = uow.customers.get(principal.organisation_id, customer_id)
    if customer is None:
        raise NotFound(f"no customer {customer_id}", code="customer.not_found")
    return customer


def list_customers(
    uow: UnitOfWork, principal: Principal, *, after_id: str | None, limit: int
) -> list[Customer]:
    principal.require(Permission.READ)
    return uow.customers.list_page(principal.organisation_id, after_id, limit)
