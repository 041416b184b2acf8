"""Resolving @mentions in internal comments to agents."""

from __future__ import annotations

import pytest

from deskline.models import Agent, Role
from deskline.rules.mentions import find_mentions

AGENTS = [
    Agent(id=1, email="alice@example.com", name="Alice Martin"),
    Agent(id=2, email="Bob@Example.com", name="Bob Stone", role=Role.admin),
    Agent(id=3, email="acooper@example.com", name="Alice Cooper"),
    Agent(id=4, email="carol@example.com", name="Carol Client", role=Role.portal),
    Agent(id=5, email="dave@example.com", name="Dave Gone", active=False),
    Agent(id=6, email="erin.smith@corp.example", name="Erin Smith"),
    Agent(id=7, email="slee@example.com", name="Sam Lee"),
    Agent(id=8, email="sroy@example.com", name="Sam Roy"),
    Agent(id=9, email="jo-ann+desk@example.com", name="Jo Ann"),
]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("@alice please look", [1]),  # email local part
        ("cc @Bob", [2]),  # admins can be mentioned, case ignored
        ("@bob@example.com had this before", [2]),  # whole address
        ("@BOB@EXAMPLE.COM", [2]),
        ("@AliceMartin and @alicecooper", [1, 3]),  # names without spaces
        ("@Erin can you check", [6]),  # unique first name
        ("@erin.smith", [6]),
        ("@jo-ann+desk", [9]),
        ("@JoAnn", [9]),
        ("@sam", []),  # two agents are called Sam: ambiguous, nobody
        ("@SamLee", [7]),
        ("@carol", []),  # portal accounts are not agents
        ("@CarolClient", []),
        ("@dave", []),  # inactive
        ("@nobody", []),
        ("", []),
        ("no mentions here", []),
    ],
)
def test_tokens_resolve_to_agents(body: str, expected: list[int]) -> None:
    assert find_mentions(body, AGENTS) == expected


@pytest.mark.parametrize(
    "body",
    [
        "write to bob@example.com",
        "mail:bob@example.com",
        "user_bob@example.com",
        "alice@example.com reported it",
    ],
)
def test_email_addresses_in_the_text_are_not_mentions(body: str) -> None:
    assert find_mentions(body, AGENTS) == []


@pytest.mark.parametrize(
    "body",
    ["Thanks @bob.", "@bob, see above", "@bob; @bob: @bob! @bob?", "(@bob)", "ask @bob...",
     "@bob@example.com.", "\n@bob\n"],
)
def test_trailing_punctuation_and_surroundings(body: str) -> None:
    assert find_mentions(body, AGENTS) == [2]


def test_order_of_first_appearance_without_duplicates() -> None:
    body = "@bob and @erin, then @alice; @Bob again and @bob@example.com"
    assert find_mentions(body, AGENTS) == [2, 6, 1]


def test_first_name_is_unique_among_mentionable_agents_only() -> None:
    agents = [
        Agent(id=1, email="fm@example.com", name="Frank Miller"),
        Agent(id=2, email="fo@example.com", name="Frank Old", active=False),
        Agent(id=3, email="fp@example.com", name="Frank Portal", role=Role.portal),
    ]
    assert find_mentions("@frank", agents) == [1]


def test_an_earlier_kind_of_match_wins_over_a_first_name() -> None:
    agents = [
        Agent(id=1, email="max@example.com", name="Maxine Hall"),
        Agent(id=2, email="mr@example.com", name="Max Roth"),
    ]
    # "max" is agent 1's email local part before it is agent 2's first name.
    assert find_mentions("@max", agents) == [1]
    assert find_mentions("@MaxRoth", agents) == [2]


def test_no_agents() -> None:
    assert find_mentions("@alice", []) == []
