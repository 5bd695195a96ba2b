"""Choosing an agent (pure): fairness, load, capacity, availability, stickiness, queue order."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from routing.assign import Agent, Waiting, choose, queue_order

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_round_robin_is_fair_over_a_thousand_tickets() -> None:
    agents = {i: Agent(i, f"agent {i}", "online", load=0, capacity=10_000) for i in (3, 5, 8, 13)}
    # One agent is away for the middle stretch and must simply be skipped meanwhile.
    counts: Counter[int] = Counter()
    for n in range(1000):
        agents[8] = replace(agents[8], availability="away" if 400 <= n < 600 else "online")
        choice = choose(list(agents.values()), "round_robin")
        assert choice is not None and "round robin" in choice.reason
        counts[choice.user_id] += 1
        picked = agents[choice.user_id]
        agents[choice.user_id] = replace(
            picked, load=picked.load + 1, last_assigned_at=T0 + timedelta(seconds=n)
        )
    # 200 tickets came while agent 8 was away: 3 agents took them, 4 shared the other 800.
    assert counts[8] == 200
    others = [counts[i] for i in (3, 5, 13)]
    assert sum(others) == 800
    assert max(others) - min(others) <= 1


def test_least_loaded_reports_the_load_and_respects_capacity() -> None:
    team = [
        Agent(1, "Ayşe", "online", load=3, capacity=8),
        Agent(2, "Mehmet", "online", load=5, capacity=8),
        Agent(3, "Zeynep", "offline", load=0, capacity=8),
        Agent(4, "Can", "online", load=2, capacity=2),
    ]
    choice = choose(team, "least_loaded")
    assert choice is not None
    assert (choice.user_id, choice.reason) == (1, "assigned to Ayşe: least loaded, 3 of 8")
    full = [replace(a, load=a.capacity) for a in team]
    assert choose(full, "least_loaded") is None
    assert choose(team, "none") is None


def test_previous_assignee_first_when_online_with_room() -> None:
    team = [Agent(1, "Ayşe", "online", 0, 8), Agent(2, "Mehmet", "online", 6, 8)]
    sticky = choose(team, "least_loaded", previous=2)
    assert sticky is not None and sticky.user_id == 2 and "previous assignee" in sticky.reason
    away = [team[0], replace(team[1], availability="away")]
    fallback = choose(away, "least_loaded", previous=2)
    assert fallback is not None and fallback.user_id == 1


def test_queue_is_highest_priority_then_oldest() -> None:
    waiting = [
        Waiting(1, "normal", T0),
        Waiting(2, "urgent", T0 + timedelta(hours=2)),
        Waiting(3, "high", T0 + timedelta(hours=1)),
        Waiting(4, "urgent", T0 + timedelta(hours=1)),
        Waiting(5, "low", T0 - timedelta(days=1)),
        Waiting(6, "normal", T0 - timedelta(hours=1)),
    ]
    assert [w.ticket_id for w in queue_order(waiting)] == [4, 2, 3, 6, 1, 5]
