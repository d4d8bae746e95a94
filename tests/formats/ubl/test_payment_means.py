"""Tests for betal.formats.ubl.payment_means over the vectors in data/ubl/payment_means.json."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from betal.formats.ubl.model import PaymentMeans
from betal.formats.ubl.payment_means import read_payment_means
from betal.formats.ubl.tree import Doc
from tests.formats.ubl.fragments import element

VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).parents[1] / "data" / "ubl" / "payment_means.json").read_text("utf-8")
)


def rows(group: str) -> list[Any]:
    return [pytest.param(row, id=row["note"]) for row in VECTORS[group]]


def expected_means(fields: dict[str, str]) -> PaymentMeans:
    values: dict[str, Any] = dict(fields)
    if "due_date" in values:
        values["due_date"] = date.fromisoformat(values["due_date"])
    return PaymentMeans(**values)


class TestReadPaymentMeans:
    @pytest.mark.parametrize("row", rows("valid"))
    def test_valid(self, row: dict[str, Any]) -> None:
        doc = Doc("DKK")
        assert read_payment_means(doc, element(row["xml"]), danish=row["danish"]) == (
            expected_means(row["expected"]),
        )
        assert doc.problems == []

    @pytest.mark.parametrize("row", rows("invalid"))
    def test_invalid(self, row: dict[str, Any]) -> None:
        doc = Doc("DKK")
        assert read_payment_means(doc, element(row["xml"]), danish=row["danish"]) == ()
        assert [(p.code, p.field, p.reason) for p in doc.problems] == [
            ("invalid_payment_means", "PaymentMeans[1]", f"PaymentMeans[1]: {row['error']}")
        ]

    def test_none_at_all(self) -> None:
        doc = Doc("DKK")
        assert read_payment_means(doc, element("<cbc:ID>1</cbc:ID>"), danish=True) == ()
        assert [(p.line, p.code, p.reason) for p in doc.problems] == [
            (1, "no_payment_means", "no payment means: the document does not say how to pay")
        ]

    def test_a_bad_one_beside_a_good_one(self) -> None:
        """Each means is judged alone: the good one is returned, the bad one reported with its line."""
        good, bad = VECTORS["valid"][0]["xml"], VECTORS["invalid"][3]["xml"]
        doc = Doc("DKK")
        means = read_payment_means(doc, element(f"{good}\n{bad}"), danish=True)
        assert [m.fi_payment_id for m in means] == ["000100017156728"]
        assert [(p.line, p.field) for p in doc.problems] == [(2, "PaymentMeans[2]")]

    def test_the_problem_points_at_the_faulty_element(self) -> None:
        xml = (
            "<cac:PaymentMeans>\n<cbc:PaymentMeansCode>93</cbc:PaymentMeansCode>\n"
            "<cbc:PaymentID>71#000100017156728</cbc:PaymentID>\n"
            "<cac:PayeeFinancialAccount>\n<cbc:ID>123</cbc:ID>\n</cac:PayeeFinancialAccount>\n</cac:PaymentMeans>"
        )
        doc = Doc("DKK")
        read_payment_means(doc, element(xml), danish=True)
        assert [p.line for p in doc.problems] == [5]

    def test_a_bad_due_date_is_reported_and_the_means_kept(self) -> None:
        xml = (
            "<cac:PaymentMeans><cbc:PaymentMeansCode>97</cbc:PaymentMeansCode>"
            "<cbc:PaymentDueDate>31-12-2026</cbc:PaymentDueDate></cac:PaymentMeans>"
        )
        doc = Doc("DKK")
        assert read_payment_means(doc, element(xml), danish=True) == (PaymentMeans("97", "other"),)
        assert [(p.code, p.field) for p in doc.problems] == [
            ("invalid_date", "PaymentMeans[1]/PaymentDueDate")
        ]
