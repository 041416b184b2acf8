"""Presence: who has which ticket open, or is writing an answer to it — in the database
(`store/presence.py`), so every server process sees the same; a change goes to every
process's event streams as a `presence` row of the change log."""

from __future__ import annotations

from datetime import datetime, timedelta

from deskline.clock import from_db, to_db, utcnow
from deskline.models import Agent
from deskline.server.schemas import Presence, PresenceState
from deskline.store.interface import Store


class PresenceBoard:
    """Who is on which ticket; an entry lapses `ttl` seconds after its last heartbeat."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl

    def set(self, store: Store, ticket_id: int, agent: Agent,
            state: PresenceState, now: datetime | None = None) -> bool:
        """Record a heartbeat; True when what others see changed (then told)."""
        now = now or utcnow()
        with store.transaction():
            old = store.presence_state(ticket_id, agent.id, to_db(now))
            until = to_db(now + timedelta(seconds=self.ttl))
            if state is PresenceState.gone:
                store.clear_presence(ticket_id, agent.id)
                changed = old is not None
            elif old == state.value:
                store.extend_presence(ticket_id, agent.id, until)
                changed = False
            else:
                store.set_presence(ticket_id, agent.id, state.value, to_db(now), until)
                changed = True
            if changed:
                store.log_presence(ticket_id)
        return changed

    def get(self, store: Store, ticket_id: int) -> list[Presence]:
        return [Presence(agent_id=aid, agent_name=name, state=PresenceState(state),
                         since=from_db(since))
                for aid, name, state, since in store.presence_on(ticket_id, to_db(utcnow()))]

    def expire(self, store: Store) -> list[int]:
        """Drop lapsed entries, telling their tickets' streams; those tickets."""
        now = to_db(utcnow())
        if not store.lapsed_presence(now):  # a read: most sweeps find none
            return []
        with store.transaction():
            tickets = store.drop_lapsed_presence(now)
            for ticket_id in tickets:
                store.log_presence(ticket_id)
        return tickets
