"""Which agent gets a ticket: pure choices over the team's agents as they are now.

Load counts the tickets an agent holds in statuses whose clocks run (new, open): a ticket
waiting on the customer or a third party costs no attention until it comes back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from helpdesk.domain import Priority, Status

LOAD_STATUSES = (Status.NEW.value, Status.OPEN.value)
_NEVER = datetime.min


@dataclass(frozen=True, slots=True)
class Agent:
    user_id: int
    name: str
    availability: str  # online / away / offline
    load: int
    capacity: int
    last_assigned_at: datetime | None = None
    skills: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Choice:
    user_id: int
    reason: str


@dataclass(frozen=True, slots=True)
class Waiting:
    ticket_id: int
    priority: str
    created_at: datetime


def _last(agent: Agent) -> datetime:
    return (agent.last_assigned_at or _NEVER).replace(tzinfo=None)


def choose(
    agents: Sequence[Agent],
    strategy: str,
    previous: int | None = None,
    required: frozenset[str] = frozenset(),
) -> Choice | None:
    """The agent to assign, or None when nobody online with the `required` skills has
    capacity (the ticket waits).

    The previous assignee (a reopened or follow-up ticket) comes first when online with room;
    otherwise `least_loaded` takes the lowest load, `round_robin` the longest unassigned.
    Ties go to whoever waited longest since their last ticket, then the lower id.
    """
    free = [
        a
        for a in agents
        if a.availability == "online" and a.load < a.capacity and required <= a.skills
    ]
    skills = f" with {', '.join(sorted(required))}" if required else ""
    for agent in free:
        if agent.user_id == previous:
            return Choice(
                agent.user_id,
                f"assigned to {agent.name}: previous assignee{skills}, "
                f"{agent.load} of {agent.capacity}",
            )
    if not free or strategy == "none":
        return None
    if strategy == "round_robin":
        agent = min(free, key=lambda a: (_last(a), a.user_id))
        how = "round robin"
    else:
        agent = min(free, key=lambda a: (a.load, _last(a), a.user_id))
        how = "least loaded"
    return Choice(
        agent.user_id,
        f"assigned to {agent.name}: {how}{skills}, {agent.load} of {agent.capacity}",
    )


def has_room(agents: Sequence[Agent]) -> bool:
    """Whether anyone online has capacity at all (skills aside)."""
    return any(a.availability == "online" and a.load < a.capacity for a in agents)


def queue_order(waiting: Sequence[Waiting]) -> list[Waiting]:
    """Highest priority first, then oldest."""

    def rank(item: Waiting) -> int:
        try:
            return Priority(item.priority).rank
        except ValueError:
            return Priority.NORMAL.rank

    return sorted(waiting, key=lambda w: (-rank(w), w.created_at, w.ticket_id))
