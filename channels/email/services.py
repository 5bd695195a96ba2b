"""The email channel's mutators: mailboxes, health, checkpoints, importing one raw message,
and the auto-reply throttle. Each takes a `Store`; the caller's unit of work commits."""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, insert, select, update

from channels.email.config import MailboxConfig, MailboxCreate, MailboxPatch
from channels.email.inbound import ParseError, parse_message
from channels.email.probe import Report
from channels.email.queries import mailbox_row
from channels.email.tables import checkpoint_t, mailbox_t, throttle_t
from helpdesk import services
from helpdesk.crypto import SecretBox
from helpdesk.domain import Actor, AuditKind
from helpdesk.errors import ValidationFailed
from helpdesk.services import Store
from helpdesk.services._common import audit_config

log = logging.getLogger(__name__)

AUTO_REPLY_LIMIT = 3
AUTO_REPLY_WINDOW = timedelta(hours=1)
_SECRETS = ("imap_password", "smtp_password")


async def add_mailbox(
    store: Store,
    box: SecretBox,
    data: MailboxCreate,
    *,
    actor: Actor | None = None,
    via: str | None = None,
) -> int:
    """Create a mailbox; passwords are stored encrypted. Duplicate name/address: 422 per field.
    With an `actor`, audited as their change (`via` the API or the CLI, whose actor is the
    system; None: the admin pages). Set-up code (tests, benchmarks) passes none."""
    await _unique(store, name=data.name, address=data.address)
    now = store.now()
    values: dict[str, Any] = data.model_dump()
    for name in _SECRETS:
        values[name] = box.encrypt(values[name]) if values[name] else ""
    result = await store.execute(
        insert(mailbox_t)
        .values(**values, status="new", created_at=now, updated_at=now)
        .returning(mailbox_t.c.id)
    )
    mailbox_id = int(result.scalar_one())
    if actor is not None:
        await audit_config(
            store, actor, AuditKind.MAILBOX_CHANGED, via=via,
            action="added", item=data.name, address=data.address,
        )  # fmt: skip
    log.info("mailbox %s (%s) added", data.name, data.address)
    return mailbox_id


async def update_mailbox(
    store: Store,
    box: SecretBox,
    name: str,
    patch: MailboxPatch,
    *,
    actor: Actor | None = None,
    via: str | None = None,
) -> None:
    """Change the fields given in `patch`; a new password is encrypted, never echoed. With an
    `actor`, audited with the names of the fields given (never their values: passwords are
    among them)."""
    row = await mailbox_row(store, name)
    values: dict[str, Any] = patch.model_dump(exclude_unset=True)
    fields = sorted(values)
    if values.get("address") and values["address"] != row["address"]:
        await _unique(store, address=values["address"])
    for field in ("smtp_user", "smtp_password"):
        if field in values and values[field] is None:
            values[field] = ""  # no SMTP login
    empty = {
        field: "cannot be null"
        for field, value in values.items()
        if value is None and field not in ("default_category", "default_team")
    }
    if empty:
        raise ValidationFailed(empty)
    for secret in _SECRETS:
        if secret in values:
            values[secret] = box.encrypt(values[secret]) if values[secret] else ""
    if actor is not None:
        await audit_config(
            store, actor, AuditKind.MAILBOX_CHANGED, via=via,
            action="updated", item=name, fields=fields,
        )  # fmt: skip
    if not values:
        return
    # New connection settings deserve a fresh health verdict.
    await store.execute(
        update(mailbox_t)
        .where(mailbox_t.c.id == row["id"])
        .values(**values, status="new", last_error=None, updated_at=store.now())
    )


async def remove_mailbox(
    store: Store, name: str, *, actor: Actor | None = None, via: str | None = None
) -> None:
    """Delete a mailbox and its checkpoints; tickets that came through it stay. With an
    `actor`, audited."""
    row = await mailbox_row(store, name)
    await store.execute(delete(checkpoint_t).where(checkpoint_t.c.mailbox_id == row["id"]))
    await store.execute(delete(mailbox_t).where(mailbox_t.c.id == row["id"]))
    if actor is not None:
        await audit_config(
            store, actor, AuditKind.MAILBOX_REMOVED, via=via, action="removed", item=name
        )


async def record_test(
    store: Store, name: str, report: Report, *, actor: Actor, via: str | None = None
) -> None:
    """Audit a connection test of mailbox `name` and what it found (the test itself changes
    nothing: it runs outside any unit of work, the logins may take seconds)."""
    await audit_config(
        store, actor, AuditKind.MAILBOX_TESTED, via=via,
        item=name, imap_ok=report.imap.ok, smtp_ok=report.smtp.ok,
    )  # fmt: skip


