"""Role and team access on every inbox route, and hostile customer HTML staying inert."""

from __future__ import annotations

import re

from sqlalchemy import select

from helpdesk.runtime import Runtime
from helpdesk.tables import attachment_t, message_t
from tests.inbox.conftest import ClientFactory
from tests.inbox.support import Directory, customer_writes, sign_in

HOSTILE = (
    '<p>Please see below.</p><script>alert("script ran")</script>'
    '<img src="x" onerror="alert(\'onerror ran\')"><a href="javascript:alert(3)">click</a>'
)


RAW = (
    b"From: Mallory <mallory@example.com>\r\nSubject: Invoice\r\n"
    b"Content-Type: text/html\r\n\r\n" + HOSTILE.encode() + b"\r\n"
)


async def _attachment_of(rt: Runtime, ticket_id: int) -> int:
    async with rt.stores() as store:
        return int(
            (
                await store.execute(
                    select(attachment_t.c.id)
                    .join(message_t, message_t.c.id == attachment_t.c.message_id)
                    .where(message_t.c.ticket_id == ticket_id)
                )
            ).scalar_one()
        )


async def test_an_agent_cannot_open_another_teams_ticket_or_attachment(
    runtime: Runtime, clients: ClientFactory, directory: Directory
) -> None:
    tech = directory.tickets["tech"]
    attachment = await _attachment_of(runtime, tech)
    async with clients() as ayse, clients() as tom, clients() as sam:
        await sign_in(ayse, "ayse@example.test")
        await sign_in(tom, "tom@example.test")
        await sign_in(sam, "sam@example.test")

        page = await ayse.get(f"/inbox/tickets/{tech}")
        assert page.status_code == 403 and "API returns 502" not in page.text
        assert (await ayse.get(f"/inbox/attachments/{attachment}")).status_code == 403
        assert (await ayse.get(f"/inbox/attachments/{attachment}?inline=1")).status_code == 403
        assert (await ayse.get("/inbox/tickets/999999")).status_code == 404
        # Nor change it, nor see it in any list or search.
        csrf = re.search(r'name="csrf" value="([^"]+)"', (await ayse.get("/inbox")).text)
        assert csrf
        took = await ayse.post(f"/inbox/tickets/{tech}/take", data={"csrf": csrf.group(1)})
        assert took.status_code == 403
        assert "API returns 502" not in (await ayse.get("/inbox?q=502")).text
        assert (await ayse.get("/inbox?view=all")).status_code == 403
        assert (await ayse.get(f"/inbox?view=team-{directory.teams['Tech']}")).status_code == 403

        own = await tom.get(f"/inbox/tickets/{tech}")
        assert own.status_code == 200 and "API returns 502" in own.text
        download = await tom.get(f"/inbox/attachments/{attachment}")
        assert download.status_code == 200 and download.content.startswith(b"\x89PNG")
        assert download.headers["content-disposition"].startswith("attachment;")
        preview = await tom.get(f"/inbox/attachments/{attachment}?inline=1")
        assert preview.headers["content-disposition"].startswith("inline;")
        assert preview.headers["x-content-type-options"] == "nosniff"

        everything = await sam.get("/inbox?view=all")
        assert "API returns 502" in everything.text and "Printer on fire" in everything.text


async def test_hostile_html_in_a_customer_email_is_never_served_runnable(
    runtime: Runtime, clients: ClientFactory, directory: Directory
) -> None:
    ticket = await customer_writes(
        runtime, "hostile", "mallory@example.com", "Mallory", "Invoice <b>attached</b>",
        "Please see below.", html=HOSTILE, raw=RAW,
    )  # fmt: skip
    async with clients() as sam:
        await sign_in(sam, "sam@example.test")
        page = await sam.get(f"/inbox/tickets/{ticket}")
        assert page.status_code == 200
        assert "<script>alert" not in page.text and "onerror" not in page.text
        assert "Invoice &lt;b&gt;attached&lt;/b&gt;" in page.text
        message = re.search(r'src="/inbox/messages/(\d+)/original"', page.text)
        assert message, "the ticket page offers the original email"
        original = await sam.get(f"/inbox/messages/{message.group(1)}/original")
        assert original.status_code == 200
        body = original.text.lower()
        assert "please see below." in body
        assert "<script" not in body and "onerror" not in body and "javascript:" not in body
        assert original.headers["content-security-policy"].startswith("sandbox;")
        raw = await sam.get(f"/inbox/messages/{message.group(1)}/raw")
        assert raw.content == RAW
        assert raw.headers["content-type"] == "text/plain; charset=utf-8"
        assert raw.headers["content-security-policy"].startswith("sandbox;")
    async with clients() as tom:
        await sign_in(tom, "tom@example.test")
        assert (await tom.get(f"/inbox/messages/{message.group(1)}/original")).status_code == 200
        # Tom may see triage tickets (no team yet); once it belongs to Support he may not.
    async with clients() as sam:
        csrf = await sign_in(sam, "sam@example.test")
        moved = await sam.post(
            f"/inbox/tickets/{ticket}/properties",
            data={"csrf": csrf, "team_id": str(directory.teams["Support"])},
        )
        assert moved.status_code == 303
    async with clients() as tom:
        await sign_in(tom, "tom@example.test")
        assert (await tom.get(f"/inbox/messages/{message.group(1)}/original")).status_code == 403
        assert (await tom.get(f"/inbox/messages/{message.group(1)}/raw")).status_code == 403
