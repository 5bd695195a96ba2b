"""An audit entry's data as a reader wants it: people and teams by name instead of by id, a
change as "old → new". Entries keep ids (names change; ids do not); names are looked up when
shown."""

from __future__ import annotations

from typing import Any

from helpdesk import audit_queries
from helpdesk.services import Store

_USER_KEYS = {"user_id": "user", "supervisor_id": "supervisor"}
_TEAM_KEYS = {"team_id": "team"}


def _ids(entries: list[dict[str, Any]]) -> tuple[set[int], set[int]]:
    users: set[int] = set()
    teams: set[int] = set()
    for entry in entries:
        if entry["ticket_id"] is not None:
            continue  # a ticket's entries keep their own wording
        data = entry["data"]
        users |= {int(data[k]) for k in _USER_KEYS if isinstance(data.get(k), int)}
        teams |= {int(data[k]) for k in _TEAM_KEYS if isinstance(data.get(k), int)}
        teams |= {int(t) for t in data.get("team_ids") or () if isinstance(t, int)}
        for change in (data.get("changes") or {}).values():
            for side in ("old", "new"):
                value = change.get(side) if isinstance(change, dict) else None
                if isinstance(value, list):
                    teams |= {int(t) for t in value if isinstance(t, int)}
    return users, teams


async def describe(store: Store, entries: list[dict[str, Any]]) -> None:
    """Set each entry's `details`: a list of (label, text) pairs."""
    user_ids, team_ids = _ids(entries)
    users, teams = await audit_queries.names(store, user_ids, team_ids)

    def team_list(value: Any) -> str:
        return ", ".join(teams.get(t, f"#{t}") for t in value) if value else "–"

    for entry in entries:
        details: list[tuple[str, str]] = []
        for key, value in entry["data"].items():
            if entry["ticket_id"] is None and key in _USER_KEYS and isinstance(value, int):
                details.append((_USER_KEYS[key], users.get(value, f"#{value}")))
            elif entry["ticket_id"] is None and key in _TEAM_KEYS and isinstance(value, int):
                details.append((_TEAM_KEYS[key], teams.get(value, f"#{value}")))
            elif entry["ticket_id"] is None and key == "team_ids":
                details.append(("teams", team_list(value)))
            elif key == "changes" and isinstance(value, dict):
                for field, change in value.items():
                    old, new = change.get("old"), change.get("new")
                    if field == "team_ids":
                        old, new = team_list(old), team_list(new)
                    details.append((field, f"{old if old is not None else '–'} → {new}"))
            else:
                details.append((key, str(value)))
        entry["details"] = details
