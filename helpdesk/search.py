"""Full-text search over tickets with the database's own index: FTS5 on SQLite, a tsvector with
a GIN index on PostgreSQL. The index and the triggers that keep it current are created by the
`search_0001` migration; this module turns what a person typed into a safe query.

Every word is searched as a quoted phrase, so FTS syntax a person may type (quotes, `*`, `-`,
`NEAR`, `OR`, parentheses, column filters) is only ever text and never a query error.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Select,
    bindparam,
    func,
    literal_column,
    select,
    text,
)
from sqlalchemy.sql.elements import TextClause

from helpdesk.store import Store

# Tables the migration creates outside SQLModel's metadata: the FTS5 table and its shadow
# tables on SQLite, the tsvector side table on PostgreSQL.
_SEARCH_TABLES = re.compile(r"^(ticket_fts(_\w+)?|ticket_search)$")
_WORD = re.compile(r"\w")
MAX_WORDS = 16


def is_search_table(name: str | None) -> bool:
    """True for the search index's own tables, which schema comparisons leave alone."""
    return bool(name and _SEARCH_TABLES.match(name))


def words(typed: str) -> list[str]:
    """What a person typed, as words to look for: control characters and lone surrogates
    dropped, pieces with no letter or digit (a bare `*`, `-`, `(`) left out."""
    cleaned = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp") else ch for ch in typed
    )
    return [w for w in cleaned.split() if _WORD.search(w)][:MAX_WORDS]


def fts5_query(typed: str) -> str | None:
    """An FTS5 MATCH expression: every word a quoted phrase (`"` doubled), all required."""
    found = words(typed)
    if not found:
        return None
    return " ".join('"' + w.replace('"', '""') + '"' for w in found)


def pg_query(typed: str) -> str | None:
    """Plain text for plainto_tsquery, which ignores every operator character."""
    found = words(typed)
    return " ".join(found) if found else None


def query_text(dialect: str, typed: str) -> str | None:
    """What to bind as the search parameter on this database, or None for no words."""
    return pg_query(typed) if dialect == "postgresql" else fts5_query(typed)


def matching_ids(dialect: str, q: Any) -> Select[Any]:
    """SELECT of the ids (as `ticket_id`) of tickets whose document matches `q` (a value or
    bound parameter holding `query_text`)."""
    if dialect == "postgresql":
        tsq = func.plainto_tsquery(literal_column("'simple'"), func.helpdesk_fold(q))
        return (
            select(literal_column("ticket_id").label("ticket_id"))
            .select_from(text("ticket_search"))
            .where(literal_column("document").op("@@")(tsq))
        )
    return (
        select(literal_column("rowid").label("ticket_id"))
        .select_from(text("ticket_fts"))
        .where(literal_column("ticket_fts").op("MATCH")(q))
    )


@lru_cache(maxsize=16)
def _first(dialect: str, limit: int) -> Select[Any]:
    return matching_ids(dialect, bindparam("q")).limit(limit + 1)


async def first_matches(store: Store, q: str, limit: int) -> list[int] | None:
    """Up to `limit` ids of tickets matching `q` (a `query_text`), or None when there are
    more than that."""
    found = await store.execute(_first(store.dialect, limit), {"q": q})
    ids = [int(i) for i in found.scalars()]
    return None if len(ids) > limit else ids


PG_REBUILD = (
    "INSERT INTO ticket_search (ticket_id, document) SELECT ticket_id, "
    "to_tsvector('simple', helpdesk_fold(subject || ' ' || body || ' ' || people)) "
    "FROM ticket_search_source"
)


def rebuild_statements(dialect: str) -> list[TextClause]:
    """Statements that rebuild the whole index from the tables (after a bulk load)."""
    if dialect == "postgresql":
        return [text("DELETE FROM ticket_search"), text(PG_REBUILD)]
    return [
        text("DELETE FROM ticket_fts"),
        text(
            "INSERT INTO ticket_fts(rowid, subject, body, people) "
            "SELECT ticket_id, subject, body, people FROM ticket_search_source"
        ),
        # One segment instead of the many a bulk insert leaves: every query reads each.
        text("INSERT INTO ticket_fts(ticket_fts) VALUES ('optimize')"),
    ]


async def purge_deleted(store: Store) -> None:
    """Rewrite SQLite's full-text index as one segment, so the words of text that was deleted or
    rewritten (an erased customer's) leave the database file instead of lingering in older
    segments until a merge. It reads the whole index: for erasure and retention, not hot paths.
    PostgreSQL keeps old row versions until VACUUM instead (see the README)."""
    if store.dialect == "sqlite":
        await store.execute(text("INSERT INTO ticket_fts(ticket_fts) VALUES('optimize')"))
