"""Named ticket views, the same for the JSON API and the inbox: a name resolves to a filter
that helpdesk.listing turns into index seeks.

mine          assigned to me, not solved
unassigned    nobody assigned, in one of my teams, not solved
team:<id>     a team's tickets, not solved
pending       waiting on the customer
triage        no team owns it yet (routing has not placed it), not solved
at_risk       a running SLA clock is due within AT_RISK_WINDOW or overdue, soonest first
breached      a running SLA clock is overdue, most overdue first
all           everything I may see, most recent activity first
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from helpdesk.domain import OPEN_STATUSES, Principal, Status
from helpdesk.errors import ValidationFailed
from helpdesk.listing import Sort, TicketFilter

UNSOLVED: tuple[Status, ...] = tuple(s for s in Status if s in OPEN_STATUSES)
AT_RISK_WINDOW = timedelta(hours=1)
NAMES = ("mine", "unassigned", "team:<id>", "pending", "triage", "at_risk", "breached", "all")


def resolve(
    name: str, who: Principal, now: datetime, base: TicketFilter | None = None
) -> TicketFilter:
    """The filter of view `name` for `who`, on top of `base` (the person's own filters: a
    status they chose replaces the view's default statuses). Unknown names are a 422."""
    f = base or TicketFilter()
    statuses = f.status or UNSOLVED
    if name == "mine":
        return replace(f, assignee_id=who.user_id, status=statuses, sort=Sort.DUE)
    if name == "unassigned":
        teams = tuple(sorted(who.team_ids)) if not who.sees_everything else ()
        # A supervisor's "unassigned" is every team's; an agent in no team has none.
        if not teams and not who.sees_everything:
            return replace(f, team_ids=(-1,), unassigned=True, status=statuses)
        return replace(
            f, team_ids=teams, unassigned=True, status=statuses, no_team=False, sort=Sort.DUE
        )
    if name.startswith("team:"):
        digits = name.removeprefix("team:")
        if not digits.isdigit():
            raise ValidationFailed({"view": "team views are named team:<id>"})
        return replace(f, team_id=int(digits), status=statuses, sort=Sort.DUE)
    if name == "pending":
        return replace(f, status=f.status or (Status.PENDING,))
    if name == "triage":
        return replace(f, no_team=True, status=statuses, sort=Sort.DUE)
    if name == "at_risk":
        return replace(f, status=statuses, due_before=now + AT_RISK_WINDOW, sort=Sort.DUE)
    if name == "breached":
        return replace(f, status=statuses, due_before=now, sort=Sort.DUE)
    if name == "all":
        return f
    raise ValidationFailed({"view": f"unknown view {name!r}; use {', '.join(NAMES)}"})
