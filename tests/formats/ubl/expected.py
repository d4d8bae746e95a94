"""A UblInvoice as plain JSON values, to compare with the ``*.expected.json`` sidecars of the samples."""

from __future__ import annotations

import hashlib
from dataclasses import fields, is_dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from betal.formats.ubl import Amount, Attachment


def as_json(value: Any) -> Any:
    """Amounts as their decimal text ("2500.00"), dates ISO, PDFs as size and SHA-256; the rest as is."""
    if isinstance(value, Amount):
        return str(value.value)
    if isinstance(value, Attachment):
        digest = hashlib.sha256(value.content).hexdigest()
        return {
            "document_id": value.document_id,
            "filename": value.filename,
            "mime_code": value.mime_code,
            "size": len(value.content),
            "sha256": digest,
        }
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: as_json(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, tuple | list):
        return [as_json(v) for v in value]
    if isinstance(value, Decimal | date):
        return str(value)
    return value
