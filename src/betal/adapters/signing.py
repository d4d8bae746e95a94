"""Signed link tokens with itsdangerous, one salt per purpose so a pay token opens no approval."""

from __future__ import annotations

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from betal.domain.errors import InvalidInput


class ItsdangerousSigner:
    def __init__(self, secret_key: str) -> None:
        self._secret = secret_key

    def _serializer(self, purpose: str) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self._secret, salt=f"betal.{purpose}")

    def sign(self, value: str, *, purpose: str) -> str:
        return str(self._serializer(purpose).dumps(value))

    def unsign(self, token: str, *, purpose: str, max_age_seconds: int | None = None) -> str:
        try:
            value = self._serializer(purpose).loads(token, max_age=max_age_seconds)
        except SignatureExpired:
            raise InvalidInput("the link has expired", field="token", code="token.expired") from None
        except BadSignature:
            raise InvalidInput("the link is not valid", field="token", code="token.invalid") from None
        if not isinstance(value, str):  # pragma: no cover - we only ever sign strings
            raise InvalidInput("the link is not valid", field="token", code="token.invalid")
        return value
