"""Read models of the email channel: mailboxes and their settings."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.engine import RowMapping

from channels.email.config import MailboxConfig, public_view
from channels.email.tables import checkpoint_t, mailbox_t
from helpdesk.crypto import SecretBox
from helpdesk.errors import NotFound
from helpdesk.store import Store
from helpdesk.tables import message_t


async def list_mailboxes(store: Store) -> list[dict[str, Any]]:
    """Every mailbox as the API shows it (passwords never included)."""
    rows = (await store.execute(select(mailbox_t).order_by(mailbox_t.c.id))).mappings()
    return [public_view(row) for row in rows]


async def mailbox_row(store: Store, name: str) -> RowMapping:
    row = (
        (await store.execute(select(mailbox_t).where(mailbox_t.c.name == name))).mappings().first()
    )
    if row is None:
        raise NotFound(f"no mailbox named {name!r}")
    return row


async def get_mailbox(store: Store, name: str) -> dict[str, Any]:
    return public_view(await mailbox_row(store, name))


def decrypt(row: RowMapping, box: SecretBox) -> MailboxConfig:
    return MailboxConfig(
        id=int(row["id"]),
        name=row["name"],
        address=row["address"],
        display_name=row["display_name"],
        imap_host=row["imap_host"],
        imap_port=int(row["imap_port"]),
        imap_tls=row["imap_tls"],
        imap_user=row["imap_user"],
        imap_password=box.decrypt(row["imap_password"]),
        imap_folder=row["imap_folder"],
        after_import=row["after_import"],
        smtp_host=row["smtp_host"],
        smtp_port=int(row["smtp_port"]),
        smtp_tls=row["smtp_tls"],
        smtp_user=row["smtp_user"],
        smtp_password=box.decrypt(row["smtp_password"]) if row["smtp_password"] else "",
        default_category=row["default_category"],
        default_team=row["default_team"],
        active=bool(row["active"]),
    )


async def mailbox_config(store: Store, box: SecretBox, mailbox_id: int) -> MailboxConfig | None:
    row = (
        (await store.execute(select(mailbox_t).where(mailbox_t.c.id == mailbox_id)))
        .mappings()
        .first()
    )
    return None if row is None else decrypt(row, box)


async def active_mailbox_ids(store: Store) -> list[int]:
    rows = await store.execute(
        select(mailbox_t.c.id).where(mailbox_t.c.active.is_(True)).order_by(mailbox_t.c.id)
    )
    return [int(i) for i in rows.scalars()]


# Built once: every outgoing mail asks.
_ACTIVE = select(mailbox_t).where(mailbox_t.c.active.is_(True))
_ACTIVE_NAMED = _ACTIVE.where(mailbox_t.c.name == bindparam("k_name"))
_FIRST_ACTIVE = _ACTIVE.order_by(mailbox_t.c.id).limit(1)


async def sending_mailbox(store: Store, box: SecretBox, source: str | None) -> MailboxConfig | None:
    """The mailbox a ticket's mail goes out through: its own, else the first active one."""
    if source:
        row = (await store.execute(_ACTIVE_NAMED, {"k_name": source})).mappings().first()
        if row is not None:
            return decrypt(row, box)
    row = (await store.execute(_FIRST_ACTIVE)).mappings().first()
    return None if row is None else decrypt(row, box)


async def any_mailbox(store: Store) -> bool:
    """Is email set up at all (a mailbox exists, active or not)?"""
    return (await store.execute(select(mailbox_t.c.id).limit(1))).first() is not None


async def own_addresses(store: Store) -> frozenset[str]:
    """Every support address of ours, so mail from them is never imported as a customer's."""
    rows = await store.execute(select(mailbox_t.c.address))
    return frozenset(str(a).lower() for a in rows.scalars())


async def checkpoint(store: Store, mailbox_id: int, folder: str) -> tuple[int, int] | None:
    """(UIDVALIDITY, last imported UID) of a mailbox folder, or None before the first import."""
    row = (
        await store.execute(
            select(checkpoint_t.c.uidvalidity, checkpoint_t.c.last_uid).where(
                checkpoint_t.c.mailbox_id == mailbox_id, checkpoint_t.c.folder == folder
            )
        )
    ).first()
    return None if row is None else (int(row.uidvalidity), int(row.last_uid))


async def last_inbound_machine(store: Store, ticket_id: int) -> str | None:
    """Why the ticket's latest inbound message was machine-written, or None if a person wrote it."""
    row = (
        await store.execute(
            select(message_t.c.machine)
            .where(message_t.c.ticket_id == ticket_id, message_t.c.direction == "inbound")
            .order_by(message_t.c.id.desc())
            .limit(1)
        )
    ).first()
    return None if row is None else row.machine
