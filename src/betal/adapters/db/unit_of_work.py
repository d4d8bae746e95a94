"""The SQLAlchemy unit of work: one session, one transaction, and the transactional outbox.

Events, audit entries and jobs recorded during the unit are written in its commit, so a change and
everything it causes land together or not at all (DESIGN.md "Layers").
"""

from __future__ import annotations

from collections import defaultdict
from types import TracebackType
from typing import Any, Self

from sqlalchemy import insert, update
from sqlalchemy.orm import Session, sessionmaker

from betal import ports
from betal.adapters.db import bulk
from betal.adapters.db import repositories_accountant as rac
from betal.adapters.db import repositories_approvals as rap
from betal.adapters.db import repositories_banking as rb
from betal.adapters.db import repositories_execution as rex
from betal.adapters.db import repositories_fees as rfee
from betal.adapters.db import repositories_fx as rf
from betal.adapters.db import repositories_inbox as ri
from betal.adapters.db import repositories_ledger as rl
from betal.adapters.db import repositories_payables as rpay
from betal.adapters.db import repositories_push as rp
from betal.adapters.db import repositories_receivables as rr
from betal.adapters.db import repositories_reminders as rm
from betal.adapters.db import repositories_webhooks as rw
from betal.adapters.db.idempotency import SqlAlchemyIdempotencyRepository
from betal.adapters.db.orm import AuditRow, EventRow, JobRow, OrganisationRow
from betal.adapters.db.repositories import (
    SqlAlchemyApiKeyRepository,
    SqlAlchemyAuditRepository,
    SqlAlchemyEventRepository,
    SqlAlchemyJobRepository,
    SqlAlchemyMembershipRepository,
    SqlAlchemyOrganisationRepository,
    SqlAlchemyUserRepository,
    SqlAlchemyWebSessionRepository,
)
from betal.adapters.db.upsert import insert_for
from betal.domain.events import NewEvent
from betal.domain.ids import new_id
from betal.domain.job import JobStatus, NewJob
from betal.domain.ledger import JournalDraft, check_balanced
from betal.ports import SYSTEM, Actor, Clock


