"""The survey message for each channel: a link for mail, rating buttons for chat."""

from __future__ import annotations

from typing import Any

from helpdesk.services.surveys import Outgoing
from helpdesk.surveys.texts import texts

BUTTON_PREFIX = "csat"  # Telegram callback data: csat:<token>:<rating>


def link(base_url: str, token: str) -> str:
    return f"{base_url}/survey/{token}"


def message(outgoing: Outgoing, base_url: str) -> tuple[str, str, dict[str, Any]]:
    """(subject, text, extra) for the outbox entry that carries the survey."""
    t = texts(outgoing.language)
    subject = t["subject"].format(number=outgoing.ticket_number)
    url = link(base_url, outgoing.token)
    extra: dict[str, Any] = {"language": outgoing.language or "en", "survey_id": outgoing.survey_id}
    if outgoing.channel == "telegram":
        text = t["chat_question"].format(number=outgoing.ticket_number)
        extra["buttons"] = [
            [
                {"text": f"{rating} ★", "data": f"{BUTTON_PREFIX}:{outgoing.token}:{rating}"}
                for rating in range(1, 6)
            ]
        ]
        return subject, text, extra
    choices = "\n".join(f"  {n} – {t[str(n)]}: {url}?rating={n}" for n in range(5, 0, -1))
    text = "\n\n".join(
        [
            t["intro"].format(number=outgoing.ticket_number, subject=outgoing.subject),
            f"{t['rate_here']}\n{choices}",
            t["valid_until"].format(date=outgoing.expires_at.strftime("%Y-%m-%d")),
        ]
    )
    return subject, text, extra
