"""search: view indexes, the SLA due column on ticket, full-text search (FTS5 / tsvector)

Revision ID: search_0001
Revises: 0001

The full-text document of a ticket is its subject, the text of its messages and the names and
addresses of its people. One view (`ticket_search_source`) says how it is built on both
databases; triggers rebuild a ticket's document whenever one of its sources changes, so every
writer (services, imports, hand-written SQL) keeps the index right without knowing about it.

SQLite: a plain FTS5 table keyed by ticket id. Debian 12's SQLite (3.40) predates
`contentless_delete` (3.43), and an external-content table over an aggregate view must be told
the exact old text to delete, so a trigger that sees only the new row would corrupt it; the
price is a copy of the text inside the FTS table. unicode61 with remove_diacritics 2 folds
Turkish and other Latin accents (ş→s, ç→c, ğ→g, ö→o, ü→u) in documents and queries alike.

PostgreSQL: a `ticket_search` table (a side table, so the ticket row stays narrow and its many
updates rewrite no GIN entries) with a GIN index. The 'simple' configuration: no stemming and
no stop words, because tickets mix Turkish and English and a per-language stemmer would mangle
the other language; `helpdesk_fold` folds case and Turkish/Latin accents like unicode61 does.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "search_0001"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("search",)
# SQLite's batch mode rebuilds a table to add a foreign key, which drops the triggers on it: run
# after every migration that rebuilds `ticket` (autoreply_0001 adds ticket.bot_id that way).
depends_on: str | Sequence[str] | None = ("autoreply_0001",)

_INDEXES = {
    "ix_ticket_team_updated": ["team_id", "updated_at", "id"],
    # team_id last: the "my tickets in other teams" branch filters on it inside the index
    # instead of fetching every ticket ever assigned to the agent.
    "ix_ticket_assignee_updated": ["assignee_id", "updated_at", "id", "team_id"],
    "ix_ticket_status_due": ["status", "sla_next_due_at", "id"],
    "ix_ticket_team_status_due": ["team_id", "status", "sla_next_due_at", "id"],
    "ix_ticket_assignee_status_due": [
        "assignee_id",
        "status",
        "sla_next_due_at",
        "id",
        "team_id",
    ],
}

# Tickets whose document depends on a customer: as requester or as participant.
_CUSTOMER_TICKETS = (
    "SELECT id FROM ticket WHERE requester_id = {c} "
    "UNION SELECT ticket_id FROM ticket_participant WHERE customer_id = {c}"
)

# People are looked up from the ticket's requester and participants (a join from those few ids
# to customer by key): an OR of the two conditions would scan every customer per ticket.
_SQLITE_SOURCE = """
CREATE VIEW ticket_search_source AS
SELECT t.id AS ticket_id,
       t.subject AS subject,
       coalesce((SELECT group_concat(body, char(10)) FROM
                   (SELECT m.full_text AS body FROM message m WHERE m.ticket_id = t.id
                    ORDER BY m.id)), '') AS body,
       coalesce((SELECT group_concat(who, ' ') FROM
                   (SELECT c.name || ' ' || coalesce((SELECT group_concat(i.address, ' ')
                                                      FROM customer_identity i
                                                      WHERE i.customer_id = c.id), '') AS who
                    FROM (SELECT t.requester_id AS customer_id
                          UNION SELECT p.customer_id FROM ticket_participant p
                          WHERE p.ticket_id = t.id) AS person
                    JOIN customer c ON c.id = person.customer_id)), '') AS people
FROM ticket t
"""

_PG_SOURCE = """
CREATE VIEW ticket_search_source AS
SELECT t.id AS ticket_id,
       t.subject AS subject,
       coalesce((SELECT string_agg(m.full_text, E'\\n' ORDER BY m.id) FROM message m
                 WHERE m.ticket_id = t.id), '') AS body,
       coalesce((SELECT string_agg(c.name || ' ' || coalesce(
                          (SELECT string_agg(i.address || ' '
                                             || regexp_replace(i.address, '[^[:alnum:]]+', ' ', 'g'),
                                             ' ')
                           FROM customer_identity i WHERE i.customer_id = c.id), ''), ' ')
                 FROM (SELECT t.requester_id AS customer_id
                       UNION SELECT p.customer_id FROM ticket_participant p
                       WHERE p.ticket_id = t.id) AS person
                 JOIN customer c ON c.id = person.customer_id), '') AS people
