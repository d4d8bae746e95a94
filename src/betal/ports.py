"""The ports the services need (cosmicpython's abstract repository and unit of work).

Adapters implement these Protocols; services receive them by parameter and never import adapters.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from types import TracebackType
from typing import Any, Generic, Protocol, Self, TypeVar

from betal.domain.accountant import ClientApproval, ClientCounts, ClientFailure, ClientInvoice
from betal.domain.approval import ApprovalDecision, ApprovalPolicy, ApprovalRequest
from betal.domain.bank_file import BankFile
from betal.domain.banking import BankStatement, Match, MatchStatus, StatementEntry
from betal.domain.customer import Customer
from betal.domain.delivery import DeliveryResult
from betal.domain.dunning import Charge, ReminderRecord
from betal.domain.events import AuditEntry, Event, NewEvent
from betal.domain.fees import PricePlan, UsageKind, UsageRecord
from betal.domain.fx import Rate
from betal.domain.inbox import Attachment, Message, OneTimeCode, PayerSession
from betal.domain.job import Job, NewJob
from betal.domain.ledger import Account, AccountRole, JournalDraft, JournalEntry
from betal.domain.mandate import Mandate
from betal.domain.notification import Channel, OutboxMessage, Rendered, Template
from betal.domain.payables import (
    PaymentOrder,
    Supplier,
    SupplierBankChange,
    SupplierDocument,
    SupplierInvoice,
)
from betal.domain.payment import Payment
from betal.domain.payment_account import PaymentAccount
from betal.domain.payment_method import Agreement, Method
from betal.domain.payment_request import PaymentRequest
from betal.domain.posting import Held
from betal.domain.provider import (
    Capability,
    CreateMandate,
    CreatePayment,
    CreateRefund,
    ProviderCallback,
    ProviderMandate,
    ProviderPayment,
    ProviderRefund,
)
from betal.domain.push import PushSubscription
from betal.domain.reconciliation import OpenPayment, OpenRequest
from betal.domain.recurring import RecurringCollection
from betal.domain.reminder import ReminderPolicy
from betal.domain.tenancy import ApiKey, Membership, Organisation, User, WebSession
from betal.domain.trial_balance import AccountTotal
from betal.domain.webhook import DeliveryAttempt, StoredSecrets, WebhookDelivery, WebhookEndpoint


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


@dataclass(frozen=True)
class Actor:
    """Who drives a unit of work; stamped on every audit entry it writes."""

    type: str  # "user" | "api_key" | "system" | "payer"
    id: str
    ip: str | None = None
    request_id: str | None = None


SYSTEM = Actor("system", "betal")


T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    next_cursor: str | None


class OrganisationRepository(Protocol):
    def add(self, organisation: Organisation) -> None: ...
    def get(self, organisation_id: str) -> Organisation | None: ...
    def get_by_cvr(self, cvr: str) -> Organisation | None: ...
    def list_by_ids(self, ids: Sequence[str]) -> list[Organisation]: ...


class UserRepository(Protocol):
    def add(self, user: User) -> None: ...
    def get(self, user_id: str) -> User | None: ...
    def get_by_email(self, email: str) -> User | None: ...


class MembershipRepository(Protocol):
    def add(self, membership: Membership) -> None: ...
    def get(self, user_id: str, organisation_id: str) -> Membership | None: ...
    def list_for_user(self, user_id: str) -> list[Membership]: ...
    def list_for_organisation(self, organisation_id: str) -> list[Membership]: ...


class ApiKeyRepository(Protocol):
    def add(self, key: ApiKey) -> None: ...
    def list_page(self, organisation_id: str, after_id: str | None, limit: int) -> list[ApiKey]: ...
    def get_by_hash(self, secret_hash: str) -> ApiKey | None: ...


class WebSessionRepository(Protocol):
    def add(self, session: WebSession) -> None: ...
    def get(self, session_id: str) -> WebSession | None: ...
    def set_organisation(self, session_id: str, organisation_id: str) -> None: ...
    def delete(self, session_id: str) -> None: ...
    def delete_expired(self, now: datetime) -> int: ...


class EventRepository(Protocol):
    def list_after(self, organisation_id: str, after: int, limit: int) -> list[Event]: ...
    def list_for_subjects(self, organisation_id: str, subject_ids: Sequence[str], limit: int) -> list[Event]:
        """Events about any of these resources (by the ``id`` in their data), in sequence order."""
        ...


class AuditRepository(Protocol):
    def list_for_target(self, organisation_id: str, target_id: str) -> list[AuditEntry]: ...
    def list_page(self, organisation_id: str, after_id: str | None, limit: int) -> list[AuditEntry]: ...
    def latest(self, organisation_id: str, limit: int) -> list[AuditEntry]:
        """The newest ``limit`` entries, newest first."""
        ...

    def times_since(self, action: str, target_type: str, target_id: str, since: datetime) -> list[datetime]:
        """When one action hit one target since a time, oldest first, in any organisation (rate limits)."""
        ...


class JobRepository(Protocol):
    def get(self, job_id: str, organisation_id: str | None = None) -> Job | None: ...
    def set_progress(self, job_id: str, done: int, total: int | None) -> None: ...


@dataclass(frozen=True)
class StoredResponse:
    request_hash: str
    status: int
    body: str
    created_at: datetime


class IdempotencyRepository(Protocol):
    def get(self, organisation_id: str, key: str) -> StoredResponse | None: ...
    def reserve(self, organisation_id: str, key: str, request_hash: str, now: datetime) -> bool:
        """Insert a placeholder; False if a committed row holds the key (waits for one in flight)."""
        ...

    def complete(self, organisation_id: str, key: str, status: int, body: str) -> None: ...
    def delete(self, organisation_id: str, key: str) -> None: ...


class AgreementRepository(Protocol):
    def add(self, agreement: Agreement) -> None: ...
    def list_for_organisation(self, organisation_id: str) -> list[Agreement]: ...
    def get(self, organisation_id: str, method: Method) -> Agreement | None: ...


class CustomerRepository(Protocol):
    def add(self, customer: Customer, *, cpr_ciphertext: str | None, cpr_index: str | None) -> None: ...
    def get(self, organisation_id: str, customer_id: str) -> Customer | None: ...
    def get_by_external_id(self, organisation_id: str, external_id: str) -> Customer | None: ...
    def list_page(self, organisation_id: str, after_id: str | None, limit: int) -> list[Customer]: ...
    def find_matching(
        self, emails: Sequence[str], phones: Sequence[str], cpr_indexes: Sequence[str]
    ) -> list[Customer]:
        """Customers in any organisation with one of these verified channels (the payer inbox)."""
        ...

    def cpr_indexes(self, customer_ids: Sequence[str]) -> list[str]: ...
    def last_payer_account(self, customer_id: str) -> str | None: ...
    def set_last_payer_account(self, customer_id: str, account: str) -> None: ...


class PaymentRequestRepository(Protocol):
    def add(self, request: PaymentRequest) -> None: ...
    def get(
        self, organisation_id: str, request_id: str, *, for_update: bool = False
    ) -> PaymentRequest | None: ...
    def get_any(self, request_id: str) -> PaymentRequest | None:
        """By id alone, for signed pay links (the token proves the right to see it)."""
        ...

    def save(self, request: PaymentRequest) -> None: ...
    def list_page(
        self,
        organisation_id: str,
        *,
        status: str | None,
        customer_id: str | None,
        after_id: str | None,
        limit: int,
        due_from: date | None = None,
        due_to: date | None = None,
    ) -> list[PaymentRequest]: ...
    def list_for_customers(self, customer_ids: Sequence[str], limit: int) -> list[PaymentRequest]: ...


class PaymentRepository(Protocol):
    def add(self, payment: Payment) -> None: ...
    def get(self, organisation_id: str, payment_id: str, *, for_update: bool = False) -> Payment | None: ...
    def get_by_reference(self, provider: str, reference: str) -> Payment | None: ...
    def save(self, payment: Payment) -> None: ...
    def list_for_request(self, organisation_id: str, request_id: str) -> list[Payment]: ...
    def list_page(
        self, organisation_id: str, *, request_id: str | None, after_id: str | None, limit: int
    ) -> list[Payment]: ...
    def list_open(self, limit: int) -> list[Payment]:
        """Payments still initiated or pending, oldest first, for status polling."""
        ...


class MandateRepository(Protocol):
    def add(self, mandate: Mandate) -> None: ...
    def get(self, organisation_id: str, mandate_id: str) -> Mandate | None: ...
    def get_by_reference(self, reference: str) -> Mandate | None: ...
    def save(self, mandate: Mandate) -> None: ...
    def list_page(
        self, organisation_id: str, *, customer_id: str | None, after_id: str | None, limit: int
    ) -> list[Mandate]: ...
    def active_for(self, organisation_id: str, customer_id: str, method: Method) -> Mandate | None: ...


class RecurringCollectionRepository(Protocol):
    def add(self, collection: RecurringCollection) -> None: ...
    def get(self, organisation_id: str, collection_id: str) -> RecurringCollection | None: ...
    def save(self, collection: RecurringCollection) -> None: ...
    def due_before(self, day: date, limit: int) -> list[RecurringCollection]:
        """Active collections whose next due date is on or before ``day`` (all organisations)."""
        ...


class MessageRepository(Protocol):
    def add(self, message: Message) -> None: ...
    def list_for_customers(self, customer_ids: Sequence[str], limit: int) -> list[Message]: ...
    def get(self, message_id: str) -> Message | None: ...
    def mark_read(self, message_id: str, at: datetime) -> None: ...


class CounterRepository(Protocol):
    def next(self, organisation_id: str, name: str) -> int:
        """The next value of a per-organisation sequence, starting at 1 (locks until commit)."""
        ...


class ProviderEventRepository(Protocol):
    def first_time(self, provider: str, event_id: str, organisation_id: str | None, at: datetime) -> bool:
        """Record a provider callback id; False when it was seen before (a replay)."""
        ...


class AttachmentRepository(Protocol):
    def add(self, attachment: Attachment, content: bytes) -> None: ...
    def list_for_request(self, payment_request_id: str) -> list[Attachment]: ...
    def content(self, payment_request_id: str, attachment_id: str) -> tuple[Attachment, bytes] | None: ...


class OneTimeCodeRepository(Protocol):
    def add(self, code: OneTimeCode) -> None: ...
    def latest(self, destination: str) -> OneTimeCode | None:
        """The newest code for a destination, locked for this transaction."""
        ...

    def count_since(self, destination: str, since: datetime) -> int: ...
    def record_attempt(self, code_id: str) -> None: ...
    def mark_used(self, code_id: str, at: datetime) -> None: ...


class PayerSessionRepository(Protocol):
    def add(self, payer_session: PayerSession) -> None: ...
    def get(self, session_id: str) -> PayerSession | None: ...
    def delete(self, session_id: str) -> None: ...


class OutboxRepository(Protocol):
    def add(self, message: OutboxMessage) -> None: ...
    def get(self, message_id: str) -> OutboxMessage | None: ...
    def list_recent(self, limit: int, *, organisation_id: str | None = None) -> list[OutboxMessage]: ...
    def list_for_recipient(self, recipient: str, limit: int) -> list[OutboxMessage]: ...
    def list_for_related(self, organisation_id: str, related_id: str) -> list[OutboxMessage]:
        """The messages about one request (or approval), oldest first."""
        ...

    def exists(self, dedupe_key: str) -> bool: ...
    def set_status(
        self, message_id: str, status: str, at: datetime | None, detail: str | None = None
    ) -> None: ...


class ReminderPolicyRepository(Protocol):
    def add(self, policy: ReminderPolicy) -> None: ...
    def save(self, policy: ReminderPolicy) -> None: ...
    def get(self, organisation_id: str, policy_id: str) -> ReminderPolicy | None: ...
    def list_for_organisation(self, organisation_id: str) -> list[ReminderPolicy]: ...
    def clear_default(self, organisation_id: str) -> None: ...


class ReminderRecordRepository(Protocol):
    def add(self, record: ReminderRecord) -> None: ...
    def list_for_request(self, organisation_id: str, request_id: str) -> list[ReminderRecord]: ...
    def due_requests(self, now: datetime, today: date, limit: int) -> list[tuple[str, str]]:
        """(organisation, request) pairs whose reminders are due, or that just became overdue."""
        ...

    def reschedule(self, organisation_id: str, policy_id: str | None, at: datetime) -> int: ...


class ChargeRepository(Protocol):
    def add(self, charge: Charge) -> None: ...
    def list_for_request(self, organisation_id: str, request_id: str) -> list[Charge]: ...


class SupplierRepository(Protocol):
    def add(self, supplier: Supplier) -> None: ...
    def save(self, supplier: Supplier) -> None: ...
    def get(self, organisation_id: str, supplier_id: str, *, for_update: bool = False) -> Supplier | None: ...
    def list_page(self, organisation_id: str, after_id: str | None, limit: int) -> list[Supplier]: ...
    def find_by_cvr(self, organisation_id: str, cvr: str) -> Supplier | None: ...
    def find_by_name(self, organisation_id: str, name: str) -> Supplier | None:
        """The oldest supplier with this name, ignoring case."""
        ...

    def add_bank_change(self, change: SupplierBankChange) -> None: ...
    def bank_changes(self, organisation_id: str, supplier_id: str) -> list[SupplierBankChange]:
        """Newest first."""
        ...


class SupplierInvoiceRepository(Protocol):
    def add(self, invoice: SupplierInvoice) -> None:
        """Insert; ``Conflict`` (``supplier_invoice.duplicate``) when the supplier's number is taken."""
        ...

    def save(self, invoice: SupplierInvoice) -> None: ...
    def get(
        self, organisation_id: str, invoice_id: str, *, for_update: bool = False
    ) -> SupplierInvoice | None: ...
    def get_by_number(
        self, organisation_id: str, supplier_id: str, invoice_number: str
    ) -> SupplierInvoice | None: ...
    def list_page(
        self, organisation_id: str, *, status: str | None, supplier_id: str | None, after_id: str | None,
        limit: int,
    ) -> list[SupplierInvoice]: ...  # fmt: skip
    def open_until(self, organisation_id: str, issued_until: date) -> list[tuple[SupplierInvoice, str]]:
        """Booked invoices (not paid or cancelled) issued on or before the day, with the supplier's name."""
        ...


