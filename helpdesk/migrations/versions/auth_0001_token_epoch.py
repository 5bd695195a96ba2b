"""auth: a counter bumped by every change that can end or alter a Bearer token's access

Revision ID: auth_0001
Revises: 0001

The web processes cache token lookups and check this one counter instead of repeating the
lookup; triggers bump it whatever process or statement made the change (a revoke from the CLI,
a deactivated user, a changed team), so a revoked token is refused on the next request
everywhere. A later migration that rebuilds one of these tables on SQLite (batch mode "move
and copy") drops its triggers and must create them again.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "auth_0001"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("auth",)
depends_on: str | Sequence[str] | None = ("ops_0001",)  # api_token.expires_at

_BUMP = "UPDATE counter SET value = value + 1 WHERE name = 'auth_epoch'"
# table -> the changes that matter: who a token belongs to, whether it still works, and the
# role, name, active flag and teams of its user. A new token or user needs no bump: nothing
# cached can be about it yet.
_EVENTS = {
    "api_token": ("UPDATE OF user_id, token_hash, revoked_at, expires_at", "DELETE"),
    "user": ("UPDATE OF name, role, active", "DELETE"),
    "team_member": ("INSERT", "UPDATE", "DELETE"),
}


def _trigger(table: str, event: str) -> str:
    return f"auth_epoch_{table}_{event.split()[0].lower()}"


def upgrade() -> None:
    op.execute("INSERT INTO counter (name, value) VALUES ('auth_epoch', 0)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION auth_epoch_bump() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN {_BUMP}; RETURN NULL; END $$"
        )
        for table, events in _EVENTS.items():
            # TRUNCATE fires no DELETE trigger; per statement, as one bump per change is enough.
            for event in (*events, "TRUNCATE"):
                op.execute(
                    f'CREATE TRIGGER {_trigger(table, event)} AFTER {event} ON "{table}" '
                    "FOR EACH STATEMENT EXECUTE FUNCTION auth_epoch_bump()"
                )
        return
    for table, events in _EVENTS.items():
        for event in events:
            op.execute(
                f'CREATE TRIGGER {_trigger(table, event)} AFTER {event} ON "{table}" '
                f"BEGIN {_BUMP}; END"
            )


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table, events in _EVENTS.items():
        for event in (*events, "TRUNCATE") if postgresql else events:
            on = f' ON "{table}"' if postgresql else ""
            op.execute(f"DROP TRIGGER {_trigger(table, event)}{on}")
    if postgresql:
        op.execute("DROP FUNCTION auth_epoch_bump()")
    op.execute("DELETE FROM counter WHERE name = 'auth_epoch'")
