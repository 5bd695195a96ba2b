"""Edited texts of automatic messages (acknowledgement, CSAT survey) from the admin pages and
the API: placeholders checked field by field, the change audited. The storage is `autoreplies`'
template table; without an edited text a sender uses its built-in default."""

from __future__ import annotations

import string

from helpdesk.domain import Actor, AuditKind
from helpdesk.errors import NotFound, ValidationFailed
from helpdesk.services import autoreplies
from helpdesk.services._common import audit_config
from helpdesk.store import Store

MAX_SUBJECT = 998  # an email subject line's limit
MAX_TEXT = 10_000

# Something besides whitespace, with whitespace spelled out as Python's `str.strip()` (which the
# services use) knows it: `\s` means other sets to the ECMA-262 regexes of JSON Schema (no
# U+0085, no U+001C-U+001F), so a schema saying `\S` would call "\u0085" text the API then
# finds empty. A body schema puts it on each text that must not be blank.
VISIBLE = "[^\t\n\v\f\r\x1c-\x1f \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"


def placeholders(text: str) -> set[str]:
    """The `{names}` a text uses; `ValueError` if its braces do not parse."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def check(subject: str, text: str, allowed: frozenset[str]) -> None:
    """`ValidationFailed` naming each field that uses an unknown placeholder, has unbalanced
    braces, or is empty or too long."""
    errors: dict[str, str] = {}
    if len(subject) > MAX_SUBJECT:
        errors["subject"] = f"at most {MAX_SUBJECT} characters"
    if not text.strip():
        errors["text"] = "the message needs text"
    elif len(text) > MAX_TEXT:
        errors["text"] = f"at most {MAX_TEXT} characters"
    for field, value in (("subject", subject), ("text", text)):
        if field in errors:
            continue
        try:
            unknown = placeholders(value) - allowed
        except ValueError as exc:
            errors[field] = f"not a valid template: {exc}"
            continue
        # "{number:>999999999}" or "{link:d}" parse, but would fill memory or fail when the
        # message is sent (long after "saved"): only plain "{name}" placeholders are accepted.
        styled = sorted(
            "{" + name + "}"
            for _, name, spec, conversion in string.Formatter().parse(value)
            if name is not None and (spec or conversion)
        )
        if styled:
            errors[field] = f"use plain placeholders such as {styled[0]} without ':' or '!'"
            continue
        if unknown:
            names = ", ".join("{" + n + "}" for n in sorted(unknown))
            known = ", ".join("{" + n + "}" for n in sorted(allowed)) or "none"
            errors[field] = f"unknown placeholders {names}; use {known}"
    if errors:
        raise ValidationFailed(errors)


async def save(
    store: Store,
    actor: Actor,
    *,
    kind: str,
    channel: str,
    language: str,
    subject: str,
    text: str,
    allowed: frozenset[str],
    via: str | None = None,
) -> None:
    """Store the edited text of `kind` for a channel (`*`: any) and language; audited as
    `actor`'s change (`via` the API; None: the admin pages)."""
    check(subject, text, allowed)
    await autoreplies.set_template(store, kind, channel, language, subject, text)
    await audit_config(
        store, actor, AuditKind.TEMPLATE_CHANGED, via=via,
        kind=kind, channel=channel, language=language,
    )  # fmt: skip


async def reset(
    store: Store,
    actor: Actor,
    *,
    kind: str,
    channel: str,
    language: str,
    via: str | None = None,
    must_exist: bool = False,
) -> None:
    """Drop the edited text, so the built-in default applies again: a no-op if there is none,
    or, with `must_exist` (the API), NotFound."""
    try:
        await autoreplies.reset_template(store, kind, channel, language)
    except NotFound:
        if must_exist:
            raise
        return
    await audit_config(
        store, actor, AuditKind.TEMPLATE_RESET, via=via,
        kind=kind, channel=channel, language=language,
    )  # fmt: skip
