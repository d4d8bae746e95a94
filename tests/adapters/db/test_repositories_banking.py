"""Banking repositories: statements and entries round-trip, the open items reconciliation reads."""

from __future__ import annotations

from dataclasses import replace

from betal import bootstrap
from betal.domain.banking import MatchState, MatchStatus, TargetType
from betal.domain.payment_method import Method
from betal.domain.payment_request import RequestStatus
from betal.services import reconciliation
from betal.services.organisation import CreatedOrganisation
from tests.services.banking_support import Line, camt053, customer, import_file, own_account, owner, request
from tests.services.test_reconciliation import provider_payment


def test_entries_round_trip_and_dedupe_keys(container: bootstrap.Container, org: CreatedOrganisation) -> None:
    account = own_account(container, org)
    result = import_file(container, org, camt053(account, [Line("1.00", name="A"), Line("2.00", name="B")]))
    org_id = org.organisation.id
    with container.uow() as uow:
        assert uow.bank_statements.get(org_id, result.statement.id) == result.statement
        assert uow.bank_statements.get_by_sha256(org_id, result.statement.file_sha256) == result.statement
        assert [uow.statement_entries.get(org_id, e.id) for e in result.entries] == result.entries
        keys = [e.dedupe_key for e in result.entries] + [f"{n:064d}" for n in range(2_500)]  # several chunks
        assert uow.statement_entries.existing_keys(org_id, account, keys) == {
            e.dedupe_key for e in result.entries
        }
        assert uow.statement_entries.existing_keys(org_id, "DK0000000000000000", keys) == set()


def test_match_states_counts_and_the_unmatched(
    container: bootstrap.Container, org: CreatedOrganisation
) -> None:
    result = import_file(container, org, camt053(own_account(container, org), [Line("1.00"), Line("2.00")]))
    first, second = result.entries
    org_id = org.organisation.id
    with container.uow() as uow:
        uow.statement_entries.set_match_states([(first.id, MatchStatus.IGNORED, 0)])
        uow.commit()
    with container.uow() as uow:
        assert uow.statement_entries.counts(org_id, result.statement.id) == {"ignored": 1, "unmatched": 1}
        assert [e.id for e in uow.statement_entries.list_unmatched(org_id, None, 10)] == [second.id]
        assert uow.statement_entries.list_unmatched(org_id, second.id, 10) == []


def test_open_requests_are_what_is_still_owed(
    container: bootstrap.Container, org: CreatedOrganisation, other_org: CreatedOrganisation
) -> None:
    jens = customer(container, org)
    owing = request(container, org, jens, 10_000, reference="F-1")
    paid = request(container, org, jens, 5_000, reference="F-2")
    request(container, other_org, customer(container, other_org), 10_000)
    import_file(
        container,
        org,
        camt053(own_account(container, org), [Line("50.00", reference="F-2", account="DK5000400440116243")]),
    )
    with container.uow() as uow:
        [found] = uow.matches.open_requests(org.organisation.id, {"DKK"})
        assert (found.id, found.outstanding_minor, found.customer_name, found.reference) == (
            owing.id, 10_000, "Jens Hansen", "F-1",
        )  # fmt: skip
        assert found.payer_accounts == ("DK5000400440116243",)  # learnt from the payment
        assert (found.fi_payment_id, found.due_date, found.created_at) == (
            owing.fi_payment_id,
            owing.due_date,
            owing.created_at,
        )
        assert uow.matches.open_requests(org.organisation.id, {"EUR"}) == []
        by_id = {
            r.id: r.outstanding_minor
            for r in uow.matches.requests_by_ids(org.organisation.id, [owing.id, paid.id, "preq_x"])
        }
        assert by_id == {owing.id: 10_000, paid.id: 0}


def test_lock_and_save_requests(container: bootstrap.Container, org: CreatedOrganisation) -> None:
    one = request(container, org, customer(container, org), 10_000)
    with container.uow() as uow:
        [locked] = uow.matches.lock_requests(org.organisation.id, [one.id, "preq_x"])
        assert locked == one
        assert locked.allowed_methods == (Method.FI_CARD, Method.ACCOUNT_TO_ACCOUNT)
        uow.matches.save_requests([replace(locked, status=RequestStatus.PAID, paid_minor=10_000)])
        uow.matches.set_payer_accounts({one.customer_id: "DK5000400440116243"})
        uow.commit()
    with container.uow() as uow:
        stored = uow.payment_requests.get(org.organisation.id, one.id)
        assert stored is not None
        assert (stored.status, stored.paid_minor) == (RequestStatus.PAID, 10_000)
        assert uow.customers.last_payer_account(one.customer_id) == "DK5000400440116243"


def test_unsettled_payments(container: bootstrap.Container, org: CreatedOrganisation) -> None:
    jens = customer(container, org)
    waiting = provider_payment(container, org, request(container, org, jens, 7_500))
    banked = provider_payment(container, org, request(container, org, jens, 2_500))
    result = import_file(
        container, org, camt053(own_account(container, org), [Line("25.00", end_to_end_id=banked.id)])
    )
    org_id = org.organisation.id
    with container.uow() as uow:
        found = uow.matches.unsettled_payments(org_id, [waiting.id, banked.id, "pay_x"])
        assert [(p.id, p.method, p.amount_minor) for p in found] == [
            (waiting.id, Method.ACCOUNT_TO_ACCOUNT, 7_500)
        ]
        assert uow.matches.unsettled_collections(org_id) == []
        [match] = uow.matches.list_page(org_id, entry_ids=[result.entries[0].id], after_id=None, limit=5)
        assert (match.target_type, match.status) == (TargetType.PAYMENT, MatchState.ACTIVE)
        assert uow.matches.get(org_id, match.id) == match
    with container.uow() as uow:
        reconciliation.reverse_match(uow, owner(org), match.id)
    with container.uow() as uow:
        assert {p.id for p in uow.matches.unsettled_payments(org_id, [waiting.id, banked.id])} == {
            waiting.id,
            banked.id,
        }
        assert uow.matches.get(org_id, match.id).status is MatchState.REVERSED  # type: ignore[union-attr]
