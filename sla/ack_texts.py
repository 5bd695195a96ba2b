"""The built-in texts of the acknowledgement, per language; mail-like channels get the long
form with the customer's words quoted, chats a short one. Admins override any of them per
channel and language through the API (`sla.ack_api`).

Placeholders: {name}, {number}, {subject}, {quote}, {promise} in `acknowledgement`; {due} in
`promise`; {opens} and {due} in `promise_closed`.
"""

from __future__ import annotations

from typing import Final

from helpdesk.services.autoreplies import Template

ACKNOWLEDGEMENT: Final = "acknowledgement"
PROMISE: Final = "promise"  # the expected first reply, while we are open
PROMISE_CLOSED: Final = "promise_closed"  # the same, when the ticket came in out of hours
KINDS: Final = (ACKNOWLEDGEMENT, PROMISE, PROMISE_CLOSED)
LANGUAGES: Final = ("en", "tr")
CHAT_CHANNELS: Final = frozenset({"telegram"})
PLACEHOLDERS: Final[dict[str, frozenset[str]]] = {
    ACKNOWLEDGEMENT: frozenset({"name", "number", "subject", "quote", "promise"}),
    PROMISE: frozenset({"due"}),
    PROMISE_CLOSED: frozenset({"opens", "due"}),
}

_MAIL: Final[dict[str, dict[str, Template]]] = {
    "en": {
        ACKNOWLEDGEMENT: Template(
            "We received your request: {subject}",
            "Hello {name},\n\nthank you for writing to us. Your request has the number "
            "#{number}; please keep it in the subject when you write about it again.\n\n"
            "{promise}\n\nYou wrote:\n{quote}\n\nThis is an automatic message.",
        ),
        PROMISE: Template("", "You can expect our first reply by {due}."),
        PROMISE_CLOSED: Template(
            "",
            "We are closed right now and open again on {opens}. "
            "You can expect our first reply by {due}.",
        ),
    },
    "tr": {
        ACKNOWLEDGEMENT: Template(
            "Talebinizi aldık: {subject}",
            "Merhaba {name},\n\nbize yazdığınız için teşekkür ederiz. Talebinizin numarası "
            "#{number}; bu konuda yeniden yazarken lütfen konu satırında bırakın.\n\n"
            "{promise}\n\nMesajınız:\n{quote}\n\nBu otomatik bir mesajdır.",
        ),
        PROMISE: Template("", "İlk yanıtımızı en geç {due} tarihinde alacaksınız."),
        PROMISE_CLOSED: Template(
            "",
            "Şu anda kapalıyız; {opens} itibarıyla yeniden açığız. "
            "İlk yanıtımızı en geç {due} tarihinde alacaksınız.",
        ),
    },
}

_CHAT: Final[dict[str, dict[str, Template]]] = {
    "en": {
        ACKNOWLEDGEMENT: Template(
            "", "Thank you, we received your message as request #{number}. {promise}"
        ),
    },
    "tr": {
        ACKNOWLEDGEMENT: Template(
            "", "Teşekkürler, mesajınızı #{number} numaralı talep olarak aldık. {promise}"
        ),
    },
}


def default(kind: str, channel: str, language: str) -> Template:
    """The built-in text of `kind` for the channel in `language` (English if not known)."""
    language = language if language in LANGUAGES else "en"
    if channel in CHAT_CHANNELS and kind in _CHAT[language]:
        return _CHAT[language][kind]
    return _MAIL[language][kind]


def language_of(tag: str | None) -> str:
    """The language we write in for a tag like `tr-TR` or `TR` (English when we have none)."""
    base = (tag or "").split("-")[0].split("_")[0].strip().lower()
    return base if base in LANGUAGES else "en"