class SupplierDocumentRepository(Protocol):
    def add(self, document: SupplierDocument, content: bytes) -> None: ...
    def list_for_invoice(self, organisation_id: str, invoice_id: str) -> list[SupplierDocument]: ...
    def content(
        self, organisation_id: str, invoice_id: str, document_id: str
    ) -> tuple[SupplierDocument, bytes] | None: ...


@dataclass(frozen=True)
class JournalFilter:
    """Which journal entries a list or an export covers (every bound inclusive)."""

    date_from: date | None = None
    date_to: date | None = None
    source_type: str | None = None
    source_id: str | None = None


class LedgerRepository(Protocol):
    def chart(self, organisation_id: str, now: datetime) -> list[Account]:
        """The organisation's accounts by code, creating the default chart on first use."""
        ...

    def rename_account(self, organisation_id: str, account_id: str, name: str) -> None: ...
    def get_entry(self, organisation_id: str, entry_id: str) -> JournalEntry | None: ...
    def list_entries(
        self, organisation_id: str, query: JournalFilter, *, after_number: int | None, limit: int,
        newest_first: bool = True,
    ) -> list[JournalEntry]:  # fmt: skip
        """Entries with their postings, by number; ``after_number`` continues a page in that order."""
        ...

    def last_number(self, organisation_id: str) -> int: ...
    def for_source(self, organisation_id: str, source_type: str, source_id: str) -> list[JournalEntry]: ...
    def reversed_by(self, organisation_id: str, entry_id: str) -> str | None:
        """The id of the entry that reverses ``entry_id``, if any."""
        ...

    def reversals(self, organisation_id: str, entry_ids: Sequence[str]) -> dict[str, str]:
        """Of ``entry_ids``, those reversed: entry id -> the reversing entry's id."""
        ...

    def totals(self, organisation_id: str, as_of: date) -> list[AccountTotal]:
        """Per account and currency, the postings dated on or before ``as_of``."""
        ...

    def base_movements(
        self, organisation_id: str, roles: Sequence[AccountRole], start: date, end: date
    ) -> list[tuple[AccountRole, date | None, int]]:
        """DKK value posted per role: before ``start`` (day ``None``), then per day up to ``end``."""
        ...

    def held(
        self, organisation_id: str, role: AccountRole, currency: str, sources: Sequence[tuple[str, str]]
    ) -> Held:
        """What the entries of ``sources`` (type, id) left on the role's account: amount and DKK value."""
        ...

    def rate(self, currency: str, day: date) -> Decimal | None:
        """DKK per unit of ``currency`` by the latest ECB reference rate on or before ``day``."""
        ...

    def open_requests(
        self, organisation_id: str, created_before: datetime
    ) -> list[tuple[PaymentRequest, str]]:
        """Payable requests created before the time, each with its customer's name."""
        ...


