"""Line patterns of reply headers and signatures, in the languages our corpora and users write."""

from __future__ import annotations

import re

_I = re.IGNORECASE

# "-----Original Message-----" and its translations (Outlook, Thunderbird, Lotus).
ORIGINAL_MESSAGE = re.compile(
    r"^[-=_*\s]{2,}\s*(original message|ursprüngliche nachricht|original-nachricht|"
    r"oorspronkelijk bericht|message d'origine|mensaje original|messaggio originale|"
    r"mensagem original|opprinnelig melding|oprindelig meddelelse|ursprungligt meddelande|"
    r"alkuperäinen viesti|původní zpráva|oryginalna wiadomość|orijinal mesaj|özgün ileti|"
    r"eredeti üzenet|исходное сообщение|reply message|antwort nachricht|原始邮件)\s*[-=_*\s]*$",
    _I,
)
# The line above a forwarded message (Gmail's dashed line, Apple's "Begin forwarded message:"),
# in the languages our users write. What is above it is the sender's note.
FORWARD_MARKER = re.compile(
    r"^[-=_*\s>]*(forwarded message|begin forwarded message|weitergeleitete nachricht|"
    r"anfang der weitergeleiteten nachricht|doorgestuurd bericht|begin doorgestuurd bericht|"
    r"message transféré|début du message (?:réexpédié|transféré)|mensaje reenviado|"
    r"inicio del mensaje reenviado|mensagem encaminhada|início da mensagem (?:re)?encaminhada|"
    r"(?:i̇|i|İ)letilen (?:ileti|mesaj)(?: başlangıcı)?|videresendt meddelelse|"
    r"vidarebefordrat (?:meddelande|mejl|e-postmeddelande)|wiadomość przekazana(?: dalej)?|"
    r"początek przekazywanej wiadomości|messaggio inoltrato|inizio messaggio inoltrato|"
    r"пересылаемое сообщение|начало переадресованного сообщения|переслане повідомлення|"
    r"початок пересланого повідомлення|転送メッセージ|転送されたメッセージ|"
    r"(?:以下是)?转发的邮件|(?:以下是)?轉寄的郵件|转发邮件信息)"
    r"\s*[:：]?\s*[-=_*\s]*$",
    _I,
)
SEPARATOR = re.compile(r"^[-_=*~]{5,}$")

_FROM_KEYS = (
    r"from|von|de|kimden|van|från|fra|od|da|от|від|差出人|发件人|寄件者|feladó|lähettäjä|mittente"
)
_OTHER_KEYS = (
    r"sent|date|to|cc|subject|gesendet|datum|an|betreff|envoyé|à|a|objet|enviado|enviada|"
    r"fecha|para|asunto|gönderildi|gönderilme tarihi|tarih|kime|konu|bilgi|verzonden|aan|"
    r"onderwerp|skickat|till|ämne|sendt|til|emne|wysłano|do|temat|data|inviato|oggetto|"
    r"assunto|送信日時|宛先|件名|日付|发送时间|收件人|主题|dátum|címzett|tárgy|lähetetty|"
    r"vastaanottaja|aihe|отправлено|кому|тема|дата|копия|надіслано|копія|enviado el|"
    r"enviada em|kopie|dw|抄送|寄件日期|收件者|主旨|副本|importance|attachments|wichtigkeit|"
    r"anlagen|priorité|pièces jointes|önem|ekler|gönderme tarihi|alıcı"
)
_KEY = r"^\*?\s*(?:{keys})\s*\*?\s*[:：]"
HEADER_FROM = re.compile(_KEY.format(keys=_FROM_KEYS), _I)
HEADER_FROM_STRONG = re.compile(_KEY.format(keys=_FROM_KEYS) + r".*(@|mailto:)", _I)
HEADER_OTHER = re.compile(_KEY.format(keys=_OTHER_KEYS), _I)
HEADER_ANY = re.compile(_KEY.format(keys=_FROM_KEYS + "|" + _OTHER_KEYS), _I)

