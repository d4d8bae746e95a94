"""Receipts: the data of a paid request and its PDF (fpdf2, DejaVu Sans so æøå render, Danish first).

``pdf_text`` reads the text back out of fpdf2's output (content streams decoded through each font's
ToUnicode map), so the tests check what a PDF reader shows without a PDF library.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from betal import bootstrap
from betal.adapters.clock import FrozenClock
from betal.adapters.security import Argon2PasswordHasher
from betal.config import Settings
from betal.domain.customer import Customer
from betal.domain.errors import InvalidInput, NotFound
from betal.domain.money import Money
from betal.domain.payment import PaymentStatus
from betal.domain.payment_method import Method
from betal.domain.provider import ProviderPayment
from betal.services import receipt
from betal.services.organisation import CreatedOrganisation
from betal.services.payment import record_provider_payment
from tests.services.test_inbox import (
    make_customer,
    make_org,
    make_request,
    pay_token,
    settle,
    start_payment,
)

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
FONT = receipt.FONT_DIR / "DejaVuSans.ttf"

_OBJ = re.compile(rb"(\d+) 0 obj(.*?)endobj", re.S)
_STREAM_START = re.compile(rb"stream\r?\n")
_LENGTH = re.compile(rb"/Length (\d+)")
_OP = re.compile(rb"/(\w+)\s+[\d.]+\s+Tf|\(((?:\\.|[^\\()])*)\)\s*Tj", re.S)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _stream(body: bytes) -> bytes:
    """The stream's bytes, exactly ``/Length`` of them (compressed data may end in a line break)."""
    start, length = _STREAM_START.search(body), _LENGTH.search(body)
    if start is None or length is None:
        return b""
    raw = body[start.end() : start.end() + int(length.group(1))]
    return zlib.decompress(raw) if b"/FlateDecode" in body else raw


def _unescape(literal: bytes) -> bytes:
    def one(m: re.Match[bytes]) -> bytes:
        escaped = m.group(1)
        if escaped[:1].isdigit():
            return bytes([int(escaped, 8)])
        return _ESCAPES.get(escaped, escaped)

    return re.sub(rb"\\([0-7]{1,3}|.)", one, literal, flags=re.S)