class PaymentOrderRepository(Protocol):
    def add(self, order: PaymentOrder) -> None: ...
    def save(self, order: PaymentOrder) -> None: ...
    def get(
        self, organisation_id: str, order_id: str, *, for_update: bool = False
    ) -> PaymentOrder | None: ...
    def get_many(
        self, organisation_id: str, order_ids: Sequence[str], *, for_update: bool = False
    ) -> list[PaymentOrder]:
        """The organisation's orders among ``order_ids``, in the order asked (unknown ids left out)."""
        ...

    def list_page(
        self, organisation_id: str, *, status: str | None, after_id: str | None, limit: int
    ) -> list[PaymentOrder]: ...
    def active_for_invoice(self, organisation_id: str, invoice_id: str) -> list[PaymentOrder]:
        """The invoice's orders that are neither cancelled nor failed."""
        ...

    def awaiting_until(self, day: date, limit: int) -> list[PaymentOrder]:
        """Orders of every organisation awaiting approval that execute on or before ``day``."""
        ...


class ClientRepository(Protocol):
    """Work waiting in many organisations at once (the accountant's view); a fixed number of statements."""

    def counts(self, org_ids: Sequence[str], today: date, files_since: datetime) -> list[ClientCounts]: ...
    def invoices(self, org_ids: Sequence[str], limit: int) -> list[ClientInvoice]: ...
    def approvals(self, org_ids: Sequence[str], limit: int) -> list[ClientApproval]: ...
    def failures(self, org_ids: Sequence[str], limit: int, files_since: datetime) -> list[ClientFailure]: ...
    def live_order_invoice_ids(self, organisation_id: str, invoice_ids: Sequence[str]) -> set[str]: ...


