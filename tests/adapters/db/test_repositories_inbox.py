"""Payer-side storage: attachments, one-time codes, payer sessions, the outbox."""

from __future__ import annotations

from datetime import timedelta

from betal.bootstrap import Container
from betal.domain.ids import new_id
from betal.domain.inbox import Attachment, OneTimeCode, PayerSession
from betal.domain.notification import Channel, DeliveryStatus, OutboxMessage
from betal.services.organisation import CreatedOrganisation
from tests.services.receivables_support import make_request


class TestAttachments:
    def test_stored_per_request(self, container: Container, org: CreatedOrganisation) -> None:
        request = make_request(container, org)
        now = container.clock.now()
        attachment = Attachment(
            new_id("msg"), org.organisation.id, request.id, "faktura.pdf", "application/pdf", 8, now
        )
        with container.uow() as uow:
            uow.attachments.add(attachment, b"%PDF-1.4")
            uow.commit()
        with container.uow() as uow:
            assert uow.attachments.list_for_request(request.id) == [attachment]
            assert uow.attachments.content(request.id, attachment.id) == (attachment, b"%PDF-1.4")
            assert uow.attachments.content("preq_other", attachment.id) is None


class TestOneTimeCodes:
    def test_latest_attempts_and_use(self, container: Container) -> None:
        now = container.clock.now()
        with container.uow() as uow:
            for n in range(2):
                uow.one_time_codes.add(
                    OneTimeCode(
                        f"otp{n}",
                        "email",
                        "p@x.dk",
                        "h" * 64,
                        0,
                        now + timedelta(minutes=10),
                        None,
                        now + timedelta(seconds=n),
                    )
                )
            uow.commit()
        with container.uow() as uow:
            latest = uow.one_time_codes.latest("p@x.dk")
            assert latest is not None
            assert latest.id == "otp1"
            uow.one_time_codes.record_attempt("otp1")
            uow.one_time_codes.mark_used("otp1", now)
            assert uow.one_time_codes.count_since("p@x.dk", now) == 2
            assert uow.one_time_codes.count_since("p@x.dk", now + timedelta(seconds=1)) == 1
            uow.commit()
        with container.uow() as uow:
            used = uow.one_time_codes.latest("p@x.dk")
            assert used is not None
            assert (used.attempts, used.used_at) == (1, now)


class TestPayerSessionsAndOutbox:
    def test_round_trips(self, container: Container) -> None:
        now = container.clock.now()
        session = PayerSession("s1", ("p@x.dk",), ("+4520304050",), now, now + timedelta(hours=1))
        message = OutboxMessage(
            new_id("msg"), None, Channel.EMAIL, "p@x.dk", "Kode", "123456", None, DeliveryStatus.QUEUED, now
        )
        with container.uow() as uow:
            uow.payer_sessions.add(session)
            uow.outbox.add(message)
            uow.commit()
        with container.uow() as uow:
            assert uow.payer_sessions.get("s1") == session
            assert uow.outbox.get(message.id) == message
            assert uow.outbox.list_for_recipient("p@x.dk", 5) == [message]
            assert uow.outbox.list_recent(5) == [message]
            uow.outbox.set_status(message.id, "sent", now)
            uow.payer_sessions.delete("s1")
            uow.commit()
        with container.uow() as uow:
            assert uow.payer_sessions.get("s1") is None
            sent = uow.outbox.get(message.id)
            assert sent is not None
            assert sent.status is DeliveryStatus.SENT
