"""Reply attributions: the "On <date>, <name> wrote:" line (and its many shapes) above a quote."""

from __future__ import annotations

import re

from channels.email import _patterns as P

SPAN = 6  # a reply header wrapped by the client spans at most this many lines


def is_quoted(line: str) -> bool:
    return line.lstrip().startswith(">")


def header_end(lines: list[str], i: int, *, strict: bool) -> int | None:
    """If a reply attribution ("On ... wrote:") starts at line i, the index of its last line.

    `strict` is for attributions followed by unquoted text, where a false match would hide
    new text: the date-and-address form then needs its trailing colon.
    """
    first = lines[i].strip()
    if len(first) > 400:
        return None
    if P.DASHED_ATTRIBUTION.match(first):
        return i
    starts = bool(P.ATTRIBUTION_START.match(first))
    joined = ""
    for j in range(i, min(len(lines), i + SPAN)):
        part = lines[j].strip()
        if j > i and is_quoted(lines[j]) and not re.match(r">\s*wrote:?\s*$", part):
            return None
        if joined.endswith("=") and part:
            # A quoted-printable soft break left in a body that was not decoded ("w=" "rote:").
            joined = joined[:-1] + part
        else:
            joined = f"{joined} {part}".strip() if part else joined
        if len(joined) > 500:
            return None
        if starts and P.ends_with_wrote(joined, sent=True):
            return j
        if P.ends_with_wrote(joined) and P.ADDRESS_OR_DIGIT.search(joined):
            return j
        if _dated_address(joined, colon=strict or j > i):
            return j
        if joined.endswith((":", "：")) and _verb_then_date_or_name(joined, starts, strict):
            return j
        if (
            j == i
            and not starts
            and (not re.search(r"\d|@|<", joined) or joined.endswith((".", "!", "?")))
        ):
            # Only a line that starts like an attribution, or carries a date or an address,
            # may be the first line of one the client wrapped.
            return None
    return None


def bare_attribution(line: str) -> bool:
    """ "Support Team wrote:" right above a trailing quote: an attribution without date or
    address. Only a short line ending in the verb and a colon; prose rarely ends so."""
    stripped = line.strip()
    return (
        len(stripped) <= 80
        and not re.search(r"[<>@]", stripped)
        and stripped.endswith((":", "："))
        and len(stripped.split()) <= 8
        and P.ends_with_wrote(stripped)
    )


def _verb_then_date_or_name(joined: str, starts: bool, strict: bool) -> bool:
    """ "Jane <j@x> wrote on 13/05/2024 17:02:" or "Am 13.05.2024 um 17:02 schrieb Jane Doe:".

    Over unquoted text (`strict`) a clock time or a numeric date must be there too: prose like
    "as I wrote on Monday:" has neither.
    """
    tail = joined[-200:]
    if strict and not P.CLOCK_OR_DATE.search(tail):
        return False
    if P.WROTE_THEN_DATE.search(tail):
        # "as I wrote on 13/05 at 10:30:" is prose; a client's line names the sender's address.
        return not strict or "@" in joined
    return (starts or bool(P.DATE_START.match(joined))) and bool(
        P.ADDRESS_OR_DIGIT.search(joined) and P.WROTE_THEN_NAME.search(tail)
    )


def _dated_address(joined: str, *, colon: bool) -> bool:
    """ "2014-10-17 11:28 Postmaster <pm@example.com>:", the colon optional before a quote."""
    if colon and not joined.endswith((":", "：")):
        return False
    if not re.search(r"\d", joined):
        return False
    tail = joined[-200:]
    if not P.ADDRESS_COLON_END.search(tail):
        return False
    return joined.endswith((":", "：")) or bool(P.DATE_START.match(joined))