class ApprovalPolicyRepository(Protocol):
    def get(self, organisation_id: str) -> ApprovalPolicy | None: ...
    def save(self, policy: ApprovalPolicy) -> None:
        """Insert the organisation's policy or replace the one it has."""
        ...


class ApprovalRequestRepository(Protocol):
    def add(self, request: ApprovalRequest) -> None: ...
    def get(self, organisation_id: str, request_id: str) -> ApprovalRequest | None: ...
    def current_for_order(self, organisation_id: str, order_id: str) -> ApprovalRequest | None:
        """The newest request that lists the order."""
        ...

    def list_recent(self, organisation_id: str, limit: int) -> list[ApprovalRequest]: ...
    def use_link(self, organisation_id: str, link_id: str, at: datetime) -> bool:
        """Record a signed link's single use; False when it was used before."""
        ...

    def link_used(self, link_id: str) -> bool: ...


class ApprovalDecisionRepository(Protocol):
    def add(self, decision: ApprovalDecision) -> None: ...
    def list_for_orders(self, organisation_id: str, order_ids: Sequence[str]) -> list[ApprovalDecision]:
        """Every decision on these orders, in every round, oldest first."""
        ...


class PaymentAccountRepository(Protocol):
    def add(self, account: PaymentAccount) -> None: ...
    def get(self, organisation_id: str, account_id: str) -> PaymentAccount | None: ...
    def list_for(self, organisation_id: str) -> list[PaymentAccount]: ...
    def default_for(self, organisation_id: str) -> PaymentAccount | None: ...
    def find_by_iban(self, organisation_id: str, iban: str) -> PaymentAccount | None: ...
    def clear_default(self, organisation_id: str) -> None: ...
    def all_accounts(self) -> list[PaymentAccount]:
        """Every organisation's accounts (for fetching statements)."""
        ...


