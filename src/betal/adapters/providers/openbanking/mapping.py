"""Pure mapping between betal's provider port and Berlin Group NextGenPSD2 PIS JSON.

Spec: Berlin Group NextGenPSD2 Implementation Guidelines v1.3.x, §5.3 "Payment Initiation Request"
(``instructedAmount``, ``creditorAccount``, ``remittanceInformation*``), §5.5 "Get Transaction Status",
§14.13 "Transaction Status" (the ISO 20022 ExternalPaymentTransactionStatus codes), §14.31
"Error codes" (``tppMessages``); shared/standards/danish-payments.md §9 and §1 (FI-kort lines).

Two payment products (docs/providers/openbanking.md):

- ``domestic-credit-transfers-dk`` for account_to_account: creditor IBAN and name, unstructured text.
- ``fi-card-payments-dk`` for an FI-kort (kortart 71/75) "pay now": the creditor number as
  ``creditorAccount.bban`` and ``remittanceInformationStructured {reference: "71/<payment id>",
  referenceType: "FIK"}`` taken from the request's FI payment line.

Our provider reference is ``"<product>:<paymentId>"``, so ``get_payment`` can build the product's URLs.
Amounts are integer minor units here and ``"125.00"`` strings there, converted exactly via ``Decimal``.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from stdnum import iban as stdnum_iban

from betal.domain.errors import InvalidInput
from betal.domain.money import Money
from betal.domain.payment import PaymentStatus
from betal.domain.payment_method import Method
from betal.domain.provider import CreatePayment, ProviderPayment, ProviderRejected, ProviderUnavailable
from betal.formats import fi_line

PRODUCT_A2A = "domestic-credit-transfers-dk"
PRODUCT_FI = "fi-card-payments-dk"
PRODUCTS = {Method.ACCOUNT_TO_ACCOUNT: PRODUCT_A2A, Method.FI_CARD: PRODUCT_FI}
CURRENCY = "DKK"  # both products are domestic Danish transfers

S = PaymentStatus
STATUSES: dict[str, PaymentStatus] = {
    "RCVD": S.INITIATED,  # received, the payer has not authorised it yet
    "ACTC": S.PENDING,  # technical validation passed
    "ACCP": S.PENDING,  # customer profile accepted
    "ACSP": S.PENDING,  # settlement in process
    "ACWC": S.PENDING,  # accepted with change
    "ACWP": S.PENDING,  # accepted without posting
    "PDNG": S.PENDING,  # pending
    "PATC": S.PENDING,  # partially accepted, technically correct (multi-level SCA)
    "ACFC": S.PENDING,  # accepted, funds checked
    "PART": S.PENDING,  # some payments of a bulk accepted
    "ACSC": S.SUCCEEDED,  # settled on the debtor account
    "ACCC": S.SUCCEEDED,  # settled on the creditor account
    "RJCT": S.FAILED,
    "CANC": S.CANCELLED,
}
FAILURE_REASONS = {
    "RJCT": "the payer or the bank rejected the payment (RJCT)",
    "CANC": "the payment was cancelled at the bank (CANC)",
}
_AMOUNT = re.compile(r"-?[0-9]{1,14}(\.[0-9]{1,3})?")  # Berlin Group's Amount pattern
_REQUEST_ID_NAMESPACE = uuid.UUID("4f0c2a8e-6f1e-5b7a-9d3c-2b1e0d9c8a71")
UNSTRUCTURED_MAX = 140
END_TO_END_MAX = 35


def request_id(payment_id: str) -> str:
    """The ``X-Request-ID`` of our initiation: a UUID derived from our payment id, so a retry repeats it."""
    return str(uuid.uuid5(_REQUEST_ID_NAMESPACE, f"initiate:{payment_id}"))


def reference(product: str, bank_payment_id: str) -> str:
    return f"{product}:{bank_payment_id}"


def parse_reference(value: str) -> tuple[str, str]:
    """``(product, paymentId)`` from our provider reference; anything else is rejected."""
    product, _, bank_id = value.partition(":")
    if product not in PRODUCTS.values() or not bank_id:
        raise ProviderRejected(f"not an open banking payment reference: {value!r}", provider_code="reference")
    return product, bank_id


def amount_text(minor: int, currency: str) -> str:
    """``12500`` DKK øre -> ``"125.00"``."""
    return str(Money(minor, currency).to_decimal())


def amount_minor(text: object, currency: object) -> int:
    """``"125.00"`` DKK -> ``12500``; an amount we cannot read exactly is a broken answer from the bank."""
    if not isinstance(text, str) or not isinstance(currency, str) or not _AMOUNT.fullmatch(text):
        raise ProviderUnavailable(f"the bank sent an unreadable amount {text!r} {currency!r}")
    try:
        return Money.from_decimal(text, currency).minor
    except InvalidInput as exc:
        raise ProviderUnavailable(f"the bank sent an unreadable amount {text!r} {currency!r}") from exc


def payment_status(code: object) -> PaymentStatus:
    if not isinstance(code, str) or code not in STATUSES:
        raise ProviderUnavailable(f"the bank sent an unknown transactionStatus {code!r}")
    return STATUSES[code]


def initiation(request: CreatePayment) -> tuple[str, dict[str, Any]]:
    """The payment product and JSON body that initiate ``request``."""
    if request.currency != CURRENCY:
        raise ProviderRejected(
            f"open banking payments here are domestic transfers in {CURRENCY}, not {request.currency}",
            provider_code="currency",
        )
    body: dict[str, Any] = {
        "endToEndIdentification": request.payment_id[:END_TO_END_MAX],
        "instructedAmount": {
            "currency": request.currency,
            "amount": amount_text(request.amount_minor, CURRENCY),
        },
    }
    if request.payer_account and stdnum_iban.is_valid(request.payer_account):
        body["debtorAccount"] = {"iban": stdnum_iban.compact(request.payer_account)}
    if request.method is Method.ACCOUNT_TO_ACCOUNT:
        return PRODUCT_A2A, body | _credit_transfer(request)
    if request.method is Method.FI_CARD:
        return PRODUCT_FI, body | _fi_payment(request)
    raise ProviderRejected(f"{request.method.value} is not paid by open banking", provider_code="method")


def _credit_transfer(request: CreatePayment) -> dict[str, Any]:
    creditor_iban = str(request.creditor.get("creditor_iban") or "")
    creditor_name = str(request.creditor.get("creditor_name") or "").strip()
    if not stdnum_iban.is_valid(creditor_iban) or not creditor_name:
        raise ProviderRejected(
            "the account_to_account agreement needs a valid creditor_iban and a creditor_name",
            provider_code="creditor",
        )
    return {
        "creditorAccount": {"iban": stdnum_iban.compact(creditor_iban)},
        "creditorName": creditor_name[:70],
        "remittanceInformationUnstructured": " ".join(request.description.split())[:UNSTRUCTURED_MAX],
    }


def _fi_payment(request: CreatePayment) -> dict[str, Any]:
    """Kortart 71 and 75 carry a payment id and an 8-digit creditor number; the others cannot be paid here."""
    try:
        line = fi_line.parse(request.fi_payment_line or "")
    except fi_line.FiLineError as exc:
        raise ProviderRejected(f"invalid FI payment line: {exc.message}", provider_code="fi_line") from exc
    if line.card_type not in ("71", "75") or line.payment_id is None:
        raise ProviderRejected(
            f"FI-kort type {line.card_type} cannot be paid now by open banking (71 and 75 can)",
            provider_code="fi_line",
        )
    agreed = request.creditor.get("creditor_number")
    if agreed is not None and str(agreed) != line.account:
        raise ProviderRejected(
            "the FI payment line names another creditor than the agreement", provider_code="fi_line"
        )
    return {
        "creditorAccount": {"bban": line.account},
        "remittanceInformationStructured": {
            "reference": f"{line.card_type}/{line.payment_id}",
            "referenceType": "FIK",
        },
    }


def created(request: CreatePayment, product: str, response: dict[str, Any]) -> ProviderPayment:
    """Our view of the bank's answer to an initiation (201 with ``paymentId`` and ``_links``)."""
    bank_id = response.get("paymentId")
    redirect = _href(response, "scaRedirect")
    if not isinstance(bank_id, str) or not bank_id:
        raise ProviderUnavailable("the bank's initiation answer has no paymentId")
    return ProviderPayment(
        payment_id=request.payment_id,
        reference=reference(product, bank_id),
        status=payment_status(response.get("transactionStatus")),
        amount_minor=request.amount_minor,
        currency=request.currency,
        redirect_url=redirect,
        raw=response,
    )


