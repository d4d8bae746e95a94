"""The HTTP client: headers and URLs it sends, and how HTTP failures become port errors.

Failures a healthy sandbox bank never produces (5xx, 429, timeouts) are served by an ``httpx.MockTransport``
standing in for a misbehaving bank; everything else runs against the sandbox bank over real HTTP.
"""

from __future__ import annotations

import json
import ssl
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from betal.adapters.providers.openbanking import mapping
from betal.adapters.providers.openbanking.client import OpenBankingClient
from betal.adapters.providers.openbanking.config import OpenBankingConfig
from betal.domain.provider import ProviderRateLimited, ProviderRejected, ProviderUnavailable
from tests.adapters.providers.openbanking.support import load
from tests.conftest import LiveServer

BASE = "https://bank.example/psd2"
BODY = load("initiation-a2a.request.json")["body"]
REQUEST_ID = mapping.request_id("pay_01JDGOLDENA2A00000000000001")


def _client(handler: Callable[[httpx.Request], httpx.Response], **config: object) -> OpenBankingClient:
    settings = OpenBankingConfig(base_url=BASE, **config)  # type: ignore[arg-type]
    return OpenBankingClient(settings, transport=httpx.MockTransport(handler))


def _initiate(client: OpenBankingClient) -> dict[str, object]:
    return client.initiate(
        mapping.PRODUCT_A2A,
        BODY,
        request_id=REQUEST_ID,
        redirect_uri="https://betal.example/r",
        psu_ip="192.0.2.7",
    )


class TestRequests:
    def test_initiation_headers_body_and_url(self) -> None:
        seen: list[httpx.Request] = []

        def bank(request: httpx.Request) -> httpx.Response:
            seen.append(request)
            return httpx.Response(201, json={"transactionStatus": "RCVD", "paymentId": "p1"})

        client = _client(bank, access_token=SecretStr("tok"))
        assert _initiate(client) == {"transactionStatus": "RCVD", "paymentId": "p1"}
        [request] = seen
        assert str(request.url) == f"{BASE}/v1/payments/domestic-credit-transfers-dk"
        assert request.headers["X-Request-ID"] == REQUEST_ID
        assert request.headers["PSU-IP-Address"] == "192.0.2.7"
        assert request.headers["TPP-Redirect-URI"] == "https://betal.example/r"
        assert request.headers["Authorization"] == "Bearer tok"
        assert json.loads(request.content) == BODY

    def test_reads_send_a_fresh_request_id_and_quote_the_id(self) -> None:
        seen: list[httpx.Request] = []

        def bank(request: httpx.Request) -> httpx.Response:
            seen.append(request)
            return httpx.Response(200, json={"transactionStatus": "ACSC"})

        client = _client(bank)
        client.status(mapping.PRODUCT_FI, "a/b")
        client.details(mapping.PRODUCT_FI, "a/b")
        assert [r.url.raw_path for r in seen] == [
            b"/psd2/v1/payments/fi-card-payments-dk/a%2Fb/status",
            b"/psd2/v1/payments/fi-card-payments-dk/a%2Fb",
        ]
        assert seen[0].headers["X-Request-ID"] != seen[1].headers["X-Request-ID"]
        assert "Authorization" not in seen[0].headers

    def test_timeout_is_ten_seconds(self) -> None:
        client = OpenBankingClient(OpenBankingConfig(base_url=BASE))
        assert client._http.timeout == httpx.Timeout(10.0)
        client.close()


def _answer(response: httpx.Response) -> OpenBankingClient:
    return _client(lambda _request: response)


