"""Routing a ticket inside one unit of work: language, category, team, priority, rules and
assignee, each applied through `helpdesk.services` with its reason on the timeline."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, func, select

from helpdesk import services
from helpdesk.domain import AuditKind, Priority, Status
from helpdesk.errors import Conflict, NotFound, ValidationFailed
from helpdesk.services import Actor, TicketChanges
from helpdesk.store import Store
from helpdesk.tables import ticket_t, user_t
from routing import assign, context, decide, effects
from routing import store as routing_store
from routing.config import RoutingConfig
from routing.rules import Action, FactValue, Firing, Outcome, Rule, Trigger, evaluate, listens

if TYPE_CHECKING:  # scikit-learn is imported only where a model is used
    from routing.classifier import Prediction

SYSTEM = Actor.system()
OUTSIDE = frozenset({"send_reply", "notify", "call_webhook", "require_skills"})


# Built once: asked after every new ticket's routing.
_TEAM_AND_ASSIGNEE = select(ticket_t.c.team_id, ticket_t.c.assignee_id).where(
    ticket_t.c.id == bindparam("k_id")
)


@dataclass(frozen=True, slots=True)
class Insight:
    """What the text says, worked out before the unit of work opens: language detection and
    classification are CPU work that must hold neither the event loop nor a database lock."""

    language: str | None = None
    prediction: Prediction | None = None  # None: no classifier is trained


@dataclass
class Routing:
    """One unit of work's routing: the store, the configuration and the directory."""

    store: Store
    config: RoutingConfig
    found: context.Directory

    @classmethod
    async def open(cls, store: Store) -> Routing:
        return cls(store, await routing_store.load_config(store), await context.directory(store))

    async def route_new(
        self,
        ticket_id: int,
        chain: frozenset[str],
        insight: Insight,
        seen: context.TicketView | None = None,
    ) -> frozenset[str]:
        """Decide everything for a newly opened ticket; returns the rules that fired. `seen`:
        its view as read before this unit of work, brought up to date here."""
        if seen is not None and seen.id == ticket_id:
            view = await context.brought_up_to_date(self.store, seen, for_update=True)
        else:
            view = await context.ticket_view(self.store, ticket_id, for_update=True)
        if view is None or view.row["merged_into_id"] is not None:
            return chain
        if view.row["status"] == Status.CLOSED.value:
            return chain
        # A change hands back the row as written: the view stays current without reading it.
        view = await self._language(view, insight.language)
        if view.row["category_id"] is None:
            view = await self._categorise(view, insight.prediction)
        await self._team_and_priority(view)
        # The assignee is chosen in a unit of work of its own (`assign_new`), after this one
        # commits: assignment locks the team before the ticket, and holding the ticket here
        # while waiting for the team could deadlock against a queue being drained.
        return await self.run_rules(ticket_id, "created", chain)

    async def may_assign(self, ticket_id: int) -> bool:
        """Whether `assign_new` could assign the ticket: it has no assignee and a team that
        assigns automatically. Spares a write transaction that would change nothing."""
        row = (await self.store.execute(_TEAM_AND_ASSIGNEE, {"k_id": ticket_id})).first()
        if row is None or row.assignee_id is not None or row.team_id is None:
            return False
        team = self.found.team_name(int(row.team_id))
        return team is not None and self.config.team_assignment(team).strategy != "none"

    async def assign_new(self, ticket_id: int) -> bool:
        view = await context.ticket_view(self.store, ticket_id)
        if view is None or view.row["assignee_id"] is not None or view.row["team_id"] is None:
            return False
        return await self.assign(ticket_id, int(view.row["team_id"]))

    async def _reload(self, ticket_id: int) -> context.TicketView:
        view = await context.ticket_view(self.store, ticket_id)
        if view is None:
            raise NotFound(f"ticket {ticket_id} disappeared")
        return view

    async def _language(self, view: context.TicketView, found: str | None) -> context.TicketView:
        """Record the detected language; `view` with the ticket's row as it now stands."""
        if view.message_id is None or found is None:
            return view
        await services.set_message_language(self.store, view.message_id, found)
        if view.row["language"] is not None:
            return view  # a language the customer chose (a form's, a chat app's) stands
        row = await services.update_ticket(
            self.store,
            view.id,
            SYSTEM,
            TicketChanges(language=found),
            reason=f"language {found} detected from the message",
            row=view.row,
        )
        return replace(view, row=row)

    async def _categorise(
        self, view: context.TicketView, prediction: Prediction | None
    ) -> context.TicketView:
        """Set the category, or record why none was chosen; `view` with the ticket's row as
        it now stands."""
        decision = decide.categorise(
            view.text,
            view.hints,
            names=self.found.names,
            keyword_rules=self.config.keyword_rules,
            prediction=prediction,
            threshold=self.config.threshold,
        )
        if decision.value is None:
            await services.record_decision(
                self.store, view.id, SYSTEM, AuditKind.TRIAGE, decision.reason
            )
            return view
        row = await services.update_ticket(
            self.store,
            view.id,
            SYSTEM,
            TicketChanges(category_id=self.found.categories[decision.value].id),
            reason=decision.reason,
            row=view.row,
        )
        return replace(view, row=row)

    async def _team_and_priority(self, view: context.TicketView) -> None:
        category = self.found.category_by_id(view.row["category_id"])
        if view.row["team_id"] is None:
            team = decide.choose_team(
                category.name if category else None,
                category.team if category else None,
                view.hints,
                set(self.found.teams),
            )
            if team.value is not None:
                await services.update_ticket(
                    self.store,
                    view.id,
                    SYSTEM,
                    TicketChanges(team_id=self.found.teams[team.value]),
                    reason=team.reason,
                )
            elif view.row["category_id"] is not None:
                await services.record_decision(
                    self.store, view.id, SYSTEM, AuditKind.TRIAGE, team.reason
                )
        priority = decide.choose_priority(
            view.row["priority"],
            category.name if category else None,
            category.priority if category else None,
            view.hints,
        )
        if priority.value and priority.value != view.row["priority"]:
            await services.update_ticket(
                self.store,
                view.id,
                SYSTEM,
                TicketChanges(priority=priority.value),
                reason=priority.reason,
            )

    async def _previous_assignee(self, view: context.TicketView) -> int | None:
        """Sticky: a follow-up of a closed ticket goes back to whoever had the original."""
        original = view.row["follow_up_of_id"]
        if original is None:
            return None
        before = await context.ticket_view(self.store, int(original))
        return int(before.row["assignee_id"]) if before and before.row["assignee_id"] else None

    # Assignment -------------------------------------------------------------------------

    async def assign(
        self,
        ticket_id: int,
        team_id: int,
        *,
        previous: int | None = None,
        note_waiting: bool = True,
    ) -> bool:
        """Assign an unassigned ticket in `team_id`; False when it must wait for capacity."""
        team = self.found.team_name(team_id)
        setup = self.config.team_assignment(team or "")
        if team is None or setup.strategy == "none":
            return False
        await context.lock_team(self.store, team_id)
        view = await context.ticket_view(self.store, ticket_id, for_update=True)
        if (
            view is None
            or view.row["assignee_id"] is not None
            or view.row["team_id"] != team_id
            or view.row["status"] not in assign.LOAD_STATUSES
            or _with_bot(view.row)
        ):
            return False
        agents = await context.team_agents(self.store, team_id, setup.capacity)
        if previous is None:
            previous = await self._previous_assignee(view)
        required = await self._required_skills(view)
        choice = assign.choose(agents, setup.strategy, previous, required)
        if choice is None:
            if not note_waiting:
                return False
            skills = f" with {', '.join(sorted(required))}" if required else ""
            await services.record_decision(
                self.store,
                ticket_id,
                SYSTEM,
                AuditKind.ASSIGNMENT_WAITING,
                f"waiting: nobody in {team}{skills} is online with capacity",
            )
            return False
        await services.update_ticket(
            self.store,
            ticket_id,
            SYSTEM,
            TicketChanges(assignee_id=choice.user_id),
            reason=choice.reason,
        )
        await routing_store.mark_assigned(self.store, choice.user_id, self.store.now())
        return True

    async def drain(self, team_id: int) -> int:
        """Assign the team's waiting tickets, highest priority then oldest, while anyone has
        capacity. Returns how many were assigned."""
        team = self.found.team_name(team_id)
        if team is None or self.config.team_assignment(team).strategy == "none":
            return 0
        await context.lock_team(self.store, team_id)
        assigned = 0
        capacity = self.config.team_assignment(team).capacity
        for item in assign.queue_order(await context.waiting(self.store, team_id)):
            if await self.assign(item.ticket_id, team_id, note_waiting=False):
                assigned += 1
            elif not assign.has_room(await context.team_agents(self.store, team_id, capacity)):
                break  # everyone is full; a ticket needing other skills may still fit
        return assigned

    async def _required_skills(self, view: context.TicketView) -> frozenset[str]:
        """The category's skills, the language's (when configured) and a rule's."""
        category = self.found.category_by_id(view.row["category_id"])
        needed = list(self.config.category_skills.get(category.slug, [])) if category else []
        if self.config.language_skills and view.row["language"]:
            needed.append(f"language:{view.row['language']}")
        needed += await routing_store.ticket_skills(self.store, view.id)
        return frozenset(routing_store.normalise_skills(needed))

    # Rules ------------------------------------------------------------------------------

    async def facts(self, ticket_id: int) -> dict[str, FactValue] | None:
        view = await context.ticket_view(self.store, ticket_id)
        if view is None or view.row["merged_into_id"] is not None:
            return None
        return context.facts(
            view,
            self.found,
            now=self.store.now(),
            tz=self.config.timezone,
            hours=self.config.hours,
        )

    async def outcome(
        self,
        ticket_id: int,
        trigger: Trigger,
        chain: frozenset[str],
        *,
        rules: Sequence[Rule] | None = None,
        fired_before: dict[str, int] | None = None,
    ) -> Outcome | None:
        facts = await self.facts(ticket_id)
        if facts is None:
            return None
        return evaluate(
            self.config.rules if rules is None else rules,
            trigger,
            facts,
            fired_before=(
                await context.rule_firings(self.store, ticket_id)
                if fired_before is None
                else fired_before
            ),
            chain=chain,
            max_per_ticket=self.config.max_rule_firings_per_ticket,
        )

    async def run_rules(
        self,
        ticket_id: int,
        trigger: Trigger,
        chain: frozenset[str],
        *,
        rules: Sequence[Rule] | None = None,
    ) -> frozenset[str]:
        """Evaluate the rules on the ticket and apply what fires; returns the grown chain."""
        candidates = self.config.rules if rules is None else rules
        if not listens(candidates, trigger):
            return chain  # none could fire: spare reading the ticket's facts
        result = await self.outcome(ticket_id, trigger, chain, rules=rules)
        if result is None:
            return chain
        for firing in result.firings:
            await services.record_decision(
                self.store,
                ticket_id,
                SYSTEM,
                AuditKind.RULE_FIRED,
                f"rule '{firing.rule}' fired on {trigger}",
                rule=firing.rule,
            )
            await self.apply(ticket_id, firing)
        return chain | {f.rule for f in result.firings}

    async def apply(self, ticket_id: int, firing: Firing, by: str = "rule") -> None:
        for action in firing.actions:
            why = f"by {by} '{firing.rule}'"
            try:
                await self._apply(ticket_id, action, why, firing.rule)
            except (Conflict, NotFound, ValidationFailed, ValueError) as exc:
                await services.record_decision(
                    self.store,
                    ticket_id,
                    SYSTEM,
                    AuditKind.RULE_FAILED,
                    f"{by} '{firing.rule}' could not {action.kind}: {exc}",
                    rule=firing.rule,
                )

    async def _apply(self, ticket_id: int, action: Action, why: str, rule: str) -> None:
        if action.kind in OUTSIDE:
            await self._reach_out(ticket_id, action, why, rule)
            return
        value = action.values()[0] if action.values() else ""
        changes: TicketChanges
        if action.kind == "set_category":
            category = self.found.categories.get(value)
            if category is None:
                raise ValueError(f"no category {value!r}")
            changes, reason = (
                TicketChanges(category_id=category.id),
                f"category {category.name} {why}",
            )
        elif action.kind == "set_team":
            if value not in self.found.teams:
                raise ValueError(f"no team {value!r}")
            changes, reason = TicketChanges(team_id=self.found.teams[value]), f"team {value} {why}"
        elif action.kind == "set_priority":
            changes, reason = (
                TicketChanges(priority=Priority(value).value),
                f"priority {value} {why}",
            )
        elif action.kind == "set_status":
            changes, reason = TicketChanges(status=Status(value)), f"status {value} {why}"
        elif action.kind in ("add_tags", "remove_tags"):
            view = await self._reload(ticket_id)
            current = set(view.row["tags"] or [])
            given = {t.strip().lower() for t in action.values() if t.strip()}
            tags = current | given if action.kind == "add_tags" else current - given
            changes, reason = TicketChanges(tags=sorted(tags)), f"tags {why}"
        elif action.kind == "assign":
            user_id = await _user_by_email(self.store, value)
            changes, reason = TicketChanges(assignee_id=user_id), f"assigned to {value} {why}"
        else:  # add_note
            await services.add_note(self.store, ticket_id, SYSTEM, f"{value}\n\n({why})")
            return
        await services.update_ticket(self.store, ticket_id, SYSTEM, changes, reason=reason)

    async def _reach_out(self, ticket_id: int, action: Action, why: str, rule: str) -> None:
        """The actions beyond the ticket's fields, each written on the timeline."""
        if action.kind == "require_skills":
            skills = await routing_store.require_skills(self.store, ticket_id, action.values())
            reason = f"needs skills {', '.join(skills)} {why}"
        elif action.kind == "call_webhook":
            outbox_id = await effects.call_webhook(
                self.store, ticket_id, int(action.values()[0]), rule
            )
            reason = f"webhook {action.value} queued {why} (delivery {outbox_id})"
        else:
            facts = await self.facts(ticket_id) or {}
            text = effects.fill(action.text, await effects.values(self.store, ticket_id, facts))
            if action.kind == "send_reply":
                await effects.send_reply(self.store, ticket_id, text)
                return  # the reply is on the timeline itself, with its delivery state
            users, missing = await effects.recipients(
                self.store, ticket_id, action.values(), self.found
            )
            if not users:
                raise ValueError(f"nobody to notify ({', '.join(missing)})")
            count = await effects.notify(self.store, ticket_id, users, text)
            reason = f"{count} notified {why}" + (
                f"; nobody for {', '.join(missing)}" if missing else ""
            )
        await services.record_decision(
            self.store, ticket_id, SYSTEM, AuditKind.RULE_ACTION, reason, rule=rule
        )


def _with_bot(row: dict[str, object]) -> bool:
    """A bot's ticket stays out of human queues until the bot hands it over."""
    return row.get("bot_id") is not None and row.get("handed_over_at") is None


async def _user_by_email(store: Store, email: str) -> int:
    found = (
        await store.execute(select(user_t.c.id).where(func.lower(user_t.c.email) == email.lower()))
    ).scalar_one_or_none()
    if found is None:
        raise ValueError(f"no user {email!r}")
    return int(found)
