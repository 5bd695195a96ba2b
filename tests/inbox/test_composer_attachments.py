"""Attachments in the composer: uploaded with a reply, stored with the outbound message,
downloadable again, and refused above the configured size limit."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from helpdesk.runtime import Runtime
from helpdesk.settings import Settings
from helpdesk.tables import attachment_t, message_t
from tests.fixtures_db import SECRET
from tests.inbox.conftest import ClientFactory
from tests.inbox.support import PNG, Directory, sign_in

LIMIT = 64 * 1024


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    base = Settings(
        database_url=db_url, data_dir=tmp_path / "data", secret_key=SECRET, acknowledge=False
    )
    return dataclasses.replace(base, max_attachment_bytes=LIMIT)


async def _outbound(rt: Runtime, ticket_id: int) -> list[tuple[int, str]]:
    async with rt.stores.read() as store:
        rows = await store.execute(
            select(message_t.c.id, message_t.c.text).where(
                message_t.c.ticket_id == ticket_id, message_t.c.direction == "outbound"
            )
        )
        return [(r.id, r.text) for r in rows]


def _last_seen(html: str) -> str:
    found = re.search(r'name="last_seen" value="(\d+)"', html)
    assert found
    return found.group(1)


async def test_a_reply_carries_its_files_and_they_download_intact(
    runtime: Runtime, clients: ClientFactory, directory: Directory
) -> None:
    ticket = directory.tickets["support"]
    notes = b"Schritt 1: Stecker ziehen.\n"
    async with clients() as ayse:
        csrf = await sign_in(ayse, "ayse@example.test")
        page = (await ayse.get(f"/inbox/tickets/{ticket}")).text
        assert 'enctype="multipart/form-data"' in page
        assert '<label for="reply-files">Attachments</label>' in page
        assert "Up to 10 files, each at most 64 KB." in page
        sent = await ayse.post(
            f"/inbox/tickets/{ticket}/reply",
            data={"csrf": csrf, "text": "Here is the guide.", "last_seen": _last_seen(page)},
            files=[
                ("files", ("C:\\Users\\ayse\\guide.txt", notes, "text/plain; charset=utf-8")),
                ("files", ("photo.png", PNG, "image/png")),
            ],
        )
        assert sent.status_code == 303, sent.text
        [(message_id, text)] = await _outbound(runtime, ticket)
        assert text == "Here is the guide."
        async with runtime.stores.read() as store:
            files = {
                r.filename: (r.id, r.content_type, r.size)
                for r in await store.execute(
                    select(attachment_t).where(attachment_t.c.message_id == message_id)
                )
            }
        assert set(files) == {"guide.txt", "photo.png"}
        assert files["guide.txt"][1:] == ("text/plain", len(notes))
        page = (await ayse.get(f"/inbox/tickets/{ticket}")).text
        assert ">guide.txt</a>" in page and 'alt="photo.png"' in page
        download = await ayse.get(f"/inbox/attachments/{files['photo.png'][0]}")
        assert download.status_code == 200 and download.content == PNG


async def test_a_file_over_the_limit_is_refused_and_nothing_is_sent(
    runtime: Runtime, clients: ClientFactory, directory: Directory
) -> None:
    ticket = directory.tickets["support"]
    async with clients() as ayse:
        csrf = await sign_in(ayse, "ayse@example.test")
        seen = _last_seen((await ayse.get(f"/inbox/tickets/{ticket}")).text)
        too_big = await ayse.post(
            f"/inbox/tickets/{ticket}/reply",
            data={"csrf": csrf, "text": "The log is attached.", "last_seen": seen},
            files=[("files", ("huge.log", b"x" * (LIMIT + 1), "text/plain"))],
        )
        assert too_big.status_code == 422
        assert "huge.log is larger than the limit" in too_big.text
        exactly = await ayse.post(
            f"/inbox/tickets/{ticket}/reply",
            data={"csrf": "wrong", "text": "The log is attached.", "last_seen": seen},
            files=[("files", ("fits.log", b"x" * LIMIT, "text/plain"))],
        )
        assert exactly.status_code == 403  # no valid CSRF token: not even a fitting file
        assert await _outbound(runtime, ticket) == []
        fits = await ayse.post(
            f"/inbox/tickets/{ticket}/reply",
            data={"csrf": csrf, "text": "The log is attached.", "last_seen": seen},
            files=[("files", ("fits.log", b"x" * LIMIT, "text/plain"))],
        )
        assert fits.status_code == 303
        assert [t for _, t in await _outbound(runtime, ticket)] == ["The log is attached."]
