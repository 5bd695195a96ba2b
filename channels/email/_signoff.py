"""Sign-offs: the closing ("Best regards,", "Saygılarımla", "Mit freundlichen Grüßen") and the
name the sender signs with under it.

A sign-off is part of what the customer wrote: its register ("Saygılarımla" or "Cheers") tells
an agent how to answer, and the name under it is the one the customer goes by, which is not
always the From header's (a colleague writing from a shared box, a nickname, a couple). What a
template adds under the name -- title, company, phones, URLs, an address -- is a signature
block like a "-- " one: the agent has it in the full text and the customer record, and it
hides the words that matter in a list of replies.
"""

from __future__ import annotations

import re

_I = re.IGNORECASE

# Closings in the languages our users write, each a phrase that ends a letter and is rarely a
# sentence of its own. "Thanks" is not here: it is as often the message ("Thanks!") as its
# closing, so it counts only with the sender's own name under it (see `_thanks_then_name`).
_CLOSINGS = (
    # en
    r"regards|best regards|kind regards|warm regards|warmest regards|best wishes|cheers|best|"
    r"all the best|take care|"
    r"sincerely|yours( truly| sincerely| faithfully)?|(?:thanks|many thanks) (?:and|&) regards|"
    # de
    r"mit freundlichen grüßen|mit freundlichen grüssen|mfg|viele grüße|viele grüsse|"
    r"liebe grüße|liebe grüsse|beste grüße|freundliche grüße|herzliche grüße|schöne grüße|"
    r"mit besten grüßen|gruß|grüße|"
    # nl
    r"met vriendelijke groet(en)?|vriendelijke groet(en)?|hartelijke groet(en)?|groeten|"
    r"groetjes|"
    # da, no, sv
    r"mvh|med venlig hilsen|venlig hilsen|venliga hälsningar|hilsen|kh|vh|"
    r"med vänliga? hälsningar?|vänliga hälsningar|hälsningar|"
    # pl
    r"pozdrawiam|pozdrawiam serdecznie|serdecznie pozdrawiam|z poważaniem|z powazaniem|"
    r"z wyrazami szacunku|pozdrowienia|"
    # tr
    # ("İyi günler", "Selamlar" open a message as often as they close one: not here.)
    r"saygılarımla|saygılarımızla|saygılar|iyi çalışmalar|sevgiler|"
    # fr
    r"cordialement|bien cordialement|bien à vous|salutations|salutations distinguées|"
    r"amicalement|"
    # es, it, pt
    r"atentamente|saludos( cordiales)?|un saludo|un cordial saludo|cordiali saluti|"
    r"distinti saluti|saluti|un saluto|atenciosamente|cumprimentos|melhores cumprimentos|"
    r"abraços|um abraço|"
    # ru, uk
    r"с уважением|с наилучшими пожеланиями|всего доброго|всего наилучшего|з повагою|"
    # ja
    r"以上、?よろしくお願いいたします。?|よろしくお願いします。?"
)
CLOSING = re.compile(rf"^({_CLOSINGS})\s*[,.!]?$", _I)
# "Best regards, Ayşe" on one line.
CLOSING_WITH_NAME = re.compile(rf"^({_CLOSINGS})\s*,\s*(?P<name>\S.{{0,40}})$", _I)
THANKS = re.compile(
    r"^(thanks|thank you|many thanks|thanks again|teşekkürler|teşekkür ederim|danke|"
    r"vielen dank|merci|gracias|grazie|bedankt|obrigad[oa]|спасибо|dziękuję|tack)\s*[,.!]?$",
    _I,
)
# A "P.S." below the closing is more of the message, not part of a signature.
_POSTSCRIPT = re.compile(r"^p\.?\s?s\b", _I)
# Contact details: a phone-like run of digits, an address, a URL, a labelled field.
_CONTACT = re.compile(
    r"\d[\d ()./-]{5,}\d|@|https?://|www\.|\b(tel|phone|fax|mobile|cell|gsm|skype|web)\b", _I
)
_NAME_MAX = 40
_NAME_LINES = 2  # what a name takes: "Ayşe" then "Ayşe Yılmaz", or a couple on two lines
_TAIL_LINES = 4  # short lines below a closing that are a signature, whatever they hold
_CONTACT_BLOCK_LINES = 12  # a longer template block is a signature only if it has contacts
_SEARCH_LINES = 16  # how far from the end a closing is looked for: a contact block, blanks
_ABBREVIATIONS = {"corp", "gmbh", "ltda", "mbh", "prof"}  # longer than 3 letters
_PARTICLES = {"van", "von", "der", "den", "de", "del", "della", "da", "dos", "du", "la", "le"}


