"""Survey jobs: schedule on solve, send when due, expire, and take Telegram button presses.

Each reloads state and is safe to run twice; `csat_reconcile` re-arms anything a lost job
would have done (a solve with no survey row, a due survey not sent).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from helpdesk import events
from helpdesk.domain import Status
from helpdesk.errors import Conflict, NotFound
from helpdesk.inbound import Identity
from helpdesk.runtime import Runtime
from helpdesk.services import Store, autoreplies, surveys
from helpdesk.services.outbox import queue_notification
from helpdesk.surveys import compose
from helpdesk.surveys.texts import KIND as TEXT_KIND
from helpdesk.surveys.texts import language_of, texts

log = logging.getLogger(__name__)

SCHEDULE_JOB = "csat_schedule"
SEND_JOB = "csat_send"
RECONCILE_JOB = "csat_reconcile"
BUTTON_JOB = f"telegram_callback:{compose.BUTTON_PREFIX}"
RECONCILE_EVERY = timedelta(seconds=60)
LOOK_BACK = timedelta(days=30)  # solves older than this without a survey are left alone


async def on_status_changed(rt: Runtime, event: events.StatusChanged) -> None:
    if event.new == Status.SOLVED.value:
        await rt.scheduler.enqueue(
            SCHEDULE_JOB, event.ticket_id, key=f"csat-schedule:{event.ticket_id}:{event.at}"
        )


async def schedule(rt: Runtime, ticket_id: int) -> str:
    """Job: plan the survey of a just-solved ticket and arm its send at the due instant."""
    async with rt.stores() as store:
        planned = await surveys.schedule(store, ticket_id, rt.settings.csat_delay)
    if planned is None:
        return "not surveyed"
    survey_id, at = planned
    await rt.scheduler.enqueue(SEND_JOB, survey_id, at=at, key=f"csat-send:{survey_id}")
    return f"survey {survey_id} due {at.isoformat()}"


async def send(rt: Runtime, survey_id: int) -> str:
    """Job: send a due survey through the ticket's channel (or record why it is skipped)."""
    async with rt.stores() as store:
        outgoing = await _prepare(rt, store, survey_id)
        if outgoing is None:
            return "not sent"
        edited = await autoreplies.template(
            store, TEXT_KIND, outgoing.channel, language_of(outgoing.language)
        )
        subject, text, extra = compose.message(outgoing, rt.settings.base_url, edited)
        await queue_notification(
            store,
            outgoing.ticket_id,
            channel=outgoing.channel,
            to=list(outgoing.to),
            subject=subject,
            text=text,
            kind="survey",
            extra=extra,
        )
    return "queued"


async def _prepare(rt: Runtime, store: Store, survey_id: int) -> surveys.Outgoing | None:
    channel = await surveys.channel_of(store, survey_id)
    return await surveys.prepare_send(
        store,
        rt.signer,
        survey_id,
        reaches=None if channel is None else rt.reaches(channel),
        default_delay=rt.settings.csat_delay,
        expiry=rt.settings.csat_expiry,
    )


async def reconcile(rt: Runtime) -> int:
    """Job: schedule solves that have no survey, send due ones, expire old ones."""
    now = rt.clock.now()
    async with rt.stores() as store:
        missing = await surveys.unscheduled_solves(store, now - LOOK_BACK)
        due = await surveys.due(store, now)
        await surveys.expire(store, now)
    for ticket_id in missing:
        await rt.scheduler.enqueue(SCHEDULE_JOB, ticket_id, key=f"csat-schedule:{ticket_id}:r")
    bucket = int(now.timestamp() // RECONCILE_EVERY.total_seconds())
    for survey_id, _at in due:
        await rt.scheduler.enqueue(SEND_JOB, survey_id, key=f"csat-send:{survey_id}:r{bucket}")
    return len(missing) + len(due)


async def button(
    rt: Runtime, bot: str, chat_id: int, user_id: int, data: str, ticket_id: int | None
) -> str:
    """Job: a rating button under a Telegram survey was pressed (`csat:<token>:<rating>`)."""
    _, token, rating_text = [*data.split(":", 2), "", ""][:3]
    if not rating_text.isdigit():
        return "not a rating"
    try:
        async with rt.stores() as store:
            survey = await surveys.survey_for_token(store, rt.signer, token)
            if ticket_id is not None and survey["ticket_id"] != ticket_id:
                raise NotFound("the survey is not this chat's")
            t = texts(await surveys.language_of(store, int(survey["ticket_id"])))
            try:
                rated = await surveys.rate(
                    store, survey, int(rating_text), "", rt.settings.csat_delay
                )
            except Conflict as exc:
                said = t["chat_already"] if "answered" in str(exc) else t["chat_expired"]
                await _tell(rt, store, int(survey["ticket_id"]), said)
                return str(exc)
            url = compose.link(rt.settings.base_url, token)
            thanks = t["chat_thanks"].format(number=survey["number"], rating=rated.rating, link=url)
            await _tell(rt, store, rated.ticket_id, thanks)
    except NotFound as exc:
        log.info("telegram survey button on bot %s chat %s: %s", bot, chat_id, exc)
        return str(exc)
    return f"rated {rated.rating}"


async def _tell(rt: Runtime, store: Store, ticket_id: int, text: str) -> None:
    to: list[Identity] = []
    await queue_notification(
        store, ticket_id, channel="telegram", to=to, subject="", text=text, kind="notification"
    )
