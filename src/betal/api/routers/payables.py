"""``/v1/suppliers`` and ``/v1/supplier-invoices``: who the organisation pays, and the invoices it books.

API.md "Payables"; the rules are in ``services/supplier.py``, ``services/supplier_invoice.py`` and
``services/supplier_invoice_ubl.py``. ``POST /v1/supplier-invoices`` takes JSON (a typed-in invoice) or an
OIOUBL / Peppol BIS 3 UBL XML body (``application/xml``): the answer is the booked invoice with its payment
details. A PDF is added with ``POST /v1/supplier-invoices/{invoice_id}/documents`` (``application/pdf``,
at most 10 MB). Another organisation's id answers 404; a document is served as a download, never inline.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import ValidationError

from betal.api.deps import PrincipalDep, UowDep
from betal.api.errors import problem
from betal.api.idempotency import respond, run_idempotent
from betal.api.pagination import CursorQuery, LimitQuery, ListOf, page
from betal.api.routers.attachment import PDF_BODY, filename_of, raw_body
from betal.api.schemas.payables import (
    BankChangeRead,
    SupplierCreate,
    SupplierDocumentRead,
    SupplierInvoiceCreate,
    SupplierInvoiceDetail,
    SupplierInvoiceRead,
    SupplierRead,
    SupplierUpdate,
)
from betal.domain.payables import DocumentKind, Supplier, SupplierDocument
from betal.services import supplier as suppliers
from betal.services import supplier_invoice as invoices
from betal.services import supplier_invoice_ubl as e_invoices

router = APIRouter(prefix="/v1", tags=["payables"])
JSON = "application/json"
XML_TYPES = frozenset({"application/xml", "text/xml"})
IdQuery = Annotated[str | None, Query(max_length=40)]
_INVOICE_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        JSON: {"schema": {"$ref": "#/components/schemas/SupplierInvoiceCreate"}},
        "application/xml": {"schema": {"type": "string", "description": "OIOUBL 2.1 or Peppol BIS 3 UBL"}},
    },
}
_DOWNLOAD: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}, "application/xml": {}}, "description": "the file"}
}


def _bank_fields(sent: dict[str, Any]) -> dict[str, str | None]:
    """The request's fields as the service's: ``dk_account`` becomes reg.no. and account number."""
    changes = dict(sent)
    if "dk_account" in changes:
        account = changes.pop("dk_account")
        changes["dk_reg_no"] = None if account is None else account["reg_no"]
        changes["dk_account_no"] = None if account is None else account["account_no"]
    return changes


# -- Suppliers ---------------------------------------------------------------------------------------


def _existing(supplier_id: str, uow: UowDep, principal: PrincipalDep) -> Supplier:
    """The supplier the path names, resolved before the body: another organisation's id is a 404."""
    return suppliers.get_supplier(uow, principal, supplier_id)


ExistingSupplier = Annotated[Supplier, Depends(_existing)]


@router.post("/suppliers", status_code=201, response_model=SupplierRead)
def create_supplier(body: SupplierCreate, request: Request, uow: UowDep, principal: PrincipalDep) -> Response:
    data = suppliers.SupplierInput(**_bank_fields(body.model_dump()))

    def action() -> tuple[int, object]:
        return respond(201, SupplierRead.of(suppliers.create_supplier(uow, principal, data)))

    return run_idempotent(request, uow, principal, body, action)


@router.get("/suppliers", response_model=ListOf[SupplierRead])
def list_suppliers(
    uow: UowDep, principal: PrincipalDep, limit: LimitQuery = 50, cursor: CursorQuery = None
) -> ListOf[SupplierRead]:
    data, next_cursor = page(
        lambda after, n: suppliers.list_suppliers(uow, principal, after_id=after, limit=n),
        cursor, limit, SupplierRead.of, lambda s: s.id,
    )  # fmt: skip
    return ListOf[SupplierRead](data=data, next_cursor=next_cursor)


@router.get("/suppliers/{supplier_id}", response_model=SupplierRead)
def get_supplier(supplier: ExistingSupplier) -> SupplierRead:
    return SupplierRead.of(supplier)


@router.patch("/suppliers/{supplier_id}", response_model=SupplierRead)
def update_supplier(
    supplier: ExistingSupplier, body: SupplierUpdate, uow: UowDep, principal: PrincipalDep
) -> SupplierRead:
    """Change a supplier; a change of its bank details is recorded and its next payment needs 2 approvals."""
    data = suppliers.merged(supplier, _bank_fields(body.model_dump(exclude_unset=True)))
    return SupplierRead.of(suppliers.update_supplier(uow, principal, supplier.id, data))


@router.get("/suppliers/{supplier_id}/bank-changes", response_model=ListOf[BankChangeRead])
def list_bank_changes(
    supplier: ExistingSupplier, uow: UowDep, principal: PrincipalDep
) -> ListOf[BankChangeRead]:
    """Every change of the supplier's bank details, newest first: before, after, who and when."""
    changes = suppliers.bank_changes(uow, principal, supplier.id)
    return ListOf[BankChangeRead](data=[BankChangeRead.of(c) for c in changes], next_cursor=None)


