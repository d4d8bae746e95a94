"""/v1/bank-statements, /v1/statement-entries and /v1/reconciliation over HTTP, errors as problem+json."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from betal.bootstrap import Container
from betal.domain.tenancy import Role
from betal.services.api_key import add_api_key
from betal.services.organisation import CreatedOrganisation
from tests.helpers import assert_problem
from tests.services.banking_support import Line, camt053, customer, own_account, request, written

XML = {"Content-Type": "application/xml"}


def upload(client: TestClient, auth: dict[str, str], body: bytes, **headers: str) -> Any:
    return client.post("/v1/bank-statements", headers=auth | XML | headers, content=body)


class TestImport:
    def test_created_then_the_same_file_again(
        self, client: TestClient, auth: dict[str, str], container: Container, org: CreatedOrganisation
    ) -> None:
        wanted = request(container, org, customer(container, org), 125_000)
        lines = [Line("1250.00", reference=f"71/{wanted.fi_payment_id}", name="Jens Hansen"), Line("10.00")]
        body = written(own_account(container, org), lines)
        first = upload(client, auth, body)
        assert first.status_code == 201, first.text
        data = first.json()
        assert data["created"] is True
        assert (data["entry_count"], data["match_count"]) == (2, 1)
        assert data["statement"]["kind"] == "camt.053"
        assert [e["amount"] for e in data["entries"]] == [125_000, 1_000]
        assert [e["match_status"] for e in data["entries"]] == ["matched", "unmatched"]
        [match] = data["matches"]
        assert (match["target_id"], match["rule"], match["confidence"]) == (wanted.id, "reference", 100)
        again = upload(client, auth, body)
        assert again.status_code == 200
        assert again.json()["statement"]["id"] == data["statement"]["id"]
        assert (again.json()["created"], again.json()["entries"], again.json()["matches"]) == (False, [], [])
        paid = client.get(f"/v1/payment-requests/{wanted.id}", headers=auth).json()
        assert paid["status"] == "paid"

    def test_a_malformed_file_names_the_line(
        self, client: TestClient, auth: dict[str, str], container: Container, org: CreatedOrganisation
    ) -> None:
        body = camt053(own_account(container, org), [Line("1.005")])
        problem = assert_problem(upload(client, auth, body), 422, "amount.precision")
        assert problem["detail"].startswith("line ")
        assert problem["errors"] == [{"field": "body", "message": problem["detail"]}]
        assert client.get("/v1/bank-statements", headers=auth).json()["data"] == []
        assert_problem(upload(client, auth, b"<Document/>"), 422, "bank_statement.malformed")

    def test_other_media_types_are_415(self, client: TestClient, auth: dict[str, str]) -> None:
        response = client.post(
            "/v1/bank-statements", headers=auth | {"Content-Type": "text/csv"}, content=b"a"
        )
        assert_problem(response, 415, "unsupported_media_type")

    def test_a_viewer_may_not_import(
        self, client: TestClient, container: Container, org: CreatedOrganisation
    ) -> None:
        with container.uow() as uow:
            _key, viewer = add_api_key(uow, org.organisation.id, name="Læser", role=Role.VIEWER, live=False)
            uow.commit()
        body = camt053(own_account(container, org), [Line("1.00")])
        assert_problem(upload(client, {"Authorization": f"Bearer {viewer}"}, body), 403, "role.forbidden")

    def test_idempotency_key(
        self, client: TestClient, auth: dict[str, str], container: Container, org: CreatedOrganisation
    ) -> None:
        account = own_account(container, org)
        first = upload(client, auth, camt053(account, [Line("1.00")]), **{"Idempotency-Key": "s1"})
        replay = upload(client, auth, camt053(account, [Line("1.00")]), **{"Idempotency-Key": "s1"})
        assert (first.status_code, replay.status_code) == (201, 201)
        assert replay.headers["Idempotent-Replayed"] == "true"
        other = upload(client, auth, camt053(account, [Line("2.00")]), **{"Idempotency-Key": "s1"})
        assert_problem(other, 409, "idempotency.key_reused")


class TestReading:
    def test_statements_entries_and_an_entry(
        self, client: TestClient, auth: dict[str, str], container: Container, org: CreatedOrganisation
    ) -> None:
        account = own_account(container, org)
        statement = upload(client, auth, camt053(account, [Line("1.00"), Line("2.00"), Line("3.00")])).json()
        statement_id = statement["statement"]["id"]
        listed = client.get("/v1/bank-statements", headers=auth).json()
        assert [s["id"] for s in listed["data"]] == [statement_id]
        detail = client.get(f"/v1/bank-statements/{statement_id}", headers=auth).json()
        assert detail["entries"] == {"unmatched": 3, "partial": 0, "matched": 0, "ignored": 0}
        page = client.get(f"/v1/bank-statements/{statement_id}/entries?limit=2", headers=auth).json()
        assert [e["amount"] for e in page["data"]] == [100, 200]
        rest = client.get(
            f"/v1/bank-statements/{statement_id}/entries?cursor={page['next_cursor']}", headers=auth
        )
        assert [e["amount"] for e in rest.json()["data"]] == [300]
        entry = client.get(f"/v1/statement-entries/{page['data'][0]['id']}", headers=auth).json()
        assert (entry["amount"], entry["matches"]) == (100, [])
        assert_problem(
            client.get("/v1/bank-statements/stmt_nope", headers=auth), 404, "bank_statement.not_found"
        )
        assert_problem(
            client.get("/v1/statement-entries/ent_nope", headers=auth), 404, "statement_entry.not_found"
        )


class TestReconciliation:
    def test_unmatched_with_suggestions_then_a_manual_match(
        self, client: TestClient, auth: dict[str, str], container: Container, org: CreatedOrganisation
    ) -> None:
        wanted = request(container, org, customer(container, org), 125_000)
        upload(client, auth, camt053(own_account(container, org), [Line("1250.00", name="J. Hansen")]))
        [item] = client.get("/v1/reconciliation/unmatched", headers=auth).json()["data"]
        [suggestion] = item["suggestions"]
        assert suggestion["payment_request_ids"] == [wanted.id]
        assert (
            suggestion["explanation"]
            == "Same amount 1.250,00 DKK; payer 'J. Hansen' resembles customer 'Jens Hansen'"
        )
        body = {"entry_id": item["id"], "payment_request_ids": suggestion["payment_request_ids"]}
        made = client.post("/v1/reconciliation/matches", headers=auth, json=body)
        assert made.status_code == 201, made.text
        assert made.json()["entry"]["match_status"] == "matched"
        [match] = made.json()["matches"]
        assert (match["rule"], match["confidence"], match["created_by"]) == (
            "manual",
            100,
            org_key_id(client, auth),
        )
        assert client.get("/v1/reconciliation/unmatched", headers=auth).json()["data"] == []
        listed = client.get(f"/v1/reconciliation/matches?entry_id={item['id']}", headers=auth).json()["data"]
        assert [m["id"] for m in listed] == [match["id"]]
        assert (
            client.get(f"/v1/reconciliation/matches/{match['id']}", headers=auth).json()["id"] == match["id"]
        )
        again = client.post("/v1/reconciliation/matches", headers=auth, json=body)
        assert_problem(again, 409, "match.entry_matched")

    def test_overpay_and_bad_bodies(
        self, client: TestClient, auth: dict[str, str], container: Container, org: CreatedOrganisation
    ) -> None:
        wanted = request(container, org, customer(container, org), 1_000)
        [entry] = upload(client, auth, camt053(own_account(container, org), [Line("20.00")])).json()[
            "entries"
        ]
        body = {"entry_id": entry["id"], "payment_request_ids": [wanted.id]}
        problem = assert_problem(
            client.post("/v1/reconciliation/matches", headers=auth, json=body), 422, "match.overpay"
        )
        assert "would overpay" in problem["detail"]
        assert problem["errors"][0]["field"] == "payment_request_ids"
        unknown = {"entry_id": "ent_nope", "payment_request_ids": [wanted.id]}
        assert_problem(
            client.post("/v1/reconciliation/matches", headers=auth, json=unknown),
            404,
            "statement_entry.not_found",
        )
        extra = body | {"amount": 1}
        assert client.post("/v1/reconciliation/matches", headers=auth, json=extra).status_code == 422

    def test_reverse_and_ignore(
        self, client: TestClient, auth: dict[str, str], container: Container, org: CreatedOrganisation
    ) -> None:
        wanted = request(container, org, customer(container, org), 1_000, reference="F-1001")
        data = upload(
            client, auth, camt053(own_account(container, org), [Line("10.00", reference="F-1001")])
        ).json()
        [match] = data["matches"]
        reversed_ = client.post(f"/v1/reconciliation/matches/{match['id']}/reverse", headers=auth)
        assert (reversed_.status_code, reversed_.json()["status"]) == (200, "reversed")
        assert client.get(f"/v1/payment-requests/{wanted.id}", headers=auth).json()["status"] == "open"
        twice = client.post(f"/v1/reconciliation/matches/{match['id']}/reverse", headers=auth)
        assert_problem(twice, 409, "match.reversed")
        entry_id = data["entries"][0]["id"]
        ignored = client.post(f"/v1/reconciliation/entries/{entry_id}/ignore", headers=auth)
        assert ignored.json()["match_status"] == "ignored"
        assert client.get("/v1/reconciliation/unmatched", headers=auth).json()["data"] == []
        back = client.post(f"/v1/reconciliation/entries/{entry_id}/unignore", headers=auth)
        assert back.json()["match_status"] == "unmatched"


def org_key_id(client: TestClient, auth: dict[str, str]) -> str:
    """The id of the API key ``auth`` carries (the principal a manual match records)."""
    keys = client.get("/v1/api-keys", headers=auth).json()["data"]
    return str(keys[0]["id"])


@pytest.mark.parametrize(
    "path", ["/v1/bank-statements", "/v1/reconciliation/unmatched", "/v1/reconciliation/matches"]
)
def test_lists_need_a_key(client: TestClient, path: str) -> None:
    assert_problem(client.get(path), 401, "api_key.missing")
