"""``/v1/reminder-policies``; and the reminder parts of payment requests and customers in the API.

Validation answers 422 with an ``errors`` entry per rule broken, named as the request names it and citing
renteloven, and saves nothing; the default moves; the built-in policy is saved as the organisation's own.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from betal import bootstrap
from betal.adapters.clock import FrozenClock
from betal.adapters.security import Argon2PasswordHasher
from betal.bootstrap import Container
from betal.config import Settings
from betal.domain.calendar import business_date
from betal.domain.tenancy import Role
from betal.services.api_key import add_api_key
from betal.services.organisation import CreatedOrganisation
from tests.helpers import assert_problem
from tests.services.dunning_support import START, TOTAL_DUE, overdue_request

PATH = "/v1/reminder-policies"
FEE = 10_000  # 100 kr. in øre, the most renteloven § 9 b allows


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def container(settings: Settings, clock: FrozenClock) -> Iterator[Container]:
    built = bootstrap.build(settings, clock=clock, hasher=Argon2PasswordHasher(fast=True))
    yield built
    built.close()


def _rule(days: int, fee: int = 0, channels: tuple[str, ...] = ("email",)) -> dict[str, Any]:
    return {"days": days, "channels": list(channels), "fee_amount": fee}


def _body(**changes: Any) -> dict[str, Any]:
    body = {
        "name": "Streng", "is_default": False, "send_hour": 10, "charge_interest": True,
        "compensation": False,
        "rules": [_rule(-3), _rule(0, channels=("email", "sms")), _rule(10, FEE), _rule(20, FEE)],
    }  # fmt: skip
    return body | changes


def _ids(client: TestClient, auth: dict[str, str]) -> list[str]:
    return [p["id"] for p in client.get(PATH, headers=auth).json()["data"]]


def _key(container: Container, org: CreatedOrganisation, role: Role) -> dict[str, str]:
    with container.uow() as uow:
        _, plaintext = add_api_key(uow, org.organisation.id, name=role.value, role=role, live=False)
        uow.commit()
    return {"Authorization": f"Bearer {plaintext}"}


class TestList:
    def test_the_built_in_policy_until_the_organisation_saves_its_own(
        self, client: TestClient, auth: dict[str, str]
    ) -> None:
        listed = client.get(PATH, headers=auth)
        assert listed.status_code == 200
        (built_in,) = listed.json()["data"]
        assert listed.json()["next_cursor"] is None
        assert built_in["id"] == "default"
        assert built_in["name"] == "Standard (indbygget)"
        assert built_in["is_default"] is True
        assert [r["key"] for r in built_in["rules"]] == ["d-3", "d0", "d+3", "d+10", "d+20", "d+30"]
        assert built_in["rules"][3] == {
            "key": "d+10",
            "kind": "overdue",
            "days": 10,
            "channels": ["email", "sms"],
            "fee_amount": FEE,
        }
        assert client.get(f"{PATH}/default", headers=auth).json() == built_in


class TestCreate:
    def test_created_and_read_back(self, client: TestClient, auth: dict[str, str]) -> None:
        created = client.post(PATH, headers=auth, json=_body(rules=list(reversed(_body()["rules"]))))
        assert created.status_code == 201, created.text
        data = created.json()
        assert data["id"].startswith("rpol_")
        settings = ("name", "is_default", "send_hour", "charge_interest", "compensation")
        assert {k: data[k] for k in settings} == {k: _body()[k] for k in settings}
        assert [(r["key"], r["kind"], r["fee_amount"]) for r in data["rules"]] == [
            ("d-3", "before_due", 0), ("d0", "on_due", 0), ("d+10", "overdue", FEE), ("d+20", "overdue", FEE)
        ]  # fmt: skip
        assert client.get(f"{PATH}/{data['id']}", headers=auth).json() == data
        assert _ids(client, auth) == ["default", data["id"]]

    def test_idempotency_key(self, client: TestClient, auth: dict[str, str]) -> None:
        headers = auth | {"Idempotency-Key": "policy-1"}
        first = client.post(PATH, headers=headers, json=_body())
        again = client.post(PATH, headers=headers, json=_body())
        assert (again.status_code, again.json()) == (201, first.json())
        assert again.headers["Idempotent-Replayed"] == "true"
        assert_problem(
            client.post(PATH, headers=headers, json=_body(name="Anden")), 409, "idempotency.key_reused"
        )
        assert len(_ids(client, auth)) == 2

    @pytest.mark.parametrize(
        ("rules", "send_hour", "field", "cites"),
        [
            ([_rule(10, FEE), _rule(20, FEE), _rule(30, FEE), _rule(40, FEE)], 9, "rules",
             "renteloven § 9 b: at most 3 reminders on the same claim may carry a fee"),
            ([_rule(-3), _rule(10, 15_000)], 9, "rules.1.fee_amount",
             "renteloven § 9 b: a reminder fee is at most 100 kr."),
            ([_rule(10, FEE), _rule(17, FEE)], 9, "rules",
             "§ 9 b: reminders that carry a fee must be at least 10 days apart (day 10 and day 17"),
            ([_rule(0, 5_000)], 9, "rules.0.fee_amount",
             "renteloven § 9 b: a reminder fee can only be charged after the due date"),
            ([_rule(10)], 22, "send_hour", "reminders are sent between 08:00 and 20:00, never at night"),
            ([_rule(5), _rule(5, channels=("sms",))], 9, "rules.1.days", "two reminders on day 5"),
        ],
        ids=["4-fees", "fee-150-kr", "fees-7-days-apart", "fee-before-due", "send-hour-22", "same-day"],
    )  # fmt: skip
    def test_a_rule_broken_is_422_citing_it_and_nothing_is_saved(
        self, client: TestClient, auth: dict[str, str], rules: list[dict[str, Any]], send_hour: int,
        field: str, cites: str,
    ) -> None:  # fmt: skip
        response = client.post(
            PATH, headers=auth, json=_body(rules=rules, send_hour=send_hour, is_default=True)
        )
        body = assert_problem(response, 422, "reminder_policy.invalid")
        assert any(e["field"] == field and cites in e["message"] for e in body["errors"]), body["errors"]
        assert cites in body["detail"]
        assert _ids(client, auth) == ["default"]

    def test_every_problem_at_once(self, client: TestClient, auth: dict[str, str]) -> None:
        rules = [_rule(20, 20_000), _rule(-3, 1_000), _rule(400)]
        body = assert_problem(
            client.post(PATH, headers=auth, json=_body(rules=rules)), 422, "reminder_policy.invalid"
        )
        assert {e["field"] for e in body["errors"]} == {
            "rules.0.fee_amount",
            "rules.1.fee_amount",
            "rules.2.days",
        }

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"rules": [{"days": 10, "channels": ["email"], "fee_amount": 100.0}]}, "rules.0.fee_amount"),
            ({"rules": [{"days": 10, "channels": ["email"], "fee_amount": "10000"}]}, "rules.0.fee_amount"),
            ({"rules": [{"days": 10, "channels": ["fax"]}]}, "rules.0.channels.0"),
            ({"rules": [{"days": 10, "channels": []}]}, "rules.0.channels"),
            ({"name": ""}, "name"),
            ({"send_hour": "9"}, "send_hour"),
            ({"colour": "blue"}, "colour"),
        ],
    )
    def test_schema(
        self, client: TestClient, auth: dict[str, str], changes: dict[str, Any], field: str
    ) -> None:
        body = assert_problem(client.post(PATH, headers=auth, json=_body(**changes)), 422, "invalid_input")
        assert field in {e["field"] for e in body["errors"]}

    def test_a_viewer_reads_but_cannot_create(
        self, client: TestClient, container: Container, org: CreatedOrganisation
    ) -> None:
        viewer = _key(container, org, Role.VIEWER)
        assert client.get(PATH, headers=viewer).status_code == 200
        assert_problem(client.post(PATH, headers=viewer, json=_body()), 403, "role.forbidden")


class TestUpdate:
    def test_the_default_moves(self, client: TestClient, auth: dict[str, str]) -> None:
        first = client.post(PATH, headers=auth, json=_body(name="Første", is_default=True)).json()
        assert _ids(client, auth) == [first["id"]]  # the built-in one is no longer listed
        second = client.post(PATH, headers=auth, json=_body(name="Anden")).json()
        moved = client.put(f"{PATH}/{second['id']}", headers=auth, json=_body(name="Anden", is_default=True))
        assert moved.status_code == 200, moved.text
        assert moved.json()["is_default"] is True
        listed = {p["id"]: p["is_default"] for p in client.get(PATH, headers=auth).json()["data"]}
        assert listed == {first["id"]: False, second["id"]: True}
        assert_problem(client.get(f"{PATH}/default", headers=auth), 404, "reminder_policy.not_found")

    def test_saving_the_built_in_policy_creates_the_default(
        self, client: TestClient, auth: dict[str, str]
    ) -> None:
        built_in = client.get(f"{PATH}/default", headers=auth).json()
        rules = [{k: r[k] for k in ("days", "channels", "fee_amount")} for r in built_in["rules"]]
        saved = client.put(f"{PATH}/default", headers=auth, json=_body(name="Vores", rules=rules))
        assert saved.status_code == 200, saved.text
        assert saved.json()["id"].startswith("rpol_")
        assert saved.json()["is_default"] is True
        assert _ids(client, auth) == [saved.json()["id"]]

    def test_an_invalid_change_saves_nothing(self, client: TestClient, auth: dict[str, str]) -> None:
        created = client.post(PATH, headers=auth, json=_body()).json()
        response = client.put(
            f"{PATH}/{created['id']}", headers=auth, json=_body(name="Ny", rules=[_rule(3, 15_000)])
        )
        assert_problem(response, 422, "reminder_policy.invalid")
        assert client.get(f"{PATH}/{created['id']}", headers=auth).json() == created

    def test_another_organisations_policy_is_404_before_the_body_is_read(
        self, client: TestClient, auth: dict[str, str], other_org: CreatedOrganisation
    ) -> None:
        theirs = client.post(
            PATH, headers={"Authorization": f"Bearer {other_org.api_key}"}, json=_body()
        ).json()
        for body in (_body(), {}):
            assert_problem(
                client.put(f"{PATH}/{theirs['id']}", headers=auth, json=body),
                404,
                "reminder_policy.not_found",
            )
        assert_problem(client.get(f"{PATH}/rpol_nope", headers=auth), 404, "reminder_policy.not_found")


class TestPaymentRequests:
    def _customer(self, client: TestClient, auth: dict[str, str]) -> str:
        made = client.post("/v1/customers", headers=auth, json={"name": "Jens", "email": "j@example.dk"})
        return str(made.json()["id"])

    def _request(self, client: TestClient, auth: dict[str, str], container: Container, **extra: Any) -> Any:
        due = business_date(container.clock.now()) + timedelta(days=14)
        body = {"customer_id": self._customer(client, auth), "amount": 50_000, "currency": "DKK",
                "due_date": due.isoformat(), "description": "Leje", "allowed_methods": ["card"]}  # fmt: skip
        body |= extra
        return client.post("/v1/payment-requests", headers=auth, json=body)

    def test_a_request_on_a_policy_of_its_own(
        self, client: TestClient, auth: dict[str, str], container: Container, other_org: CreatedOrganisation
    ) -> None:
        policy = client.post(PATH, headers=auth, json=_body()).json()
        created = self._request(client, auth, container, reminder_policy_id=policy["id"])
        assert created.status_code == 201, created.text
        detail = client.get(f"/v1/payment-requests/{created.json()['id']}", headers=auth).json()
        assert detail["reminder_policy_id"] == policy["id"]
        assert (detail["total_due"], detail["outstanding"], detail["reminders"]) == (50_000, 50_000, [])
        assert detail["charges"] == [
            {
                "kind": "amount",
                "amount": 50_000,
                "period_start": None,
                "period_end": None,
                "rate_percent": None,
            }
        ]
        theirs = client.post(
            PATH, headers={"Authorization": f"Bearer {other_org.api_key}"}, json=_body()
        ).json()
        refused = assert_problem(
            self._request(client, auth, container, reminder_policy_id=theirs["id"]), 422, "invalid_input"
        )
        assert [e["field"] for e in refused["errors"]] == ["reminder_policy_id"]

    def test_the_reminders_sent_and_the_lines_of_the_amount_due(
        self, client: TestClient, auth: dict[str, str], container: Container, clock: FrozenClock,
        org: CreatedOrganisation,
    ) -> None:  # fmt: skip
        request_id = overdue_request(container, clock, org)
        detail = client.get(f"/v1/payment-requests/{request_id}", headers=auth).json()
        assert detail["status"] == "overdue"
        assert (detail["amount"], detail["total_due"], detail["outstanding"]) == (
            100_000,
            TOTAL_DUE,
            TOTAL_DUE,
        )
        assert [(c["kind"], c["amount"]) for c in detail["charges"]] == [
            ("amount", 100_000), ("compensation", 31_000), ("interest", 298), ("reminder_fee", 10_000),
            ("interest", 190),
        ]  # fmt: skip
        assert (
            detail["charges"][2] | {"period_start": "2026-03-05", "period_end": "2026-03-16"}
            == detail["charges"][2]
        )
        assert detail["charges"][2]["rate_percent"] == "9.75"
        sent = {"status": "sent", "reason": None}
        assert detail["reminders"] == [
            {"rule_key": "d0", "kind": "on_due", "fee": 0, "date": "2026-03-05"} | sent,
            {"rule_key": "d+3", "kind": "overdue", "fee": 0, "date": "2026-03-16"} | sent,
            {"rule_key": "d+10", "kind": "overdue", "fee": FEE, "date": "2026-03-23"} | sent,
        ]


class TestCustomerPreferences:
    def test_language_and_channels_are_accepted_and_returned(
        self, client: TestClient, auth: dict[str, str]
    ) -> None:
        body = {"name": "Jens", "email": "j@example.dk", "phone": "20304050", "language": "en",
                "notification_channels": ["sms", "email"]}  # fmt: skip
        created = client.post("/v1/customers", headers=auth, json=body)
        assert created.status_code == 201, created.text
        assert (created.json()["language"], created.json()["notification_channels"]) == (
            "en",
            ["sms", "email"],
        )
        plain = client.post(
            "/v1/customers", headers=auth, json={"name": "Ida", "email": "i@example.dk"}
        ).json()
        assert (plain["language"], plain["notification_channels"]) == ("da", [])

    @pytest.mark.parametrize(
        ("changes", "field", "message"),
        [
            ({"notification_channels": ["sms"]}, "notification_channels", "sms is listed, but the"),
            ({"notification_channels": ["pigeon"]}, "notification_channels", "channels are email, sms, push"),
            ({"language": "sv"}, "language", "must be one of da, en"),
            ({"email": "not-an-address"}, "email", "is not an e-mail address"),
        ],
    )  # fmt: skip
    def test_bad_preferences_are_422(
        self, client: TestClient, auth: dict[str, str], changes: dict[str, Any], field: str, message: str
    ) -> None:
        body = {"name": "Jens", "email": "j@example.dk"} | changes
        refused = assert_problem(client.post("/v1/customers", headers=auth, json=body), 422, "invalid_input")
        assert [(e["field"], message in e["message"]) for e in refused["errors"]] == [(field, True)]
        assert client.get("/v1/customers", headers=auth).json()["data"] == []