# -- Supplier invoices -------------------------------------------------------------------------------


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", JSON).split(";", 1)[0].strip().lower()


def _typed(body: bytes) -> invoices.InvoiceInput:
    try:
        sent = SupplierInvoiceCreate.model_validate_json(body or b"null")
    except ValidationError as exc:
        raise RequestValidationError(exc.errors()) from None
    return invoices.InvoiceInput(
        supplier_id=sent.supplier_id, invoice_number=sent.invoice_number, issue_date=sent.issue_date,
        due_date=sent.due_date, currency=sent.currency, vat_minor=sent.vat_amount, gross_minor=sent.total,
        net_minor=sent.net_amount, lines=tuple(line.domain() for line in sent.lines),
        means=None if sent.payment_means is None else sent.payment_means.domain(),
        description=sent.description,
    )  # fmt: skip


@router.post(
    "/supplier-invoices",
    status_code=201,
    response_model=SupplierInvoiceDetail,
    openapi_extra={"requestBody": _INVOICE_BODY},
    responses={415: {"description": "neither application/json nor application/xml"}},
)
def create_supplier_invoice(
    request: Request, uow: UowDep, principal: PrincipalDep, body: Annotated[bytes, Depends(raw_body)]
) -> Response:
    """Book an invoice: typed in (JSON) or an e-invoice (UBL XML), with its payment details."""
    media_type = _media_type(request)
    if media_type not in XML_TYPES and media_type != JSON:
        detail = "send the invoice as application/json or as UBL XML (application/xml)"
        return problem(415, "Unsupported media type", detail, "unsupported_media_type")
    data = None if media_type in XML_TYPES else _typed(body)

    def action() -> tuple[int, object]:
        if data is None:
            booked = e_invoices.import_invoice(uow, principal, body)
        else:
            booked = invoices.create_invoice(uow, principal, data)
        return respond(201, SupplierInvoiceDetail.of(invoices.get_invoice(uow, principal, booked.id)))

    fingerprint = (b"xml\n" if data is None else b"json\n") + body
    return run_idempotent(request, uow, principal, fingerprint, action)


@router.get("/supplier-invoices", response_model=ListOf[SupplierInvoiceRead])
def list_supplier_invoices(
    uow: UowDep, principal: PrincipalDep, status: Annotated[str | None, Query(max_length=20)] = None,
    supplier_id: IdQuery = None, limit: LimitQuery = 50, cursor: CursorQuery = None,
) -> ListOf[SupplierInvoiceRead]:  # fmt: skip
    data, next_cursor = page(
        lambda after, n: invoices.list_invoices(
            uow, principal, status=status, supplier_id=supplier_id, after_id=after, limit=n
        ),
        cursor, limit, SupplierInvoiceRead.of, lambda v: v.invoice.id,
    )  # fmt: skip
    return ListOf[SupplierInvoiceRead](data=data, next_cursor=next_cursor)


@router.get("/supplier-invoices/{invoice_id}", response_model=SupplierInvoiceDetail)
def get_supplier_invoice(invoice_id: str, uow: UowDep, principal: PrincipalDep) -> SupplierInvoiceDetail:
    return SupplierInvoiceDetail.of(invoices.get_invoice(uow, principal, invoice_id))


@router.post(
    "/supplier-invoices/{invoice_id}/documents",
    status_code=201,
    response_model=SupplierDocumentRead,
    openapi_extra=PDF_BODY,
)
def add_supplier_document(
    invoice_id: str, request: Request, uow: UowDep, principal: PrincipalDep,
    body: Annotated[bytes, Depends(raw_body)], filename: Annotated[str | None, Query(max_length=255)] = None,
) -> Response:  # fmt: skip
    """Add the invoice's PDF (``Content-Type: application/pdf``, at most 10 MB)."""
    name = filename_of(request, filename)
    content_type = request.headers.get("content-type", "")

    def action() -> tuple[int, object]:
        added = invoices.add_document(uow, principal, invoice_id, name, content_type, body)
        return respond(201, SupplierDocumentRead.of(added))

    fingerprint = b"\0".join([name.encode(), content_type.encode(), body])
    return run_idempotent(request, uow, principal, fingerprint, action)


def download(document: SupplierDocument, content: bytes) -> Response:
    """A stored document as a download with a safe ``Content-Disposition`` (RFC 6266).

    The XML of an e-invoice also gets ``Content-Security-Policy: sandbox``: a browser shown XML from our
    origin could run script in it.
    """
    fallback = (
        document.filename.encode("ascii", "replace").decode("ascii").replace("?", "_").replace('"', "_")
    )
    disposition = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(document.filename)}"
    headers = {"Content-Disposition": disposition, "X-Content-Type-Options": "nosniff"}
    if document.kind is not DocumentKind.PDF:
        headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return Response(content, media_type=document.content_type, headers=headers)


@router.get(
    "/supplier-invoices/{invoice_id}/documents/{document_id}", response_class=Response, responses=_DOWNLOAD
)
def get_supplier_document(
    invoice_id: str, document_id: str, uow: UowDep, principal: PrincipalDep
) -> Response:
    document, content = invoices.get_document(uow, principal, invoice_id, document_id)
    return download(document, content)