_WROTE = (
    r"wrote|writes|schrieb|schreef|a écrit|escribió|ha scritto|escreveu|skrev|"
    r"napisał\(a\)|napisała|napisał|pisze|kirjoitti|yazdı|написал\(а\)|написала|написал|"
    r"írta|写道|寫道|のメッセージ|のメール|書きました|작성|het volgende geschreven|geschreven|"
    r"đã viết|пишет|писал\(а\)|пише|написав\(ла\)|написав|написала\(в\)"
)
ATTRIBUTION_START = re.compile(r"^(on|am|le|el|op|il|em|den|dnia|w dniu|dne|pe|в|στις)\s", _I)
DASHED_ATTRIBUTION = re.compile(rf"^[-=]{{2,}}\s*.{{0,150}}\b({_WROTE})\b\s*[-=]{{2,}}$", _I)
# An attribution that does not start with "On" must carry an address or a date (checked apart:
# one pattern with a leading ".*" backtracks quadratically on long lines).
# Matched as literal line endings: a regex alternation searched from every position of every
# line costs most of the parse time of long logs and listings.
_WROTE_WORDS = tuple(w.replace("\\", "").lower() for w in _WROTE.split("|"))


def ends_with_wrote(text: str, *, sent: bool = False) -> bool:
    """Does the text end with "wrote" (in a language we know), then an optional colon?"""
    tail = text[-80:].rstrip()
    if tail.endswith((":", "：")):
        tail = tail[:-1].rstrip()
    tail = tail.lower()
    return tail.endswith(_WROTE_WORDS) or (sent and tail.endswith("sent"))


# The date after the verb: "Jane <j@x> wrote on 13/05/2024 17:02:", "schrieb am ...:".
WROTE_THEN_DATE = re.compile(
    rf"\b(?:{_WROTE})\s+(?:on|am|le|el|il|op|em|den|dnia|в|о)\s[^:：]{{0,40}}\d.{{0,60}}[:：]$", _I
)
# The name after the verb, as Thunderbird writes it: "Am 13.05.2024 um 17:02 schrieb Jane Doe:".
# Name words start with a capital or a non-Latin letter, so "wrote the following:" is no match.
WROTE_THEN_NAME = re.compile(
    rf"\b(?i:{_WROTE})\s+[^\W\d_a-z][^\s:：]*(?:\s+[^\s:：]+){{0,4}}\s*[:：]$"
)
ADDRESS_OR_DIGIT = re.compile(r"[@\d]")
CLOCK_OR_DATE = re.compile(r"\d{1,2}[:.]\d{2}\b|\d{1,4}[./-]\d{1,2}[./-]\d{1,4}|\d{4}年")
# "... <someone@example.com>:" at the end of a line that also has a date.
ADDRESS_COLON_END = re.compile(r"(<\s*[^<>\s]*@[^<>\s]*>|[^\s<>]+@[^\s<>]+\.\w+)\s*[:：]?$")
DATE_START = re.compile(r"^\d[\d/.-]+\d\b")

MAX_SIGNATURE_LINES = 20
SIG_DELIMITER = re.compile(r"^--\s*$")
# A rule of dashes or underscores (mailing-list footers) ends the text only near the end.
RULE = re.compile(r"^([-_=]{3,})\s*$")
MAX_LINES_AFTER_RULE = 6
MOBILE_SIGNATURE = re.compile(
    r"^(sent from my [\w-]+(\s[\w-]+){0,2}|sent from (mail|outlook|yahoo mail|samsung mobile)"
    r"( for \w+)?|sent with \w+\b.*|get outlook for (ios|android)|"
    r"von meinem \w+( \w+)? gesendet|envoyé de mon \w+|enviado desde mi \w+|"
    r"verzonden (met|vanaf) mijn \w+|skickat från min \w+|sendt fra min \w+|"
    r"wysłane z mojego \w+|\w+['’](dan|den|tan|ten) gönderildi|inviato da \w+)\s*\.?$",
    _I,
)
DASH_NAME = re.compile(r"^-\w[\w .'-]{0,40}$")
SLASH_NAME = re.compile(r"^/\w[\w .-]{0,30}$")
