"""How bots plug into the runtime and the web app: the FAQ bot's jobs and subscribers, its
"did this help?" page, and the bots' API (handover, bot-first channels, articles)."""

from __future__ import annotations

from typing import Any

from helpdesk import events
from helpdesk.bots import faq
from helpdesk.runtime import Component, Job, Parts, Periodic, Runtime, Subscriber


def _parts(rt: Runtime) -> Parts:
    """The FAQ bot answers new bot-first tickets, hears the customer write again, times out
    unanswered questions, and takes Telegram "did this help?" presses (`faq:` buttons)."""

    async def on_created(event: events.TicketCreated) -> None:
        await faq.on_created(rt, event)

    async def on_message(event: events.MessageAdded) -> None:
        await faq.on_message(rt, event)

    return Parts(
        jobs=[
            Job(faq.ANSWER_JOB, faq.answer),
            Job(faq.TIMEOUT_JOB, faq.timeout),
            Job(faq.WROTE_JOB, faq.customer_wrote),
            Job(faq.RECONCILE_JOB, faq.reconcile),
            Job(faq.BUTTON_JOB, faq.button),
        ],
        periodic=[Periodic(faq.RECONCILE_JOB, faq.RECONCILE_EVERY)],
        subscribers=[
            Subscriber(events.TicketCreated, on_created),
            Subscriber(events.MessageAdded, on_message),
        ],
    )


def _routes(rt: Runtime) -> list[Any]:
    from helpdesk.bots import api, routes

    return [*api.routes(rt), *routes.routes(rt)]


COMPONENT = Component(name="bots", parts=_parts, routes=_routes)