FROM ticket t
"""


def _sqlite_refresh(ids: str) -> str:
    return (
        f"DELETE FROM ticket_fts WHERE rowid IN ({ids}); "
        "INSERT INTO ticket_fts(rowid, subject, body, people) "
        f"SELECT ticket_id, subject, body, people FROM ticket_search_source "
        f"WHERE ticket_id IN ({ids});"
    )


_SQLITE_TRIGGERS = {
    "ticket_search_ticket_ins": ("AFTER INSERT ON ticket", _sqlite_refresh("NEW.id")),
    "ticket_search_ticket_upd": (
        "AFTER UPDATE OF subject, requester_id ON ticket",
        _sqlite_refresh("NEW.id"),
    ),
    "ticket_search_ticket_del": (
        "AFTER DELETE ON ticket",
        "DELETE FROM ticket_fts WHERE rowid = OLD.id;",
    ),
    "ticket_search_message_ins": ("AFTER INSERT ON message", _sqlite_refresh("NEW.ticket_id")),
    "ticket_search_message_upd": (
        "AFTER UPDATE OF full_text, ticket_id ON message",
        _sqlite_refresh("NEW.ticket_id, OLD.ticket_id"),
    ),
    "ticket_search_message_del": ("AFTER DELETE ON message", _sqlite_refresh("OLD.ticket_id")),
    "ticket_search_participant_ins": (
        "AFTER INSERT ON ticket_participant",
        _sqlite_refresh("NEW.ticket_id"),
    ),
    "ticket_search_participant_del": (
        "AFTER DELETE ON ticket_participant",
        _sqlite_refresh("OLD.ticket_id"),
    ),
    "ticket_search_customer_upd": (
        "AFTER UPDATE OF name ON customer",
        _sqlite_refresh(_CUSTOMER_TICKETS.format(c="NEW.id")),
    ),
    "ticket_search_identity_ins": (
        "AFTER INSERT ON customer_identity",
        _sqlite_refresh(_CUSTOMER_TICKETS.format(c="NEW.customer_id")),
    ),
    # An erased address (privacy) must stop finding the customer's tickets.
    "ticket_search_identity_del": (
        "AFTER DELETE ON customer_identity",
        _sqlite_refresh(_CUSTOMER_TICKETS.format(c="OLD.customer_id")),
    ),
    "ticket_search_identity_upd": (
        "AFTER UPDATE OF address, customer_id ON customer_identity",
        _sqlite_refresh(
            _CUSTOMER_TICKETS.format(c="NEW.customer_id")
            + " UNION "
            + _CUSTOMER_TICKETS.format(c="OLD.customer_id")
        ),
    ),
}

_PG_FUNCTIONS = [
    # Lower-case, then fold the accents unicode61 folds on SQLite (and Turkish dotless ı).
    """
