"""The admin sections, in the order the side rail lists them.

Each area of the admin pages adds one `Section` here and its routes in `component.py`; the rail
and the admin home page show only the sections the viewer's role may open."""

from __future__ import annotations

from dataclasses import dataclass

from helpdesk.domain import Role

ADMINS = (Role.ADMIN,)
MANAGERS = (Role.SUPERVISOR, Role.ADMIN)


@dataclass(frozen=True, slots=True)
class Section:
    key: str
    path: str
    label: str  # a catalog message id (N_), translated when shown
    summary: str  # one sentence on the home page, also a catalog message id
    roles: tuple[Role, ...] = ADMINS
    order: int = 50  # the rail lists sections by this, then in the order they were added


SECTIONS: list[Section] = []


def visible(role: Role) -> list[Section]:
    return sorted((s for s in SECTIONS if role in s.roles), key=lambda s: s.order)
