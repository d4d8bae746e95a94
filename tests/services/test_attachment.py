"""Attachments: PDF only (magic bytes), at most 5 MB, a safe file name; read by the business, the pay
link and the payer's inbox session, and by no one else."""

from __future__ import annotations

import pytest

from betal import bootstrap
from betal.domain.customer import Customer
from betal.domain.errors import Forbidden, InvalidInput, NotFound
from betal.domain.tenancy import Principal, Role
from betal.services import attachment
from betal.services.organisation import CreatedOrganisation
from tests.services.test_inbox import login, make_customer, make_request, pay_token, principal

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def soeren(container: bootstrap.Container, org: CreatedOrganisation) -> Customer:
    return make_customer(container, org, "Søren Ærø", email="soeren@aeroe.example")


def _add(
    c: bootstrap.Container,
    org: CreatedOrganisation,
    request_id: str,
    content: bytes = PDF,
    *,
    filename: str = "faktura.pdf",
    content_type: str = "application/pdf",
    who: Principal | None = None,
) -> attachment.Attachment:
    with c.uow() as uow:
        return attachment.add_attachment(
            uow, who or principal(org), request_id, filename, content_type, content
        )


class TestSanitiseFilename:
    @pytest.mark.parametrize(
        ("given", "expected"),
        [
            ("Faktura 1001.pdf", "Faktura 1001.pdf"),
            ("faktura-æøå.PDF", "faktura-æøå.pdf"),
            ("../../etc/passwd", "passwd.pdf"),
            ("C:\\Users\\x\\Faktura.pdf", "Faktura.pdf"),
            ('a"b;c\r\nd.pdf', "a_b_cd.pdf"),
            ("...hidden.pdf", "hidden.pdf"),
            ("", "dokument.pdf"),
            ("///", "dokument.pdf"),
            ("x" * 300 + ".pdf", "x" * 116 + ".pdf"),
            ("  many   spaces  .pdf", "many spaces.pdf"),
        ],
    )
    def test_a_safe_base_name(self, given: str, expected: str) -> None:
        assert attachment.sanitise_filename(given) == expected


class TestAddAttachment:
    def test_stores_the_pdf(
        self, container: bootstrap.Container, org: CreatedOrganisation, soeren: Customer
    ) -> None:
        request = make_request(container, org, soeren)
        added = _add(container, org, request.id, filename="../Faktura 1001.pdf")
        assert added.id.startswith("att_")
        assert (added.filename, added.content_type, added.size) == (
            "Faktura 1001.pdf",
            "application/pdf",
            len(PDF),
        )
        with container.uow() as uow:
            found, content = attachment.get_attachment(uow, principal(org), request.id, added.id)
        assert found == added
        assert content == PDF

    @pytest.mark.parametrize(
        ("content", "content_type", "code"),
        [
            (b"<html>", "application/pdf", "attachment.not_pdf"),
            (b"", "application/pdf", "attachment.not_pdf"),
            (PDF, "text/html", "attachment.not_pdf"),
            (PDF + b"0" * attachment.MAX_BYTES, "application/pdf", "attachment.too_large"),
        ],
    )
    def test_refuses_anything_but_a_small_pdf(
        self,
        container: bootstrap.Container,
        org: CreatedOrganisation,
        soeren: Customer,
        content: bytes,
        content_type: str,
        code: str,
    ) -> None:
        request = make_request(container, org, soeren)
        with pytest.raises(InvalidInput) as caught:
            _add(container, org, request.id, content, content_type=content_type)
        assert caught.value.code == code

    def test_content_type_parameters_are_allowed(
        self, container: bootstrap.Container, org: CreatedOrganisation, soeren: Customer
    ) -> None:
        request = make_request(container, org, soeren)
        assert _add(container, org, request.id, content_type="Application/PDF; name=x").size == len(PDF)

    def test_exactly_five_megabytes_is_allowed(
        self, container: bootstrap.Container, org: CreatedOrganisation, soeren: Customer
    ) -> None:
        request = make_request(container, org, soeren)
        content = PDF + b"0" * (attachment.MAX_BYTES - len(PDF))
        assert _add(container, org, request.id, content).size == attachment.MAX_BYTES

    def test_at_most_ten_per_request(
        self, container: bootstrap.Container, org: CreatedOrganisation, soeren: Customer
    ) -> None:
        request = make_request(container, org, soeren)
        for _ in range(attachment.MAX_PER_REQUEST):
            _add(container, org, request.id)
        with pytest.raises(InvalidInput) as caught:
            _add(container, org, request.id)
        assert caught.value.code == "attachment.too_many"

    def test_another_organisations_request_is_not_found(
        self,
        container: bootstrap.Container,
        org: CreatedOrganisation,
        other_org: CreatedOrganisation,
        soeren: Customer,
    ) -> None:
        request = make_request(container, org, soeren)
        with pytest.raises(NotFound):
            _add(container, other_org, request.id)
        added = _add(container, org, request.id)
        with container.uow() as uow, pytest.raises(NotFound):
            attachment.get_attachment(uow, principal(other_org), request.id, added.id)

    def test_a_viewer_may_read_but_not_add(
        self, container: bootstrap.Container, org: CreatedOrganisation, soeren: Customer
    ) -> None:
        request = make_request(container, org, soeren)
        viewer = Principal(org.organisation.id, Role.VIEWER, "api_key", "key_viewer")
        with pytest.raises(Forbidden):
            _add(container, org, request.id, who=viewer)
        added = _add(container, org, request.id)
        with container.uow() as uow:
            assert attachment.get_attachment(uow, viewer, request.id, added.id)[1] == PDF


class TestPayerReads:
    def test_through_the_pay_link(
        self, container: bootstrap.Container, org: CreatedOrganisation, soeren: Customer
    ) -> None:
        request = make_request(container, org, soeren)
        other = make_request(container, org, soeren)
        added = _add(container, org, request.id)
        with container.uow() as uow:
            assert attachment.attachment_by_token(
                uow, container.signer, pay_token(container, request.id), added.id
            )
        with container.uow() as uow, pytest.raises(NotFound):
            attachment.attachment_by_token(uow, container.signer, pay_token(container, other.id), added.id)
        with container.uow() as uow, pytest.raises(InvalidInput):
            attachment.attachment_by_token(uow, container.signer, "tampered", added.id)

    def test_through_the_inbox_of_its_customer_only(
        self, container: bootstrap.Container, org: CreatedOrganisation, soeren: Customer
    ) -> None:
        stranger = make_customer(container, org, "Else", email="else@fremmed.example")
        request = make_request(container, org, soeren)
        added = _add(container, org, request.id)
        with container.uow() as uow:
            [message] = uow.messages.list_for_customers([soeren.id], 5)
        mine = login(container, "soeren@aeroe.example")
        with container.uow() as uow:
            found, content = attachment.message_attachment(uow, mine, message.id, added.id)
        assert (found.id, content) == (added.id, PDF)
        with container.uow() as uow, pytest.raises(NotFound):
            attachment.message_attachment(uow, mine, message.id, "att_nope")
        theirs = login(container, stranger.email or "")
        with container.uow() as uow, pytest.raises(NotFound):
            attachment.message_attachment(uow, theirs, message.id, added.id)