class BankFileRepository(Protocol):
    def add(self, bank_file: BankFile, content: bytes) -> None: ...
    def get(self, organisation_id: str, file_id: str, *, for_update: bool = False) -> BankFile | None: ...
    def save(self, bank_file: BankFile, *, status_report: bytes | None = None) -> None: ...
    def content(self, organisation_id: str, file_id: str) -> bytes | None: ...
    def list_page(self, organisation_id: str, after_id: str | None, limit: int) -> list[BankFile]: ...
    def organisations_due(self, day: date) -> list[str]:
        """Organisations with approved orders executing on or before ``day``."""
        ...

    def orders_due(self, organisation_id: str, day: date) -> list[PaymentOrder]:
        """The organisation's approved orders executing on or before ``day``, locked, by id."""
        ...

    def orders_of(self, organisation_id: str, file_id: str) -> list[PaymentOrder]: ...
    def submitted_orders(self, organisation_id: str, end_to_end_ids: Sequence[str]) -> list[PaymentOrder]:
        """Submitted orders with these end-to-end ids."""
        ...


class PricePlanRepository(Protocol):
    def get(self, organisation_id: str) -> PricePlan | None: ...
    def save(self, plan: PricePlan) -> None:
        """Insert the organisation's plan or replace the one it has."""
        ...


class UsageRecordRepository(Protocol):
    def add(self, record: UsageRecord) -> bool:
        """Insert; False (nothing written) when the same (organisation, kind, subject) was metered before."""
        ...

    def list_between(
        self, organisation_id: str, kind: UsageKind, start: date, end: date
    ) -> list[UsageRecord]:
        """Records of one kind dated ``start`` to ``end`` (both included), by day."""
        ...


class FxRateRepository(Protocol):
    """Reference rates by source (``ECB``): 1 EUR = ``value`` units of the quote currency on a day."""

    def between(
        self, source: str, start: date, end: date, currencies: Collection[str] | None = None
    ) -> list[Rate]: ...
    def add(self, source: str, rates: Sequence[Rate], now: datetime) -> None: ...
    def change(self, source: str, rate: Rate) -> None: ...


class BankStatementRepository(Protocol):
    def add(self, statement: BankStatement) -> None: ...
    def get(self, organisation_id: str, statement_id: str) -> BankStatement | None: ...
    def get_by_sha256(self, organisation_id: str, sha256: str) -> BankStatement | None: ...
    def list_page(self, organisation_id: str, after_id: str | None, limit: int) -> list[BankStatement]:
        """Newest first: ``after_id`` is the last id of the previous page."""
        ...


class StatementEntryRepository(Protocol):
    def add_many(self, entries: Sequence[StatementEntry]) -> None: ...
    def existing_keys(self, organisation_id: str, account: str, keys: Sequence[str]) -> set[str]:
        """Which of these dedupe keys the account already has an entry for."""
        ...

    def get(
        self, organisation_id: str, entry_id: str, *, for_update: bool = False
    ) -> StatementEntry | None: ...
    def list_for_statement(
        self, organisation_id: str, statement_id: str, after_id: str | None, limit: int
    ) -> list[StatementEntry]: ...
    def list_unmatched(self, organisation_id: str, after_id: str | None, limit: int) -> list[StatementEntry]:
        """Entries with money not yet matched (unmatched or partly matched), oldest first."""
        ...

    def counts(self, organisation_id: str, statement_id: str) -> dict[str, int]: ...
    def set_match_states(self, changes: Sequence[tuple[str, MatchStatus, int]]) -> None:
        """(entry id, match status, amount matched) for each entry changed."""
        ...


