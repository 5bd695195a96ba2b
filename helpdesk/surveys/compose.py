"""The survey message for each channel: a link for mail, rating buttons for chat."""

from __future__ import annotations

from typing import Any

from helpdesk.services.autoreplies import Template
from helpdesk.services.surveys import Outgoing
from helpdesk.surveys.texts import default, texts

BUTTON_PREFIX = "csat"  # Telegram callback data: csat:<token>:<rating>


def link(base_url: str, token: str) -> str:
    return f"{base_url}/survey/{token}"


def message(
    outgoing: Outgoing, base_url: str, edited: Template | None = None
) -> tuple[str, str, dict[str, Any]]:
    """(subject, text, extra) for the outbox entry that carries the survey; `edited` is an
    admin's text for the opening, else the built-in one."""
    t = texts(outgoing.language)
    opening = edited or default(outgoing.channel, outgoing.language or "en")
    fill = {"number": outgoing.ticket_number, "subject": outgoing.subject}
    subject = (opening.subject or default("email", outgoing.language or "en").subject).format(
        **fill
    )
    url = link(base_url, outgoing.token)
    extra: dict[str, Any] = {"language": outgoing.language or "en", "survey_id": outgoing.survey_id}
    if outgoing.channel == "telegram":
        text = opening.text.format(**fill)
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
            opening.text.format(**fill),
            f"{t['rate_here']}\n{choices}",
            t["valid_until"].format(date=outgoing.expires_at.strftime("%Y-%m-%d")),
        ]
    )
    return subject, text, extra
