"""Attachment bytes into the blob store, metadata into the database."""

from __future__ import annotations

from sqlalchemy import insert

from helpdesk.inbound import Attachment
from helpdesk.store import Store
from helpdesk.tables import attachment_t


async def store_attachments(
    store: Store, message_id: int, attachments: tuple[Attachment, ...]
) -> None:
    rows = []
    for attachment in attachments:
        if attachment.content is not None:
            sha = await store.blobs.put(attachment.content)
        elif attachment.stored_ref is not None:
            sha = attachment.stored_ref
        else:
            continue
        rows.append(
            {
                "message_id": message_id,
                "filename": attachment.filename[:500] or "attachment",
                "content_type": attachment.content_type[:200],
                "size": attachment.size,
                "sha256": sha,
                "content_id": attachment.content_id,
                "inline": attachment.inline,
                "created_at": store.now(),
            }
        )
    if rows:
        await store.execute(insert(attachment_t), rows)
