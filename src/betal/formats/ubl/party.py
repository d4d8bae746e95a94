"""Supplier and buyer of a UBL document: name, Danish CVR number, Peppol endpoint, VAT id, country.

Spec: Peppol BIS Billing 3.0 (https://docs.peppol.eu/poacc/billing/3.0/syntax/ubl-invoice/):
``cac:AccountingSupplierParty/cac:Party`` with ``cbc:EndpointID`` (scheme 0184 is the Danish CVR),
``cac:PartyName/cbc:Name``, ``cac:PostalAddress/cac:Country``, ``cac:PartyTaxScheme/cbc:CompanyID`` (VAT
number, ``DK`` + CVR) and ``cac:PartyLegalEntity`` (``RegistrationName``, ``CompanyID``). OIOUBL 2.1 uses
the same elements with the schemes ``DK:CVR`` and ``DK:SE`` and values written ``DK12345674``.

The CVR is taken from the legal entity first: a ``PartyTaxScheme`` number may be an SE number, which a
company with several VAT registrations holds besides its CVR, so it is the last place looked.
"""

from __future__ import annotations

import re

from betal.formats.ubl.model import Party
from betal.formats.ubl.tree import Doc, Element, find, find_all, text

CVR_SCHEMES = frozenset({"0184", "DK:CVR"})
_CVR = re.compile(r"[0-9]{8}")


def read_party(doc: Doc, root: Element, path: str, *, name_required: bool) -> Party:
    """The party at ``path`` (``cac:AccountingSupplierParty``); problems in ``doc`` when it is missing."""
    field = path.removeprefix("cac:")
    node = find(root, f"{path}/cac:Party")
    if node is None:
        doc.add(root, "missing", field, f"{field} is missing")
        return Party(name="")
    name = text(node, "cac:PartyName/cbc:Name") or text(node, "cac:PartyLegalEntity/cbc:RegistrationName")
    if name is None and name_required:
        doc.add(node, "missing", f"{field}/Name", f"{field} has no name (PartyName or RegistrationName)")
    endpoint = find(node, "cbc:EndpointID")
    country = text(node, "cac:PostalAddress/cac:Country/cbc:IdentificationCode")
    return Party(
        name=name or "",
        cvr=cvr(node, country),
        endpoint_id=text(endpoint),
        endpoint_scheme=_scheme(endpoint) if text(endpoint) else None,
        vat_id=text(node, "cac:PartyTaxScheme/cbc:CompanyID"),
        country=country,
    )


def cvr(party: Element, country: str | None) -> str | None:
    """The party's CVR number as 8 digits, from the first place that holds a Danish company number."""
    legal = find(party, "cac:PartyLegalEntity/cbc:CompanyID")
    found = _as_cvr(legal, bare_ok=country == "DK")
    for node in [find(party, "cbc:EndpointID"), *find_all(party, "cac:PartyIdentification/cbc:ID")]:
        found = found or _as_cvr(node, bare_ok=False)
    return found or _as_cvr(find(party, "cac:PartyTaxScheme/cbc:CompanyID"), bare_ok=False)


def _as_cvr(node: Element | None, *, bare_ok: bool) -> str | None:
    """``DK12345674``, or ``12345674`` under a CVR scheme (or with no scheme where ``bare_ok``)."""
    raw = text(node)
    if node is None or raw is None:
        return None
    compact = "".join(raw.split()).upper()
    scheme = _scheme(node)
    danish = compact.startswith("DK") or scheme in CVR_SCHEMES or (bare_ok and scheme is None)
    digits = compact.removeprefix("DK")
    return digits if danish and _CVR.fullmatch(digits) else None


def _scheme(node: Element | None) -> str | None:
    value = None if node is None else node.get("schemeID")
    return value.strip() or None if value is not None else None