class TestErrors:
    @pytest.mark.parametrize("status", [500, 502, 503, 504, 302])
    def test_server_errors_are_temporary(self, status: int) -> None:
        with pytest.raises(ProviderUnavailable, match=f"HTTP {status}"):
            _initiate(_answer(httpx.Response(status, text="oops")))

    @pytest.mark.parametrize(
        ("header", "seconds"), [("7", 7), ("Wed, 21 Oct 2026 07:28:00 GMT", 30), (None, 30)]
    )
    def test_rate_limited(self, header: str | None, seconds: int) -> None:
        headers = {} if header is None else {"Retry-After": header}
        with pytest.raises(ProviderRateLimited) as caught:
            _initiate(_answer(httpx.Response(429, headers=headers)))
        assert caught.value.retry_after == seconds

    def test_client_errors_carry_the_tpp_message(self) -> None:
        with pytest.raises(ProviderRejected) as caught:
            _initiate(_answer(httpx.Response(400, json=load("error-format.json"))))
        assert caught.value.provider_code == "FORMAT_ERROR"
        assert "X-Request-ID must be a UUID" in caught.value.detail

    def test_client_errors_without_a_body(self) -> None:
        with pytest.raises(ProviderRejected) as caught:
            _initiate(_answer(httpx.Response(403, text="<html>no</html>")))
        assert caught.value.provider_code == "http_403"

    @pytest.mark.parametrize("body", [b"not json", b"[1, 2]"])
    def test_answers_that_are_no_json_object(self, body: bytes) -> None:
        with pytest.raises(ProviderUnavailable, match="without a JSON object"):
            _initiate(_answer(httpx.Response(201, content=body)))

    @pytest.mark.parametrize(
        ("error", "message"),
        [(httpx.ReadTimeout("slow"), "in time"), (httpx.ConnectError("refused"), "cannot reach the bank")],
    )
    def test_transport_failures_are_temporary(self, error: httpx.TransportError, message: str) -> None:
        def bank(request: httpx.Request) -> httpx.Response:
            raise error

        with pytest.raises(ProviderUnavailable, match=message):
            _initiate(_client(bank))


class TestAgainstTheSandboxBank:
    def test_initiate_and_read(self, live_server: LiveServer) -> None:
        client = OpenBankingClient(OpenBankingConfig(base_url=f"{live_server.url}/sandbox/openbanking"))
        created = client.initiate(
            mapping.PRODUCT_A2A, BODY, request_id=mapping.request_id("pay_client_test"),
            redirect_uri=f"{live_server.url}/pay/return", psu_ip="127.0.0.1",
        )  # fmt: skip
        payment_id = str(created["paymentId"])
        assert client.status(mapping.PRODUCT_A2A, payment_id) == {"transactionStatus": "RCVD"}
        details = client.details(mapping.PRODUCT_A2A, payment_id)
        assert details["instructedAmount"] == BODY["instructedAmount"]
        with pytest.raises(ProviderRejected) as caught:
            client.status(mapping.PRODUCT_FI, payment_id)  # the right id under another product
        assert caught.value.provider_code == "RESOURCE_UNKNOWN"
        client.close()

    def test_nothing_listens(self) -> None:
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]  # bound but not listening: connections are refused
            client = OpenBankingClient(OpenBankingConfig(base_url=f"http://127.0.0.1:{port}"))
            with pytest.raises(ProviderUnavailable, match="cannot reach the bank"):
                client.status(mapping.PRODUCT_A2A, "p1")


def _pem_pair(directory: Path, name: str) -> tuple[str, str]:
    """A throwaway self-signed certificate and its key, as PEM files (a stand-in for a QWAC)."""
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"betal test TPP {name}")])
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
    )
    builder = builder.serial_number(x509.random_serial_number()).not_valid_before(now)
    cert = builder.not_valid_after(now + timedelta(days=1)).sign(key, hashes.SHA256())
    cert_path, key_path = directory / f"{name}.pem", directory / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return str(cert_path), str(key_path)


class TestClientCertificate:
    def test_the_certificate_is_loaded_at_start_up(self, tmp_path: Path) -> None:
        cert, key = _pem_pair(tmp_path, "a")
        _, other_key = _pem_pair(tmp_path, "b")
        OpenBankingClient(
            OpenBankingConfig(base_url=BASE, client_cert_file=cert, client_key_file=key)
        ).close()
        with pytest.raises(ssl.SSLError):
            OpenBankingClient(
                OpenBankingConfig(base_url=BASE, client_cert_file=cert, client_key_file=other_key)
            )
