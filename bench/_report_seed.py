"""The reports benchmark's history, generated inside the database by INSERT ... SELECT over a
series of ids: a million tickets and two million clocks in minutes, where building the rows in
Python and sending them took most of an hour on a loaded machine.

The same shape as a Python generator would make: tickets created over 90 days before `NOW`,
solved 1 to 72 hours later (80% of those solved by `NOW`), 5 teams, 3 channels; per ticket a
first-reply (1 h) and a resolution (24 h) clock in a mix of states. "Random" numbers are a
multiplicative hash of the id, so both databases get the very same rows.
"""

from __future__ import annotations

from datetime import datetime

CHANNELS = ("email", "telegram", "web_form")


def _rnd(i: str, salt: int, modulus: int | str) -> str:
    """A pseudo-random integer in [0, modulus) from the integer expression `i`."""
    return f"((({i}) * {2654435761 + 2 * salt} + {salt * 40503}) % 4294967291 % ({modulus}))"


def _at(dialect: str, base: str, seconds: str) -> str:
    """`base` (a stored time) plus `seconds`, as the database stores times."""
    if dialect == "postgresql":
        return f"({base} + make_interval(secs => {seconds}))"
    return f"(strftime('%Y-%m-%d %H:%M:%S', {base}, ({seconds}) || ' seconds') || '.000000')"


def _now(dialect: str, now: datetime) -> str:
    text = now.strftime("%Y-%m-%d %H:%M:%S")
    return f"TIMESTAMPTZ '{text}+00'" if dialect == "postgresql" else f"'{text}.000000'"


def statements(dialect: str, tickets: int, customer: int, now: datetime) -> list[str]:
    series = (
        f"generate_series(1, {tickets}) AS s(i)"
        if dialect == "postgresql"
        else f"(WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
        f"WHERE i < {tickets}) SELECT i FROM n) AS s"
    )
    i = "s.i::bigint" if dialect == "postgresql" else "i"
    created = _at(dialect, _now(dialect, now), f"-60 * {_rnd(i, 1, 90 * 24 * 60)}")
    solved = _at(dialect, "g.created", f"3600 * (1 + {_rnd('g.i', 2, 71)})")
    done = f"({solved} <= {_now(dialect, now)} AND {_rnd('g.i', 3, 100)} < 80)"
    empty = "'[]'::json" if dialect == "postgresql" else "'[]'"
    channel = " ".join(f"WHEN {n} THEN '{c}'" for n, c in enumerate(CHANNELS))
    ticket = f"""
INSERT INTO ticket (id, number, token, subject, status, priority, requester_id, channel,
                    team_id, tags, created_at, updated_at, solved_at)
SELECT g.i, 100000 + g.i, 't' || g.i, 's', CASE WHEN {done} THEN 'solved' ELSE 'open' END,
       'normal', {customer}, CASE g.i % 3 {channel} END, g.i % 5 + 1, {empty},
       g.created, g.created, CASE WHEN {done} THEN {solved} END
FROM (SELECT {i} AS i, {created} AS created FROM {series}) AS g
"""
    state = (
        f"CASE {_rnd('t.id * 2 + m.salt', 4, 6)} WHEN 0 THEN 'fulfilled' WHEN 1 THEN 'fulfilled' "
        "WHEN 2 THEN 'fulfilled' WHEN 3 THEN 'breached_fulfilled' WHEN 4 THEN 'breached' "
        "ELSE 'active' END"
    )
    elapsed = f"(60 + {_rnd('t.id * 2 + m.salt', 5, '2 * m.target - 60')})"
    metrics = (
        "(VALUES ('first_reply', 3600, 0), ('resolution', 86400, 1)) AS m(metric, target, salt)"
        if dialect == "postgresql"
        else "(SELECT 'first_reply' AS metric, 3600 AS target, 0 AS salt "
        "UNION ALL SELECT 'resolution', 86400, 1) AS m"
    )
    clock = f"""
INSERT INTO sla_clock (ticket_id, metric, cycle, state, paused, target_s, business_hours,
                       activated_at, due_at, breached_at, fulfilled_at, elapsed_s, left_s,
                       updated_at)
SELECT c.id, c.metric, 0, c.state, false, c.target, true, c.created_at, c.due,
       CASE WHEN c.state IN ('breached', 'breached_fulfilled') THEN c.due END,
       CASE WHEN c.state IN ('fulfilled', 'breached_fulfilled')
            THEN {_at(dialect, "c.created_at", "c.elapsed")} END,
       c.elapsed, c.target - c.elapsed, c.created_at
FROM (SELECT t.id, t.created_at, m.metric, m.target, {state} AS state, {elapsed} AS elapsed,
             {_at(dialect, "t.created_at", "m.target")} AS due
      FROM ticket t CROSS JOIN {metrics}) AS c
"""
    return [ticket, clock]