def fetched(ref: str, status: dict[str, Any], details: dict[str, Any]) -> ProviderPayment:
    """Our view of a payment from its status (authoritative) and its details (amount, debtor account)."""
    code = status.get("transactionStatus")
    result = payment_status(code)
    instructed = details.get("instructedAmount")
    if not isinstance(instructed, dict):
        raise ProviderUnavailable("the bank's payment details have no instructedAmount")
    currency = instructed.get("currency")
    minor = amount_minor(instructed.get("amount"), currency)
    debtor = details.get("debtorAccount")
    debtor_iban = debtor.get("iban") if isinstance(debtor, dict) else None
    e2e = details.get("endToEndIdentification")
    return ProviderPayment(
        payment_id=e2e if isinstance(e2e, str) else "",
        reference=ref,
        status=result,
        amount_minor=minor,
        currency=str(currency),
        payer_account=_iban_or_none(debtor_iban),
        failure_reason=_failure(str(code), status) if result in (S.FAILED, S.CANCELLED) else None,
        raw={"status": status, "payment": details},
    )


def _iban_or_none(value: object) -> str | None:
    """The debtor account the payer chose, compacted; anything that is not an IBAN is not remembered."""
    if not isinstance(value, str) or not stdnum_iban.is_valid(value):
        return None
    return str(stdnum_iban.compact(value))


def _failure(code: str, status: dict[str, Any]) -> str:
    _, text = tpp_error(status)
    reason = FAILURE_REASONS[code]
    return reason if text is None else f"{reason}: {text}"


def tpp_error(body: object) -> tuple[str | None, str | None]:
    """The first ``tppMessages`` entry of an error body as ``(code, text)``; ``(None, None)`` if none."""
    messages = body.get("tppMessages") if isinstance(body, dict) else None
    if not isinstance(messages, list) or not messages or not isinstance(messages[0], dict):
        return None, None
    first = messages[0]
    code, text = first.get("code"), first.get("text")
    return (code if isinstance(code, str) else None), (text if isinstance(text, str) else None)


def _href(response: dict[str, Any], name: str) -> str | None:
    links = response.get("_links")
    link = links.get(name) if isinstance(links, dict) else None
    href = link.get("href") if isinstance(link, dict) else None
    return href if isinstance(href, str) else None
