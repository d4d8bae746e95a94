"""The approval rules, table by table: approvals needed, who may decide, the outcome of a round, late
approval, comments, the policy's problems, and what a signed link carries and when it expires."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from betal.domain.approval import (
    ApprovalDecision,
    ApprovalPolicy,
    Decision,
    LinkClaims,
    Via,
    approvals_needed,
    check_decision,
    clean_comment,
    eligible_approvers,
    execution_after_approval,
    link_expiry,
    outcome,
    policy_problems,
)
from betal.domain.errors import Conflict, Forbidden, InvalidInput
from betal.domain.payables import OrderStatus

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
APPROVE, REJECT = Decision.APPROVE, Decision.REJECT


def policy(
    required: int = 1, threshold: int | None = None, approvers: tuple[str, ...] = ("anna", "bent")
) -> ApprovalPolicy:
    return ApprovalPolicy("org_1", required, approvers, threshold)


def made(approver: str, decision: Decision, round_: int = 1) -> ApprovalDecision:
    return ApprovalDecision(
        "adec_1", "org_1", "appr_1", "pord_1", approver, round_, decision, None, Via.API, T0
    )


class TestApprovalsNeeded:
    @pytest.mark.parametrize(
        ("required", "threshold", "amount", "dual", "expected"),
        [
            (1, None, 10_000_000, False, 1),  # no threshold: the policy's number
            (2, None, 100, False, 2),
            (1, 5_000_000, 5_000_000, False, 1),  # at the threshold: not above it
            (1, 5_000_000, 5_000_001, False, 2),  # above it: two
            (1, 0, 1, False, 2),
            (1, None, 100, True, 2),  # the supplier's bank details changed: two whatever the policy says
            (1, 5_000_000, 100, True, 2),
            (2, 5_000_000, 100, True, 2),  # never more than two
        ],
    )
    def test_table(
        self, required: int, threshold: int | None, amount: int, dual: bool, expected: int
    ) -> None:
        assert approvals_needed(policy(required, threshold), amount, dual) == expected


class TestCheckDecision:
    @pytest.mark.parametrize(
        ("decider", "creator", "decision", "earlier", "error", "code"),
        [
            ("carl", "jonas", APPROVE, [], Forbidden, "approval.not_an_approver"),
            ("carl", "jonas", REJECT, [], Forbidden, "approval.not_an_approver"),
            ("anna", "anna", APPROVE, [], Forbidden, "approval.own_order"),
            ("anna", "jonas", APPROVE, [made("anna", APPROVE)], Conflict, "approval.already_decided"),
            ("anna", "jonas", REJECT, [made("anna", APPROVE)], Conflict, "approval.already_decided"),
        ],
    )  # fmt: skip
    def test_refusals(
        self, decider: str, creator: str, decision: Decision, earlier: list[ApprovalDecision],
        error: type[Exception], code: str,
    ) -> None:  # fmt: skip
        with pytest.raises(error) as caught:
            check_decision(policy(), creator, decider, decision, earlier)
        assert caught.value.code == code  # type: ignore[attr-defined]

    @pytest.mark.parametrize(
        ("decider", "creator", "decision", "earlier"),
        [
            ("anna", "jonas", APPROVE, []),
            ("anna", None, APPROVE, []),  # made with an API key: any approver may approve
            ("anna", "anna", REJECT, []),  # the creator may still stop their own order
            ("bent", "jonas", APPROVE, [made("anna", APPROVE)]),  # a second approver
        ],
    )
    def test_allowed(
        self, decider: str, creator: str | None, decision: Decision, earlier: list[ApprovalDecision]
    ) -> None:
        check_decision(policy(), creator, decider, decision, earlier)


class TestOutcome:
    @pytest.mark.parametrize(
        ("required", "decisions", "expected"),
        [
            (1, [], None),
            (1, [made("anna", APPROVE)], OrderStatus.APPROVED),
            (2, [made("anna", APPROVE)], None),
            (2, [made("anna", APPROVE), made("anna", APPROVE)], None),  # two approvals of one approver: one
            (2, [made("anna", APPROVE), made("bent", APPROVE)], OrderStatus.APPROVED),
            (1, [made("anna", REJECT)], OrderStatus.REJECTED),
            (2, [made("anna", APPROVE), made("bent", REJECT)], OrderStatus.REJECTED),  # any rejection rejects
        ],
    )
    def test_table(
        self, required: int, decisions: list[ApprovalDecision], expected: OrderStatus | None
    ) -> None:
        assert outcome(required, decisions) is expected


class TestEligibleApprovers:
    def test_everyone_but_the_creator(self) -> None:
        assert eligible_approvers(("anna", "bent"), "anna") == ("bent",)
        assert eligible_approvers(("anna", "bent"), None) == ("anna", "bent")


class TestExecutionAfterApproval:
    @pytest.mark.parametrize(
        ("execution", "today", "expected"),
        [
            (date(2026, 11, 30), date(2026, 11, 23), date(2026, 11, 30)),  # in time: unchanged
            (date(2026, 11, 23), date(2026, 11, 23), date(2026, 11, 23)),  # on the day: unchanged
            (date(2026, 11, 23), date(2026, 11, 24), date(2026, 11, 25)),  # late: the next banking day
            (date(2026, 11, 25), date(2026, 11, 27), date(2026, 11, 30)),  # a Friday: the Monday
            (date(2026, 12, 22), date(2026, 12, 23), date(2026, 12, 28)),  # over Christmas
        ],
    )
    def test_table(self, execution: date, today: date, expected: date) -> None:
        assert execution_after_approval(execution, today) == expected


class TestCleanComment:
    @pytest.mark.parametrize(("given", "kept"), [(None, None), ("", None), ("  \n", None), (" ok ", "ok"),
                                                 ("two\nlines", "two\nlines")])  # fmt: skip
    def test_kept(self, given: str | None, kept: str | None) -> None:
        assert clean_comment(given) == kept

    @pytest.mark.parametrize("given", ["x" * 501, "bell\x07"])
    def test_refused(self, given: str) -> None:
        with pytest.raises(InvalidInput) as caught:
            clean_comment(given)
        assert caught.value.errors[0].field == "comment"


class TestPolicyProblems:
    @pytest.mark.parametrize(
        ("required", "approvers", "threshold", "remind", "fields"),
        [
            (1, ["anna"], None, 1, []),
            (2, ["anna", "bent"], None, 0, []),
            (1, ["anna", "bent"], 5_000_000, 30, []),
            (3, ["anna", "bent", "carl"], None, 1, ["required_approvals"]),
            (0, ["anna"], None, 1, ["required_approvals"]),
            (1, [], None, 1, ["approver_user_ids"]),
            (1, ["anna", "anna"], None, 1, ["approver_user_ids"]),
            (2, ["anna"], None, 1, ["approver_user_ids"]),  # two needed, one approver
            (1, ["anna"], 5_000_000, 1, ["approver_user_ids"]),  # above the threshold two are needed
            (1, ["anna", "bent"], -1, 1, ["dual_threshold_amount"]),
            (1, ["anna"], None, 31, ["remind_days_before"]),
            (5, [], -1, -1, ["required_approvals", "approver_user_ids", "dual_threshold_amount",
                             "remind_days_before"]),
        ],
    )  # fmt: skip
    def test_table(self, required: int, approvers: list[str], threshold: int | None, remind: int,
                   fields: list[str]) -> None:  # fmt: skip
        assert [p.field for p in policy_problems(required, approvers, threshold, remind)] == fields


class TestLinkClaims:
    CLAIMS = LinkClaims("a1b2", "org_1", "appr_1", "usr_1", ("pord_1", "pord_2"), APPROVE, 1_800_000_000)

    def test_round_trip(self) -> None:
        assert LinkClaims.from_json(self.CLAIMS.to_json()) == self.CLAIMS

    @given(st.text())
    def test_anything_else_is_an_invalid_link(self, text: str) -> None:
        with pytest.raises(InvalidInput) as caught:
            LinkClaims.from_json(text)
        assert caught.value.code == "token.invalid"

    @pytest.mark.parametrize(
        "change",
        [{"decision": "maybe"}, {"expires_at": "soon"}, {"expires_at": True}, {"payment_order_ids": [1]},
         {"link_id": ""}, {"organisation_id": None}],
    )  # fmt: skip
    def test_wrong_shapes_are_invalid(self, change: dict[str, object]) -> None:
        import json

        data = json.loads(self.CLAIMS.to_json()) | change
        with pytest.raises(InvalidInput) as caught:
            LinkClaims.from_json(json.dumps(data))
        assert caught.value.code == "token.invalid"

    def test_missing_fields_are_invalid(self) -> None:
        with pytest.raises(InvalidInput):
            LinkClaims.from_json('{"link_id": "x"}')

    def test_expired_from_its_expiry_on(self) -> None:
        at = datetime.fromtimestamp(self.CLAIMS.expires_at, UTC)
        assert not self.CLAIMS.expired(at - timedelta(seconds=1))
        assert self.CLAIMS.expired(at)


class TestLinkExpiry:
    def test_seven_days_when_the_orders_run_sooner(self) -> None:
        assert link_expiry(T0, [date(2026, 11, 24)]) == int((T0 + timedelta(days=7)).timestamp())

    def test_the_end_of_the_last_execution_date_when_later(self) -> None:
        end = datetime(2026, 12, 22, 0, 0, tzinfo=UTC) - timedelta(hours=1)  # midnight in Copenhagen
        assert link_expiry(T0, [date(2026, 11, 24), date(2026, 12, 21)]) == int(end.timestamp())
