"""Figures supervisors read: aggregates over stored history, never a scan per row in Python."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select

from helpdesk.domain import SurveyStatus
from helpdesk.store import Store
from helpdesk.tables import survey_t

CSAT_GROUPS = {
    "agent": survey_t.c.agent_id,
    "team": survey_t.c.team_id,
    "category": survey_t.c.category_id,
    "channel": survey_t.c.channel,
}


async def csat(
    store: Store, by: str, since: datetime | None = None, until: datetime | None = None
) -> list[dict[str, Any]]:
    """CSAT per agent, team, category or channel over surveys sent in [since, until): how many
    went out, how many were answered, the average rating and the share of 4s and 5s (the usual
    CSAT score). The agent, team and category are those snapshotted when the survey was sent."""
    key = CSAT_GROUPS[by]
    answered = survey_t.c.status == SurveyStatus.RATED.value
    stmt = (
        select(
            key.label("key"),
            func.count().label("sent"),
            func.sum(case((answered, 1), else_=0)).label("answered"),
            func.avg(survey_t.c.rating).label("average"),
            func.sum(case((survey_t.c.rating >= 4, 1), else_=0)).label("satisfied"),
        )
        .where(
            survey_t.c.status.in_(
                [SurveyStatus.SENT.value, SurveyStatus.RATED.value, SurveyStatus.EXPIRED.value]
            )
        )
        .group_by(key)
        .order_by(key)
    )
    if since is not None:
        stmt = stmt.where(survey_t.c.sent_at >= since)
    if until is not None:
        stmt = stmt.where(survey_t.c.sent_at < until)
    rows = (await store.execute(stmt)).mappings()
    out = []
    for row in rows:
        answered_count = int(row["answered"] or 0)
        out.append(
            {
                by: row["key"],
                "sent": int(row["sent"]),
                "answered": answered_count,
                "average": round(float(row["average"]), 2) if row["average"] is not None else None,
                "csat": round(int(row["satisfied"] or 0) / answered_count, 4)
                if answered_count
                else None,
            }
        )
    return out