class MatchRepository(Protocol):
    """Matches, and what reconciliation reads and writes in bulk on the receivables tables."""

    def add_many(self, matches: Sequence[Match]) -> None: ...
    def get(self, organisation_id: str, match_id: str, *, for_update: bool = False) -> Match | None: ...
    def save(self, match: Match) -> None: ...
    def list_page(
        self, organisation_id: str, *, entry_ids: Sequence[str] | None, after_id: str | None, limit: int
    ) -> list[Match]: ...
    def lock_reconciliation(self, organisation_id: str) -> None:
        """Until commit, other reconciliation runs of the organisation wait (each sees what the last paid)."""
        ...

    def open_requests(self, organisation_id: str, currencies: Collection[str]) -> list[OpenRequest]:
        """Every payable request still owing something in these currencies (one query)."""
        ...

    def requests_by_ids(self, organisation_id: str, request_ids: Sequence[str]) -> list[OpenRequest]: ...
    def unsettled_payments(self, organisation_id: str, payment_ids: Sequence[str]) -> list[OpenPayment]:
        """Succeeded provider payments among the ids whose money no bank credit has brought yet."""
        ...

    def unsettled_collections(self, organisation_id: str) -> list[OpenPayment]: ...
    def lock_requests(self, organisation_id: str, request_ids: Sequence[str]) -> list[PaymentRequest]:
        """The requests as they are now, locked until commit (in id order)."""
        ...

    def save_requests(self, requests: Sequence[PaymentRequest]) -> None: ...
    def set_payer_accounts(self, accounts: Mapping[str, str]) -> None: ...
    def add_payments(self, payments: Sequence[Payment]) -> None: ...


class MessageRenderer(Protocol):
    """Message texts per template, channel and language (Danish default, English)."""

    def render(
        self, template: Template, channel: Channel, language: str, context: Mapping[str, Any]
    ) -> Rendered: ...


class MessageChannel(Protocol):
    """One way out: e-mail over SMTP, SMS through a gateway."""

    @property
    def channel(self) -> Channel: ...
    def send(self, message: OutboxMessage, *, sender_name: str | None = None) -> DeliveryResult: ...


class Channels(Protocol):
    """The configured channels; None for a channel nothing delivers (the dev mailbox)."""

    def get(self, channel: Channel) -> MessageChannel | None: ...


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...
    def verify(self, password_hash: str, password: str) -> bool: ...
    def needs_rehash(self, password_hash: str) -> bool: ...


class UnitOfWork(Protocol):
    """One transaction. Events, audit entries and jobs recorded here are written in its commit."""

    organisations: OrganisationRepository
    users: UserRepository
    memberships: MembershipRepository
    api_keys: ApiKeyRepository
    events: EventRepository
    audit_log: AuditRepository
    jobs: JobRepository
    idempotency: IdempotencyRepository
    web_sessions: WebSessionRepository
    agreements: AgreementRepository
    customers: CustomerRepository
    payment_requests: PaymentRequestRepository
    payments: PaymentRepository
    mandates: MandateRepository
    recurring_collections: RecurringCollectionRepository
    messages: MessageRepository
    counters: CounterRepository
    provider_events: ProviderEventRepository
    attachments: AttachmentRepository
    one_time_codes: OneTimeCodeRepository
    payer_sessions: PayerSessionRepository
    outbox: OutboxRepository
    push_subscriptions: PushSubscriptionRepository
    reminder_policies: ReminderPolicyRepository
    reminders: ReminderRecordRepository
    charges: ChargeRepository
    webhook_endpoints: WebhookEndpointRepository
    webhook_deliveries: WebhookDeliveryRepository
    bank_statements: BankStatementRepository
    statement_entries: StatementEntryRepository
    matches: MatchRepository
    ledger: LedgerRepository
    suppliers: SupplierRepository
    supplier_invoices: SupplierInvoiceRepository
    supplier_documents: SupplierDocumentRepository
    payment_orders: PaymentOrderRepository
    clients: ClientRepository
    approval_policies: ApprovalPolicyRepository
    approval_requests: ApprovalRequestRepository
    approval_decisions: ApprovalDecisionRepository
    payment_accounts: PaymentAccountRepository
    bank_files: BankFileRepository
    fx_rates: FxRateRepository
    price_plans: PricePlanRepository
    usage_records: UsageRecordRepository
    actor: Actor
    clock: Clock
    defer_commit: bool

    def __enter__(self) -> Self: ...
    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...
    def commit(self) -> None:
        """Commit the unit, or only flush it when an outer owner set ``defer_commit``."""
        ...

    def commit_deferred(self) -> None: ...
    def rollback(self) -> None: ...
    def publish(self, event: NewEvent) -> None: ...
    def enqueue(self, job: NewJob) -> None: ...
    def post(self, draft: JournalDraft) -> None:
        """Book a balanced journal entry in this unit's commit (``Unbalanced`` at once if it is not)."""

    def audit(
        self, organisation_id: str | None, action: str, target_type: str, target_id: str, **details: Any
    ) -> None: ...


