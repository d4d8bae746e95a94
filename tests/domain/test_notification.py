"""Outbox message kinds."""

from __future__ import annotations

from betal.domain.notification import Channel, DeliveryStatus


class TestChannels:
    def test_values_are_the_configuration_keys(self) -> None:
        assert [c.value for c in Channel] == ["email", "sms", "push"]
        assert DeliveryStatus("sent") is DeliveryStatus.SENT