async def _unique(store: Store, *, name: str | None = None, address: str | None = None) -> None:
    errors: dict[str, str] = {}
    for field, value in (("name", name), ("address", address)):
        if value is None:
            continue
        found = (
            await store.execute(select(mailbox_t.c.id).where(mailbox_t.c[field] == value))
        ).first()
        if found is not None:
            errors[field] = f"a mailbox with this {field} already exists"
    if errors:
        raise ValidationFailed(errors)


async def record_ok(store: Store, mailbox_id: int) -> None:
    """The mailbox was reached and logged into: clear its error."""
    await store.execute(
        update(mailbox_t)
        .where(mailbox_t.c.id == mailbox_id)
        .values(status="ok", last_error=None, last_success_at=store.now())
    )


async def record_error(store: Store, mailbox_id: int, error: str) -> None:
    """The mailbox could not be reached or logged into; shown in its status and /healthz."""
    await store.execute(
        update(mailbox_t)
        .where(mailbox_t.c.id == mailbox_id)
        .values(status="error", last_error=error[:2000], last_error_at=store.now())
    )


async def save_checkpoint(
    store: Store, mailbox_id: int, folder: str, uidvalidity: int, last_uid: int
) -> None:
    """Remember how far `folder` was imported (UIDs only count within one UIDVALIDITY)."""
    await store.execute(
        store.upsert(
            checkpoint_t,
            index_elements=["mailbox_id", "folder"],
            update=["uidvalidity", "last_uid", "updated_at"],
        ).values(
            mailbox_id=mailbox_id,
            folder=folder,
            uidvalidity=uidvalidity,
            last_uid=last_uid,
            updated_at=store.now(),
        )
    )


@dataclass(frozen=True, slots=True)
class Imported:
    """What became of one raw message: `outcome` is ticket | duplicate | loop | quarantined."""

    outcome: str
    ticket_id: int | None = None
    message_id: int | None = None
    quarantine_id: int | None = None


async def import_message(
    store: Store, mailbox: MailboxConfig, raw: bytes, own: frozenset[str]
) -> Imported:
    """Parse and ingest one raw message from `mailbox`; never raises for a bad message.

    Mail from our own support addresses is a loop and is dropped (logged); a message that
    cannot be parsed or ingested goes to the quarantine with its raw bytes.
    """
    try:
        message = parse_message(raw)
    except ParseError as exc:
        return await _quarantine(store, mailbox, f"unparseable: {exc}", raw)
    if not message.sender.address:
        return await _quarantine(store, mailbox, "no sender address (From/Sender)", raw)
    if message.sender.address.lower() in own:
        log.info("mailbox %s: dropped %s from our own address", mailbox.name, message.external_id)
        return Imported("loop")
    message = dataclasses.replace(
        message,
        source=mailbox.name,
        category=message.category or mailbox.default_category,
        team=mailbox.default_team,
    )
    try:
        async with store.savepoint():
            result = await services.ingest(store, message, raw=raw)
    except Exception as exc:  # per-message boundary: keep the bytes, move on
        log.exception("mailbox %s: could not ingest %s", mailbox.name, message.external_id)
        return await _quarantine(store, mailbox, f"ingest failed: {type(exc).__name__}: {exc}", raw)
    if result.quarantine_id is not None:
        return Imported("quarantined", quarantine_id=result.quarantine_id)
    return Imported("ticket" if result.new else "duplicate", result.ticket_id, result.message_id)


async def _quarantine(store: Store, mailbox: MailboxConfig, reason: str, raw: bytes) -> Imported:
    qid = await services.quarantine(
        store, channel="email", source=mailbox.name, reason=reason, raw=raw
    )
    return Imported("quarantined", quarantine_id=qid)


async def allow_auto_reply(
    store: Store,
    address: str,
    *,
    limit: int = AUTO_REPLY_LIMIT,
    window: timedelta = AUTO_REPLY_WINDOW,
) -> bool:
    """Count one automatic mail to `address`; False once `limit` were sent within `window`.

    Bots and the email sender call this before any automatic mail, so two robots answering
    each other stop after a few rounds instead of looping forever.
    """
    address = address.strip().lower()
    now = store.now()
    row = (
        await store.execute(
            select(throttle_t.c.window_start, throttle_t.c.count.label("sent")).where(
                throttle_t.c.address == address
            )
        )
    ).first()
    if row is None or now - row.window_start >= window:
        await store.execute(
            store.upsert(
                throttle_t, index_elements=["address"], update=["window_start", "count"]
            ).values(address=address, window_start=now, count=1)
        )
        return True
    if row.sent >= limit:
        return False
    await store.execute(
        update(throttle_t).where(throttle_t.c.address == address).values(count=row.sent + 1)
    )
    return True
