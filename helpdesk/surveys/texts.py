"""What a survey says, in English and Turkish."""

from __future__ import annotations

from typing import Final

from helpdesk.services.autoreplies import Template

LANGUAGES: Final = ("en", "tr")
# The survey message's opening is an editable automatic-message text (admin pages): for mail
# its subject and the sentence above the rating links, for chats the question above the
# buttons. The links, buttons and validity line are always added after it.
KIND: Final = "csat_survey"
CHAT_CHANNELS: Final = frozenset({"telegram"})
PLACEHOLDERS: Final = frozenset({"number", "subject"})

TEXTS: Final[dict[str, dict[str, str]]] = {
    "en": {
        "subject": "How did we do? Ticket #{number}",
        "intro": (
            "Hello,\n\nyour request #{number} ({subject}) was solved. How satisfied are you "
            "with the help you got?"
        ),
        "rate_here": "Choose a rating here:",
        "valid_until": "The link works until {date}. Thank you for telling us!",
        "chat_question": "How satisfied are you with the help on ticket #{number}? Tap a rating:",
        "chat_thanks": (
            "Thank you! You rated ticket #{number} {rating}/5. Add a comment here: {link}"
        ),
        "chat_already": "This survey was already answered. Thank you!",
        "chat_expired": "This survey has expired, sorry.",
        "page_title": "Rate our help",
        "ticket": "Ticket #{number}: {subject}",
        "question": "How satisfied are you with the help you got?",
        "comment": "Comment (optional)",
        "send": "Send rating",
        "thanks_title": "Thank you",
        "thanks": "You rated ticket #{number} {rating} out of 5. Thank you for telling us.",
        "already": "This survey was already answered. Thank you!",
        "expired": "This survey has expired. If you still need help, just write to us again.",
        "invalid": "This survey link is not valid. Please use the link from our message.",
        "form_error": "The form has expired. Please choose your rating again.",
        "choose": "Choose a rating from 1 to 5.",
        "1": "Very dissatisfied",
        "2": "Dissatisfied",
        "3": "Neutral",
        "4": "Satisfied",
        "5": "Very satisfied",
    },
    "tr": {
        "subject": "Nasıldık? Talep #{number}",
        "intro": (
            "Merhaba,\n\n#{number} numaralı talebiniz ({subject}) çözüldü. Aldığınız destekten "
            "ne kadar memnunsunuz?"
        ),
        "rate_here": "Puanınızı buradan seçin:",
        "valid_until": (
            "Bağlantı {date} tarihine kadar geçerlidir. Bize bildirdiğiniz için teşekkürler!"
        ),
        "chat_question": (
            "#{number} numaralı talepteki destekten ne kadar memnunsunuz? Bir puan seçin:"
        ),
        "chat_thanks": (
            "Teşekkürler! #{number} numaralı talebe {rating}/5 puan verdiniz. Yorum eklemek için: "
            "{link}"
        ),
        "chat_already": "Bu anket zaten yanıtlandı. Teşekkürler!",
        "chat_expired": "Bu anketin süresi doldu.",
        "page_title": "Desteğimizi değerlendirin",
        "ticket": "Talep #{number}: {subject}",
        "question": "Aldığınız destekten ne kadar memnunsunuz?",
        "comment": "Yorum (isteğe bağlı)",
        "send": "Puanı gönder",
        "thanks_title": "Teşekkürler",
        "thanks": "#{number} numaralı talebe 5 üzerinden {rating} puan verdiniz. Teşekkür ederiz.",
        "already": "Bu anket zaten yanıtlandı. Teşekkürler!",
        "expired": "Bu anketin süresi doldu. Hâlâ yardıma ihtiyacınız varsa bize yeniden yazın.",
        "invalid": "Bu anket bağlantısı geçerli değil. Lütfen mesajımızdaki bağlantıyı kullanın.",
        "form_error": "Formun süresi doldu. Lütfen puanınızı yeniden seçin.",
        "choose": "1 ile 5 arasında bir puan seçin.",
        "1": "Hiç memnun değilim",
        "2": "Memnun değilim",
        "3": "Kararsızım",
        "4": "Memnunum",
        "5": "Çok memnunum",
    },
}


def texts(language: str | None) -> dict[str, str]:
    return TEXTS[language if language in TEXTS else "en"]


def language_of(tag: str | None) -> str:
    """The catalog language for a tag such as `tr-TR` (English when we have none)."""
    base = (tag or "").split("-")[0].split("_")[0].strip().lower()
    return base if base in TEXTS else "en"


def default(channel: str, language: str) -> Template:
    """The built-in opening of the survey message for the channel in `language`."""
    t = texts(language)
    if channel in CHAT_CHANNELS:
        return Template("", t["chat_question"])
    return Template(t["subject"], t["intro"])
