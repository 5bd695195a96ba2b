"""The visible new text of a reply: quoted history, reply headers, signature blocks and device
footers removed; the sign-off (closing and name, see _signoff) stays.

Semantics follow github/email_reply_parser: quoted lines between new lines (inline answers)
stay visible; what trails the last new line -- quoted blocks, the "On ... wrote:" line that
introduces them, signature blocks -- is hidden, and so is a quote block heading the message (a
bottom-posted reply). History that is not quoted with ">" (Outlook's header block,
"-----Original Message-----", an attribution followed by plain text) cuts everything after
it, unless the message is a forward: forwarded content is new content.
"""

from __future__ import annotations

import re

from channels.email import _footers, _signoff
from channels.email import _patterns as P
from channels.email._attribution import SPAN as _SPAN
from channels.email._attribution import bare_attribution as _bare_attribution
from channels.email._attribution import header_end as _header_end
from channels.email._attribution import is_quoted as _is_quoted

MAX_LINES = 5_000  # longer bodies: only the head is read for the reply (the rest is history)
_NAMED_BLOCK_LINES = 6  # a signature that starts with the sender's name: name, title, contacts


def visible_text(
    body: str,
    *,
    forward: bool = False,
    sent_as_forward: bool = False,
    sent_as_reply: bool = False,
    sender_name: str = "",
) -> str:
    """The new text of a plain-text body.

    `forward` (a message attached inline as a MIME part) keeps unquoted history: the sender
    attached it as the content. A forward marker in the body ends the visible text -- what is
    above it is the sender's note, the forwarded message stays in the full text -- when the
    client marked the subject "Fwd:" (`sent_as_forward`), or when the subject is not a
    reply's (`sent_as_reply`, "Re:") and the client's header block follows the marker.
    """
    text = _footers.strip_invisible(body.replace("\r\n", "\n").replace("\r", "\n"))
    original = [line.rstrip() for line in text.split("\n")[:MAX_LINES]]
    lines = _skip_leading_header_block(_mend_broken_quotes(original))
    if not forward:
        cut = _history_start(lines, sent_as_forward, sent_as_reply)
        if cut is not None:
            lines = lines[:cut]
    lines = _strip_leading_quote(lines)
    lines = _strip_trailing(lines, _signoff.name_parts(sender_name))
    visible = "\n".join(lines).strip("\n").rstrip()
    if visible.strip():
        return visible
    # Every rule above removed everything: the message is only a quote, a history or a
    # signature the sender chose to send. Hiding all of it would hide the sender's words;
    # only what a client adds on its own goes.
    kept = [line for line in original if not _footers.is_device_footer(line)]
    return "\n".join(kept).strip("\n").rstrip()


def own_lines(body: str) -> list[str]:
    """Lines of a body that no rule here attributes to a client: not blank, not quoted, not an
    attribution, a forward or history header (marker and its fields), nor a device footer."""
    lines = [line.rstrip() for line in body.replace("\r\n", "\n").split("\n")[:MAX_LINES]]
    lines = [_footers.strip_invisible(line) for line in lines]
    skip: set[int] = set()
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or _is_quoted(line) or i in skip or _footers.is_device_footer(stripped):
            skip.add(i)
            continue
        marker = P.FORWARD_MARKER.match(stripped) or P.ORIGINAL_MESSAGE.match(stripped)
        if marker or (P.HEADER_ANY.match(stripped) and _header_block(lines, i)):
            # The marker and the header fields below it, up to the blank line that ends them.
            j = i + 1 if marker and i + 1 < len(lines) and not lines[i + 1].strip() else i
            while j < len(lines) and (j == i or lines[j].strip()):
                skip.add(j)
                j += 1
            continue
        end = _header_end(lines, i, strict=False)
        if end is not None:
            skip.update(range(i, end + 1))
    return [line for i, line in enumerate(lines) if i not in skip]


def _mend_broken_quotes(lines: list[str]) -> list[str]:
    # Clients wrap long quoted URLs without re-adding ">": a lone word between quoted lines
    # belongs to the quote.
    out = list(lines)
    for i in range(1, len(out) - 1):
        line = out[i].strip()
        if (
            line
            and " " not in line
            and not _is_quoted(line)
            and _is_quoted(out[i - 1])
            and _is_quoted(out[i + 1])
        ):
            out[i] = "> " + line
    return out


