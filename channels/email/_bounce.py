"""Bounces: RFC 3464 delivery-status reports and the common non-standard MTA formats.

A bounce is recognised by a delivery-status report, or by its sender (MAILER-DAEMON,
postmaster, an empty Return-Path) or subject ("Undeliverable", "failure notice", ...) together
with a body that says delivery failed. Failed addresses come from the report's per-recipient
blocks, the X-Failed-Recipients header, or the addresses named in the notice text above the
copy of the returned message. Temporary means 4.x.x status or a delay warning.
"""

from __future__ import annotations

import re
from email.message import Message

from channels.base import Bounce, FailedRecipient
from channels.email import _headers
from channels.email._mime import Walked

__all__ = ["Bounce", "FailedRecipient", "detect"]

MAX_RECIPIENTS = 100
_MAX_SCAN = 20_000  # characters of notice text read for addresses

_DAEMON_SENDER = re.compile(
    r"mailer-daemon|postmaster|mail-daemon|mail delivery|mailer_daemon|mdaemon|"
    r"mail-delivery|maildelivery|nobody@|noreply-dmarc|bounce",
    re.IGNORECASE,
)
_BOUNCE_SUBJECT = re.compile(
    r"undeliver|undelivered|delivery (status )?notification|delivery fail|failure notice|"
    r"returned mail|mail delivery|delivery report|non.?deliver|not delivered|could not send|"
    r"delivery problem|delayed mail|delivery delay|warning: could not|mail system error|"
    r"message not delivered|delivery has failed|returned to sender|nicht zustellbar|"
    r"unzustellbar|iletilemedi|teslim edilemedi|non remis|no se puede entregar|bounce|"
    r"could not be delivered|failed mail|delivery error|processing error",
    re.IGNORECASE,
)
_FAILURE_TEXT = re.compile(
    r"could not be delivered|couldn't be delivered|wasn't able to deliver|was not able to deliver|"
    r"unable to deliver|not be delivered|undeliverable|delivery (to the following )?"
    r"(recipients? )?(has )?failed|permanent (fatal )?error|user unknown|unknown user|"
    r"no such (user|mailbox|address)|mailbox (unavailable|full|is full)|failed recipient|"
    r"delivery failure|message was not delivered|did not reach|could not deliver|"
    r"not deliverable|returned to the sender|delivery to the following|"
    r"has not (yet )?been delivered|will (continue|keep) (trying|to try)|delivery attempts|"
    r"transcript of (the )?session|recipient (address )?rejected|address rejected|"
    r"the following address|invalid (recipient|address|mailbox)|does not exist|"
    r"delivery has been delayed|is delayed|delivery failed|bad destination|"
    r"host unknown|unrouteable|unable to relay|relaying denied|quota exceeded|over quota",
    re.IGNORECASE,
)
_TEMPORARY_TEXT = re.compile(
    r"delivery (has been )?delayed|\bis delayed\b|will (continue|keep|retry|be retried)|"
    r"still (be )?trying|not yet been delivered|will try again|retry (timeout )?until|"
    r"this is a warning|warning message only|delivery status notification \(delay\)|"
    r"temporarily (unable|deferred)|will be retried",
    re.IGNORECASE,
)
_MTA_BOILERPLATE = re.compile(
    r"this is the qmail-send program|created automatically by mail delivery software|"
    r"the following addresses had permanent fatal errors|this is the mail system at host|"
    r"delivery to the following recipients? failed|i'm afraid i wasn't able to deliver|"
    r"message from interscan|your message did not reach some or all",
    re.IGNORECASE,
)
_ORIGINAL_START = re.compile(
    r"^\s*(-{2,}\s*)?(below this line is a copy of the message|original message follows|"
    r"this is a copy of the message|the original message (follows|is attached|is included)|"
    r"a copy of the original message|unsent message below|returned message|"
    r"original message\b[^\n]{0,40}\b(follows|below|attached|included|details)|"
    r"original message headers|message headers follow|"
    r"-+\s*original message\s*-+|content-type: message/rfc822|"
    r"----- (original|the) message|\*\*\*\s*original message|received: from|"
    r"-+ forwarded message -+)",
    re.IGNORECASE | re.MULTILINE,
)
_ADDRESS = re.compile(r"[A-Za-z0-9][\w.+'-]{0,63}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_STATUS = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
_SKIP_LOCAL = re.compile(
    r"^(mailer-daemon|postmaster|mail-daemon|root|nobody|noreply|no-reply|abuse|"
    r"double-bounce|mdaemon)$",
    re.IGNORECASE,
)
# Header-like lines of the notice (also "* From:" bullets, ">Received:" quotes) name the
# original's sender and route, never the failed recipient.
_HEADER_LINE = re.compile(
    r"[\s*>\u2022-]*(received|message-id|from|reply-to|return-path|by|with|id|to|cc|"
    r"sent|subject|date)\b[: ]",
    re.IGNORECASE,
)
# A line announcing the list of failed recipients that follows it.
_LIST_INTRO = re.compile(
    r"(following|these|those) (e-?mail )?(recipients?|addresses|address|users?|destinations?)"
    r"|\bnot delivered to the following\b|\bdid not reach the following\b",
    re.IGNORECASE,
)
_LIST_PARAGRAPHS = 3  # paragraphs after the announcing line that may hold the list
# A lone word at the start of a listed line: a local part without a domain.
_BARE_LOCAL = re.compile(r"^\s*[*\u2022-]?\s*([A-Za-z0-9][\w.+-]{0,63})(?:\s*$|\s{2,}|\t)")
# Where the returned copy names whom it was sent to.
_RECIPIENT_LINE = re.compile(
    r"^[\s*>\u2022-]*(to|cc|envelope-to|x-original-to|delivered-to)\s*:(.*)$",
    re.IGNORECASE | re.MULTILINE,
)
_RECEIVED_FOR = re.compile(r"\bfor\s+<?([^\s<>;]+@[^\s<>;]+?)>?[;\s]", re.IGNORECASE)
_MESSAGE_ID_LINE = re.compile(r"^message-id:\s*(<[^<>\s]+>)", re.IGNORECASE | re.MULTILINE)


def detect(msg: Message, walked: Walked, text: str, subject: str) -> Bounce | None:
    """A `Bounce` when this message reports failed or delayed delivery, else None."""
    if walked.report_type == "delivery-status" or walked.delivery_status:
        recipients = _from_reports(walked.delivery_status)
        if recipients is not None:
            return Bounce(_original_id(walked, text), recipients)
        # A report without per-recipient blocks: fall through to the text heuristics.
    sender = " ".join(_headers.header_all(msg, "From"))
    return_path = _headers.header(msg, "Return-Path")
    null_sender = return_path is not None and return_path.strip() in {"<>", ""}
    daemon = bool(_DAEMON_SENDER.search(sender)) or null_sender
    failure_text = bool(_FAILURE_TEXT.search(text[:_MAX_SCAN]))
    mailer_daemon = "mailer-daemon@" in sender.lower()
    if not (
        mailer_daemon
        or _MTA_BOILERPLATE.search(text[:_MAX_SCAN])
        or (daemon and (failure_text or _BOUNCE_SUBJECT.search(subject)))
        or (_BOUNCE_SUBJECT.search(subject) and failure_text)
        or walked.report_type == "delivery-status"
    ):
        return None
    recipients = _from_text(msg, walked, text, subject)
    if not recipients and walked.attached_delivery_status:
        recipients = _from_reports(walked.attached_delivery_status) or ()
    return Bounce(_original_id(walked, text), recipients)


def _from_reports(reports: list[str]) -> tuple[FailedRecipient, ...] | None:
    found: list[FailedRecipient] = []
    saw_block = False
    for report in reports:
        for block in re.split(r"\n\s*\n", report):
            fields = _fields(block)
            # Original-Recipient is the address we wrote to; Final-Recipient may be an internal
            # alias or an X.400 name.
            original = fields.get("original-recipient", "")
            recipient = original if "@" in original else fields.get("final-recipient", "")
            if not recipient:
                continue
            saw_block = True
            action = fields.get("action", "").lower()
            status = _STATUS.search(fields.get("status", ""))
            code = status.group(0) if status else ""
            if action in {"delivered", "relayed", "expanded"} and not code.startswith(("4", "5")):
                continue
            # "failed" is final whatever the code says (an expired 4.4.7 is a permanent failure);
            # only "delayed", or a 4.x.x without an action, is temporary.
            if action.startswith("fail"):
                permanent = True
            elif action == "delayed":
                permanent = False
            else:
                permanent = not code.startswith("4")
            address = recipient.split(";", 1)[-1].strip().strip("<>").strip().lower()
            if "@" not in address:
                continue
            diagnostic = _headers.unfold(fields.get("diagnostic-code", ""))[:500]
            found.append(FailedRecipient(address, code, permanent, diagnostic))
    if not saw_block:
        return None
    return _unique(found)


def _fields(block: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    key = ""
    for line in block.splitlines():
        if line[:1] in {" ", "\t"} and key:
            fields[key] += " " + line.strip()
            continue
        name, sep, value = line.partition(":")
        if sep:
            key = name.strip().lower()
            fields.setdefault(key, value.strip())
    return fields


def _from_text(
    msg: Message, walked: Walked, text: str, subject: str
) -> tuple[FailedRecipient, ...]:
    notice = text[:_MAX_SCAN]
    returned = ""
    cut = _ORIGINAL_START.search(notice)
    if cut:
        notice, returned = notice[: cut.start()], text[cut.start() : cut.start() + _MAX_SCAN]
    excluded = {
        a
        for _, a in _headers.addresses(
            _headers.header_all(msg, "To")
            + _headers.header_all(msg, "From")
            + _headers.header_all(msg, "Return-Path")
        )
    }
    temporary = bool(_TEMPORARY_TEXT.search(notice) or _TEMPORARY_TEXT.search(subject))
    failed = [a for _, a in _headers.addresses(_headers.header_all(msg, "X-Failed-Recipients"))]
    candidates = [(a, "") for a in failed] or _addressed(
        _listed(notice, _sender_domain(msg)) or _addresses_in(notice),
        _sent_to(walked, returned),
    )
    found = []
    for address, context in candidates:
        address = address.strip(".'").lower()
        local = address.split("@", 1)[0]
        if address in excluded or _SKIP_LOCAL.match(local):
            continue
        status = _STATUS.search(context)
        code = status.group(0) if status else ""
        # Non-standard notices give up with 4.x.x codes too; only a delay warning is temporary.
        permanent = not temporary
        found.append(FailedRecipient(address, code, permanent, context.strip()[:300]))
    return _unique(found)


def _addresses_in(notice: str) -> list[tuple[str, str]]:
    out = []
    lines = notice.splitlines()
    for i, line in enumerate(lines):
        if _HEADER_LINE.match(line):
            continue
        for match in _ADDRESS.finditer(line):
            context = " ".join(lines[i : i + 3])
            out.append((match.group(0), context))
    return out


def _listed(notice: str, domain: str) -> list[tuple[str, str]]:
    """The addresses listed under a "could not deliver to the following recipients:" line.

    A listed name without a domain (old AOL and directory-lookup notices) gets the domain of
    the system that bounced it.
    """
    lines = notice.splitlines()
    for i, line in enumerate(lines):
        if not _LIST_INTRO.search(line):
            continue
        # The list starts in one of the next few paragraphs (one before it may explain the
        # error: "Server ... returned an error:") and may run on, one paragraph per recipient.
        i = _intro_end(lines, i)
        rest = "\n".join(lines[i + 1 :])
        for paragraph in _paragraphs(lines[i + 1 :], _LIST_PARAGRAPHS):
            if any(_ADDRESS.search(listed) for listed in paragraph):
                return _addresses_in(rest)
            bare = [_BARE_LOCAL.match(listed) for listed in paragraph]
            if domain and all(bare):
                return [(f"{m.group(1)}@{domain}", " ".join(paragraph)) for m in bare if m]
        return []
    return []


def _intro_end(lines: list[str], i: int) -> int:
    """The last line of an announcing sentence the notice wrapped: prose ending in a colon."""
    if lines[i].rstrip().endswith((":", ".")):
        return i
    for j in range(i + 1, min(len(lines), i + 3)):
        line = lines[j].rstrip()
        if len(_ADDRESS.sub("", line).split()) < 3:  # blank, or a listed address
            return i
        if line.endswith(":"):
            return j
    return i


def _paragraphs(lines: list[str], limit: int) -> list[list[str]]:
    out: list[list[str]] = [[]]
    for line in lines[: MAX_RECIPIENTS * 3]:
        if line.strip():
            out[-1].append(line)
        elif out[-1]:
            if len(out) == limit:
                break
            out.append([])
    return [p for p in out if p]


def _sender_domain(msg: Message) -> str:
    """The organisation domain of the bouncing system: mailer-daemon@mx.aol.com -> aol.com."""
    found = _headers.addresses(_headers.header_all(msg, "From"))
    if not found or "@" not in found[0][1]:
        return ""
    labels = found[0][1].rsplit("@", 1)[1].split(".")
    # Keep one more label under a two-letter country code with a short second level (co.uk).
    keep = 3 if len(labels) > 2 and len(labels[-1]) == 2 and len(labels[-2]) <= 3 else 2
    return ".".join(labels[-keep:])


def _sent_to(walked: Walked, returned: str) -> set[str]:
    """Whom the returned copy of the original was addressed to, as far as it says."""
    values = [m.group(2) for m in _RECIPIENT_LINE.finditer(returned)]
    found = {m.group(1).lower() for m in _RECEIVED_FOR.finditer(returned)}
    for headers in walked.returned_headers:
        values += _headers.header_all(headers, "To") + _headers.header_all(headers, "Cc")
        for received in _headers.header_all(headers, "Received"):
            found |= {m.group(1).lower() for m in _RECEIVED_FOR.finditer(received + " ")}
    return found | {a for _, a in _headers.addresses(values)}


def _addressed(candidates: list[tuple[str, str]], sent_to: set[str]) -> list[tuple[str, str]]:
    # A notice may also name contacts, aliases or example addresses; when some of the addresses
    # it names are ones the original was sent to, those are the failed ones.
    kept = [c for c in candidates if c[0].strip(".'").lower() in sent_to]
    return kept or candidates


def _unique(found: list[FailedRecipient]) -> tuple[FailedRecipient, ...]:
    seen: dict[str, FailedRecipient] = {}
    for recipient in found:
        if recipient.address not in seen:
            seen[recipient.address] = recipient
    return tuple(list(seen.values())[:MAX_RECIPIENTS])


def _original_id(walked: Walked, text: str) -> str | None:
    for returned in walked.returned_headers:
        found = _headers.message_id(_headers.header(returned, "Message-ID"))
        if found:
            return found
    cut = _ORIGINAL_START.search(text[: _MAX_SCAN * 5])
    if cut:
        match = _MESSAGE_ID_LINE.search(text, cut.start(), cut.start() + _MAX_SCAN * 5)
        if match:
            return match.group(1)
    return None
