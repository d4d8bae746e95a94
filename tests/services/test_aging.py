"""The payables aging on the real database: booked invoices by days past due, per supplier and currency;
paid and cancelled invoices and invoices issued after the date left out."""

from __future__ import annotations

from datetime import date

from betal.domain.aging import AgingReport, Bucket
from betal.domain.payables import InvoiceStatus
from betal.domain.tenancy import Principal, Role
from betal.services.aging import payables_aging
from tests.services.approval_support import TODAY, World, invoice, supplier

DE_IBAN = "DE89370400440532013000"


def report(world: World, as_of: date, organisation_id: str | None = None) -> AgingReport:
    principal = Principal(organisation_id or world.org_id, Role.VIEWER, "user", world.bookkeeper.id)
    with world.container.uow() as uow:
        return payables_aging(uow, principal, as_of)


class TestPayablesAging:
    def test_buckets_per_supplier_and_currency(self, world: World) -> None:
        kontor, tysk = supplier(world), supplier(world, "Bürobedarf GmbH", iban=DE_IBAN)
        invoice(world, kontor, 100_000, due=date(2026, 11, 30))  # not due
        invoice(world, kontor, 20_000, due=date(2026, 11, 1))  # 22 days past due
        invoice(world, kontor, 3_000, due=date(2026, 8, 1))  # 114 days
        invoice(world, tysk, 5_000, currency="EUR", due=date(2026, 9, 30))  # 54 days
        invoice(world, kontor, 7_000, status=InvoiceStatus.PAID)
        invoice(world, kontor, 9_000, status=InvoiceStatus.CANCELLED)
        found = report(world, TODAY)
        rows = {(r.party_name, r.currency): r for r in found.rows}
        dkk = rows[("Kontorartikler A/S", "DKK")]
        assert (dkk.party_id, dkk.items, dkk.total_minor) == (kontor.id, 3, 123_000)
        assert (dkk.amounts[Bucket.NOT_DUE], dkk.amounts[Bucket.DAYS_1_30], dkk.amounts[Bucket.OVER_90]) == (
            100_000, 20_000, 3_000,
        )  # fmt: skip
        assert rows[("Bürobedarf GmbH", "EUR")].amounts[Bucket.DAYS_31_60] == 5_000
        totals = {t.currency: t.total_minor for t in found.totals}
        assert totals == {"DKK": 123_000, "EUR": 5_000}

    def test_invoices_issued_after_the_date_are_left_out(self, world: World) -> None:
        invoice(world, supplier(world))  # issued today
        assert report(world, date(2026, 11, 22)).rows == ()
        assert len(report(world, TODAY).rows) == 1

    def test_only_the_organisations_own_invoices(self, world: World) -> None:
        invoice(world, supplier(world))
        assert report(world, TODAY, "org_other").rows == ()
