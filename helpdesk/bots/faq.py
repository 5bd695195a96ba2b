"""The built-in FAQ bot: on a new ticket of a channel it answers first, it offers the knowledge
base article that answers the question when it is confident, and asks "did this help?"
(buttons in Telegram, links by email). Yes solves the ticket; no, writing again, or no answer
within HELPDESK_FAQ_TIMEOUT hands it to people, with the bot's try as a note on top.

Every job reloads state and is safe to run twice: the attempt row is written once, and an
answer settles it once (`knowledge.settle`), whichever of button, link or time-out comes first.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from helpdesk import events
from helpdesk.bots import match
from helpdesk.bots.texts import default, texts
from helpdesk.domain import Actor, Direction, Status
from helpdesk.errors import Conflict, NotFound
from helpdesk.runtime import Runtime
from helpdesk.security import ascii_digits, same_secret
from helpdesk.services import Store, autoreplies, bots, knowledge, reply
from helpdesk.services.knowledge import FaqTicket

log = logging.getLogger(__name__)

ANSWER_JOB = "faq_answer"
TIMEOUT_JOB = "faq_timeout"
WROTE_JOB = "faq_customer_wrote"
RECONCILE_JOB = "faq_reconcile"
RECONCILE_EVERY = timedelta(seconds=60)
BUTTON_PREFIX = "faq"  # Telegram callback data: faq:<ticket token>:<y|n>
BUTTON_JOB = f"telegram_callback:{BUTTON_PREFIX}"
CHAT_CHANNELS = frozenset({"telegram"})


def token(rt: Runtime, ticket_id: int) -> str:
    """The customer's key to answer for this ticket (in a link or a button)."""
    return f"{ticket_id}.{rt.signer.mac(str(ticket_id), 'faq-answer', 16)}"


def ticket_of(rt: Runtime, key: str) -> int | None:
    """The ticket a `token` stands for, or None when it is forged."""
    ticket_text, _, mac = key.partition(".")
    if not ascii_digits(ticket_text) or len(ticket_text) > 12 or not mac:
        return None
    expected = token(rt, int(ticket_text))
    return int(ticket_text) if same_secret(key, expected) else None


async def on_created(rt: Runtime, event: events.TicketCreated) -> None:
    if event.with_bot:  # most tickets are not the bot's: no job to find that out
        await rt.scheduler.enqueue(ANSWER_JOB, event.ticket_id, key=f"faq-answer:{event.ticket_id}")


async def on_message(rt: Runtime, event: events.MessageAdded) -> None:
    # The message that opened the ticket is the question itself, not the customer writing again.
    if (
        event.direction == Direction.INBOUND.value
        and event.machine is None
        and not event.opens_ticket
    ):
        await rt.scheduler.enqueue(
            WROTE_JOB, event.ticket_id, event.message_id, key=f"faq-wrote:{event.message_id}"
        )


async def _say(store: Store, kind: str, ticket: FaqTicket, **values: Any) -> str:
    """An editable bot message for the ticket's channel and language: the admin's text if
    there is one, else the built-in one, with its placeholders filled."""
    language = _language(ticket)
    edited = await autoreplies.template(store, kind, ticket.channel, language)
    return (edited or default(kind, language)).text.format(**values)


def _language(ticket: FaqTicket) -> str:
    base = (ticket.language or "").split("-")[0].lower()
    return base if base in ("en", "tr") else "en"


async def answer(rt: Runtime, ticket_id: int) -> str:
    """Job: offer the article that answers a bot-first ticket, or hand it over at once."""
    # Most new tickets are not the bot's: find that out without taking the write slot.
    async with rt.stores.read() as store:
        ticket = await knowledge.faq_ticket(store, ticket_id)
    if ticket.bot_id is None or ticket.handed_over or not ticket.faq:
        return "not the FAQ bot's ticket"
    async with rt.stores() as store:
        ticket = await knowledge.faq_ticket(store, ticket_id)
        if ticket.bot_id is None or ticket.handed_over or not ticket.faq:
            return "not the FAQ bot's ticket"
        if await knowledge.attempt(store, ticket_id) is not None:
            return "already tried"
        language = _language(ticket)
        found = await knowledge.articles(store, language=language)
        candidates = [(int(a["id"]), f"{a['title']}\n{a['body']}") for a in found]
        best = match.best_article(ticket.question, candidates)
        t = texts(language)
        bot = Actor.user(ticket.bot_id, bot=True)
        if best.article_id is None:
            await knowledge.start_attempt(
                store, ticket_id, best.best_id, best.score, knowledge.HANDED_OVER
            )
            await bots.hand_over(store, ticket_id, bot, t["note_unsure"].format(score=best.score))
            return f"handed over (best similarity {best.score:.2f})"
        article = next(a for a in found if a["id"] == best.article_id)
        await knowledge.start_attempt(store, ticket_id, best.article_id, best.score)
        offer = await _say(
            store, "bot_answer", ticket, title=article["title"], body=article["body"]
        )
        ask, extra = _ask(rt, ticket, t)
        text = f"{offer}\n\n{ask}"
        await reply(store, ticket_id, bot, text, extra=extra, status=Status.PENDING)
    await rt.scheduler.enqueue(
        TIMEOUT_JOB,
        ticket_id,
        at=rt.clock.now() + rt.settings.faq_timeout,
        key=f"faq-timeout:{ticket_id}",
    )
    return f"offered article {best.article_id} ({best.score:.2f})"


