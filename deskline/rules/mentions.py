"""`@mentions` in internal comments: which agents a comment notifies."""

from __future__ import annotations

import re
from collections.abc import Sequence

from deskline.models import Agent, Role

# An @ that does not follow a word character (so bob@example.com in the text is no
# mention), then letters, digits, . _ + - and an optional @domain.
_MENTION = re.compile(r"(?<![\w@])@([\w.+\-]+(?:@[\w.\-]+)?)")
_TRAILING = ".,;:!?@"


def _key(text: str) -> str:
    return text.casefold()


def find_mentions(body: str, agents: Sequence[Agent]) -> list[int]:
    """Ids of the agents mentioned in `body`, in order of first mention, each once.

    Only active agents and admins can be mentioned (never portal accounts). A token is
    tried, ignoring case, as a whole email address, then as an email's local part, then
    as a name with its spaces removed (@AliceMartin), then as a first name when exactly
    one agent has it. The first of these that matches anyone decides; if it matches
    several agents the mention is ambiguous and notifies nobody rather than a guess.
    """
    eligible = [
        agent
        for agent in agents
        if agent.active and agent.role in (Role.agent, Role.admin)
    ]
    if not eligible or "@" not in body:
        return []
    lookups: list[dict[str, list[int]]] = [{}, {}, {}, {}]
    for agent in eligible:
        email = _key(agent.email)
        words = agent.name.split()
        keys = (
            email,
            email.rpartition("@")[0] if "@" in email else "",
            _key("".join(words)),
            _key(words[0]) if words else "",
        )
        for lookup, key in zip(lookups, keys, strict=True):
            ids = lookup.setdefault(key, []) if key else None
            if ids is not None and agent.id not in ids:
                ids.append(agent.id)

    found: list[int] = []
    for match in _MENTION.finditer(body):
        token = _key(match.group(1).rstrip(_TRAILING))
        if not token:
            continue
        for lookup in lookups:
            ids = lookup.get(token)
            if ids:
                if len(ids) == 1 and ids[0] not in found:
                    found.append(ids[0])
                break
    return found
