"""Reads of the web-form channel: forms, category labels, submissions and rate-limit state."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import RowMapping

from channels.web_form.definition import AttachmentRules, FormDefinition, RateLimit
from channels.web_form.tables import web_form_submission_t, web_form_t
from helpdesk.store import Store
from helpdesk.tables import category_t, message_t, team_t


@dataclass(frozen=True, slots=True)
class Form:
    """A stored form: its definition plus what the database resolved (the team's id)."""

    id: int
    definition: FormDefinition
    default_team_id: int | None

    @property
    def slug(self) -> str:
        return self.definition.slug


def definition_of(row: RowMapping, team_name: str | None) -> FormDefinition:
    return FormDefinition.model_validate(
        {
            "slug": row["slug"],
            "title": row["title"],
            "intro": row["intro"],
            "fields": row["fields"],
            "categories": row["categories"],
            "default_category": row["default_category"],
            "default_team": team_name,
            "languages": row["languages"],
            "allowed_origins": row["allowed_origins"],
            "attachments": AttachmentRules(
                max_files=row["max_files"],
                max_bytes=row["max_file_bytes"],
                content_types=row["content_types"],
            ),
            "rate_limit": RateLimit(
                max=row["rate_limit"], window_seconds=row["rate_window_seconds"]
            ),
            "active": row["active"],
        }
    )


async def get_form(store: Store, slug: str) -> Form | None:
    """The form called `slug`, active or not; None when there is none."""
    row = (
        (
            await store.execute(
                select(web_form_t, team_t.c.name.label("team_name"))
                .outerjoin(team_t, team_t.c.id == web_form_t.c.default_team_id)
                .where(web_form_t.c.slug == slug)
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        return None
    return Form(int(row["id"]), definition_of(row, row["team_name"]), row["default_team_id"])


async def list_forms(store: Store) -> list[dict[str, Any]]:
    rows = await store.execute(
        select(web_form_t.c.slug, web_form_t.c.title, web_form_t.c.active).order_by(
            web_form_t.c.slug
        )
    )
    return [{"slug": r.slug, "title": r.title, "active": r.active} for r in rows]


async def category_names(store: Store, slugs: list[str]) -> dict[str, str]:
    if not slugs:
        return {}
    rows = await store.execute(
        select(category_t.c.slug, category_t.c.name).where(category_t.c.slug.in_(slugs))
    )
    return {r.slug: r.name for r in rows}


async def find_submission(store: Store, external_id: str) -> RowMapping | None:
    return (
        (
            await store.execute(
                select(web_form_submission_t).where(
                    web_form_submission_t.c.external_id == external_id
                )
            )
        )
        .mappings()
        .first()
    )


async def retry_after(
    store: Store, *, by: str, value: str, limit: RateLimit, form_id: int | None = None
) -> int | None:
    """Seconds until `value` (a client address or an email address, per `by`) may submit
    again, or None while it is under `limit` accepted submissions in the window; counted on
    form `form_id` only when given (each form has its own limit)."""
    column = web_form_submission_t.c[by]
    since = store.now() - timedelta(seconds=limit.window_seconds)
    wanted = [column == value, web_form_submission_t.c.created_at > since]
    if form_id is not None:
        wanted.append(web_form_submission_t.c.form_id == form_id)
    recent = (
        select(web_form_submission_t.c.created_at)
        .where(*wanted)
        .order_by(web_form_submission_t.c.created_at.desc())
        .limit(limit.max)
        .subquery()
    )
    row = (
        await store.execute(
            select(func.count().label("n"), func.min(recent.c.created_at).label("oldest"))
        )
    ).one()
    count, oldest = int(row.n), row.oldest
    if count < limit.max:
        return None
    free_at: datetime = oldest + timedelta(seconds=limit.window_seconds)
    return max(1, math.ceil((free_at - store.now()).total_seconds()))


async def submitted_message(store: Store, channel: str, external_id: str) -> tuple[str, str] | None:
    """(subject, text) of the message a submission created, to recognise a replay."""
    row = (
        await store.execute(
            select(message_t.c.subject, message_t.c.text).where(
                message_t.c.channel == channel, message_t.c.external_id == external_id
            )
        )
    ).first()
    return None if row is None else (row.subject, row.text)
