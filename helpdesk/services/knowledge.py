"""The knowledge base the FAQ bot answers from, and the bot's one try per ticket.

An attempt is `asked` from the moment the bot offers an article until the customer answers
(or the wait runs out); `settle` moves it on exactly once, so a button press, an emailed
link and the time-out racing each other settle it one way only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update

from helpdesk.answer_tables import bot_first_t, faq_attempt_t, kb_article_t
from helpdesk.errors import NotFound, ValidationFailed
from helpdesk.store import Store
from helpdesk.tables import message_t, ticket_t

ASKED = "asked"
SOLVED = "solved"
HANDED_OVER = "handed_over"


@dataclass(frozen=True, slots=True)
class Article:
    id: int
    language: str
    title: str
    body: str


@dataclass(frozen=True, slots=True)
class FaqTicket:
    """What the FAQ bot reads about a ticket."""

    id: int
    number: int
    channel: str
    language: str | None
    status: str
    bot_id: int | None
    handed_over: bool
    faq: bool  # the channel's bot-first setting lets the FAQ bot answer
    first_message_id: int | None
    question: str


async def faq_ticket(store: Store, ticket_id: int) -> FaqTicket:
    row = (
        (
            await store.execute(
                select(
                    ticket_t.c.id,
                    ticket_t.c.number,
                    ticket_t.c.channel,
                    ticket_t.c.language,
                    ticket_t.c.status,
                    ticket_t.c.bot_id,
                    ticket_t.c.handed_over_at,
                    bot_first_t.c.faq,
                )
                .outerjoin(bot_first_t, bot_first_t.c.channel == ticket_t.c.channel)
                .where(ticket_t.c.id == ticket_id)
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"ticket {ticket_id} does not exist")
    first = (
        (
            await store.execute(
                select(message_t.c.id, message_t.c.text)
                .where(message_t.c.ticket_id == ticket_id)
                .order_by(message_t.c.created_at, message_t.c.id)
                .limit(1)
            )
        )
        .mappings()
        .first()
    )
    return FaqTicket(
        id=ticket_id,
        number=int(row["number"]),
        channel=str(row["channel"]),
        language=row["language"],
        status=str(row["status"]),
        bot_id=row["bot_id"],
        handed_over=row["handed_over_at"] is not None,
        faq=bool(row["faq"]),
        first_message_id=int(first["id"]) if first else None,
        question=str(first["text"]) if first else "",
    )


async def message_time(store: Store, message_id: int) -> datetime | None:
    found = await store.execute(select(message_t.c.created_at).where(message_t.c.id == message_id))
    at = found.scalar_one_or_none()
    return None if at is None else at


def _check(language: str, title: str, body: str) -> None:
    errors: dict[str, str] = {}
    if not language or len(language) > 16:
        errors["language"] = "a language tag such as en or tr"
    if not title.strip():
        errors["title"] = "an article needs a title"
    if not body.strip():
        errors["body"] = "an article needs a body"
    if errors:
        raise ValidationFailed(errors)


async def add_article(store: Store, language: str, title: str, body: str) -> int:
    """Add an active article; returns its id."""
    _check(language, title, body)
    now = store.now()
    result = await store.execute(
        insert(kb_article_t)
        .values(
            language=language.lower(),
            title=title.strip(),
            body=body.strip(),
            active=True,
            created_at=now,
            updated_at=now,
        )
        .returning(kb_article_t.c.id)
    )
    return int(result.scalar_one())


async def update_article(
    store: Store, article_id: int, language: str, title: str, body: str, active: bool
) -> None:
    """Replace an article's text (an inactive article is never offered)."""
    _check(language, title, body)
    result = await store.execute(
        update(kb_article_t)
        .where(kb_article_t.c.id == article_id)
        .values(
            language=language.lower(),
            title=title.strip(),
            body=body.strip(),
            active=active,
            updated_at=store.now(),
        )
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise NotFound(f"no article {article_id}")


async def delete_article(store: Store, article_id: int) -> None:
    result = await store.execute(delete(kb_article_t).where(kb_article_t.c.id == article_id))
    if not result.rowcount:  # type: ignore[attr-defined]
        raise NotFound(f"no article {article_id}")


async def articles(store: Store, *, language: str | None = None) -> list[dict[str, Any]]:
    """Every article (with `language`: only that language's active ones)."""
    stmt = select(kb_article_t).order_by(kb_article_t.c.id)
    if language is not None:
        stmt = stmt.where(kb_article_t.c.language == language, kb_article_t.c.active.is_(True))
    return [dict(row) for row in (await store.execute(stmt)).mappings()]


async def start_attempt(
    store: Store, ticket_id: int, article_id: int | None, score: float, status: str = ASKED
) -> bool:
    """Record the bot's try on the ticket; False when it already tried (a job ran twice)."""
    inserted = await store.execute(
        store.insert_ignoring_duplicates(faq_attempt_t).values(
            ticket_id=ticket_id,
            article_id=article_id,
            score=score,
            status=status,
            asked_at=store.now(),
            answered_at=None if status == ASKED else store.now(),
        )
    )
    return bool(inserted.rowcount)  # type: ignore[attr-defined]


async def settle(store: Store, ticket_id: int, status: str, reason: str) -> bool:
    """Move an `asked` attempt to `status`; False if it was settled already."""
    result = await store.execute(
        update(faq_attempt_t)
        .where(faq_attempt_t.c.ticket_id == ticket_id, faq_attempt_t.c.status == ASKED)
        .values(status=status, reason=reason[:200], answered_at=store.now())
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def attempt(store: Store, ticket_id: int) -> dict[str, Any] | None:
    found = await store.execute(select(faq_attempt_t).where(faq_attempt_t.c.ticket_id == ticket_id))
    row = found.mappings().first()
    return None if row is None else dict(row)


async def unanswered(store: Store, asked_before: datetime, limit: int = 200) -> list[int]:
    """Tickets whose question has waited since before `asked_before`."""
    rows = await store.execute(
        select(faq_attempt_t.c.ticket_id)
        .where(faq_attempt_t.c.status == ASKED, faq_attempt_t.c.asked_at < asked_before)
        .order_by(faq_attempt_t.c.asked_at)
        .limit(limit)
    )
    return [int(t) for t in rows.scalars()]
