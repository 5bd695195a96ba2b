"""A ReplySender that records deliveries: the network edge of the core's delivery tests."""

from __future__ import annotations

from helpdesk.errors import DeliveryError
from helpdesk.ports import DeliveryReceipt, OutboundMessage


class RecordingSender:
    def __init__(self, channel: str = "email", failures: list[DeliveryError] | None = None) -> None:
        self.channel = channel
        self.sent: list[OutboundMessage] = []
        self.failures = list(failures or [])
        self.attempts = 0

    async def send(self, message: OutboundMessage) -> DeliveryReceipt:
        self.attempts += 1
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(message)
        return DeliveryReceipt(external_id=f"<out-{message.message_id}@help.test>")
