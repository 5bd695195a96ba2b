"""Demo data: teams, people, a category tree and a few tickets, so a new install has a shape."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from helpdesk import services
from helpdesk.domain import Priority, Role, Status
from helpdesk.inbound import Identity, InboundMessage
from helpdesk.runtime import Runtime
from helpdesk.services import Actor, TicketChanges
from helpdesk.tables import team_t, user_t

ADMIN_EMAIL = "admin@demo.test"
ADMIN_PASSWORD = "demo-admin-password"  # noqa: S105 - printed to the operator; demo only

_PEOPLE = [
    ("admin@demo.test", "Ada Admin", Role.ADMIN, ()),
    ("sam@demo.test", "Sam Supervisor", Role.SUPERVISOR, ("Support", "Billing", "Tech")),
    ("ayse@demo.test", "Ayşe Agent", Role.AGENT, ("Support", "Billing")),
    ("tom@demo.test", "Tom Agent", Role.AGENT, ("Tech",)),
    ("bot@demo.test", "Helper Bot", Role.BOT, ("Support",)),
]
_CATEGORIES = [
    ("general", "General question", None, "Support", None),
    ("billing", "Billing", None, "Billing", Priority.NORMAL),
    ("billing-refund", "Refunds", "billing", "Billing", Priority.HIGH),
    ("technical", "Technical problem", None, "Tech", None),
    ("technical-login", "Cannot log in", "technical", "Tech", Priority.HIGH),
]
_TICKETS = [
    ("email", "mehmet@example.com", "Mehmet Kaya", "Fatura iki kez kesildi",
     "Merhaba, bu ay faturam iki kez kesildi. İade edebilir misiniz?", "billing-refund", "tr"),
    ("email", "jane@example.com", "Jane Doe", "Cannot log in after password reset",
     "I reset my password but the login page still says invalid credentials.",
     "technical-login", "en"),
    ("web_form", "li@example.com", "Li Wei", "Invoice address change",
     "Please change the address on my invoices to our new office.", "billing", "en"),
    ("telegram", "555000111", "Olga", "", "Hi! Is the API down? I get 502s since 10:00.",
     "technical", "en"),
    ("email", "carlos@example.com", "Carlos Ruiz", "Question about plans",
     "Does the team plan include phone support?", "general", "en"),
]  # fmt: skip


_MACROS = [
    ("Ask for details", "Hello {{customer.first_name}},\n\nthank you for writing to us. Could you "
     "tell us a little more, and send a screenshot if you can?\n\n{{agent.name}}", None,
     Status.PENDING),
    ("Refund on its way", "Hello {{customer.first_name}},\n\nwe have refunded the duplicate "
     "charge; it reaches your account within 2 business days.\n\n{{agent.name}}", "Billing",
     Status.SOLVED),
]  # fmt: skip


@dataclass
class DemoResult:
    created: bool
    admin_token: str | None


async def load_demo(rt: Runtime) -> DemoResult:
    """Load the demo data once; a second call changes nothing and returns created=False."""
    async with rt.stores() as store:
        if (await store.execute(select(team_t.c.id).where(team_t.c.name == "Support"))).first():
            return DemoResult(created=False, admin_token=None)
        teams = {
            name: await services.create_team(store, name, email=f"{name.lower()}@demo.test")
            for name in ("Support", "Billing", "Tech")
        }
        users = {}
        for email, name, role, team_names in _PEOPLE:
            users[email] = await services.create_user(
                store,
                email=email,
                name=name,
                role=role,
                password=ADMIN_PASSWORD if role is Role.ADMIN else None,
                team_ids=tuple(teams[t] for t in team_names),
            )
        categories: dict[str, int] = {}
        for slug, name, parent, team, priority in _CATEGORIES:
            categories[slug] = await services.create_category(
                store,
                slug,
                name,
                parent_id=categories[parent] if parent else None,
                default_team_id=teams[team],
                default_priority=priority,
            )
        token = await services.create_token(store, users[ADMIN_EMAIL], "demo")
        for title, body, macro_team, status in _MACROS:
            await services.create_macro(
                store, title, body, team_id=teams[macro_team] if macro_team else None,
                set_status=status,
            )  # fmt: skip
    ticket_ids = []
    for i, (channel, address, name, subject, text, category, language) in enumerate(_TICKETS):
        kind = "telegram" if channel == "telegram" else "email"
        async with rt.stores() as store:
            result = await services.ingest(
                store,
                InboundMessage(
                    channel=channel,
                    external_id=f"demo-{i}@demo.test",
                    sender=Identity(kind, address, name),
                    subject=subject,
                    text=text,
                    full_text=text,
                    received_at=rt.clock.now() - timedelta(hours=5 - i),
                    language=language,
                    category=category,
                ),
            )
        assert result.ticket_id is not None
        ticket_ids.append(result.ticket_id)
    async with rt.stores() as store:
        agent = Actor.user(users["ayse@demo.test"])
        await services.update_ticket(
            store, ticket_ids[0], agent, TicketChanges(assignee_id=users["ayse@demo.test"])
        )
        await services.reply(
            store,
            ticket_ids[0],
            agent,
            "Merhaba Mehmet Bey, iade talebinizi aldık; 2 iş günü içinde hesabınıza geçecek.",
            status=Status.PENDING,
        )
        await services.add_note(
            store, ticket_ids[1], Actor.user(users["tom@demo.test"]), "Probably the SSO cache."
        )
    return DemoResult(created=True, admin_token=token)


async def has_users(rt: Runtime) -> bool:
    async with rt.stores() as store:
        return (await store.execute(select(user_t.c.id).limit(1))).first() is not None
