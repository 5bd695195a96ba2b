"""The inbox benchmark's data: N tickets with a realistic shape (20 teams, 200 agents, a customer
per three tickets, statuses from new to closed, 1-3 messages a ticket from a Turkish/English
vocabulary drawn Zipf-like, SLA due times on the unsolved ones, tags on some), written in bulk
(executemany / COPY with indexes and triggers off), never through the services."""

from __future__ import annotations

import os
import random
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from bench import inbox_tags
from helpdesk import search
from helpdesk.domain import Principal

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


def seed_rows(n: int, rng: random.Random) -> dict[str, list[tuple[Any, ...]]]:
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


def sqlite_value(v: Any) -> Any:
    # The storage format SQLAlchemy's datetime type writes on SQLite.
    return v.strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(v, datetime) else v


def seed_sqlite(path: str, data: dict[str, list[tuple[Any, ...]]]) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-400000")
    saved = conn.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND "
        f"type IN ('index', 'trigger') AND tbl_name IN ({sql_names(BULK_TABLES)})"
    ).fetchall()
    for kind, name, _ in saved:
        conn.execute(f'DROP {kind.upper()} "{name}"')
    conn.execute("BEGIN")
    for table, rows in data.items():
        cols = COLUMNS[table]
        marks = ",".join("?" for _ in cols.split(","))
        conn.executemany(
            f'INSERT INTO "{table}" ({cols}) VALUES ({marks})',
            ([sqlite_value(v) for v in row] for row in rows),
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


def sql_names(names: tuple[str, ...]) -> str:
    return ", ".join(f"'{n}'" for n in names)


async def seed_pg(dsn: str, data: dict[str, list[tuple[Any, ...]]]) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        saved = await conn.fetch(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND "
            f"tablename IN ({sql_names(BULK_TABLES)}) AND NOT EXISTS "
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


@dataclass
class Shape:
    """What the cases need to know about the seeded data."""

    agent: Principal
    team: int
    email: str
    deep_cursor: str
