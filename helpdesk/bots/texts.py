"""What the FAQ bot says, in English and Turkish."""

from __future__ import annotations

from typing import Final

from helpdesk.services.autoreplies import Template

TEXTS: Final[dict[str, dict[str, str]]] = {
    "en": {
        "answer": "This article may answer your question:\n\n{title}\n\n{body}",
        "ask_chat": "Did this help?",
        "yes": "Yes, solved",
        "no": "No, I need a person",
        "ask_mail": (
            "Did this help? Let us know:\n  Yes, my question is answered: {yes}\n"
            "  No, I need a person: {no}\n\nOr simply reply to this message and a colleague "
            "will take over."
        ),
        "solved": "Glad it helped! Your request #{number} is solved. Write again any time.",
        "handing_over": "Thank you. A colleague will take over request #{number} shortly.",
        "page_title": "Did this help?",
        "page_question": "Did the article answer your question on request #{number}?",
        "page_yes": "Yes, my question is answered",
        "page_no": "No, I need a person",
        "page_done": "Thank you, we have your answer.",
        "page_invalid": "This link is not valid. Please use the link from our message.",
        "note_offered": (
            'The FAQ bot offered "{title}" (similarity {score:.2f}); the customer {outcome}.'
        ),
        "note_unsure": (
            "The FAQ bot found no article it was confident about (best similarity {score:.2f})."
        ),
        "outcome_no": "said it did not help",
        "outcome_timeout": "did not answer within {wait}",
        "outcome_wrote": "wrote again instead of answering",
    },
    "tr": {
        "answer": "Bu makale sorunuzu yanıtlayabilir:\n\n{title}\n\n{body}",
        "ask_chat": "Bu yardımcı oldu mu?",
        "yes": "Evet, çözüldü",
        "no": "Hayır, bir kişiyle görüşmek istiyorum",
        "ask_mail": (
            "Bu yardımcı oldu mu? Bize bildirin:\n  Evet, sorum yanıtlandı: {yes}\n"
            "  Hayır, bir kişiyle görüşmek istiyorum: {no}\n\nYa da bu mesajı yanıtlayın, bir "
            "çalışma arkadaşımız devralsın."
        ),
        "solved": (
            "Yardımcı olabildiğimize sevindik! #{number} numaralı talebiniz çözüldü. "
            "Dilediğiniz zaman yeniden yazabilirsiniz."
        ),
        "handing_over": (
            "Teşekkürler. #{number} numaralı talebinizi kısa süre içinde bir çalışma arkadaşımız "
            "devralacak."
        ),
        "page_title": "Yardımcı oldu mu?",
        "page_question": "Makale #{number} numaralı talebinizdeki sorunuzu yanıtladı mı?",
        "page_yes": "Evet, sorum yanıtlandı",
        "page_no": "Hayır, bir kişiyle görüşmek istiyorum",
        "page_done": "Teşekkürler, yanıtınızı aldık.",
        "page_invalid": "Bu bağlantı geçerli değil. Lütfen mesajımızdaki bağlantıyı kullanın.",
        "note_offered": (
            'The FAQ bot offered "{title}" (similarity {score:.2f}); the customer {outcome}.'
        ),
        "note_unsure": (
            "The FAQ bot found no article it was confident about (best similarity {score:.2f})."
        ),
        "outcome_no": "said it did not help",
        "outcome_timeout": "did not answer within {wait}",
        "outcome_wrote": "wrote again instead of answering",
    },
}


def texts(language: str | None) -> dict[str, str]:
    base = (language or "").split("-")[0].lower()
    return TEXTS[base if base in TEXTS else "en"]


# The bot's messages to customers an admin may reword (admin pages, automatic messages): the
# kind stored with the edited text, the built-in text's key, and the placeholders it may use.
EDITABLE: Final[dict[str, tuple[str, frozenset[str]]]] = {
    "bot_answer": ("answer", frozenset({"title", "body"})),
    "bot_solved": ("solved", frozenset({"number"})),
    "bot_handing_over": ("handing_over", frozenset({"number"})),
}


def default(kind: str, language: str | None) -> Template:
    """The built-in text of an editable bot message in `language`."""
    return Template("", texts(language)[EDITABLE[kind][0]])