def split_signoff(text: str, sender_name: str = "") -> tuple[str, str]:
    """(body, sign-off) of a visible text: the closing and the name lines under it that end it.

    The visible text keeps the sign-off (it is the customer's, see the module docstring); this
    tells where it starts, for a reader that wants the message without it -- a preview, a
    comparison with a library that labels replies without their closing. The sign-off is empty
    when the text does not end with one, or when it is all the text: a closing with nothing
    above it is the whole message. `sender_name` (the From header's display name) lets a
    second name line and a "Thanks," closing count, as the parser counts them.
    """
    lines = text.rstrip().split("\n")
    names = name_parts(sender_name)
    last = len(lines) - 1
    for i in range(max(0, last - _NAME_LINES - 1), last + 1):
        end = _signoff_end(lines, i, names)
        if end is None or any(t.strip() for t in lines[end:]):
            continue
        body = "\n".join(lines[:i]).rstrip()
        if body.strip():
            return body, "\n".join(lines[i:]).strip()
    return text, ""


def trim_after_signoff(lines: list[str], names: set[str]) -> list[str] | None:
    """The lines up to the end of a sign-off near the end, with the signature block under it
    dropped; None when there is no sign-off, or what follows it is more of the message."""
    n = len(lines)
    for i in range(max(0, n - _SEARCH_LINES), n):
        end = _signoff_end(lines, i, names)
        if end is None or not any(t.strip() for t in lines[:i]):
            continue  # a closing phrase heading the message is its greeting
        rest = [t.strip() for t in lines[end:] if t.strip()]
        tail = [t.strip() for t in lines[i + 1 :] if t.strip()]
        if any(_POSTSCRIPT.match(t) for t in tail):
            return None  # the sender wrote on below the closing: nothing there is a signature
        if not rest or _short_block(tail) or _contact_block(rest):
            return lines[:end]
    return None


def name_parts(sender_name: str) -> set[str]:
    return {p.lower() for p in re.findall(r"\w{3,}", sender_name)}


def _signoff_end(lines: list[str], i: int, names: set[str]) -> int | None:
    """If a closing is at line i, the index just past the name lines kept with it."""
    first = lines[i].strip()
    inline = CLOSING_WITH_NAME.match(first)
    if inline and _is_name(inline["name"]):
        return i + 1
    thanks = bool(THANKS.match(first))
    if not (CLOSING.match(first) or thanks):
        return None
    below = [j for j in range(i + 1, min(len(lines), i + 1 + 2 * _NAME_LINES)) if lines[j].strip()]
    end = i + 1
    if below and _is_name(lines[below[0]]):
        end = below[0] + 1
        # A second line belongs to the name only when it names the sender too; a title or a
        # company under the name is the template's.
        if len(below) > 1 and _is_name(lines[below[1]]) and _words(lines[below[1]]) & names:
            end = below[1] + 1
    if thanks and not (end > i + 1 and _words("\n".join(lines[i + 1 : end])) & names):
        return None  # "Thanks" ends a letter only when the sender's name follows it
    return end


def _words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"\w{3,}", text)}


def _is_name(line: str) -> bool:
    """A line a person signs with: short, no digits, address or sentence punctuation."""
    s = line.strip().lstrip("-–—~ ").strip()
    if not 0 < len(s) <= _NAME_MAX or len(s.split()) > 5 or re.search(r"[\d@:/|•]", s):
        return False
    if s.endswith(("?", "!")) or CLOSING.match(s) or THANKS.match(s):
        return False
    # Prose has lower-case words; names have capitals, particles ("van", "de") or no case.
    return not any(
        w[0].islower() and len(w) > 3 and w not in _PARTICLES for w in re.findall(r"\w+", s)
    )


def _short_block(tail: list[str]) -> bool:
    """A few short lines, none a question or a sentence: a question or a sentence below the
    closing is more of the message ("Saygılarımla,\nSiparişim nerede?")."""
    return len(tail) <= _TAIL_LINES and all(len(t) <= 60 and not _sentence(t) for t in tail)


def _sentence(line: str) -> bool:
    """A question, or words ending in a full stop that is not an abbreviation's ("Acme Ltd.",
    "Örnek A.Ş.", "Przykład Sp. z o.o.")."""
    if line.endswith("?"):
        return True
    words = line.split()
    if not line.endswith((".", "!")) or len(words) < 2:
        return False
    last = words[-1].rstrip(".!")
    return "." not in last and len(last) > 3 and last.lower() not in _ABBREVIATIONS


def _contact_block(rest: list[str]) -> bool:
    """Lines under the name that read as a template: short, no sentences, contacts among them."""
    return (
        len(rest) <= _CONTACT_BLOCK_LINES
        and all(len(t) <= 80 and not _sentence(t) for t in rest)
        and any(_CONTACT.search(t) for t in rest)
    )
