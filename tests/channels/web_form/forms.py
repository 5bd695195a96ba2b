"""A support form definition, a small directory, and helpers to read what a post stored."""

from __future__ import annotations

import re
from typing import Any

import httpx
from sqlalchemy import func, select

from channels.web_form import services as form_services
from channels.web_form.definition import parse_definition
from helpdesk import services
from helpdesk.domain import Role
from helpdesk.runtime import Runtime
from helpdesk.tables import attachment_t, message_t, outbox_t, ticket_t

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(64))
ORIGIN = "https://shop.example.com"


def support_definition(**changes: Any) -> dict[str, Any]:
    definition: dict[str, Any] = {
        "slug": "support",
        "title": {"en": "Contact support", "tr": "Destek ile iletişim"},
        "intro": {"en": "Tell us what went wrong.", "tr": "Neyin yanlış gittiğini anlatın."},
        "fields": [
            {"name": "name", "required": True},
            {"name": "email", "type": "email"},
            {"name": "category", "type": "select", "required": True},
            {"name": "subject", "max_length": 120},
            {"name": "message", "type": "textarea", "max_length": 5000},
            {
                "name": "order_number",
                "label": {"en": "Order number", "tr": "Sipariş numarası"},
                "help": {"en": "Like AB-12345", "tr": "Örneğin AB-12345"},
                "pattern": "[A-Z]{2}-[0-9]{5}",
            },
            {"name": "quantity", "type": "number", "label": "Quantity"},
            {"name": "purchased_on", "type": "date", "label": {"en": "Purchase date"}},
            {
                "name": "device",
                "type": "select",
                "label": "Device",
                "choices": [{"value": "phone", "label": {"en": "Phone", "tr": "Telefon"}},
                            {"value": "laptop", "label": "Laptop"}],
            },
            {"name": "consent", "type": "checkbox", "required": True,
             "label": {"en": "I agree to be contacted", "tr": "Benimle iletişim kurulabilir"}},
        ],
        "categories": ["billing", "hardware"],
        "default_team": "Tech",
        "allowed_origins": [ORIGIN],
        "attachments": {"max_files": 2, "max_bytes": 50_000,
                        "content_types": ["image/png", "text/plain", "application/pdf"]},
        "rate_limit": {"max": 5, "window_seconds": 600},
    }  # fmt: skip
    definition.update(changes)
    return definition


async def setup_directory(rt: Runtime, **changes: Any) -> dict[str, Any]:
    """Teams, categories, an admin token and the support form."""
    async with rt.stores() as store:
        billing = await services.create_team(store, "Billing")
        tech = await services.create_team(store, "Tech")
        await services.create_category(store, "billing", "Billing", default_team_id=billing)
        await services.create_category(store, "hardware", "Hardware")
        admin = await services.create_user(
            store, email="admin@help.test", name="Ada", role=Role.ADMIN
        )
        agent = await services.create_user(store, email="agent@help.test", name="Al")
        tokens = {
            "admin": await services.create_token(store, admin),
            "agent": await services.create_token(store, agent),
        }
        await form_services.save_form(store, parse_definition(support_definition(**changes)))
    return {"billing": billing, "tech": tech, "tokens": tokens}


def valid_fields(**changes: str | None) -> dict[str, str]:
    fields: dict[str, str | None] = {
        "name": "Ayşe Yılmaz",
        "email": "Ayse@Example.com",
        "category": "hardware",
        "subject": "Screen flickers",
        "message": "My screen flickers after the update.",
        "order_number": "AB-12345",
        "quantity": "2",
        "purchased_on": "2026-10-01",
        "device": "laptop",
        "consent": "yes",
    }
    fields.update(changes)
    return {k: v for k, v in fields.items() if v is not None}


async def open_form(client: httpx.AsyncClient, path: str = "/forms/support") -> dict[str, str]:
    """GET the form; the hidden fields it carries (its cookie stays in the client)."""
    page = await client.get(path)
    assert page.status_code == 200, page.text
    hidden = dict(re.findall(r'type="hidden" name="([a-z_]+)" value="([^"]*)"', page.text))
    assert {"csrf_token", "submission_id"} <= hidden.keys()
    return hidden


async def counts(rt: Runtime) -> dict[str, int]:
    async with rt.stores() as store:
        result = {}
        for name, table in (("tickets", ticket_t), ("messages", message_t),
                            ("attachments", attachment_t), ("outbox", outbox_t)):  # fmt: skip
            result[name] = (
                await store.execute(select(func.count()).select_from(table))
            ).scalar_one()
    return result


async def ticket_by_number(rt: Runtime, number: int) -> dict[str, Any]:
    async with rt.stores() as store:
        ticket = (
            (await store.execute(select(ticket_t).where(ticket_t.c.number == number)))
            .mappings()
            .one()
        )
        rows = await store.execute(
            select(attachment_t.c.filename, attachment_t.c.content_type, attachment_t.c.sha256)
            .join(message_t, message_t.c.id == attachment_t.c.message_id)
            .where(message_t.c.ticket_id == ticket["id"])
        )
        files = {r.filename: (r.content_type, await rt.blobs.get(r.sha256)) for r in rows}
        message = (
            (await store.execute(select(message_t).where(message_t.c.ticket_id == ticket["id"])))
            .mappings()
            .one()
        )
        outbox = (
            (await store.execute(select(outbox_t).where(outbox_t.c.ticket_id == ticket["id"])))
            .mappings()
            .all()
        )
    return {"ticket": dict(ticket), "files": files, "message": dict(message),
            "outbox": [dict(o) for o in outbox]}  # fmt: skip