def _history_start(lines: list[str], sent_as_forward: bool, sent_as_reply: bool) -> int | None:
    """Index of the first line of unquoted history, or None."""
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or _is_quoted(line):
            continue
        if (
            P.FORWARD_MARKER.match(stripped)
            and not sent_as_forward
            and (sent_as_reply or not _forward_header_follows(lines, i))
        ):
            # In a reply, an unquoted forward is one the sender pasted for us to read in
            # place: a replying client puts its own history under an attribution or a header
            # block, cut above any forward inside it. Without "Fwd:" in the subject, only the
            # client's header block under the marker shows the line is a forward's, not one
            # the sender typed.
            return None
        cut = _history_line(lines, i, stripped)
        if cut is not None:
            # History with nothing of the sender's above it (a bare forward, a pasted
            # message) is what the sender sent: nothing is cut.
            return cut if any(line.strip() for line in lines[:cut]) else None
    return None


def _history_line(lines: list[str], i: int, stripped: str) -> int | None:
    """Where history starting at line i begins (rules above included), or None."""
    if P.FORWARD_MARKER.match(stripped) or P.ORIGINAL_MESSAGE.match(stripped):
        # A forward's note is the sender's text; the forwarded message stays in full_text.
        return _back_over_rules(lines, i)
    if P.HEADER_ANY.match(stripped) and _header_block(lines, i):
        return _back_over_rules(lines, i)
    if P.RULE.match(stripped) and stripped.startswith("__"):
        nxt = _next_nonblank(lines, i + 1)
        if nxt is not None and P.HEADER_ANY.match(lines[nxt].strip()):
            return _back_over_rules(lines, i)
    end = _header_end(lines, i, strict=True)
    if end is not None:
        following = _next_nonblank(lines, end + 1)
        if following is None or not _is_quoted(lines[following]):
            return _back_over_rules(lines, i)
    return None


def _forward_header_follows(lines: list[str], i: int) -> bool:
    """A forwarded message's header block (with its sender) within 3 lines under line i."""
    for j in range(i + 1, min(len(lines), i + 4)):
        if P.HEADER_ANY.match(lines[j].strip()):
            return _header_block(lines, j)
    return False


def _back_over_rules(lines: list[str], i: int) -> int:
    """Include the rule lines and blanks clients put above a reply header in the cut."""
    j = i
    while j > 0 and (not lines[j - 1].strip() or P.SEPARATOR.match(lines[j - 1].strip())):
        j -= 1
    return j


def _header_block(lines: list[str], i: int) -> bool:
    """An Outlook-style block: From/Sent/Date/To/Subject lines, two or more after line i.

    It must name a mailbox (a From/Von/Kimden field, or an address): every client's reply
    header does, a list the sender typed ("Date: Monday / To: Istanbul / Subject: ...") not.
    """
    keys = 0
    address = "@" in lines[i]
    sender = bool(P.HEADER_FROM.match(lines[i].strip()))
    for line in lines[i + 1 : i + 8]:
        stripped = line.strip()
        if not stripped:
            continue
        if P.HEADER_ANY.match(stripped):
            keys += 1
            address = address or "@" in stripped
            sender = sender or bool(P.HEADER_FROM.match(stripped))
            if keys >= 2 and (sender or address):
                return True
        elif keys == 0 and len(stripped) > 100:
            return False
    return keys >= 1 and address


def _skip_leading_header_block(lines: list[str]) -> list[str]:
    """Header lines heading the body (a pasted or forwarded message's own) are not history."""
    first = _next_nonblank(lines, 0)
    if first is None or not P.HEADER_ANY.match(lines[first].strip()):
        return lines
    if not _header_block(lines, first):
        return lines
    j = first
    while j < len(lines) and lines[j].strip():
        j += 1
    return lines[j:]


def _next_nonblank(lines: list[str], start: int) -> int | None:
    for j in range(start, min(len(lines), start + 10)):
        if lines[j].strip():
            return j
    return None


def _strip_leading_quote(lines: list[str]) -> list[str]:
    """A bottom-posted reply: attribution and quote first, then the new text."""
    first = _next_nonblank(lines, 0)
    if first is None:
        return lines
    end = _header_end(lines, first, strict=False)
    if end is None:
        # A quote without an attribution above it is a passage the sender picked to answer,
        # not the history a client appends: it stays with the answer.
        return lines
    start = end + 1
    j = start
    while j < len(lines) and (not lines[j].strip() or _is_quoted(lines[j])):
        j += 1
    quoted = any(_is_quoted(line) for line in lines[start:j])
    if quoted and j < len(lines):
        # Answers between later quotes make it an interleaved reply: the first quote is part
        # of the conversation being answered, so it stays like the others.
        if any(_is_quoted(line) for line in _strip_trailing(lines[j:], set())):
            return lines
        return lines[j:]
    return lines


