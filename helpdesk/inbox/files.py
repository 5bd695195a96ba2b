"""Attachments and the original email, under the same access rule as the ticket."""

from __future__ import annotations

from urllib.parse import quote

import nh3
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from helpdesk import queries as core_queries
from helpdesk.errors import NotFound
from helpdesk.inbox import queries
from helpdesk.inbox.web import SECURITY_HEADERS, Viewer, Web, page
from helpdesk.privacy import note_access
from helpdesk.services.access import Access

INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
# The original email is shown in a sandboxed frame: no script, no forms, no same-origin access,
# no remote loads (tracking pixels), even if the sanitiser missed something.
ORIGINAL_CSP = (
    "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'self'"
)


def routes(web: Web) -> list[Route]:
    rt = web.rt

    @page(web)
    async def attachment(request: Request, viewer: Viewer) -> Response:
        attachment_id: int = request.path_params["attachment_id"]
        async with rt.stores.read() as store:
            found = await core_queries.attachment(store, attachment_id)
            if found is None:
                raise NotFound(f"attachment {attachment_id} does not exist")
            ticket = await core_queries.ticket_access(store, viewer.who, found["ticket_id"])
        content = await rt.blobs.get(found["sha256"])
        await note_access(rt, viewer.who.user_id, "inbox", [Access(
            "attachment.read", ticket["requester_id"], ticket["id"], attachment_id)])  # fmt: skip
        inline = request.query_params.get("inline") == "1" and found["content_type"] in INLINE_TYPES
        name = found["filename"]
        ascii_name = name.encode("ascii", "replace").decode().replace('"', "")
        disposition = "inline" if inline else "attachment"
        headers = {
            "Content-Disposition": f'{disposition}; filename="{ascii_name}"; '
            f"filename*=UTF-8''{quote(name)}",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "sandbox; default-src 'none'",
            "Cache-Control": "private, max-age=3600",
        }
        return Response(content, media_type=found["content_type"], headers=headers)

    @page(web)
    async def original(request: Request, viewer: Viewer) -> Response:
        message_id: int = request.path_params["message_id"]
        async with rt.stores.read() as store:
            row = await queries.message_source(store, message_id)
            if row is None:
                raise NotFound(f"message {message_id} does not exist")
            ticket = await core_queries.ticket_access(store, viewer.who, row["ticket_id"])
        await note_access(
            rt,
            viewer.who.user_id,
            "inbox",
            [Access("ticket.view", ticket["requester_id"], ticket["id"])],
        )
        # Sanitised again on the way out: stored HTML from an older parser is not trusted.
        html, text = row["html"], row["full_text"]
        body = nh3.clean(html) if html else f"<pre>{nh3.clean_text(text)}</pre>"
        document = (
            '<!doctype html><html><head><meta charset="utf-8"><title>Original email</title>'
            '</head><body style="font: 14px system-ui, sans-serif; color: #1f2328">'
            f"{body}</body></html>"
        )
        headers = {**SECURITY_HEADERS, "Content-Security-Policy": ORIGINAL_CSP}
        return HTMLResponse(document, headers=headers)

    @page(web)
    async def raw(request: Request, viewer: Viewer) -> Response:
        message_id: int = request.path_params["message_id"]
        async with rt.stores.read() as store:
            row = await queries.message_source(store, message_id)
            if row is None or row["raw_ref"] is None:
                raise NotFound(f"message {message_id} has no raw source")
            ticket = await core_queries.ticket_access(store, viewer.who, row["ticket_id"])
        content = await rt.blobs.get(row["raw_ref"])
        await note_access(
            rt,
            viewer.who.user_id,
            "inbox",
            [Access("ticket.view", ticket["requester_id"], ticket["id"])],
        )
        # As plain text, never interpreted: the raw source is exactly what the sender sent.
        headers = {
            **SECURITY_HEADERS,
            "Content-Security-Policy": "sandbox; default-src 'none'",
            "Content-Disposition": f'inline; filename="message-{message_id}.eml.txt"',
        }
        return Response(content, media_type="text/plain; charset=utf-8", headers=headers)

    return [
        Route("/inbox/messages/{message_id:int}/raw", raw, methods=["GET"]),
        Route("/inbox/attachments/{attachment_id:int}", attachment, methods=["GET"]),
        Route("/inbox/messages/{message_id:int}/original", original, methods=["GET"]),
    ]
