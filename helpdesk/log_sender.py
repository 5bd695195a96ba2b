"""The sender for tickets whose channel has no sender (a phone call logged by an agent)."""

from __future__ import annotations

import logging

from helpdesk.ports import DeliveryReceipt, OutboundMessage

log = logging.getLogger(__name__)


class LoggingSender:
    """Sends nothing and says so: the reply stays on the ticket's timeline marked `not_sent`
    with the reason, so the agent knows the customer has not received it."""

    channel = "log"

    def __init__(self) -> None:
        self.sent: list[OutboundMessage] = []

    async def can_send(self, source: str | None) -> bool:
        return False

    async def send(self, message: OutboundMessage) -> DeliveryReceipt:
        reason = f"no {message.channel} channel is set up"
        return self.not_sent(message, reason)

    def not_sent(self, message: OutboundMessage, reason: str) -> DeliveryReceipt:
        """The receipt for a message that went nowhere, logged with its reason."""
        log.info(
            "ticket #%s: %s %s not sent (%s); kept on the ticket only",
            message.ticket_number,
            message.kind,
            message.outbox_id,
            reason,
        )
        self.sent.append(message)
        return DeliveryReceipt(not_sent=reason)
