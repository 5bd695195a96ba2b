"""Bounces: RFC 3464 delivery-status reports and the common non-standard MTA formats."""

from __future__ import annotations

from email.message import Message

from channels.base import Bounce, FailedRecipient
from channels.email._mime import Walked

__all__ = ["Bounce", "FailedRecipient", "detect"]


def detect(msg: Message, walked: Walked, text: str, subject: str) -> Bounce | None:
    return None
