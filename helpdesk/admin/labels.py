"""Readable names of stored values the admin pages show (catalog message ids)."""

from __future__ import annotations

from typing import Final

from helpdesk.inbox.queries import N_

ROLE_LABELS: Final = {
    "agent": N_("Agent"),
    "supervisor": N_("Supervisor"),
    "admin": N_("Admin"),
    "bot": N_("Bot"),
}
ACTOR_LABELS: Final = {
    "agent": N_("Agent"),
    "bot": N_("Bot"),
    "customer": N_("Customer"),
    "system": N_("System"),
}
