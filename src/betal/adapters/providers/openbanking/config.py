"""Settings of the open banking adapter, read from ``BETAL_PROVIDER_URLS`` / ``BETAL_PROVIDER_CREDENTIALS``.

Berlin Group NextGenPSD2 identifies the TPP by its eIDAS QWAC certificate on the TLS connection
(Implementation Guidelines v1.3.x, §4 "Transport layer"); banks and aggregators that also use OAuth
want a bearer token. Both are optional, so the sandbox bank needs neither. See
docs/providers/openbanking.md ("Live configuration").
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, SecretStr

from betal.config import Settings

KEY = "openbanking"
DEFAULT_TIMEOUT_SECONDS = 10.0
# Berlin Group wants the payer's IP address on every payment initiation; until the checkout passes it
# along (CreatePayment has no field for it) we send this configured value.
DEFAULT_PSU_IP_ADDRESS = "127.0.0.1"


class OpenBankingConfig(BaseModel):
    model_config = ConfigDict(frozen=True)

    base_url: str
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    psu_ip_address: str = DEFAULT_PSU_IP_ADDRESS
    access_token: SecretStr | None = None
    client_cert_file: str | None = None  # QWAC certificate (PEM) for mutual TLS
    client_key_file: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> OpenBankingConfig:
        """The base URL (the sandbox bank in sandbox mode) and the credentials named in the docs."""

        def credential(name: str) -> str | None:
            return settings.provider_credential(KEY, name) or None

        token = credential("access_token")
        return cls(
            base_url=settings.provider_url(KEY),
            psu_ip_address=credential("psu_ip_address") or DEFAULT_PSU_IP_ADDRESS,
            access_token=None if token is None else SecretStr(token),
            client_cert_file=credential("client_cert_file"),
            client_key_file=credential("client_key_file"),
        )

    @property
    def client_cert(self) -> tuple[str, str] | None:
        if self.client_cert_file is None:
            return None
        return (self.client_cert_file, self.client_key_file or self.client_cert_file)