CREATE FUNCTION helpdesk_fold(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURN translate(lower(value),
  'çğıöşüâîûéèêëáàäãåíìïóòõúùñ',
  'cgiosuaiueeeeaaaaaiiiooouun')
""",
    """
CREATE FUNCTION helpdesk_ticket_search_refresh(ids integer[]) RETURNS void
LANGUAGE sql AS $$
  DELETE FROM ticket_search WHERE ticket_id = ANY(ids)
     AND NOT EXISTS (SELECT 1 FROM ticket WHERE ticket.id = ticket_search.ticket_id);
  INSERT INTO ticket_search (ticket_id, document)
  SELECT ticket_id, to_tsvector('simple', helpdesk_fold(subject || ' ' || body || ' ' || people))
  FROM ticket_search_source WHERE ticket_id = ANY(ids)
  ON CONFLICT (ticket_id) DO UPDATE SET document = EXCLUDED.document;
$$
""",
]

# table -> (events, ticket ids to refresh as an integer[] over NEW/OLD in plpgsql). OLD is
# NULL on INSERT, so OLD.x is NULL there and matches no ticket.
_NEW_OR_OLD = "CASE WHEN TG_OP = 'DELETE' THEN ARRAY[OLD.ticket_id] ELSE ARRAY[NEW.ticket_id] END"
_PG_TRIGGERS = {
    "ticket": ("INSERT OR UPDATE OF subject, requester_id", "ARRAY[NEW.id]"),
    # A message moved to another ticket (split) changes both tickets' documents.
    "message": (
        "INSERT OR UPDATE OF full_text, ticket_id OR DELETE",
        "CASE WHEN TG_OP = 'DELETE' THEN ARRAY[OLD.ticket_id] "
        "ELSE ARRAY[NEW.ticket_id, OLD.ticket_id] END",
    ),
    "ticket_participant": ("INSERT OR DELETE", _NEW_OR_OLD),
    "customer": ("UPDATE OF name", "ARRAY(" + _CUSTOMER_TICKETS.format(c="NEW.id") + ")"),
    "customer_identity": (
        "INSERT OR UPDATE OF address, customer_id OR DELETE",
        "ARRAY("
        + _CUSTOMER_TICKETS.format(c="NEW.customer_id")
        + " UNION "
        + _CUSTOMER_TICKETS.format(c="OLD.customer_id")
        + ")",
    ),
}


def upgrade() -> None:
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("sla_next_due_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
    for name, columns in _INDEXES.items():
        op.create_index(name, "ticket", columns)
    if op.get_bind().dialect.name == "postgresql":
        _upgrade_postgresql()
    else:
        _upgrade_sqlite()


def _upgrade_sqlite() -> None:
    op.execute(
        "CREATE VIRTUAL TABLE ticket_fts USING fts5(subject, body, people, "
        "tokenize = 'unicode61 remove_diacritics 2')"
    )
    op.execute(_SQLITE_SOURCE)
    for name, (when, body) in _SQLITE_TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {when} BEGIN {body} END")
    op.execute(
        "INSERT INTO ticket_fts(rowid, subject, body, people) "
        "SELECT ticket_id, subject, body, people FROM ticket_search_source"
    )
    # The planner needs statistics to prefer the view indexes; the limit keeps this quick on a
    # large database (helpdesk.jobs refreshes them periodically).
    op.execute("PRAGMA analysis_limit=1000")
    op.execute("ANALYZE")


def _upgrade_postgresql() -> None:
    op.execute(
        "CREATE TABLE ticket_search (ticket_id integer PRIMARY KEY "
        "REFERENCES ticket(id) ON DELETE CASCADE, document tsvector NOT NULL)"
    )
    op.execute("CREATE INDEX ix_ticket_search_document ON ticket_search USING gin (document)")
    op.execute(_PG_SOURCE)
    for ddl in _PG_FUNCTIONS:
        op.execute(ddl)
    for table, (events, ids) in _PG_TRIGGERS.items():
        op.execute(
            f"CREATE FUNCTION ticket_search_on_{table}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN PERFORM helpdesk_ticket_search_refresh({ids}); RETURN NULL; END $$"
        )
        op.execute(
            f"CREATE TRIGGER ticket_search_{table} AFTER {events} ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION ticket_search_on_{table}()"
        )
    # Existing tickets in one pass (not through the refresh function: ANY() over every id
    # would compare each ticket with each id).
    op.execute(
        "INSERT INTO ticket_search (ticket_id, document) SELECT ticket_id, "
        "to_tsvector('simple', helpdesk_fold(subject || ' ' || body || ' ' || people)) "
        "FROM ticket_search_source"
    )
    op.execute("ANALYZE ticket")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in _PG_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS ticket_search_{table} ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS ticket_search_on_{table}()")
        op.execute("DROP FUNCTION IF EXISTS helpdesk_ticket_search_refresh(integer[])")
        op.execute("DROP FUNCTION IF EXISTS helpdesk_fold(text)")
        op.execute("DROP VIEW IF EXISTS ticket_search_source")
        op.execute("DROP TABLE IF EXISTS ticket_search")
    else:
        for name in _SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP VIEW IF EXISTS ticket_search_source")
        op.execute("DROP TABLE IF EXISTS ticket_fts")
    for name in _INDEXES:
        op.drop_index(name, "ticket")
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_column("sla_next_due_at")
