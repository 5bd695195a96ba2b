"""The sender for tickets whose channel has no sender (a phone call logged by an agent)."""

from __future__ import annotations

import logging

from helpdesk.ports import DeliveryReceipt, OutboundMessage

log = logging.getLogger(__name__)


class LoggingSender:
    """Records the reply in the log and marks it delivered: the agent tells the customer
    themselves (on the phone), and the reply stays on the ticket's timeline."""

    channel = "log"

    def __init__(self) -> None:
        self.sent: list[OutboundMessage] = []

    async def send(self, message: OutboundMessage) -> DeliveryReceipt:
        log.info(
            "ticket #%s has no %s sender; reply %s kept on the ticket only",
            message.ticket_number,
            message.channel,
            message.message_id,
        )
        self.sent.append(message)
        return DeliveryReceipt()