class JobQueue(Protocol):
    """The durable job table seen by workers: claim under a lease, finish fenced by (worker, attempt).

    ``complete`` and ``purge_idempotency`` write inside the handler's unit of work, so a job's effects
    and its ``succeeded`` mark commit together; the other writes run in their own short transactions.
    """

    def claim(self, worker_id: str, limit: int, lease: timedelta) -> list[Job]:
        """Take up to ``limit`` due jobs (or jobs whose lease expired) for ``worker_id``."""
        ...

    def heartbeat(self, job_id: str, worker_id: str, attempts: int, lease: timedelta) -> bool:
        """Extend the lease; False when the job is no longer this worker's."""
        ...

    def complete(
        self, uow: UnitOfWork, job_id: str, worker_id: str, attempts: int, result: dict[str, Any] | None
    ) -> bool:
        """Mark the job succeeded in ``uow``'s transaction; False (roll back!) when the lease was lost."""
        ...

    def fail(self, job_id: str, worker_id: str, attempts: int, error: str, retry_at: datetime | None) -> bool:
        """Queue the job again at ``retry_at``, or mark it failed when ``retry_at`` is None."""
        ...

    def set_progress(
        self, job_id: str, done: int, total: int | None, *, uow: UnitOfWork | None = None
    ) -> None:
        """Record progress where other sessions can see it while the job runs."""
        ...

    def ensure_schedule(self, name: str, kind: str, interval: timedelta) -> None: ...
    def enqueue_due_schedules(self, now: datetime) -> int:
        """Enqueue one job per due schedule (missed slots collapse into one); returns jobs enqueued."""
        ...

    def purge_idempotency(self, uow: UnitOfWork, before: datetime) -> int: ...
    def get(self, job_id: str) -> Job | None: ...
    def counts(self, kind: str | None = None) -> dict[str, int]:
        """Jobs per status, optionally of one kind."""
        ...


class Cipher(Protocol):
    """Encryption at rest for personal numbers (CPR), with a keyed blind index for lookups."""

    def encrypt(self, plaintext: str) -> str: ...
    def decrypt(self, token: str) -> str: ...
    def blind_index(self, value: str) -> str: ...


class Signer(Protocol):
    """Signed, tamper-evident tokens for links (pay links, approval links)."""

    def sign(self, value: str, *, purpose: str) -> str: ...
    def unsign(self, token: str, *, purpose: str, max_age_seconds: int | None = None) -> str:
        """The signed value; ``InvalidInput`` for a tampered, foreign or expired token."""
        ...


class PaymentProvider(Protocol):
    key: str
    capabilities: frozenset[Capability]

    def create_payment(self, request: CreatePayment) -> ProviderPayment: ...
    def get_payment(self, reference: str) -> ProviderPayment: ...
    def refund(self, request: CreateRefund) -> ProviderRefund: ...
    def cancel(self, reference: str) -> ProviderPayment: ...


class MandateProvider(Protocol):
    key: str

    def create_mandate(self, request: CreateMandate) -> ProviderMandate: ...
    def get_mandate(self, reference: str) -> ProviderMandate: ...
    def collect(self, request: CreatePayment) -> ProviderPayment: ...


class CallbackProvider(Protocol):
    """A provider that calls us back: it verifies its own signatures over the raw request."""

    key: str

    def verify_callback(
        self, *, path_and_query: str, headers: Mapping[str, str], body: bytes
    ) -> ProviderCallback:
        """The verified callback; ``Unauthenticated`` for a bad, stale or missing signature."""
        ...

    def get_payment(self, reference: str) -> ProviderPayment: ...


class BankFiles(Protocol):
    """The bank's host-to-host file service: payment files in, status reports and statements out.

    ``submit`` is safe to retry with the same ``idempotency_key``: the bank books a file once.
    """

    def submit(self, content: bytes, idempotency_key: str) -> str:
        """Hand the bank a pain.001 file; the bank's id for it."""
        ...

    def status_report(self, bank_file_id: str) -> bytes:
        """The pain.002 status report of a submitted file."""
        ...

    def statement(self, account: str, day: date) -> bytes:
        """The camt.053 statement of ``account`` (IBAN) for ``day``."""
        ...


