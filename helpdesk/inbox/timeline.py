"""A ticket's conversation and history as one list of entries, oldest first."""

from __future__ import annotations

from typing import Any

from helpdesk.queries import TicketDetail

# Messages already show these; repeating them as history lines would be noise.
_SHOWN_AS_MESSAGES = {"reply_added", "note_added"}
_FIELD_LABELS = {
    "status_changed": "status",
    "priority_changed": "priority",
    "category_changed": "category",
    "team_changed": "team",
    "assignee_changed": "assignee",
    "tags_changed": "tags",
}


def entries(
    detail: TicketDetail,
    people: dict[int, dict[str, Any]],
    team_names: dict[int, str],
    category_names: dict[int, str],
) -> list[dict[str, Any]]:
    customers = {p["customer_id"]: p for p in detail.participants}
    result: list[dict[str, Any]] = []
    for m in detail.messages:
        if m["direction"] == "note":
            kind = "note"
        elif m["direction"] == "inbound":
            kind = "customer"
        elif m["author_kind"] == "bot":
            kind = "bot"
        elif m["author_kind"] == "system":
            kind = "system-message"
        else:
            kind = "agent"
        if kind == "customer":
            person = customers.get(m["author_customer_id"] or -1)
            author = (person or {}).get("name") or _first_identity(person) or "Customer"
        else:
            author = people.get(m["author_user_id"] or -1, {}).get("name") or "Helpdesk"
        images = [a for a in m["attachments"] if _previewable(a["content_type"])]
        result.append(
            {"type": "message", "kind": kind, "author": author, "at": m["created_at"],
             "message": m, "images": images}
        )  # fmt: skip
    for a in detail.audit:
        if a["kind"] in _SHOWN_AS_MESSAGES:
            continue
        result.append(
            {
                "type": "event",
                "at": a["at"],
                "text": describe(a, people, team_names, category_names),
            }
        )
    result.sort(key=lambda e: e["at"])
    return result


def _first_identity(person: dict[str, Any] | None) -> str:
    if not person or not person["identities"]:
        return ""
    return str(person["identities"][0]["address"])


def _previewable(content_type: str) -> bool:
    # SVG is left out: it can carry script.
    return content_type in ("image/png", "image/jpeg", "image/gif", "image/webp")


def describe(
    event: dict[str, Any],
    people: dict[int, dict[str, Any]],
    team_names: dict[int, str],
    category_names: dict[int, str],
) -> str:
    """One quiet line for a history event, e.g. 'Ayşe Agent changed status: new → open'."""
    actor = (
        people.get(event["actor_user_id"], {}).get("name")
        if event["actor_user_id"]
        else {"customer": "The customer", "bot": "A bot"}.get(event["actor_kind"], "The system")
    ) or "Someone"
    data = event["data"] or {}
    kind = event["kind"]

    def show(value: Any) -> str:
        if value is None or value == []:
            return "none"
        if kind == "assignee_changed":
            return str(people.get(value, {}).get("name", value))
        if kind == "team_changed":
            return team_names.get(value, str(value))
        if kind == "category_changed":
            return category_names.get(value, str(value))
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        return str(value).replace("_", " ")

    if kind in _FIELD_LABELS:
        old, new = show(data.get("old")), show(data.get("new"))
        why = f" ({data['reason']})" if data.get("reason") else ""  # an automatic decision's
        return f"{actor} changed {_FIELD_LABELS[kind]}: {old} → {new}{why}"
    if kind == "ticket_created":
        return f"Ticket created from {str(data.get('channel', '')).replace('_', ' ')}"
    if kind == "merged_into":
        return f"{actor} merged this ticket into #{data.get('number')}"
    if kind == "merged_from":
        return f"{actor} merged #{data.get('number')} into this ticket"
    if kind == "split_into":
        return f"{actor} split a message off into #{data.get('number')}"
    if kind == "split_from":
        return f"{actor} opened this ticket from a message of #{data.get('number')}"
    if data.get("reason"):  # routing's decisions that changed no field: triage, rules fired
        return f"{actor}: {data['reason']}"
    return f"{actor}: {kind.replace('_', ' ')}"
