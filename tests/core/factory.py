"""Builders for inbound messages, so tests say only what matters to them."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

from channels.base import Identity, InboundMessage

_ids = itertools.count(1)


def email_in(
    sender: str = "ayse@example.com",
    subject: str = "Printer on fire",
    text: str = "Hello, the printer is on fire.",
    **fields: Any,
) -> InboundMessage:
    return InboundMessage(
        channel=fields.pop("channel", "email"),
        external_id=fields.pop("external_id", f"<m{next(_ids)}@mail.example.com>"),
        sender=Identity("email", sender, fields.pop("name", "")),
        subject=subject,
        text=text,
        full_text=fields.pop("full_text", text),
        received_at=fields.pop("received_at", datetime(2026, 11, 23, 9, 0, tzinfo=UTC)),
        **fields,
    )
