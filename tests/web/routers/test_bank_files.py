"""The portal's bank files page: each file with its status and orders, and its pain.001 as a download."""

from __future__ import annotations

from fastapi.testclient import TestClient

from betal.services.payment_execution import execute_all_due
from tests.services.approval_support import World, supplier
from tests.services.execution_support import AFTER_CUTOFF, account, approved
from tests.web.portal import as_bookkeeper, web

__all__ = ["web"]  # the portal client fixture (tests.web.portal)


def test_no_files_yet(world: World, web: TestClient) -> None:
    as_bookkeeper(world, web)
    page = web.get("/app/payables/bank-files")
    assert page.status_code == 200
    assert 'data-testid="bank-file"' not in page.text


def test_a_file_with_its_orders_and_download(world: World, web: TestClient) -> None:
    as_bookkeeper(world, web)
    account(world)
    approved(world, supplier(world, "Kontorartikler A/S"))
    world.clock.set(AFTER_CUTOFF)
    with world.container.uow() as uow:
        [made] = execute_all_due(uow).files
    page = web.get("/app/payables/bank-files")
    assert page.status_code == 200
    assert page.text.count('data-testid="bank-file-order"') == 1
    assert made.message_id in page.text
    assert "Kontorartikler A/S" in page.text
    xml = web.get(f"/app/payables/bank-files/{made.id}/xml")
    assert xml.status_code == 200
    assert xml.headers["content-disposition"] == f'attachment; filename="{made.message_id}.xml"'
    assert made.message_id.encode() in xml.content
    assert web.get("/app/payables/bank-files/bfile_01JD0000000000000000000000/xml").status_code == 404