def _strip_trailing(lines: list[str], names: set[str]) -> list[str]:
    """Hide what trails the last new line: quotes, their attribution, signatures, blanks."""
    while True:
        before = len(lines)
        quoted = False
        while lines and (not lines[-1].strip() or _is_quoted(lines[-1])):
            quoted = quoted or _is_quoted(lines[-1])
            lines = lines[:-1]
        kept = len(lines)
        lines = _drop_trailing_attribution(lines)
        if quoted and len(lines) == kept and lines and _bare_attribution(lines[-1]):
            lines = lines[:-1]
        lines = _drop_signature(lines, names)
        lines = _drop_quote_before_signoff(lines)
        if len(lines) == before:
            return lines


def _drop_trailing_attribution(lines: list[str]) -> list[str]:
    last = len(lines) - 1
    # Longest first for attributions that start like one ("On ..."), so a wrapped header goes
    # whole; shortest first otherwise, so no text line above it is taken for part of it.
    for span in range(_SPAN, 0, -1):
        start = last + 1 - span
        if (
            start >= 0
            and P.ATTRIBUTION_START.match(lines[start].strip())
            and (_header_end(lines, start, strict=False) == last)
        ):
            return lines[:start]
    for span in range(1, _SPAN + 1):
        start = last + 1 - span
        if start < 0:
            break
        if _header_end(lines, start, strict=False) == last:
            while start > 0 and lines[start - 1].rstrip().endswith("<"):
                start -= 1
            return lines[:start]
    return lines


def _drop_signature(lines: list[str], names: set[str]) -> list[str]:
    n = len(lines)
    for i in range(max(0, n - P.MAX_SIGNATURE_LINES), n):
        stripped = lines[i].strip()
        if (
            P.SIG_DELIMITER.match(lines[i].rstrip())
            or P.MOBILE_SIGNATURE.match(stripped)
            or _footers.is_device_footer(stripped)
        ):
            return lines[:i]
        if P.RULE.match(stripped) and (
            sum(1 for t in lines[i + 1 :] if t.strip()) <= P.MAX_LINES_AFTER_RULE
            or _signed_block(lines[i + 1 :], names)
        ):
            return lines[:i]
        if P.DASH_NAME.match(stripped) and n - i <= 3:
            return lines[:i]
    # A closing ("Regards,", "Mvh", "Pozdrawiam,") and the name under it are the sender's and
    # stay; the title, company and contacts a template puts below them go.
    signed = _signoff.trim_after_signoff(lines, names)
    if signed is not None:
        return signed
    # The sender's own name near the end, then only short lines: a signature block.
    for i in range(max(1, n - 6), n):
        words = {w.lower() for w in re.findall(r"\w{3,}", lines[i])}
        signature = names and words & names and len(lines[i].strip()) <= 40
        if signature and _short_tail(lines[i:], _NAMED_BLOCK_LINES) and not lines[i - 1].strip():
            return lines[:i]
    if n >= 2 and P.SLASH_NAME.match(lines[-1].strip()) and not lines[-2].strip():
        return lines[:-1]
    return lines


def _short_tail(tail: list[str], most: int = 4) -> bool:
    kept = [t.strip() for t in tail if t.strip()]
    return len(kept) <= most and all(len(t) <= 60 for t in kept)


def _signed_block(tail: list[str], names: set[str]) -> bool:
    """Short lines under a rule that give the sender's name near their top: a signature."""
    kept = [t for t in tail if t.strip()]
    return (
        bool(names)
        and _short_tail(kept, P.MAX_SIGNATURE_LINES)
        and any({w.lower() for w in re.findall(r"\w{3,}", t)} & names for t in kept[:3])
    )


def _drop_quote_before_signoff(lines: list[str]) -> list[str]:
    """ "Reply / On ... wrote: / > quote / Regards, Roman": the quote goes, the sign-off stays."""
    last_quoted = max((i for i, line in enumerate(lines) if _is_quoted(line)), default=None)
    if last_quoted is None:
        return lines
    tail = [t for t in lines[last_quoted + 1 :] if t.strip()]
    if not tail or len(tail) > 2 or any(len(t.strip()) > 40 for t in tail):
        return lines
    start = last_quoted
    while start > 0 and (not lines[start - 1].strip() or _is_quoted(lines[start - 1])):
        start -= 1
    head = _drop_trailing_attribution(lines[:start])
    if len(head) == start:  # no attribution introduces the quote: an inline answer, keep it
        return lines
    # The blank line above the attribution stays, the one between quote and sign-off goes.
    tail = lines[last_quoted + 1 :]
    while tail and not tail[0].strip():
        tail = tail[1:]
    return [*head, *tail] if any(h.strip() for h in head) else lines
