"""Portal pages for suppliers and supplier invoices under ``/app/payables`` (payables issue, items 1, 2, 9).

Suppliers: list, create, change (a change of bank details is recorded and shown as a warning with its
history). Invoices: list (by status and supplier), book one by uploading an e-invoice (OIOUBL / Peppol
UBL) or by typing it in with an optional PDF, and the invoice's page: payment means, lines, VAT, totals,
its documents, the PDF in a viewer and the e-invoice as a readable page.

The pages call the same services as the API with the user's role in the organisation the session looks
at. Forms post back with the session's CSRF token; errors are shown as keys ``app/payables/_macros.html``
translates. Amounts are typed in Danish kroner notation ("1.234,50") and converted exactly into øre.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse
from starlette.datastructures import UploadFile
from starlette.responses import Response

from betal.domain.errors import Conflict, InvalidInput
from betal.domain.payables import DocumentKind, InvoiceStatus, SupplierDocument
from betal.domain.tenancy import Permission
from betal.services import accountant
from betal.services import supplier as suppliers
from betal.services import supplier_document as documents
from betal.services import supplier_invoice as invoices
from betal.services import supplier_invoice_ubl as e_invoices
from betal.web import payables_form as forms
from betal.web.deps import Portal, PortalDep, portal_principal, portal_uow, require_csrf
from betal.web.templating import portal_values, render

router = APIRouter(prefix="/app/payables", include_in_schema=False)
IdQuery = Annotated[str | None, Query(max_length=40)]
ShortQuery = Annotated[str | None, Query(max_length=20)]
PAGE = 25
CHOICES = 500  # suppliers offered in a select


async def _form_data(request: Request) -> dict[str, Any]:
    form = await request.form()
    return {k: v if isinstance(v := form.get(k), UploadFile) else str(v or "") for k in form}


FormData = Annotated[dict[str, Any], Depends(_form_data)]


def _page(request: Request, portal: Portal, page: str, status: int = 200, **context: Any) -> Response:
    values = {"portal": portal, **portal_values(request, portal_principal(portal).role), **context}
    return render(request, f"app/payables/{page}.html", values, status=status)


def _next(found: list[Any], key: Any = lambda item: item.id) -> tuple[list[Any], str | None]:
    """A page of at most ``PAGE`` items from ``PAGE + 1`` fetched, and the cursor of the next page."""
    return found[:PAGE], (key(found[PAGE - 1]) if len(found) > PAGE else None)


# -- Suppliers ----------------------------------------------------------------------------------------


@router.get("/suppliers")
def supplier_list(request: Request, portal: PortalDep, after: IdQuery = None) -> Response:
    principal = portal_principal(portal)
    with portal_uow(request, portal) as uow:
        found, next_after = _next(suppliers.list_suppliers(uow, principal, after_id=after, limit=PAGE + 1))
    return _page(request, portal, "suppliers", suppliers=found, next_after=next_after, after=after)


@router.get("/suppliers/new")
def supplier_form(request: Request, portal: PortalDep) -> Response:
    portal_principal(portal).require(Permission.BOOK)
    return _page(request, portal, "supplier_form", supplier=None, values={}, errors={})


def _save_supplier(
    request: Request, portal: Portal, supplier_id: str | None, form: dict[str, Any]
) -> Response:
    require_csrf(portal, form.get("csrf_token"))
    data = forms.supplier_input(form)
    try:
        with portal_uow(request, portal) as uow:
            principal = portal_principal(portal)
            if supplier_id is None:
                saved = suppliers.create_supplier(uow, principal, data)
            else:
                saved = suppliers.update_supplier(uow, principal, supplier_id, data)
    except InvalidInput as exc:
        errors = forms.field_errors(exc)
    except Conflict:
        errors = {"cvr": "duplicate_cvr"}
    else:
        notice = "created" if supplier_id is None else "saved"
        return RedirectResponse(f"/app/payables/suppliers/{saved.id}?notice={notice}", status_code=303)
    current = None
    if supplier_id is not None:
        with portal_uow(request, portal) as uow:
            current = suppliers.get_supplier(uow, portal_principal(portal), supplier_id)
    return _page(request, portal, "supplier_form", status=422, supplier=current, values=form, errors=errors)


@router.post("/suppliers/new")
def create_supplier(request: Request, portal: PortalDep, form: FormData) -> Response:
    return _save_supplier(request, portal, None, form)


@router.get("/suppliers/{supplier_id}")
def supplier_detail(
    request: Request, portal: PortalDep, supplier_id: str, notice: ShortQuery = None
) -> Response:
    principal = portal_principal(portal)
    with portal_uow(request, portal) as uow:
        supplier = suppliers.get_supplier(uow, principal, supplier_id)
        changes = suppliers.bank_changes(uow, principal, supplier_id)
        booked = invoices.list_invoices(
            uow, principal, status=None, supplier_id=supplier_id, after_id=None, limit=PAGE
        )
    return _page(
        request, portal, "supplier", supplier=supplier, changes=changes, invoices=booked, notice=notice
    )


@router.get("/suppliers/{supplier_id}/edit")
def supplier_edit_form(request: Request, portal: PortalDep, supplier_id: str) -> Response:
    principal = portal_principal(portal)
    principal.require(Permission.BOOK)
    with portal_uow(request, portal) as uow:
        supplier = suppliers.get_supplier(uow, principal, supplier_id)
    values = forms.supplier_values(supplier)
    return _page(request, portal, "supplier_form", supplier=supplier, values=values, errors={})


@router.post("/suppliers/{supplier_id}/edit")
def update_supplier(request: Request, portal: PortalDep, supplier_id: str, form: FormData) -> Response:
    return _save_supplier(request, portal, supplier_id, form)


# -- Invoices -----------------------------------------------------------------------------------------


@router.get("/invoices")
def invoice_list(
    request: Request, portal: PortalDep, status: ShortQuery = None, supplier: IdQuery = None,
    after: IdQuery = None,
) -> Response:  # fmt: skip
    principal, errors = portal_principal(portal), dict[str, str]()
    if status and status not in {s.value for s in InvoiceStatus}:
        errors["status"], status = "status", None
    with portal_uow(request, portal) as uow:
        found = invoices.list_invoices(
            uow,
            principal,
            status=status or None,
            supplier_id=supplier or None,
            after_id=after,
            limit=PAGE + 1,
        )
        choices = suppliers.list_suppliers(uow, principal, after_id=None, limit=CHOICES)
        shown, next_after = _next(found, lambda v: v.invoice.id)
        orderable = accountant.orderable(uow, principal, shown)
    query = {"status": status or "", "supplier": supplier or ""}
    given = urlencode({k: v for k, v in query.items() if v})
    return _page(
        request, portal, "invoices", invoices=shown, next_after=next_after, after=after, choices=choices,
        query=query, errors=errors, statuses=[s.value for s in InvoiceStatus], orderable=orderable,
        list_url="/app/payables/invoices" + (given and f"?{given}"),
    )  # fmt: skip


def _new_page(
    request: Request, portal: Portal, values: dict[str, Any], errors: dict[str, str],
    problems: list[str] | None = None,
) -> Response:  # fmt: skip
    principal = portal_principal(portal)
    principal.require(Permission.BOOK)
    with portal_uow(request, portal) as uow:
        choices = suppliers.list_suppliers(uow, principal, after_id=None, limit=CHOICES)
    return _page(
        request, portal, "invoice_form", status=422 if errors or problems else 200, values=values,
        errors=errors, problems=problems or [], choices=choices, currencies=forms.CURRENCIES,
    )  # fmt: skip


@router.get("/invoices/new")
def invoice_form(request: Request, portal: PortalDep, supplier: IdQuery = None) -> Response:
    return _new_page(request, portal, {"supplier_id": supplier or "", "currency": "DKK"}, {})


def _booked(invoice_id: str) -> RedirectResponse:
    return RedirectResponse(f"/app/payables/invoices/{invoice_id}?notice=booked", status_code=303)


@router.post("/invoices/upload")
async def upload_invoice(request: Request, portal: PortalDep, form: FormData) -> Response:
    """Book an e-invoice from an uploaded UBL XML file."""
    require_csrf(portal, form.get("csrf_token"))
    upload = form.get("ubl")
    content = await upload.read() if isinstance(upload, UploadFile) else b""
    if not content:
        return _new_page(request, portal, {"currency": "DKK"}, {"ubl": "ubl"})
    try:
        with portal_uow(request, portal) as uow:
            booked = e_invoices.import_invoice(uow, portal_principal(portal), content)
    except (InvalidInput, Conflict) as exc:
        return _new_page(request, portal, {"currency": "DKK"}, {}, forms.problems_of(exc))
    return _booked(booked.id)


@router.post("/invoices/new")
async def create_invoice(request: Request, portal: PortalDep, form: FormData) -> Response:
    """Book a typed-in invoice, with its PDF when one is chosen."""
    require_csrf(portal, form.get("csrf_token"))
    data, errors = forms.invoice_input(form)
    pdf, pdf_error = await forms.pdf_upload(form.get("pdf"))
    errors |= pdf_error
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    if data is None or errors:
        return _new_page(request, portal, values, errors)
    try:
        with portal_uow(request, portal) as uow:
            booked = invoices.create_invoice(
                uow, portal_principal(portal), data, () if pdf is None else (pdf,)
            )
    except InvalidInput as exc:
        return _new_page(request, portal, values, forms.field_errors(exc))
    except Conflict as exc:
        return _new_page(request, portal, values, {"invoice_number": "duplicate"}, [exc.detail])
    return _booked(booked.id)


@router.get("/invoices/{invoice_id}")
def invoice_detail(
    request: Request, portal: PortalDep, invoice_id: str, notice: ShortQuery = None
) -> Response:
    with portal_uow(request, portal) as uow:
        view = invoices.get_invoice(uow, portal_principal(portal), invoice_id)
    pdf = next((d for d in view.documents if d.kind is DocumentKind.PDF), None)
    ubl = next((d for d in view.documents if d.kind is DocumentKind.UBL), None)
    return _page(
        request, portal, "invoice", view=view, invoice=view.invoice, pdf=pdf, ubl=ubl, notice=notice,
        code_line=forms.code_line(view.means),
    )  # fmt: skip


@router.post("/invoices/{invoice_id}/documents")
async def add_document(request: Request, portal: PortalDep, invoice_id: str, form: FormData) -> Response:
    require_csrf(portal, form.get("csrf_token"))
    upload = form.get("pdf")
    content = await upload.read() if isinstance(upload, UploadFile) else b""
    name = upload.filename if isinstance(upload, UploadFile) and upload.filename else documents.PDF_NAME
    notice = "pdf_added"
    try:
        with portal_uow(request, portal) as uow:
            invoices.add_document(uow, portal_principal(portal), invoice_id, name, documents.PDF, content)
    except InvalidInput:
        notice = "pdf_refused"
    return RedirectResponse(f"/app/payables/invoices/{quote(invoice_id)}?notice={notice}", status_code=303)


_PDF_CSP = "frame-ancestors 'self'"  # the invoice page shows it in a frame; no other site may
_XML_CSP = "default-src 'none'; sandbox; frame-ancestors 'none'"  # never run as a page of ours


def _file(document: SupplierDocument, content: bytes, *, download: bool) -> Response:
    """A PDF may be shown inline, framed only by our own pages; the XML is a sandboxed download."""
    pdf = document.kind is DocumentKind.PDF
    fallback = (
        document.filename.encode("ascii", "replace").decode("ascii").replace("?", "_").replace('"', "_")
    )
    disposition = f'{"inline" if pdf and not download else "attachment"}; filename="{fallback}"'
    headers = {
        "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(document.filename)}",
        "Content-Security-Policy": _PDF_CSP if pdf else _XML_CSP,
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "SAMEORIGIN",
        "Cache-Control": "private, no-store",
    }
    return Response(content, media_type=document.content_type, headers=headers)


@router.get("/invoices/{invoice_id}/documents/{document_id}")
def document(
    request: Request, portal: PortalDep, invoice_id: str, document_id: str, download: ShortQuery = None
) -> Response:
    with portal_uow(request, portal) as uow:
        found, content = invoices.get_document(uow, portal_principal(portal), invoice_id, document_id)
    return _file(found, content, download=download is not None)


@router.get("/invoices/{invoice_id}/e-invoice")
def e_invoice(request: Request, portal: PortalDep, invoice_id: str) -> Response:
    """The e-invoice the invoice came as, read again and laid out as a page."""
    with portal_uow(request, portal) as uow:
        principal = portal_principal(portal)
        view = invoices.get_invoice(uow, principal, invoice_id)
        found = e_invoices.readable(uow, principal, invoice_id)
    if found is None:
        return RedirectResponse(f"/app/payables/invoices/{quote(invoice_id)}", status_code=303)
    return _page(request, portal, "e_invoice", view=view, invoice=view.invoice, document=found)
