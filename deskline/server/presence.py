"""Presence: who has which ticket open, or is writing an answer to it (in memory)."""

from __future__ import annotations

import threading
import time

from deskline.clock import utcnow
from deskline.models import Agent
from deskline.server.schemas import Presence, PresenceState


class PresenceBoard:
    """Who has which ticket open, in memory; an entry lapses without a heartbeat."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._by_ticket: dict[int, dict[int, tuple[Presence, float]]] = {}
        self._lock = threading.Lock()

    def set(self, ticket_id: int, agent: Agent, state: PresenceState) -> bool:
        """Record a heartbeat; True when what others see changed."""
        now = time.monotonic()
        with self._lock:
            entries = self._by_ticket.setdefault(ticket_id, {})
            old = entries.get(agent.id)
            if state is PresenceState.gone:
                entries.pop(agent.id, None)
                if not entries:
                    self._by_ticket.pop(ticket_id, None)
                return old is not None
            if old is not None and old[0].state is state:
                entries[agent.id] = (old[0], now + self.ttl)
                return False
            entries[agent.id] = (Presence(agent_id=agent.id, agent_name=agent.name, state=state,
                                          since=utcnow()), now + self.ttl)
            return True

    def get(self, ticket_id: int) -> list[Presence]:
        now = time.monotonic()
        with self._lock:
            entries = self._by_ticket.get(ticket_id, {})
            return [p for p, until in entries.values() if until > now]

    def expire(self) -> list[int]:
        """Drop lapsed entries; the tickets whose presence changed."""
        now = time.monotonic()
        changed = []
        with self._lock:
            for tid, entries in list(self._by_ticket.items()):
                lapsed = [aid for aid, (_p, until) in entries.items() if until <= now]
                for aid in lapsed:
                    del entries[aid]
                if lapsed:
                    changed.append(tid)
                if not entries:
                    del self._by_ticket[tid]
        return changed