def _cmap(data: bytes) -> dict[int, str]:
    table: dict[int, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
        for src, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            table[int(src, 16)] = bytes.fromhex(dst.decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.S):
        for lo, hi, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            for offset, code in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                table[code] = chr(int(dst, 16) + offset)
    return table


def _fonts(objects: dict[int, bytes]) -> dict[bytes, dict[int, str] | None]:
    """Font resource name → its ToUnicode map (None for a core font, whose strings are Latin-1)."""
    fonts: dict[bytes, dict[int, str] | None] = {}
    for body in objects.values():
        for font_dict in re.findall(rb"/Font\s*<<(.*?)>>", body, re.S):
            for name, ref in re.findall(rb"/(\w+)\s+(\d+) 0 R", font_dict):
                to_unicode = re.search(rb"/ToUnicode\s+(\d+) 0 R", objects[int(ref)])
                fonts[name] = (
                    None if to_unicode is None else _cmap(_stream(objects[int(to_unicode.group(1))]))
                )
    return fonts


def pdf_text(data: bytes) -> str:
    """The strings a PDF written by fpdf2 shows, one per text operation, in drawing order."""
    assert data.startswith(b"%PDF-")
    objects = {int(n): body for n, body in _OBJ.findall(data)}
    fonts = _fonts(objects)
    lines = []
    for body in objects.values():
        content = _stream(body)
        if b"BT" not in content:
            continue
        font: dict[int, str] | None = None
        for match in _OP.finditer(content):
            if match.group(1) is not None:
                font = fonts.get(match.group(1))
                continue
            raw = _unescape(match.group(2))
            if font is None:
                lines.append(raw.decode("latin-1"))
            else:
                codes = (int.from_bytes(raw[i : i + 2], "big") for i in range(0, len(raw), 2))
                lines.append("".join(font.get(code, "\ufffd") for code in codes))
    return "\n".join(lines)


def _install_fonts() -> str | None:
    """Install Debian's fonts-dejavu-core; the reason it failed, or None."""
    if shutil.which("apt-get") is None:
        return "DejaVu Sans is missing and apt-get is not available to install it"
    for command in (["apt-get", "update"], ["apt-get", "install", "-y", "fonts-dejavu-core"]):
        done = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
        if done.returncode != 0:
            return f"DejaVu Sans is missing and `{' '.join(command)}` failed: {done.stderr.strip()[-500:]}"
    return None


@pytest.fixture(scope="session")
def dejavu() -> Path:
    """The DejaVu fonts the receipt embeds, installed with apt when missing (like Chromium for browsers)."""
    if not FONT.exists():
        reason = _install_fonts()
        if reason is not None or not FONT.exists():
            pytest.skip(reason or f"apt installed fonts-dejavu-core but {FONT} does not exist")
    return receipt.FONT_DIR


@pytest.fixture
def c(settings: Settings) -> Iterator[bootstrap.Container]:
    container = bootstrap.build(settings, clock=FrozenClock(START), hasher=Argon2PasswordHasher(fast=True))
    yield container
    container.close()


@pytest.fixture
def hansen(c: bootstrap.Container) -> CreatedOrganisation:
    return make_org(c, "Hansen & Co ApS", "25313763")


@pytest.fixture
def soeren(c: bootstrap.Container, hansen: CreatedOrganisation) -> Customer:
    return make_customer(c, hansen, "Søren Ærø", email="soeren@aeroe.example")


def _paid_receipt(c: bootstrap.Container, hansen: CreatedOrganisation, soeren: Customer) -> receipt.Receipt:
    request = make_request(c, hansen, soeren, description="Husleje for april – Ørestad")
    settle(c, request)
    with c.uow() as uow:
        return receipt.receipt_by_token(uow, c.signer, pay_token(c, request.id))


class TestRequestReceipt:
    def test_a_paid_request_has_a_receipt(
        self, c: bootstrap.Container, hansen: CreatedOrganisation, soeren: Customer
    ) -> None:
        request = make_request(c, hansen, soeren, description="Husleje")
        payment_id = settle(c, request)
        with c.uow() as uow:
            found = receipt.receipt_by_token(uow, c.signer, pay_token(c, request.id))
        assert found.request_id == request.id
        assert (found.organisation_name, found.organisation_cvr) == ("Hansen & Co ApS", "25313763")
        assert found.payer_name == "Søren Ærø"
        assert found.description == "Husleje"
        assert found.amount_paid == Money(123_450, "DKK")
        assert found.method is Method.CARD
        assert found.payment_id == payment_id
        assert found.paid_at == START

    def test_an_unpaid_request_has_none(
        self, c: bootstrap.Container, hansen: CreatedOrganisation, soeren: Customer
    ) -> None:
        request = make_request(c, hansen, soeren)
        settle(c, request, PaymentStatus.FAILED)
        with c.uow() as uow, pytest.raises(NotFound) as caught:
            receipt.receipt_by_token(uow, c.signer, pay_token(c, request.id))
        assert caught.value.code == "receipt.not_found"

    def test_a_tampered_token_is_invalid(
        self, c: bootstrap.Container, hansen: CreatedOrganisation, soeren: Customer
    ) -> None:
        token = pay_token(c, make_request(c, hansen, soeren).id)
        with c.uow() as uow, pytest.raises(InvalidInput):
            receipt.receipt_by_token(uow, c.signer, "x" + token)

    def test_every_settled_payment_is_listed(
        self, c: bootstrap.Container, hansen: CreatedOrganisation, soeren: Customer
    ) -> None:
        request = make_request(c, hansen, soeren, amount=10_000)
        first, second = start_payment(c, request), start_payment(c, request, Method.ACCOUNT_TO_ACCOUNT)
        for payment_id in (first, second):
            result = ProviderPayment(payment_id, f"ref-{payment_id}", PaymentStatus.SUCCEEDED, 10_000, "DKK")
            with c.uow() as uow:
                record_provider_payment(uow, payment_id, hansen.organisation.id, result)
        with c.uow() as uow:
            found = receipt.receipt_by_token(uow, c.signer, pay_token(c, request.id))
        assert [p.payment_id for p in found.payments] == [first, second]
        assert found.amount_paid == Money(20_000, "DKK")  # the second was an overpayment, still paid
        assert found.method is Method.ACCOUNT_TO_ACCOUNT


class TestRenderPdf:
    def test_a_danish_pdf_with_everything_on_it(
        self, dejavu: Path, c: bootstrap.Container, hansen: CreatedOrganisation, soeren: Customer
    ) -> None:
        found = _paid_receipt(c, hansen, soeren)
        data = receipt.render_pdf(found, font_dir=dejavu)
        assert data.startswith(b"%PDF-")
        assert b"/FontFile2" in data
        assert b"DejaVu" in data
        lines = pdf_text(data).splitlines()
        for expected in (
            "Kvittering", "1.234,50 DKK", "Hansen & Co ApS", "25313763", "Søren Ærø",
            "Husleje for april – Ørestad", "Betalingskort", "2. mar. 2026 10.00", found.payment_id,
            found.request_id,
        ):  # fmt: skip
            assert expected in lines, expected
        assert "Betalt beløb" in lines

    def test_english(
        self, dejavu: Path, c: bootstrap.Container, hansen: CreatedOrganisation, soeren: Customer
    ) -> None:
        text = pdf_text(receipt.render_pdf(_paid_receipt(c, hansen, soeren), language="en", font_dir=dejavu))
        assert "Receipt" in text
        assert "Amount paid" in text
        assert "Payment card" in text
        assert "Kvittering" not in text

    def test_without_dejavu_it_falls_back_to_helvetica(
        self, c: bootstrap.Container, hansen: CreatedOrganisation, soeren: Customer, tmp_path: Path
    ) -> None:
        data = receipt.render_pdf(_paid_receipt(c, hansen, soeren), font_dir=tmp_path)
        assert b"/FontFile2" not in data
        assert b"/Helvetica" in data
        lines = pdf_text(data).splitlines()
        assert "Søren Ærø" in lines  # Latin-1 has æøå
        assert "Husleje for april ? Ørestad" in lines  # the en dash is not Latin-1

    def test_a_request_settled_outside_betal(
        self, dejavu: Path, c: bootstrap.Container, hansen: CreatedOrganisation, soeren: Customer
    ) -> None:
        found = receipt.Receipt(
            request_id="preq_X", organisation_name="Hansen & Co ApS", organisation_cvr="25313763",
            payer_name="Søren Ærø", description="Husleje", reference="F-1001",
            amount_paid=Money(50_000, "DKK"), paid_at=START + timedelta(days=1), payments=(),
        )  # fmt: skip
        assert found.method is None
        assert found.payment_id is None
        text = pdf_text(receipt.render_pdf(found, font_dir=dejavu))
        assert "500,00 DKK" in text
        assert "F-1001" in text
        assert "Registreret som betalt" in text


class TestLocalTime:
    def test_copenhagen_wall_clock(self) -> None:
        summer = datetime(2026, 7, 1, 10, 5, tzinfo=UTC)
        assert receipt.local_time(summer, "da") == "1. jul. 2026 12.05"
        assert receipt.local_time(summer, "en") == "Jul 1, 2026 12:05"
