"""What the SLA admin pages call the values they show (catalog ids, translated when shown), and
the category tree as people read it ("Hardware / Printers")."""

from __future__ import annotations

from typing import Any

from helpdesk.inbox.queries import N_

DAY_NAMES = (N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"),
             N_("Saturday"), N_("Sunday"))  # fmt: skip
LABELS = {
    "first_reply": N_("First reply"), "next_reply": N_("Next reply"),
    "periodic_update": N_("Periodic update"), "resolution": N_("Resolution"),
    "low": N_("Low"), "normal": N_("Normal"), "high": N_("High"), "urgent": N_("Urgent"),
    "new": N_("New"), "open": N_("Open"), "pending": N_("Pending"), "on_hold": N_("On hold"),
    "email": N_("Email"), "telegram": N_("Telegram"), "web_form": N_("Web form"),
    "phone": N_("Phone"), "api": N_("API"),
    "notify": N_("Notify"), "reassign": N_("Reassign"), "raise_priority": N_("Raise priority"),
    "webhook": N_("Call a webhook"),
    "assignee": N_("the assignee"), "supervisor": N_("the team's supervisor"),
    "team": N_("a team"), "user": N_("a person"),
    "created": N_("created"), "updated": N_("updated"), "moved": N_("moved"),
    "deleted": N_("deleted"),  # through the API or the CLI
}  # fmt: skip


def tree(categories: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Categories in tree order (each after its parent), each with its `path` and `depth`."""
    children: dict[int | None, list[dict[str, Any]]] = {}
    known = {c["id"] for c in categories}
    for c in sorted(categories, key=lambda c: c["name"].lower()):
        parent = c["parent_id"] if c["parent_id"] in known else None
        children.setdefault(parent, []).append(c)
    out: list[dict[str, Any]] = []

    def walk(parent: int | None, path: str, depth: int) -> None:
        for c in children.get(parent, []):
            if any(seen["id"] == c["id"] for seen in out):
                continue  # a corrupted cycle is shown once
            full = f"{path} / {c['name']}" if path else c["name"]
            out.append({**c, "path": full, "depth": depth})
            walk(c["id"], full, depth + 1)

    walk(None, "", 0)
    return out


def context(lookups: dict[str, Any]) -> dict[str, Any]:
    """Names by id for the lists and forms, from `categories`, `teams`, `users`, `calendars`."""
    ordered = tree(lookups["categories"])
    return {
        **lookups,
        "labels": LABELS,
        "day_names": DAY_NAMES,
        "tree": ordered,
        "category_paths": {c["id"]: c["path"] for c in ordered},
        "team_names": {t["id"]: t["name"] for t in lookups["teams"]},
        "user_names": {u["id"]: u["name"] for u in lookups["users"]},
        "calendar_names": {c["id"]: c["name"] for c in lookups["calendars"]},
    }