def _ask(rt: Runtime, ticket: FaqTicket, t: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """The "did this help?" under the offered article, and the outgoing message's extras."""
    key = token(rt, ticket.id)
    if ticket.channel in CHAT_CHANNELS:
        buttons = [
            [
                {"text": t["yes"], "data": f"{BUTTON_PREFIX}:{key}:y"},
                {"text": t["no"], "data": f"{BUTTON_PREFIX}:{key}:n"},
            ]
        ]
        return t["ask_chat"], {"buttons": buttons}
    link = f"{rt.settings.base_url}/faq/{key}"
    return t["ask_mail"].format(yes=f"{link}?answer=yes", no=f"{link}?answer=no"), {}


async def settle(rt: Runtime, ticket_id: int, helped: bool, outcome: str = "outcome_no") -> str:
    """The customer's answer (or its absence): solve the ticket, or hand it to people."""
    async with rt.stores() as store:
        ticket = await knowledge.faq_ticket(store, ticket_id)
        attempt = await knowledge.attempt(store, ticket_id)
        if ticket.bot_id is None or attempt is None:
            return "no question asked"
        if ticket.handed_over:  # people own it now; a late answer to the bot changes nothing
            await knowledge.settle(
                store, ticket_id, knowledge.HANDED_OVER, "taken over by a person"
            )
            return "already handed over"
        status = knowledge.SOLVED if helped else knowledge.HANDED_OVER
        if not await knowledge.settle(store, ticket_id, status, outcome):
            return "already answered"
        t = texts(_language(ticket))
        bot = Actor.user(ticket.bot_id, bot=True)
        if helped:
            await reply(
                store,
                ticket_id,
                bot,
                await _say(store, "bot_solved", ticket, number=ticket.number),
                status=Status.SOLVED,
            )
            return "solved"
        title = await _title(store, attempt["article_id"])
        wait = _duration(rt.settings.faq_timeout)
        note = t["note_offered"].format(
            title=title, score=float(attempt["score"]), outcome=t[outcome].format(wait=wait)
        )
        if outcome == "outcome_no":
            text = await _say(store, "bot_handing_over", ticket, number=ticket.number)
            await reply(store, ticket_id, bot, text)
        try:
            await bots.hand_over(store, ticket_id, bot, note)
        except Conflict as exc:  # a supervisor took it over meanwhile
            log.info("FAQ bot on ticket %s: %s", ticket_id, exc)
        return "handed over"


async def _title(store: Store, article_id: int | None) -> str:
    for article in await knowledge.articles(store):
        if article["id"] == article_id:
            return str(article["title"])
    return "(a deleted article)"


def _duration(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"


async def timeout(rt: Runtime, ticket_id: int) -> str:
    """Job: nobody answered "did this help?" in time; hand the ticket over."""
    return await settle(rt, ticket_id, helped=False, outcome="outcome_timeout")


async def customer_wrote(rt: Runtime, ticket_id: int, message_id: int) -> str:
    """Job: the customer wrote again while the bot waits for an answer: people take over."""
    async with rt.stores.read() as store:  # no write slot for reading
        ticket = await knowledge.faq_ticket(store, ticket_id)
        attempt = await knowledge.attempt(store, ticket_id)
        at = await knowledge.message_time(store, message_id)
    if (
        attempt is None
        or attempt["status"] != knowledge.ASKED
        or message_id == ticket.first_message_id
        or at is None
        or at < attempt["asked_at"]
    ):
        return "nothing asked"
    return await settle(rt, ticket_id, helped=False, outcome="outcome_wrote")


async def button(
    rt: Runtime, bot: str, chat_id: int, user_id: int, data: str, ticket_id: int | None
) -> str:
    """Job: a "did this help?" button was pressed (`faq:<token>:<y|n>`)."""
    _, key, choice = [*data.split(":", 2), "", ""][:3]
    found = ticket_of(rt, key)
    if found is None or (ticket_id is not None and found != ticket_id) or choice not in "yn":
        log.info("FAQ button on bot %s chat %s not valid", bot, chat_id)
        return "not valid"
    return await settle(rt, found, helped=choice == "y")


async def reconcile(rt: Runtime) -> int:
    """Job: hand over questions whose wait ran out while their time-out job was lost."""
    before = rt.clock.now() - rt.settings.faq_timeout
    async with rt.stores() as store:
        waiting = await knowledge.unanswered(store, before)
    for ticket_id in waiting:
        try:
            await timeout(rt, ticket_id)
        except NotFound:
            continue
    return len(waiting)
