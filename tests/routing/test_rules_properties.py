"""Rule evaluation is pure and always ends: property tests over random rule sets and facts."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from routing.rules import Action, Condition, FactValue, Rule, apply, evaluate

VALUES = ["billing", "tech", "high", "urgent", "vip", "tr", "en", "email", "web_form"]
FIELDS = [
    "ticket.category",
    "ticket.team",
    "ticket.priority",
    "ticket.language",
    "ticket.channel",
    "customer.tier",
    "ticket.tags",
]

conditions = st.builds(
    Condition,
    field=st.sampled_from(FIELDS),
    op=st.sampled_from(["is", "is_not", "contains", "not_contains"]),
    value=st.sampled_from(VALUES),
)
actions = st.one_of(
    st.builds(Action, kind=st.just("set_category"), value=st.sampled_from(["billing", "tech"])),
    st.builds(Action, kind=st.just("set_team"), value=st.sampled_from(["billing", "tech"])),
    st.builds(Action, kind=st.just("set_priority"), value=st.sampled_from(["high", "urgent"])),
    st.builds(
        Action, kind=st.just("add_tags"), value=st.lists(st.sampled_from(VALUES), max_size=2)
    ),
    st.builds(
        Action, kind=st.just("remove_tags"), value=st.lists(st.sampled_from(VALUES), max_size=2)
    ),
)


@st.composite
def rule_sets(draw: Any) -> list[Rule]:
    count = draw(st.integers(0, 6))
    return [
        Rule(
            name=f"r{i}",
            on=draw(st.lists(st.sampled_from(["created", "updated"]), min_size=1, unique=True)),
            all=draw(st.lists(conditions, max_size=2)),
            any=draw(st.lists(conditions, max_size=2)),
            actions=draw(st.lists(actions, min_size=1, max_size=3)),
        )
        for i in range(count)
    ]


facts_st = st.fixed_dictionaries(
    {
        "ticket.category": st.sampled_from([None, "billing", "tech"]),
        "ticket.team": st.sampled_from([None, "billing", "tech"]),
        "ticket.priority": st.sampled_from(["normal", "high"]),
        "ticket.language": st.sampled_from([None, "tr", "en"]),
        "ticket.channel": st.sampled_from(["email", "web_form"]),
        "customer.tier": st.sampled_from([None, "vip"]),
        "ticket.tags": st.lists(st.sampled_from(VALUES), max_size=3).map(
            lambda t: tuple(sorted(set(t)))
        ),
    }
)


@settings(max_examples=200, deadline=None)
@given(rule_sets(), facts_st, st.sampled_from(["created", "updated"]))
def test_each_rule_fires_at_most_once_per_chain_and_only_when_it_matches(
    rules: list[Rule], facts: dict[str, Any], trigger: Any
) -> None:
    outcome = evaluate(rules, trigger, facts)
    names = [f.rule for f in outcome.firings]
    assert len(names) == len(set(names)) <= len(rules)
    # Replaying the firings in order: each rule matched the facts as they were when it fired.
    current: dict[str, Any] = dict(facts)
    by_name = {r.name: r for r in rules}
    for firing in outcome.firings:
        rule = by_name[firing.rule]
        assert trigger in rule.on and rule.matches(current)
        current = apply(current, rule.actions)
    assert current == dict(outcome.facts)
    # At the end no unfired rule for this trigger matches: the chain reached a fixed point.
    assert not any(r.matches(current) and trigger in r.on for r in rules if r.name not in names)


@settings(max_examples=200, deadline=None)
@given(rule_sets(), facts_st)
def test_evaluation_is_deterministic_and_does_not_touch_its_input(
    rules: list[Rule], facts: dict[str, Any]
) -> None:
    before = dict(facts)
    first = evaluate(rules, "created", facts)
    assert evaluate(rules, "created", facts) == first
    assert facts == before


@settings(max_examples=200, deadline=None)
@given(rule_sets(), facts_st, st.integers(1, 3))
def test_the_per_ticket_bound_and_the_chain_stop_rules(
    rules: list[Rule], facts: dict[str, Any], bound: int
) -> None:
    fired = {r.name: bound for r in rules[::2]}
    outcome = evaluate(rules, "created", facts, fired_before=fired, max_per_ticket=bound)
    assert not {f.rule for f in outcome.firings} & set(fired)
    chained = evaluate(rules, "created", facts, chain=frozenset(r.name for r in rules))
    assert chained.firings == ()


def test_conditions_fold_case_and_turkish_letters() -> None:
    rule = Rule(
        name="refunds to billing",
        all=[Condition(field="message.text", op="contains", value="iade")],
        actions=[Action(kind="set_team", value="Billing")],
    )
    outcome = evaluate([rule], "created", {"message.text": "İADE istiyorum"})
    assert [f.rule for f in outcome.firings] == ["refunds to billing"]
    assert outcome.facts["ticket.team"] == "Billing"


def test_all_and_any_combine() -> None:
    rule = Rule(
        name="vip urgent",
        all=[Condition(field="customer.tier", value="vip")],
        any=[
            Condition(field="ticket.priority", value="high"),
            Condition(field="time.business_hours", value=False),
        ],
        actions=[Action(kind="set_priority", value="urgent")],
    )
    base: dict[str, FactValue] = {
        "customer.tier": "vip",
        "ticket.priority": "normal",
        "time.business_hours": True,
    }
    assert evaluate([rule], "created", base).firings == ()
    assert evaluate([rule], "created", {**base, "time.business_hours": False}).firings
    assert not evaluate([rule], "created", {**base, "customer.tier": None}).firings


def test_rules_are_validated_data_not_code() -> None:
    with pytest.raises(ValidationError, match="regular expression"):
        Condition(field="message.text", op="matches", value="(unclosed")
    with pytest.raises(ValidationError):
        Condition.model_validate({"field": "__import__('os')", "value": "x"})
    with pytest.raises(ValidationError, match="list"):
        Condition(field="ticket.team", op="in", value="Billing")
    with pytest.raises(ValidationError):
        Rule(name="nothing to do", actions=[])