class Providers(Protocol):
    """The configured providers, by payment method."""

    def for_method(self, method: Method) -> PaymentProvider: ...
    def mandates(self) -> MandateProvider: ...
    def callbacks(self, key: str) -> CallbackProvider:
        """The provider behind ``/hooks/<key>``; ``NotSupported`` if it sends no callbacks."""
        ...


class PushSubscriptionRepository(Protocol):
    """Payers' Web Push subscriptions: one row per (organisation, customer, endpoint)."""

    def upsert(self, subscription: PushSubscription) -> PushSubscription:
        """Store it; the same (organisation, customer, endpoint) again updates the keys and reactivates."""
        ...

    def get(self, subscription_id: str) -> PushSubscription | None: ...
    def list_active_for_customer(self, organisation_id: str, customer_id: str) -> list[PushSubscription]: ...
    def list_for_endpoint(self, endpoint: str) -> list[PushSubscription]: ...
    def delete(self, subscription_id: str) -> None: ...
    def mark_expired(self, subscription_id: str, at: datetime) -> None: ...


class PushKeys(Protocol):
    """The installation's VAPID key pair (RFC 8292), made on first need and stored."""

    def public_key(self) -> str:
        """The public key as base64url of the uncompressed P-256 point (the ``applicationServerKey``)."""
        ...


class WebhookEndpointRepository(Protocol):
    """Webhook endpoints and their signing secrets (stored encrypted; ``StoredSecrets`` holds ciphertexts)."""

    def add(self, endpoint: WebhookEndpoint, secrets: StoredSecrets) -> None: ...
    def get(
        self, organisation_id: str, endpoint_id: str, *, for_update: bool = False
    ) -> WebhookEndpoint | None:
        """The endpoint unless it was deleted."""
        ...

    def save(self, endpoint: WebhookEndpoint) -> None: ...
    def list_page(self, organisation_id: str, after_id: str | None, limit: int) -> list[WebhookEndpoint]: ...
    def secrets(self, endpoint_id: str) -> StoredSecrets: ...
    def set_secrets(self, endpoint_id: str, secrets: StoredSecrets) -> None: ...


class WebhookDeliveryRepository(Protocol):
    """Deliveries (one event for one endpoint) and their attempts; deliveries are made by the unit of
    work when events are written (one per active endpoint whose filter matches)."""

    def get(
        self, organisation_id: str, delivery_id: str, *, for_update: bool = False
    ) -> WebhookDelivery | None: ...
    def save(self, delivery: WebhookDelivery) -> None: ...
    def list_page(
        self, organisation_id: str, endpoint_id: str, *, status: str | None, after_id: str | None, limit: int
    ) -> list[WebhookDelivery]:
        """Newest first: ``after_id`` is the last id of the previous page."""
        ...

    def earliest_pending_before(self, endpoint_id: str, sequence: int) -> WebhookDelivery | None:
        """The pending delivery of the lowest event sequence below ``sequence`` for the endpoint."""
        ...

    def cancel_pending(self, endpoint_id: str) -> int: ...
    def undelivered_between(
        self, organisation_id: str, endpoint_id: str, start: datetime, end: datetime, limit: int
    ) -> list[WebhookDelivery]:
        """Failed or cancelled deliveries created in [start, end), oldest first, locked until commit."""
        ...

    def event(self, organisation_id: str, event_id: str) -> Event | None: ...

    def add_attempt(self, attempt: DeliveryAttempt) -> None: ...
    def attempts_for(self, delivery_ids: Sequence[str]) -> list[DeliveryAttempt]:
        """The attempts of these deliveries, oldest first."""
        ...


@dataclass(frozen=True)
class WebhookRequest:
    """One POST to a receiver: the bytes signed are the bytes sent."""

    url: str
    headers: Mapping[str, str]
    body: bytes
    address: str | None = None  # connect to this checked address instead of resolving the host again


@dataclass(frozen=True)
class WebhookResponse:
    """What the receiver answered, or why there was no answer (``status_code`` None, ``error`` set)."""

    status_code: int | None
    latency_ms: int
    body: bytes = b""  # at most the transport's limit
    error: str | None = None
    retry_after: str | None = None
    location: str | None = None


class WebhookTransport(Protocol):
    """HTTP out to webhook receivers: no redirects followed, a timeout, response bodies read to a limit."""

    def resolve(self, host: str, port: int) -> list[str]:
        """The addresses ``host`` resolves to now (empty when it does not resolve)."""
        ...

    def post(self, request: WebhookRequest) -> WebhookResponse: ...


class WebhookSigner(Protocol):
    """Standard Webhooks signatures: ``v1,<base64 HMAC-SHA256 of id.timestamp.body>`` per secret."""

    def sign(self, secrets: Sequence[str], message_id: str, timestamp: datetime, body: bytes) -> str:
        """The ``webhook-signature`` header: one ``v1,`` entry per secret, space-separated."""
        ...
