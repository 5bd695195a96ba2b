"""The automatic messages an admin may reword: which texts exist, for which channels, with
which placeholders, and their built-in defaults (owned by the engines that send them)."""

from __future__ import annotations

from dataclasses import dataclass

from helpdesk.bots import texts as bot_texts
from helpdesk.inbox.queries import N_
from helpdesk.services.autoreplies import ANY_CHANNEL, Template
from helpdesk.surveys import texts as survey_texts
from sla import ack_texts

CHANNELS = (ANY_CHANNEL, "telegram")  # mail-like channels (email, web form) and chats
LANGUAGES = ("en", "tr")


@dataclass(frozen=True, slots=True)
class MessageKind:
    kind: str
    label: str  # catalog message id
    placeholders: frozenset[str]
    has_subject: bool  # whether a subject line is used (mail-like channels only)

    def default(self, channel: str, language: str) -> Template:
        if self.kind == survey_texts.KIND:
            return survey_texts.default(channel, language)
        if self.kind in bot_texts.EDITABLE:
            return bot_texts.default(self.kind, language)
        return ack_texts.default(self.kind, channel, language)

    def uses_subject(self, channel: str) -> bool:
        return self.has_subject and channel == ANY_CHANNEL


KINDS = (
    MessageKind(ack_texts.ACKNOWLEDGEMENT, N_("Acknowledgement of a new ticket"),
                ack_texts.PLACEHOLDERS[ack_texts.ACKNOWLEDGEMENT], True),
    MessageKind(ack_texts.PROMISE, N_("First-reply promise (open hours)"),
                ack_texts.PLACEHOLDERS[ack_texts.PROMISE], False),
    MessageKind(ack_texts.PROMISE_CLOSED, N_("First-reply promise (out of hours)"),
                ack_texts.PLACEHOLDERS[ack_texts.PROMISE_CLOSED], False),
    MessageKind(survey_texts.KIND, N_("Satisfaction survey (opening)"),
                survey_texts.PLACEHOLDERS, True),
    MessageKind("bot_answer", N_("FAQ bot: offering an article"),
                bot_texts.EDITABLE["bot_answer"][1], False),
    MessageKind("bot_solved", N_("FAQ bot: the article helped"),
                bot_texts.EDITABLE["bot_solved"][1], False),
    MessageKind("bot_handing_over", N_("FAQ bot: handing over to a person"),
                bot_texts.EDITABLE["bot_handing_over"][1], False),
)  # fmt: skip
BY_KIND = {k.kind: k for k in KINDS}
