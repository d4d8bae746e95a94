from __future__ import annotations

import pytest

from betal.domain.delivery import DeliveryResult, route, settle
from betal.domain.notification import Channel, DeliveryStatus


class TestDeliveryResult:
    def test_constructors_name_the_outcome(self) -> None:
        assert DeliveryResult.sent() == DeliveryResult("sent", "")
        assert DeliveryResult.retry("SMTP 451") == DeliveryResult("retry", "SMTP 451")
        assert DeliveryResult.permanent_failure("SMTP 550").outcome == "permanent_failure"


class TestRoute:
    def test_a_configured_channel_delivers_itself(self) -> None:
        assert route(Channel.EMAIL, {Channel.EMAIL, Channel.SMS}) is Channel.EMAIL

    def test_an_unconfigured_channel_falls_back_to_the_dev_mailbox_not_another_channel(self) -> None:
        assert route(Channel.EMAIL, {Channel.SMS}) is None
        assert route(Channel.PUSH, set()) is None


class TestSettle:
    @pytest.mark.parametrize("final", [False, True])
    def test_sent_is_sent(self, final: bool) -> None:
        assert settle(DeliveryResult.sent(), final_attempt=final) is DeliveryStatus.SENT

    @pytest.mark.parametrize("final", [False, True])
    def test_permanent_failure_is_failed_at_once(self, final: bool) -> None:
        assert settle(DeliveryResult.permanent_failure("550"), final_attempt=final) is DeliveryStatus.FAILED

    def test_retry_means_try_again_until_the_last_attempt(self) -> None:
        assert settle(DeliveryResult.retry("451"), final_attempt=False) is None
        assert settle(DeliveryResult.retry("451"), final_attempt=True) is DeliveryStatus.FAILED
