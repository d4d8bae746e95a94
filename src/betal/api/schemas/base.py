"""Shared schema pieces: request models refuse unknown fields; amounts are strict integers."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from betal.domain.money import MAX_AMOUNT_MINOR


class RequestModel(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ResponseModel(BaseModel):
    model_config = ConfigDict(from_attributes=True, validate_by_name=True, validate_by_alias=True)


AmountMinor = Annotated[
    StrictInt, Field(gt=0, le=MAX_AMOUNT_MINOR, description="integer amount in minor units (øre for DKK)")
]
CurrencyCode = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code", examples=["DKK"])]


class MoneyModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount: AmountMinor
    currency: CurrencyCode
