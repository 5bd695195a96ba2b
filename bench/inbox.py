"""How fast are the inbox views and search? Run on demand:

    .venv/bin/python bench/inbox.py [--tickets 1000000] [--small 10000] [--db sqlite,postgresql]

Seeds N tickets (and the small size, to compare) with a realistic shape: 20 teams, 200 agents,
a customer per three tickets with an email address, statuses from new to closed, 1-3 messages
a ticket drawn from a Turkish/English vocabulary, SLA due times on the unsolved ones, tags on
some (bench/inbox_tags.py: a common and a rare one, with their tag index rows). Seeding is
bulk (executemany / COPY in big transactions with indexes and triggers off, then the indexes
and the full-text index rebuilt and ANALYZE run), never through the services.

Then, per view, p50 and p99 of `queries.list_tickets` (a unit of work from the runtime, as the
API and the inbox use it) next to the best hand-written indexed raw SQL for the same page in
the same run; `raw/app` is the raw query's time over ours (1.0 = as fast as hand-written). The
last column is p99 at N over p99 at the small size. With --before, the same pages through the
list query as it was before the search_0001 work (an OR of the visibility rules, the cursor as
`a < ? OR (a = ? AND b < ?)`, LIKE search), on the same data without the new indexes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import sqlite3
import statistics
import sys
import tempfile
import time as clock
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import asyncpg
from sqlalchemy import and_, exists, or_, select, text

from bench import inbox_tags, inbox_views
from helpdesk import queries, search, views
from helpdesk.domain import Principal, Role
from helpdesk.migrate import upgrade
from helpdesk.ports import FixedClock
from helpdesk.runtime import Runtime
from helpdesk.settings import Settings
from helpdesk.tables import message_t, ticket_t
from helpdesk.worker import assemble

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
PG_URL = os.environ.get("HELPDESK_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
TEAMS, AGENTS = 20, 200
MANY_WORD, NO_WORD = "printer", "qzxvbnmw"
STATUSES = [("new", 10), ("open", 20), ("pending", 10), ("on_hold", 2), ("solved", 30),
            ("closed", 28)]  # fmt: skip
FIRST = "Ayşe Mehmet Zeynep Emre Elif John Mary Can Deniz Ali Fatma Peter Laura Burak".split()  # noqa: SIM905
LAST = "Yılmaz Kaya Demir Şahin Çelik Smith Jones Öztürk Aydın Arslan Doğan Brown Koç".split()  # noqa: SIM905
WORDS = [
    "merhaba",
    "fatura",
    "ödeme",
    "sipariş",
    "kargo",
    "teslimat",
    "iade",
    "hesap",
    "şifre",
    "giriş",
    "hata",
    "sorun",
    "yardım",
    "lütfen",
    "teşekkürler",
    "ürün",
    "fiyat",
    "indirim",
    "kampanya",
    "müşteri",
    "destek",
    "talep",
    "acil",
    "bugün",
    "yarın",
    "hello",
    "invoice",
    "payment",
    "order",
    "shipping",
    "delivery",
    "refund",
    "account",
    "password",
    "login",
    "error",
    "issue",
    "help",
    "please",
    "thanks",
    "product",
    "price",
    "discount",
    "campaign",
    "customer",
    "support",
    "request",
    "urgent",
    "today",
    "tomorrow",
    "screen",
    "laptop",
    "phone",
    "network",
    "email",
    "broken",
    "slow",
    "cannot",
    "works",
    "again",
    "still",
    "since",
    "the",
    "a",
    "is",
    "it",
    "to",
    "and",
    "of",
    "in",
    "for",
    "on",
    "with",
    "my",
    "your",
    "we",
    "you",
    "this",
    "that",
    "not",
    "have",
    "has",
    "been",
    "was",
]


def _vocabulary(rng: random.Random) -> tuple[list[str], list[float]]:
    """Real words plus made-up ones, drawn Zipf-like: a few very common, a long tail."""
    syllables = ["ka", "le", "mi", "to", "ru", "sa", "ne", "bo", "di", "ya", "zu", "ge", "ha"]
    made = {"".join(rng.choices(syllables, k=rng.randint(2, 4))) for _ in range(30_000)}
    vocab = WORDS + sorted(made - set(WORDS))
    rng.shuffle(vocab)
    weights = [1 / (rank + 1) for rank in range(len(vocab))]
    return vocab, list(_cumulative(weights))


def _cumulative(weights: list[float]) -> list[float]:
    total = 0.0
    out = []
    for w in weights:
        total += w
        out.append(total)
    return out


@dataclass
class Shape:
    """What the cases need to know about the seeded data."""

    agent: Principal
    team: int
    email: str
    deep_cursor: str


# --- seeding -------------------------------------------------------------------------------


def _rows(n: int, rng: random.Random) -> dict[str, list[tuple[Any, ...]]]:
    vocab, cum = _vocabulary(rng)
    texts = []
    for _ in range(20_000):
        words = rng.choices(vocab, cum_weights=cum, k=rng.randint(8, 40))
        if rng.random() < 0.3:
            words.insert(rng.randrange(len(words)), MANY_WORD)
        texts.append(" ".join(words))
    teams = [(t, f"Team {t}", f"team{t}@help.example", None, NOW) for t in range(1, TEAMS + 1)]
    users = [
        (u, f"agent{u}@help.example", f"Agent {u}", "agent", None, "en", "UTC", True, NOW)
        for u in range(1, AGENTS + 1)
    ]
    members = sorted(
        {(1 + (u - 1) % TEAMS, u) for u in range(1, AGENTS + 1)}
        | {(1 + (u * 7) % TEAMS, u) for u in range(1, AGENTS + 1, 2)}
    )
    customers, identities = [], []
    n_customers = max(1, n // 3)
    for c in range(1, n_customers + 1):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        customers.append((c, f"{first} {last}", None, None, None, NOW))
        email = f"{_ascii(first)}.{_ascii(last)}{c}@example.com"
        identities.append((c, c, "email", email, f"{first} {last}", NOW))
    members_of: dict[int, list[int]] = {}
    for member_team, user in members:
        members_of.setdefault(member_team, []).append(user)
    status_names = [s for s, _ in STATUSES]
    status_weights = [w for _, w in STATUSES]
    tickets, messages = [], []
    span = timedelta(days=730).total_seconds()
    message_id = 0
    for i in range(1, n + 1):
        created = NOW - timedelta(seconds=span * (1 - i / n) + 3600)
        updated = min(NOW, created + timedelta(seconds=rng.expovariate(1 / 86_400)))
        status = rng.choices(status_names, weights=status_weights)[0]
        team: int | None = None if rng.random() < 0.05 else rng.randint(1, TEAMS)
        assignee = rng.choice(members_of[team]) if team and rng.random() < 0.6 else None
        due = None
        if status in ("new", "open", "on_hold") and rng.random() < 0.8:
            due = NOW + timedelta(seconds=rng.uniform(-2 * 86_400, 5 * 86_400))
        requester = rng.randint(1, n_customers)
        subject = " ".join(rng.choices(vocab, cum_weights=cum, k=rng.randint(2, 7)))
        tickets.append(
            (i, 1000 + i, secrets.token_hex(12), subject, status, "normal", team, assignee,
             requester, "email", "tr" if i % 2 else "en", "[]", created, updated, due)
        )  # fmt: skip
        for k in range(rng.choice((1, 1, 2, 2, 3))):
            message_id += 1
            body = texts[rng.randrange(len(texts))]
            inbound = k % 2 == 0
            messages.append(
                (message_id, i, "inbound" if inbound else "outbound",
                 "customer" if inbound else "agent", requester if inbound else None,
                 None if inbound else (assignee or 1), "email", f"<m{message_id}@bench>",
                 subject, body, body, "[]", "{}", created + timedelta(minutes=k))
            )  # fmt: skip
    tag_index = inbox_tags.tag(tickets, rng)
    return {
        "team": teams,
        "user": users,
        "team_member": members,
        "customer": customers,
        "customer_identity": identities,
        "ticket": tickets,
        "ticket_tag": tag_index,
        "message": messages,
    }


def _ascii(name: str) -> str:
    return name.lower().translate(str.maketrans("çğıöşü", "cgiosu"))


COLUMNS = {
    "team": "id, name, email, supervisor_id, created_at",
    "user": "id, email, name, role, password_hash, language, timezone, active, created_at",
    "team_member": "team_id, user_id",
    "customer": "id, name, language, timezone, tier, created_at",
    "customer_identity": "id, customer_id, kind, address, display_name, created_at",
    "ticket": "id, number, token, subject, status, priority, team_id, assignee_id, requester_id, "
    "channel, language, tags, created_at, updated_at, sla_next_due_at",
    "ticket_tag": inbox_tags.COLUMNS,
    "message": "id, ticket_id, direction, author_kind, author_customer_id, author_user_id, "
    'channel, external_id, subject, text, full_text, "references", meta, created_at',
}
BULK_TABLES = ("ticket", "ticket_tag", "message", "customer_identity", "customer")


def _sqlite_value(v: Any) -> Any:
    # The storage format SQLAlchemy's datetime type writes on SQLite.
    return v.strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(v, datetime) else v


def seed_sqlite(path: str, data: dict[str, list[tuple[Any, ...]]]) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-400000")
    saved = conn.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND "
        f"type IN ('index', 'trigger') AND tbl_name IN ({_names(BULK_TABLES)})"
    ).fetchall()
    for kind, name, _ in saved:
        conn.execute(f'DROP {kind.upper()} "{name}"')
    conn.execute("BEGIN")
    for table, rows in data.items():
        cols = COLUMNS[table]
        marks = ",".join("?" for _ in cols.split(","))
        conn.executemany(
            f'INSERT INTO "{table}" ({cols}) VALUES ({marks})',
            ([_sqlite_value(v) for v in row] for row in rows),
        )
    conn.execute("COMMIT")
    conn.execute("BEGIN")
    for kind, _, sql in saved:
        if kind == "index":
            conn.execute(sql)
    for statement in search.rebuild_statements("sqlite"):
        conn.execute(str(statement))
    for kind, _, sql in saved:
        if kind == "trigger":
            conn.execute(sql)
    conn.execute("COMMIT")
    conn.execute("PRAGMA analysis_limit=1000")  # as the periodic job runs it
    conn.execute("ANALYZE")
    conn.close()


def _names(names: tuple[str, ...]) -> str:
    return ", ".join(f"'{n}'" for n in names)


async def seed_pg(dsn: str, data: dict[str, list[tuple[Any, ...]]]) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        saved = await conn.fetch(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND "
            f"tablename IN ({_names(BULK_TABLES)}) AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conname = indexname)"
        )
        for row in saved:
            await conn.execute(f'DROP INDEX "{row["indexname"]}"')
        async with conn.transaction():
            # Triggers (the search index's, the foreign keys') off for the load: the data is
            # consistent by construction and the index is rebuilt in one pass below.
            await conn.execute("SET LOCAL session_replication_role = replica")
            for table, rows in data.items():
                cols = [c.strip().strip('"') for c in COLUMNS[table].split(",")]
                await conn.copy_records_to_table(table, records=rows, columns=cols)
        for row in saved:
            await conn.execute(row["indexdef"])
        for statement in search.rebuild_statements("postgresql"):
            await conn.execute(str(statement))
        for table in ("team", "user", "customer", "customer_identity", "ticket", "message"):
            await conn.execute(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                f'(SELECT max(id) FROM "{table}"))'
            )
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()


# --- the cases -----------------------------------------------------------------------------


Case = tuple[str, Callable[[Runtime], Awaitable[int]], Callable[[Runtime], Awaitable[int]]]


def cases(shape: Shape, dialect: str) -> list[Case]:
    agent = shape.agent
    teams = sorted(agent.team_ids)
    filt = queries.TicketFilter

    def app(
        f: queries.TicketFilter, cursor: str | None = None
    ) -> Callable[[Runtime], Awaitable[int]]:
        async def run(rt: Runtime) -> int:
            async with rt.stores() as store:
                page = await queries.list_tickets(store, agent, f, limit=50, cursor=cursor)
            return len(page.items)

        return run

    async def count(rt: Runtime) -> int:
        async with rt.stores() as store:
            return (await queries.count_tickets(store, agent, filt())).value

    def raw(sql: str, **params: Any) -> Callable[[Runtime], Awaitable[int]]:
        statement = text(sql)

        async def run(rt: Runtime) -> int:
            async with rt.stores() as store:
                return len((await store.execute(statement, params)).all())

        return run

    cols = "id, number, subject, status, priority, category_id, team_id, assignee_id, " \
        "requester_id, channel, language, tags, created_at, updated_at, merged_into_id, " \
        "follow_up_of_id, sla_next_due_at"  # fmt: skip
    live = "merged_into_id IS NULL"

    def union(branches: list[str], order: str, limit: int = 51) -> str:
        parts = [
            f"SELECT * FROM (SELECT {cols} FROM ticket WHERE {b} AND {live} "
            f"ORDER BY {order} LIMIT {limit}) AS b{i}"
            for i, b in enumerate(branches)
        ]
        return f"SELECT * FROM ({' UNION ALL '.join(parts)}) AS u ORDER BY {order} LIMIT {limit}"

    visible = [f"team_id = {t}" for t in teams] + [
        "team_id IS NULL",
        f"assignee_id = {agent.user_id} AND team_id NOT IN ({', '.join(map(str, teams))})",
    ]
    desc = "updated_at DESC, id DESC"
    unsolved = ("new", "open", "pending", "on_hold")
    # The DUE sort's first page is entirely tickets with a due time at this size.
    due_branches = [f"team_id = {shape.team} AND status = '{s}'" for s in unsolved]
    at_risk = [f"{v} AND status = '{s}'" for v in visible for s in unsolved]
    if dialect == "postgresql":
        hits = (
            "SELECT ticket_id FROM ticket_search WHERE document @@ "
            "plainto_tsquery('simple', helpdesk_fold(:q))"
        )
    else:
        hits = "SELECT rowid AS ticket_id FROM ticket_fts WHERE ticket_fts MATCH :q"
    fts = search.fts5_query if dialect == "sqlite" else search.pg_query
    stamp, last = queries.decode_cursor(shape.deep_cursor)
    stamp_param: Any = stamp if dialect == "postgresql" else _sqlite_value(stamp)
    vis_or = " OR ".join(f"({v})" for v in visible)
    now = NOW
    capped = " UNION ALL ".join(
        f"SELECT * FROM (SELECT 1 FROM ticket WHERE {v} AND {live} LIMIT 1001) AS c{i}"
        for i, v in enumerate(visible)
    )
    return [
        ("agent default view", app(filt()), raw(union(visible, desc))),
        (
            "count, agent default (cap 1000)",
            count,
            raw(
                f"SELECT min(count(*), 1000) FROM ({capped}) AS c"
                if dialect == "sqlite"
                else f"SELECT least(count(*), 1000) FROM ({capped}) AS c"
            ),
        ),
        (
            "team view (unsolved, by due)",
            app(views.resolve(f"team:{shape.team}", agent, now)),
            raw(
                union(
                    [f"{b} AND sla_next_due_at IS NOT NULL" for b in due_branches],
                    "sla_next_due_at, id",
                )
            ),
        ),
        (
            "pending",
            app(views.resolve("pending", agent, now)),
            raw(union([f"{v} AND status = 'pending'" for v in visible], desc)),
        ),
        (
            "at risk (by due)",
            app(views.resolve("at_risk", agent, now)),
            raw(
                union(
                    [
                        f"{b} AND sla_next_due_at IS NOT NULL AND sla_next_due_at < :due"
                        for b in at_risk
                    ],
                    "sla_next_due_at, id",
                ),
                due=now + views.AT_RISK_WINDOW
                if dialect == "postgresql"
                else _sqlite_value(now + views.AT_RISK_WINDOW),
            ),
        ),
        (
            "deep page (cursor)",
            app(filt(), shape.deep_cursor),
            raw(
                union([f"{v} AND (updated_at, id) < (:u, :i)" for v in visible], desc),
                u=stamp_param,
                i=last,
            ),
        ),
        *(
            (
                f"tag filter, agent default ({name})",
                app(filt(tag=name)),
                raw(inbox_tags.raw_sql(cols, visible, live, name)),
            )
            for name in (inbox_tags.COMMON, inbox_tags.RARE)
        ),
        (
            f"search, many hits ({MANY_WORD})",
            app(filt(text=MANY_WORD)),
            raw(
                f"SELECT {cols} FROM ticket JOIN ({hits}) AS m ON ticket.id = m.ticket_id "
                f"WHERE ({vis_or}) AND {live} ORDER BY m.ticket_id DESC LIMIT 51",
                q=fts(MANY_WORD),
            ),
        ),
        (
            "search, no hits",
            app(filt(text=NO_WORD)),
            raw(
                f"SELECT {cols} FROM ticket WHERE id IN ({hits}) AND ({vis_or}) AND {live} "
                "ORDER BY id DESC LIMIT 51",
                q=fts(NO_WORD),
            ),
        ),
        (
            "search, a customer's email",
            app(filt(text=shape.email)),
            raw(
                f"SELECT {cols} FROM ticket WHERE id IN ({hits}) AND ({vis_or}) AND {live} "
                "ORDER BY id DESC LIMIT 51",
                q=fts(shape.email),
            ),
        ),
    ]


def legacy_cases(shape: Shape) -> list[tuple[str, Callable[[Runtime], Awaitable[int]]]]:
    """The list query as it was before search_0001 (helpdesk/queries.py at 84ccd73)."""
    agent = shape.agent
    cols = [ticket_t.c[c] for c in ("id", "number", "subject", "status", "priority",
            "category_id", "team_id", "assignee_id", "requester_id", "channel", "language",
            "tags", "created_at", "updated_at", "merged_into_id", "follow_up_of_id")]  # fmt: skip

    def old(
        team_id: int | None = None, textual: str | None = None, cursor: str | None = None,
        status: tuple[str, ...] = (),
    ) -> Callable[[Runtime], Awaitable[int]]:  # fmt: skip
        stmt = select(*cols).where(ticket_t.c.merged_into_id.is_(None))
        if status:
            stmt = stmt.where(ticket_t.c.status.in_(status))
        if team_id is not None:
            stmt = stmt.where(ticket_t.c.team_id == team_id)
        if textual:
            pattern = f"%{textual}%"
            in_messages = exists().where(
                message_t.c.ticket_id == ticket_t.c.id, message_t.c.full_text.ilike(pattern)
            )
            stmt = stmt.where(or_(ticket_t.c.subject.ilike(pattern), in_messages))
        stmt = stmt.where(
            or_(
                ticket_t.c.team_id.is_(None),
                ticket_t.c.team_id.in_(agent.team_ids),
                ticket_t.c.assignee_id == agent.user_id,
            )
        )
        if cursor is not None:
            u, i = queries.decode_cursor(cursor)
            stmt = stmt.where(
                or_(ticket_t.c.updated_at < u, and_(ticket_t.c.updated_at == u, ticket_t.c.id < i))
            )
        stmt = stmt.order_by(ticket_t.c.updated_at.desc(), ticket_t.c.id.desc()).limit(51)

        async def run(rt: Runtime) -> int:
            async with rt.stores() as store:
                return len((await store.execute(stmt)).all())

        return run

    return [
        ("agent default view", old()),
        ("team view (team_id filter)", old(team_id=shape.team)),
        ("pending", old(status=("pending",))),
        ("deep page (cursor)", old(cursor=shape.deep_cursor)),
        (f"search, many hits ({MANY_WORD})", old(textual=MANY_WORD)),
        ("search, no hits", old(textual=NO_WORD)),
    ]


# --- measuring -----------------------------------------------------------------------------


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


Run = Callable[[Runtime], Awaitable[int]]


async def timed(rt: Runtime, fns: tuple[Run, Run], reps: int) -> tuple[list[float], list[float]]:
    """Both alternately, so load from elsewhere on the machine falls on both alike."""
    out: tuple[list[float], list[float]] = ([], [])
    for _ in range(3):
        for fn in fns:
            await fn(rt)
    for _ in range(reps):
        for fn, samples in zip(fns, out, strict=True):
            began = clock.perf_counter()
            await fn(rt)
            samples.append(clock.perf_counter() - began)
    return out


async def shape_of(rt: Runtime) -> Shape:
    async with rt.stores() as store:
        teams = (
            await store.execute(text("SELECT team_id FROM team_member WHERE user_id = 1"))
        ).scalars()
        agent = Principal(1, Role.AGENT, frozenset(int(t) for t in teams))
        # The address of a customer with a ticket in the triage queue, which the agent sees.
        email = (
            await store.execute(
                text(
                    "SELECT i.address FROM ticket t JOIN customer_identity i "
                    "ON i.customer_id = t.requester_id WHERE t.team_id IS NULL "
                    "ORDER BY t.id LIMIT 1"
                )
            )
        ).scalar_one()
        # A cursor about a quarter of the way down the agent's default view.
        n = (await store.execute(text("SELECT count(*) FROM ticket"))).scalar_one()
        row = (
            await store.execute(
                select(ticket_t.c.updated_at, ticket_t.c.id)
                .order_by(ticket_t.c.updated_at.desc(), ticket_t.c.id.desc())
                .offset(int(n) // 4)
                .limit(1)
            )
        ).one()
    team = min(agent.team_ids)
    return Shape(agent, team, email, queries.encode_cursor(row.updated_at, row.id))


@dataclass
class Result:
    app: list[float]
    raw: list[float]
    rows: int


@dataclass
class Inbox:
    timed: list[inbox_views.Timed]
    plans: list[str]


INBOX: dict[str, Inbox] = {}  # per database URL: the inbox's own pages, measured in `measure`


async def measure(url: str, reps: int, before: bool) -> tuple[dict[str, Result], dict[str, float]]:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=url, data_dir=Path(tmp), secret_key="bench")
        rt = assemble(settings, clock=FixedClock(NOW))
        try:
            shape = await shape_of(rt)
            results = {}
            dialect = "postgresql" if url.startswith("postgresql") else "sqlite"
            for name, app, raw in cases(shape, dialect):
                rows = await app(rt)
                raw_rows = await raw(rt)
                if not name.startswith("count"):
                    assert rows == min(raw_rows, 50), (name, rows, raw_rows)
                app_samples, raw_samples = await timed(rt, (app, raw), reps)
                results[name] = Result(app_samples, raw_samples, rows)
            INBOX[url] = Inbox(
                await inbox_views.measure(rt, shape.agent, NOW, max(10, reps // 4)),
                await inbox_views.plans(rt, shape.agent, NOW),
            )
            old: dict[str, float] = {}
            if before:
                old = await _before(rt, shape, dialect)
        finally:
            await rt.close()
    return results, old


NEW_INDEXES = ("ix_ticket_team_updated", "ix_ticket_assignee_updated", "ix_ticket_status_due",
               "ix_ticket_team_status_due", "ix_ticket_assignee_status_due")  # fmt: skip


async def _before(rt: Runtime, shape: Shape, dialect: str) -> dict[str, float]:
    """The old query on the old indexes; the new ones are put back afterwards."""
    if dialect == "sqlite":
        ddl = "SELECT sql FROM sqlite_master WHERE type = 'index' AND name IN ({})"
    else:
        ddl = "SELECT indexdef FROM pg_indexes WHERE indexname IN ({})"
    stats: list[Any] = []
    async with rt.stores() as store:
        saved = list((await store.execute(text(ddl.format(_names(NEW_INDEXES))))).scalars())
        for index in NEW_INDEXES:
            await store.execute(text(f"DROP INDEX {index}"))
        if dialect == "sqlite":
            # Nothing ran ANALYZE before: without statistics the planner picked the plans the
            # issue measured (a multi-index OR and a temporary B-tree sort).
            stats = list(await store.execute(text("SELECT tbl, idx, stat FROM sqlite_stat1")))
            await store.execute(text("DELETE FROM sqlite_stat1"))
            await store.execute(text("ANALYZE sqlite_master"))
    old = {}
    try:
        for name, fn in legacy_cases(shape):
            samples = []
            for _ in range(3):
                began = clock.perf_counter()
                await fn(rt)
                samples.append(clock.perf_counter() - began)
            old[name] = statistics.median(samples) * 1000
    finally:
        async with rt.stores() as store:
            for statement in saved:
                await store.execute(text(statement))
            for row in stats:
                await store.execute(
                    text("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (:t, :i, :s)"),
                    {"t": row.tbl, "i": row.idx, "s": row.stat},
                )
            if stats:
                await store.execute(text("ANALYZE sqlite_master"))
    return old


def report(
    label: str, n: int, small: int, big: dict[str, Result], little: dict[str, Result],
    old: dict[str, float], inbox: Inbox | None = None,
) -> None:  # fmt: skip
    print(f"\n{label}: {n:,} tickets (p99 compared with {small:,})")
    print(f"  {'view':32} {'p50 ms':>8} {'p99 ms':>8} {'raw p50':>8} {'raw p99':>8} "
          f"{'raw/app':>8} {'p99 N/small':>11} {'rows':>5}")  # fmt: skip
    for name, r in big.items():
        p99_small = pct(little[name].app, 0.99) if name in little else float("nan")
        print(
            f"  {name:32} {pct(r.app, 0.5):8.2f} {pct(r.app, 0.99):8.2f} {pct(r.raw, 0.5):8.2f} "
            f"{pct(r.raw, 0.99):8.2f} {pct(r.raw, 0.5) / pct(r.app, 0.5):8.2f} "
            f"{pct(r.app, 0.99) / p99_small:11.2f} {r.rows:>5}"
        )
    if inbox is not None:
        print("  the inbox's pages, now and with the inbox's own SQL before (445db34):")
        print(f"  {'page':32} {'p50 ms':>8} {'p99 ms':>8} {'old p50':>8} {'old p99':>8} "
              f"{'old/now':>8} {'rows':>5}")  # fmt: skip
        for t in inbox.timed:
            old50 = pct(t.old, 0.5) if t.old else float("nan")
            old99 = pct(t.old, 0.99) if t.old else float("nan")
            print(f"  {t.name:32} {pct(t.new, 0.5):8.2f} {pct(t.new, 0.99):8.2f} {old50:8.2f} "
                  f"{old99:8.2f} {old50 / pct(t.new, 0.5):8.2f} {t.rows:>5}")  # fmt: skip
        print("  plans of the inbox's views (first page and capped count):")
        for line in inbox.plans:
            print(line)
    if old:
        print("  before (old list query, old indexes), median of 3:")
        for name, ms in old.items():
            print(f"    {name:32} {ms:10.1f} ms")


async def run_sqlite(n: int, small: int, reps: int, before: bool, keep: Path | None) -> None:
    results, inboxes = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        for size in sorted({small, n}):
            path = (keep / f"inbox-{size}.db") if keep else Path(tmp) / f"inbox-{size}.db"
            url = f"sqlite+aiosqlite:///{path}"
            began = clock.perf_counter()
            if not path.exists():
                await asyncio.to_thread(upgrade, url)
                data = _rows(size, random.Random(size))
                generated = clock.perf_counter() - began
                await asyncio.to_thread(seed_sqlite, str(path), data)
                del data
                print(f"SQLite {size:,}: generated in {generated:.0f} s, "
                      f"seeded in {clock.perf_counter() - began:.0f} s")  # fmt: skip
            results[size] = await measure(url, reps, before and size == n)
            inboxes[size] = INBOX.pop(url)
    report("SQLite", n, small, results[n][0], results[small][0], results[n][1], inboxes[n])


async def run_pg(n: int, small: int, reps: int, before: bool) -> None:
    results, inboxes = {}, {}
    for size in sorted({small, n}):
        name = f"helpdesk_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        admin = await asyncpg.connect(PG_URL, timeout=5)
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
        base = PG_URL.rsplit("/", 1)[0]
        url = base.replace("postgresql://", "postgresql+asyncpg://") + f"/{name}"
        try:
            began = clock.perf_counter()
            await asyncio.to_thread(upgrade, url)
            data = _rows(size, random.Random(size))
            await seed_pg(f"{base}/{name}", data)
            del data
            print(f"PostgreSQL {size:,}: seeded in {clock.perf_counter() - began:.0f} s")
            results[size] = await measure(url, reps, before and size == n)
            inboxes[size] = INBOX.pop(url)
        finally:
            admin = await asyncpg.connect(PG_URL, timeout=5)
            try:
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            finally:
                await admin.close()
    report("PostgreSQL", n, small, results[n][0], results[small][0], results[n][1], inboxes[n])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--before", action="store_true", help="also time the old list query")
    parser.add_argument("--keep", type=Path, help="keep (and reuse) the SQLite files here")
    args = parser.parse_args()
    if "sqlite" in args.db:
        asyncio.run(run_sqlite(args.tickets, args.small, args.reps, args.before, args.keep))
    if "postgresql" in args.db:
        asyncio.run(run_pg(args.tickets, args.small, args.reps, args.before))


if __name__ == "__main__":
    main()
