"""The tag filter in `bench/inbox.py`: tags on the seeded tickets (and their tag index rows, as
the services would have written them), and the cases timed against hand-written SQL.

A common tag (REFUND, on about one ticket in ten) and a rare one (VIP, one in a hundred).
"""

from __future__ import annotations

import json
import random
from typing import Any

COMMON, RARE = "refund", "vip"
TICKET_TAGS, TICKET_UPDATED, TICKET_DUE = 11, 13, 14  # positions in bench/inbox.py's rows
COLUMNS = "ticket_id, tag, updated_at, sla_next_due_at"


def tag(tickets: list[tuple[Any, ...]], rng: random.Random) -> list[tuple[Any, ...]]:
    """Give some tickets tags (in place) and return the tag index's rows for them."""
    index = []
    for i, row in enumerate(tickets):
        tags = [name for name, share in ((COMMON, 0.1), (RARE, 0.01)) if rng.random() < share]
        if tags:
            tickets[i] = (*row[:TICKET_TAGS], json.dumps(tags), *row[TICKET_TAGS + 1 :])
            index += [(row[0], t, row[TICKET_UPDATED], row[TICKET_DUE]) for t in tags]
    return index


def raw_sql(cols: str, visible: list[str], live: str, name: str) -> str:
    """The best hand-written page of a tag within an agent's view: the tag index in the page's
    order, each ticket by its key, the view's rules checked on it."""
    prefixed = ", ".join(f"t.{c.strip()}" for c in cols.split(","))
    rules = " OR ".join(f"({v})" for v in visible)
    return (
        f"SELECT {prefixed} FROM ticket_tag AS g JOIN ticket AS t ON t.id = g.ticket_id "
        f"WHERE g.tag = '{name}' AND ({rules}) AND t.{live} "
        "ORDER BY g.updated_at DESC, g.ticket_id DESC LIMIT 51"
    )