class SqlAlchemyUnitOfWork:
    def __init__(self, session_factory: sessionmaker[Session], clock: Clock, actor: Actor = SYSTEM) -> None:
        self._session_factory = session_factory
        self.clock = clock
        self.actor = actor
        self.defer_commit = False  # set by an outer owner (idempotent API calls) that commits itself
        self._events: list[NewEvent] = []
        self._audit: list[dict[str, Any]] = []
        self._jobs: list[NewJob] = []
        self._journal: list[JournalDraft] = []

    def __enter__(self) -> Self:
        self.session = self._session_factory()
        self.organisations: ports.OrganisationRepository = SqlAlchemyOrganisationRepository(self.session)
        self.users: ports.UserRepository = SqlAlchemyUserRepository(self.session)
        self.memberships: ports.MembershipRepository = SqlAlchemyMembershipRepository(self.session)
        self.api_keys: ports.ApiKeyRepository = SqlAlchemyApiKeyRepository(self.session)
        self.events: ports.EventRepository = SqlAlchemyEventRepository(self.session)
        self.audit_log: ports.AuditRepository = SqlAlchemyAuditRepository(self.session)
        self.jobs: ports.JobRepository = SqlAlchemyJobRepository(self.session)
        self.idempotency: ports.IdempotencyRepository = SqlAlchemyIdempotencyRepository(self.session)
        self.web_sessions: ports.WebSessionRepository = SqlAlchemyWebSessionRepository(self.session)
        self.agreements: ports.AgreementRepository = rr.SqlAlchemyAgreementRepository(self.session)
        self.customers: ports.CustomerRepository = rr.SqlAlchemyCustomerRepository(self.session)
        self.payment_requests: ports.PaymentRequestRepository = rr.SqlAlchemyPaymentRequestRepository(
            self.session
        )
        self.payments: ports.PaymentRepository = rr.SqlAlchemyPaymentRepository(self.session)
        self.mandates: ports.MandateRepository = rr.SqlAlchemyMandateRepository(self.session)
        self.recurring_collections: ports.RecurringCollectionRepository = (
            rr.SqlAlchemyRecurringCollectionRepository(self.session)
        )
        self.messages: ports.MessageRepository = rr.SqlAlchemyMessageRepository(self.session)
        self.counters: ports.CounterRepository = rr.SqlAlchemyCounterRepository(self.session)
        self.provider_events: ports.ProviderEventRepository = rr.SqlAlchemyProviderEventRepository(
            self.session
        )
        self.attachments: ports.AttachmentRepository = ri.SqlAlchemyAttachmentRepository(self.session)
        self.one_time_codes: ports.OneTimeCodeRepository = ri.SqlAlchemyOneTimeCodeRepository(self.session)
        self.payer_sessions: ports.PayerSessionRepository = ri.SqlAlchemyPayerSessionRepository(self.session)
        self.outbox: ports.OutboxRepository = ri.SqlAlchemyOutboxRepository(self.session)
        self.push_subscriptions: ports.PushSubscriptionRepository = rp.SqlAlchemyPushSubscriptionRepository(
            self.session
        )
        self.reminder_policies: ports.ReminderPolicyRepository = rm.SqlAlchemyReminderPolicyRepository(
            self.session
        )
        self.reminders: ports.ReminderRecordRepository = rm.SqlAlchemyReminderRecordRepository(self.session)
        self.charges: ports.ChargeRepository = rm.SqlAlchemyChargeRepository(self.session)
        self.webhook_endpoints: ports.WebhookEndpointRepository = rw.SqlAlchemyWebhookEndpointRepository(
            self.session
        )
        self.webhook_deliveries: ports.WebhookDeliveryRepository = rw.SqlAlchemyWebhookDeliveryRepository(
            self.session
        )
        self.bank_statements: ports.BankStatementRepository = rb.SqlAlchemyBankStatementRepository(
            self.session
        )
        self.statement_entries: ports.StatementEntryRepository = rb.SqlAlchemyStatementEntryRepository(
            self.session
        )
        self.matches: ports.MatchRepository = rb.SqlAlchemyMatchRepository(self.session)
        self.fx_rates: ports.FxRateRepository = rf.SqlAlchemyFxRateRepository(self.session)
        self.price_plans: ports.PricePlanRepository = rfee.SqlAlchemyPricePlanRepository(self.session)
        self.usage_records: ports.UsageRecordRepository = rfee.SqlAlchemyUsageRecordRepository(self.session)
        self._ledger = rl.SqlAlchemyLedgerRepository(self.session)
        self.ledger: ports.LedgerRepository = self._ledger
        self.suppliers: ports.SupplierRepository = rpay.SqlAlchemySupplierRepository(self.session)
        self.supplier_invoices: ports.SupplierInvoiceRepository = rpay.SqlAlchemySupplierInvoiceRepository(
            self.session
        )
        self.supplier_documents: ports.SupplierDocumentRepository = rpay.SqlAlchemySupplierDocumentRepository(
            self.session
        )
        self.payment_orders: ports.PaymentOrderRepository = rap.SqlAlchemyPaymentOrderRepository(self.session)
        self.clients: ports.ClientRepository = rac.SqlAlchemyClientRepository(self.session)
        self.approval_policies: ports.ApprovalPolicyRepository = rap.SqlAlchemyApprovalPolicyRepository(
            self.session
        )
        self.approval_requests: ports.ApprovalRequestRepository = rap.SqlAlchemyApprovalRequestRepository(
            self.session
        )
        self.approval_decisions: ports.ApprovalDecisionRepository = rap.SqlAlchemyApprovalDecisionRepository(
            self.session
        )
        self.payment_accounts: ports.PaymentAccountRepository = rex.SqlAlchemyPaymentAccountRepository(
            self.session
        )
        self.bank_files: ports.BankFileRepository = rex.SqlAlchemyBankFileRepository(self.session)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.rollback()
        self.session.close()

    def publish(self, event: NewEvent) -> None:
        self._events.append(event)

    def enqueue(self, job: NewJob) -> None:
        self._jobs.append(job)

    def post(self, draft: JournalDraft) -> None:
        """Book ``draft`` in this commit; an unbalanced draft is refused here, before anything is written.

        Foreign lines without a DKK value are valued first, at the entry date's rate.
        """
        draft = self._ledger.valued(draft)
        check_balanced(draft.lines)
        self._journal.append(draft)

    def audit(
        self, organisation_id: str | None, action: str, target_type: str, target_id: str, **details: Any
    ) -> None:
        self._audit.append(
            {
                "organisation_id": organisation_id,
                "action": action,
                "target_type": target_type,
                "target_id": target_id,
                "details": details,
            }
        )

    def flush(self) -> None:
        """Write the outbox (events, audit, jobs) and pending rows, without committing."""
        self.session.flush()
        now = self.clock.now()
        self._write_events(now)
        self._write_audit(now)
        self._write_journal(now)
        self._write_jobs(now)
        self.session.flush()

    def commit(self) -> None:
        self.flush()
        if not self.defer_commit:
            self.session.commit()

    def commit_deferred(self) -> None:
        """The real commit of an outer owner that set ``defer_commit``."""
        self.flush()
        self.session.commit()

    def rollback(self) -> None:
        self._events.clear()
        self._audit.clear()
        self._jobs.clear()
        self._journal.clear()
        self.session.rollback()

    def _write_events(self, now: Any) -> None:
        if not self._events:
            return
        by_org: dict[str, list[NewEvent]] = defaultdict(list)
        for ev in self._events:
            by_org[ev.organisation_id].append(ev)
        rows = []
        for org_id in sorted(by_org):  # a fixed lock order, so two units never deadlock on counters
            batch = by_org[org_id]
            # The row lock on the counter serialises event writers per organisation until commit, so
            # sequences become visible in order and a reader polling ?after= never skips one.
            last = self.session.execute(
                update(OrganisationRow)
                .where(OrganisationRow.id == org_id)
                .values(last_event_seq=OrganisationRow.last_event_seq + len(batch))
                .returning(OrganisationRow.last_event_seq)
            ).scalar_one()
            first = last - len(batch) + 1
            for offset, ev in enumerate(batch):
                rows.append(
                    {
                        "id": new_id("evt"),
                        "organisation_id": org_id,
                        "sequence": first + offset,
                        "type": ev.type,
                        "subject_id": subject if isinstance(subject := ev.data.get("id"), str) else None,
                        "data": ev.data,
                        "created_at": now,
                    }
                )
        bulk.insert_rows(self.session, EventRow, rows)  # COPY on PostgreSQL: an import publishes 1000s
        self._jobs.extend(rw.fan_out(self.session, rows, now))  # before _write_jobs: same commit
        self._events.clear()

    def _write_journal(self, now: Any) -> None:
        if self._journal:
            rl.write_entries(self.session, self._journal, now)
            self._journal.clear()

    def _write_audit(self, now: Any) -> None:
        if not self._audit:
            return
        rows = [
            {
                "id": new_id("aud"),
                "actor_type": self.actor.type,
                "actor_id": self.actor.id,
                "ip": self.actor.ip,
                "request_id": self.actor.request_id,
                "created_at": now,
                **entry,
            }
            for entry in self._audit
        ]
        self.session.execute(insert(AuditRow), rows)
        self._audit.clear()

    def _write_jobs(self, now: Any) -> None:
        for job in self._jobs:
            values = {
                "id": job.id,
                "kind": job.kind,
                "payload": job.payload,
                "organisation_id": job.organisation_id,
                "status": JobStatus.QUEUED.value,
                "run_at": job.run_at or now,
                "attempts": 0,
                "max_attempts": job.max_attempts,
                "dedupe_key": job.dedupe_key,
                "progress_done": 0,
                "created_at": now,
                "updated_at": now,
            }
            stmt = insert_for(self.session)(JobRow).values(**values)
            if job.dedupe_key is not None:
                stmt = stmt.on_conflict_do_nothing(index_elements=["dedupe_key"])
            self.session.execute(stmt)
        self._jobs.clear()
