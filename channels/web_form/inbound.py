"""An accepted form submission as the core's `InboundMessage`. Pure: values in, message out."""

from __future__ import annotations

from datetime import datetime

from channels.base import Attachment, Identity, InboundMessage
from channels.web_form.i18n import localise
from channels.web_form.queries import Form
from channels.web_form.validation import Accepted

CHANNEL = "web_form"


def to_inbound(
    form: Form,
    accepted: Accepted,
    attachments: tuple[Attachment, ...],
    *,
    external_id: str,
    language: str,
    received_at: datetime,
) -> InboundMessage:
    """The customer's message is the visible text; custom fields follow it in the full text
    under their labels in the page's language, and travel as `extra` for routing."""
    labels = {f.name: localise(f.label, language, f.name) for f in form.definition.fields}
    details = "\n".join(f"{labels[name]}: {value}" for name, value in accepted.extra)
    return InboundMessage(
        channel=CHANNEL,
        external_id=external_id,
        sender=Identity("email", accepted.email, accepted.name),
        subject=accepted.subject,
        text=accepted.message,
        full_text=f"{accepted.message}\n\n{details}" if details else accepted.message,
        attachments=attachments,
        received_at=received_at,
        language=language,
        category=accepted.category,
        team=form.definition.default_team,
        source=form.slug,
        extra=accepted.extra,
    )
