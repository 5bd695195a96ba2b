"""System mail: staff mail that belongs to no ticket (a password reset link, an invitation).

It goes through the outbox like every other message, so it is written in the caller's
transaction, delivered after commit, retried on transient failures, and recorded as sent only
when the channel's server accepted it.
"""

from __future__ import annotations

from typing import Any

from helpdesk.inbound import Identity
from helpdesk.services.outbox import enqueue
from helpdesk.store import Store

SYSTEM_KIND = "system"


async def queue_system_mail(
    store: Store,
    *,
    to: Identity,
    subject: str,
    text: str,
    language: str,
    purpose: str,
    channel: str = "email",
) -> int:
    """Queue one mail to a staff member or anyone else, not about a ticket; returns the outbox id.

    `text` is already in `language` (the caller renders it); `purpose` ("password_reset",
    "invitation") is kept with the entry so an admin can tell the mails apart."""
    payload: dict[str, Any] = {
        "to": [{"kind": to.kind, "address": to.address, "display_name": to.display_name}],
        "subject": subject,
        "text": text,
        "html": None,
        "language": language,
        "purpose": purpose,
    }
    return await enqueue(
        store, None, kind=SYSTEM_KIND, channel=channel, message_id=None, payload=payload
    )
